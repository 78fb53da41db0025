// IRemoteSCMActivator (MS-DCOM 3.1.2.5.2.3): RemoteGetClassObject (opnum 3)
// and RemoteCreateInstance (opnum 4), requests and responses in both
// directions. Stubs are whole (ORPCTHIS / ORPCTHAT included); the activation
// properties travel as raw OBJREF bytes (see activation.h).
//
//   HRESULT RemoteGetClassObject([in] handle_t rpc, [in] ORPCTHIS* orpcthis,
//       [out] ORPCTHAT* orpcthat, [in, unique] MInterfacePointer* pActProperties,
//       [out] MInterfacePointer** ppActProperties);
//   HRESULT RemoteCreateInstance([in] handle_t rpc, [in] ORPCTHIS* orpcthis,
//       [out] ORPCTHAT* orpcthat, [in, unique] MInterfacePointer* pUnkOuter,
//       [in, unique] MInterfacePointer* pActProperties,
//       [out] MInterfacePointer** ppActProperties);
//
// Decoders fail with kInvalidArgument on malformed stubs and ignore bytes
// after the last parameter.
#ifndef OPENADCS_NDR_REMOTE_SCM_ACTIVATOR_H_
#define OPENADCS_NDR_REMOTE_SCM_ACTIVATOR_H_

#include <cstdint>
#include <optional>
#include <span>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr::remote_scm_activator {

struct ActivationRequest {
  orpc::OrpcThis orpcthis;
  // RemoteCreateInstance only: aggregation is not supported over DCOM
  // (MS-DCOM 3.1.2.5.2.3.3: pUnkOuter MUST be NULL); kept to refuse it.
  bool unk_outer_present = false;
  // pActProperties' abData; empty when the pointer was NULL.
  Bytes activation_properties;
  friend bool operator==(const ActivationRequest&, const ActivationRequest&) = default;
};

struct ActivationResponse {
  orpc::OrpcThat orpcthat;
  // ppActProperties' abData; empty encodes a NULL pointer.
  Bytes activation_properties;
  std::uint32_t hresult = 0;
  friend bool operator==(const ActivationResponse&, const ActivationResponse&) = default;
};

Result<ActivationRequest> DecodeRemoteCreateInstanceRequest(std::span<const std::uint8_t> stub,
                                                            const NdrLimits& limits = {});
Result<ActivationRequest> DecodeRemoteGetClassObjectRequest(std::span<const std::uint8_t> stub,
                                                            const NdrLimits& limits = {});
Bytes EncodeActivationResponse(const ActivationResponse& out);  // both methods

Bytes EncodeRemoteCreateInstanceRequest(const ActivationRequest& in);
Bytes EncodeRemoteGetClassObjectRequest(const ActivationRequest& in);
Result<ActivationResponse> DecodeActivationResponse(std::span<const std::uint8_t> stub,
                                                    const NdrLimits& limits = {});

}  // namespace openadcs::ndr::remote_scm_activator

#endif  // OPENADCS_NDR_REMOTE_SCM_ACTIVATOR_H_
