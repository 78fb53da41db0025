// What every ORPC method on the object exporter does before and after its
// own work (MS-DCOM 3.1.1.5.4): decode the stub, check the caller's COM
// version from ORPCTHIS, and answer with ORPCTHAT and an HRESULT. The
// runtime's own interfaces (IRemUnknown(2), the activator) and every object
// interface share these, so that all answer a bad stub or a version
// mismatch the same way.
#ifndef OPENADCS_DCOM_ORPC_CALL_H_
#define OPENADCS_DCOM_ORPC_CALL_H_

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string_view>

#include "openadcs/ndr/orpc.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/status.h"

namespace openadcs::dcom {

// 0 when a call carrying `orpcthis` may run, else the HRESULT it fails with.
// ORPCTHIS flags are not checked: impacket sends ORPCF_LOCAL on activation.
std::uint32_t OrpcThisError(const ndr::orpc::OrpcThis& orpcthis);

// The decoded in-parameters of a call, or an error after which `*fault`
// holds the fault to answer with: RPC_X_BAD_STUB_DATA for an undecodable
// stub, RPC_E_VERSION_MISMATCH for a COM version we do not speak. Each
// refusal is logged with the caller and `method`. `In` has an `orpcthis`.
template <typename In>
Result<In> DecodeOrpcCall(Result<In> decoded, const rpc::CallContext& ctx, std::string_view method,
                          rpc::CallResult* fault) {
  if (!decoded.ok()) {
    spdlog::warn("{} from {}: undecodable {}: {}", ctx.ClientName(), ctx.peer_address, method,
                 decoded.status().message());
    *fault = rpc::CallResult::Fault(rpc::fault::kBadStubData);
    return decoded.status();
  }
  if (std::uint32_t hr = OrpcThisError(decoded->orpcthis); hr != 0) {
    spdlog::warn("{} from {}: {} with COM version {}.{}", ctx.ClientName(), ctx.peer_address,
                 method, decoded->orpcthis.version_major, decoded->orpcthis.version_minor);
    *fault = rpc::CallResult::Fault(hr);
    return Status::InvalidArgument("COM version mismatch");
  }
  return decoded;
}

// A response stub that is ORPCTHAT and `hresult` alone: every method whose
// only out-parameter is its return value.
rpc::CallResult HresultResponse(std::uint32_t hresult);

}  // namespace openadcs::dcom

#endif  // OPENADCS_DCOM_ORPC_CALL_H_
