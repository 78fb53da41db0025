// Kept apart from the object so that code using CertRequestObject alone
// (its tests) does not link the DCOM runtime.
#include <memory>

#include "openadcs/idl/icert_request_d.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/services/cert_request_service.h"

namespace openadcs::services {

Status RegisterCertRequestClass(dcom::DcomRuntime& runtime, ca::Engine& engine,
                                CertRequestOptions options) {
  namespace d = idl::icert_request_d;
  namespace d2 = idl::icert_request_d2;
  OPENADCS_RETURN_IF_ERROR(runtime.RegisterObjectInterface(
      {d::kUuid, d::kVersionMajor, d::kVersionMinor}, d::kOpnumCount));
  OPENADCS_RETURN_IF_ERROR(runtime.RegisterObjectInterface(
      {d2::kUuid, d2::kVersionMajor, d2::kVersionMinor}, d2::kOpnumCount));
  return runtime.RegisterClass(
      kClsidCertRequestD,
      [&engine, options](const rpc::CallContext&) -> Result<std::shared_ptr<dcom::ComObject>> {
        return std::shared_ptr<dcom::ComObject>(
            std::make_shared<CertRequestObject>(engine, options));
      });
}

}  // namespace openadcs::services
