// What the ICertPassage and ICertRequestD clients share, so that both
// authenticate alike and answer an enrollment with the same EnrollResult.
// Internal to openadcs_client.
#ifndef OPENADCS_SRC_CLIENT_ENROLL_COMMON_H_
#define OPENADCS_SRC_CLIENT_ENROLL_COMMON_H_

#include <cstdint>

#include "openadcs/client/cert_passage_client.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::client {

// The security context every authenticated bind of the clients uses, at
// options.level: Kerberos (auth type 16) with options.kerberos when set,
// else NTLM with options.credentials. Errors: Kerberos without usable
// credentials (kPermissionDenied) or with a bad service principal
// (kInvalidArgument).
Result<rpc::ClientAuth> NewClientAuth(const ConnectOptions& options);

// The result of a decoded enrollment response; `message` is the UTF-16LE
// disposition message. A message that is not valid UTF-16LE is left out
// rather than failing the call: the disposition already tells the outcome.
EnrollResult NewEnrollResult(std::uint32_t request_id, std::uint32_t disposition, Bytes certificate,
                             Bytes chain, std::uint32_t return_value, const Bytes& message);

}  // namespace openadcs::client

#endif  // OPENADCS_SRC_CLIENT_ENROLL_COMMON_H_
