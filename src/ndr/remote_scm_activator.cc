#include "openadcs/ndr/remote_scm_activator.h"

#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/ndr/objref.h"

namespace openadcs::ndr::remote_scm_activator {
namespace {

// An [in, unique] MInterfacePointer* parameter, flushed. *present says
// whether it was non-NULL; abData lands in *abdata.
Status ReadInterfaceParameter(NdrReader& r, bool* present, Bytes* abdata) {
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
      present, [abdata](NdrReader& pr) { return objref::ReadInterfacePointer(pr, abdata); }));
  return r.FlushDeferred();
}

void WriteInterfaceParameter(NdrWriter& w, bool present, const Bytes& abdata) {
  w.WriteUniquePointer(present,
                       [&abdata](NdrWriter& pw) { objref::WriteInterfacePointer(pw, abdata); });
  w.FlushDeferred();
}

Result<ActivationRequest> DecodeRequest(std::span<const std::uint8_t> stub, const NdrLimits& limits,
                                        bool has_unk_outer) {
  NdrReader r(stub, limits);
  ActivationRequest in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  if (has_unk_outer) {
    Bytes unk_outer;  // only its presence matters: it is refused
    OPENADCS_RETURN_IF_ERROR(ReadInterfaceParameter(r, &in.unk_outer_present, &unk_outer));
  }
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(ReadInterfaceParameter(r, &present, &in.activation_properties));
  return in;
}

Bytes EncodeRequest(const ActivationRequest& in, bool has_unk_outer) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  // The caller's outer unknown is never sent over DCOM; an empty one stands
  // in for it so that a server's refusal can be tested.
  if (has_unk_outer) WriteInterfaceParameter(w, in.unk_outer_present, {});
  WriteInterfaceParameter(w, !in.activation_properties.empty(), in.activation_properties);
  return std::move(w).Take();
}

}  // namespace

Result<ActivationRequest> DecodeRemoteCreateInstanceRequest(std::span<const std::uint8_t> stub,
                                                            const NdrLimits& limits) {
  return DecodeRequest(stub, limits, true);
}

Result<ActivationRequest> DecodeRemoteGetClassObjectRequest(std::span<const std::uint8_t> stub,
                                                            const NdrLimits& limits) {
  return DecodeRequest(stub, limits, false);
}

Bytes EncodeActivationResponse(const ActivationResponse& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  WriteInterfaceParameter(w, !out.activation_properties.empty(), out.activation_properties);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeRemoteCreateInstanceRequest(const ActivationRequest& in) {
  return EncodeRequest(in, true);
}

Bytes EncodeRemoteGetClassObjectRequest(const ActivationRequest& in) {
  return EncodeRequest(in, false);
}

Result<ActivationResponse> DecodeActivationResponse(std::span<const std::uint8_t> stub,
                                                    const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ActivationResponse out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(ReadInterfaceParameter(r, &present, &out.activation_properties));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

}  // namespace openadcs::ndr::remote_scm_activator
