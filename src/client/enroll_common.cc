#include "client/enroll_common.h"

#include <string>
#include <utility>

#include "openadcs/util/utf16.h"

namespace openadcs::client {

rpc::ClientAuth NewNtlmAuth(const ConnectOptions& options) {
  rpc::ClientAuth a;
  a.type = auth::AuthType::kNtlm;
  a.level = options.level;
  a.context = auth::NewNtlmClientContext(options.credentials);
  return a;
}

EnrollResult NewEnrollResult(std::uint32_t request_id, std::uint32_t disposition, Bytes certificate,
                             Bytes chain, std::uint32_t return_value, const Bytes& message) {
  EnrollResult result;
  result.request_id = request_id;
  result.disposition = disposition;
  result.certificate = std::move(certificate);
  result.chain = std::move(chain);
  result.return_value = return_value;
  Result<std::string> text = Utf16LeBytesToUtf8(message);
  if (text.ok()) result.message = std::move(*text);
  return result;
}

}  // namespace openadcs::client
