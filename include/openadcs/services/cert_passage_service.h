// ICertPassage (MS-ICPR): CertServerRequest on the CA engine. A thin
// adapter: it decodes the stub, checks the protection and the attribute
// blob as MS-ICPR 3.2.4.1.1 requires, calls Engine::Submit as the
// authenticated client, and encodes what the engine answered.
#ifndef OPENADCS_SERVICES_CERT_PASSAGE_SERVICE_H_
#define OPENADCS_SERVICES_CERT_PASSAGE_SERVICE_H_

#include <cstddef>
#include <cstdint>

#include "openadcs/auth/security_context.h"
#include "openadcs/ca/engine.h"
#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/status.h"

namespace openadcs::services {

struct CertPassageOptions {
  // IF_ENFORCEENCRYPTICERTREQUEST: calls below this level get E_ACCESSDENIED.
  // kPrivacy (the default) or kIntegrity; unauthenticated calls never reach
  // the service (the runtime faults them with access denied).
  auth::AuthLevel required_level = auth::AuthLevel::kPrivacy;
  // Largest pctbAttribs blob, in bytes (UTF-16LE with its NUL).
  std::size_t max_attributes_bytes = std::size_t{16} * 1024;
  ndr::NdrLimits ndr_limits;

  // Errors: InvalidArgument naming the setting.
  Status Validate() const;
};

// Thread-safe; `engine` must outlive the service.
class CertPassageService : public rpc::InterfaceHandler {
 public:
  CertPassageService(ca::Engine& engine, CertPassageOptions options);

  rpc::SyntaxId syntax() const override;
  std::uint16_t opnum_count() const override;
  auth::AuthLevel minimum_auth_level() const override;
  rpc::CallResult Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override;

 private:
  ca::Engine& engine_;
  CertPassageOptions options_;
};

}  // namespace openadcs::services

#endif  // OPENADCS_SERVICES_CERT_PASSAGE_SERVICE_H_
