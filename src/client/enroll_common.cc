#include "client/enroll_common.h"

#include <memory>
#include <string>
#include <utility>

#include "openadcs/auth/kerberos_initiator.h"
#include "openadcs/util/utf16.h"

namespace openadcs::client {

Result<rpc::ClientAuth> NewClientAuth(const ConnectOptions& options) {
  rpc::ClientAuth a;
  a.level = options.level;
  if (!options.kerberos) {
    a.type = auth::AuthType::kNtlm;
    a.context = auth::NewNtlmClientContext(options.credentials);
    return a;
  }
  auth::KerberosInitiatorOptions kerberos;
  kerberos.ccache = options.kerberos->ccache;
  kerberos.target = options.kerberos->spn.empty() ? "host/" + options.host : options.kerberos->spn;
  Result<std::unique_ptr<auth::SecurityContext>> context = auth::NewKerberosClientContext(kerberos);
  if (!context.ok()) return context.status();
  a.type = auth::AuthType::kKerberos;
  a.context = std::move(*context);
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
