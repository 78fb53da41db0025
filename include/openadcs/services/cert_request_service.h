// ICertRequestD and ICertRequestD2 (MS-WCCE 3.2.1.4.2, 3.2.1.4.3) on the CA
// engine: the DCOM object behind CCertRequestD. A thin adapter: it decodes
// the stub, checks the authority, calls the engine as the authenticated
// client and encodes the answer.
//
// Return contract (MS-WCCE 3.2.1.4.2.1): Request and Request2 return 0 and
// put errors in pdwDisposition; pctbCertChain / pctbFullResponse is empty
// unless the certificate was issued, except that Request2 with
// CR_IN_FULLRESPONSE always returns the CA-signed CMC response (which carries
// the pending or failed status too). GetCACert and GetCAProperty return
// their error HRESULT (E_INVALIDARG for an authority that does not name this
// CA). An undecodable stub faults with kBadStubData; an ORPCTHIS whose major
// COM version is not 5 with RPC_E_VERSION_MISMATCH.
#ifndef OPENADCS_SERVICES_CERT_REQUEST_SERVICE_H_
#define OPENADCS_SERVICES_CERT_REQUEST_SERVICE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "openadcs/ca/engine.h"
#include "openadcs/dcom/com_object.h"
#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::services {

// CLSID of CCertRequestD (MS-WCCE 1.9).
inline constexpr Uuid kClsidCertRequestD{
    0xd99e6e74, 0xfc88, 0x11d0, {0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03, 0x12, 0xf3}};
// dwFlags CR_IN_FULLRESPONSE (MS-WCCE 3.2.1.4.3.1.1, bit Y).
inline constexpr std::uint32_t kCrInFullResponse = 0x00040000;

struct CertRequestOptions {
  ndr::NdrLimits ndr_limits;
};

// One per activation; thread-safe (it holds no per-call state).
class CertRequestObject : public dcom::ComObject {
 public:
  // `engine` must outlive the object.
  CertRequestObject(ca::Engine& engine, CertRequestOptions options);

  std::vector<rpc::SyntaxId> interfaces() const override;
  rpc::CallResult Call(const rpc::CallContext& ctx, const rpc::SyntaxId& iface, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override;

 private:
  rpc::CallResult Request(const rpc::CallContext& ctx, bool request2,
                          std::span<const std::uint8_t> stub);
  rpc::CallResult GetCaCert(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetCaProperty(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetCaPropertyInfo(const rpc::CallContext& ctx,
                                    std::span<const std::uint8_t> stub);
  rpc::CallResult Ping(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);

  ca::Engine& engine_;
  CertRequestOptions options_;
};

// Registers ICertRequestD and ICertRequestD2 as object interfaces and
// CCertRequestD as a class whose factory makes one CertRequestObject per
// activation. REQUIRES: before runtime.Handlers(); `engine` outlives the
// runtime. Errors: those of the runtime's registration (registered twice).
Status RegisterCertRequestClass(dcom::DcomRuntime& runtime, ca::Engine& engine,
                                CertRequestOptions options);

}  // namespace openadcs::services

#endif  // OPENADCS_SERVICES_CERT_REQUEST_SERVICE_H_
