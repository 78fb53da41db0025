// What the ICertPassage and ICertRequestD clients share, so that both
// authenticate alike and answer an enrollment with the same EnrollResult.
// Internal to openadcs_client.
#ifndef OPENADCS_SRC_CLIENT_ENROLL_COMMON_H_
#define OPENADCS_SRC_CLIENT_ENROLL_COMMON_H_

#include <cstdint>

#include "openadcs/client/cert_passage_client.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/util/bytes.h"

namespace openadcs::client {

// NTLM with options.credentials at options.level.
rpc::ClientAuth NewNtlmAuth(const ConnectOptions& options);

// The result of a decoded enrollment response; `message` is the UTF-16LE
// disposition message. A message that is not valid UTF-16LE is left out
// rather than failing the call: the disposition already tells the outcome.
EnrollResult NewEnrollResult(std::uint32_t request_id, std::uint32_t disposition, Bytes certificate,
                             Bytes chain, std::uint32_t return_value, const Bytes& message);

}  // namespace openadcs::client

#endif  // OPENADCS_SRC_CLIENT_ENROLL_COMMON_H_
