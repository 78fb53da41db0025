#include "openadcs/dcom/orpc_call.h"

#include "openadcs/util/hresult.h"

namespace openadcs::dcom {

std::uint32_t OrpcThisError(const ndr::orpc::OrpcThis& orpcthis) {
  const bool speaks_ours = orpcthis.version_major == ndr::orpc::kComVersionMajor &&
                           orpcthis.version_minor <= ndr::orpc::kComVersionMinor;
  return speaks_ours ? 0 : hr::kRpcVersionMismatch;
}

rpc::CallResult HresultResponse(std::uint32_t hresult) {
  ndr::orpc::HresultOut out;
  out.hresult = hresult;
  return rpc::CallResult::Response(ndr::orpc::EncodeHresultResponse(out));
}

}  // namespace openadcs::dcom
