#include "openadcs/ndr/oxid_resolver.h"

#include <string>

#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::oxid_resolver {
namespace {

// Most protocol sequences one ResolveOxid may request.
constexpr std::uint32_t kMaxProtseqs = 64;

// [out, ref] DUALSTRINGARRAY**: a unique pointer then the conformant
// structure, NULL when the call failed.
void WriteBindings(NdrWriter& w, bool present, const objref::DualStringArray& bindings) {
  w.WriteUniquePointer(present,
                       [&bindings](NdrWriter& pw) { objref::WriteDualStringArray(pw, bindings); });
  w.FlushDeferred();
}

Status ReadBindings(NdrReader& r, objref::DualStringArray* bindings) {
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
      &present, [bindings](NdrReader& pr) { return objref::ReadDualStringArray(pr, bindings); }));
  return r.FlushDeferred();
}

// [in, unique, size_is(n)] OID*: pointer, then the array, flushed.
void WriteOids(NdrWriter& w, const std::vector<std::uint64_t>& oids) {
  w.WriteUniquePointer(!oids.empty(), [&oids](NdrWriter& pw) {
    pw.WriteConformance(static_cast<std::uint32_t>(oids.size()));
    for (auto oid : oids) pw.WriteU64(oid);
  });
  w.FlushDeferred();
}

Status ReadOids(NdrReader& r, std::uint16_t count, std::vector<std::uint64_t>* oids) {
  if (count > kMaxPingOids) {
    return Status::InvalidArgument("ComplexPing carries " + std::to_string(count) + " OIDs");
  }
  auto read_array = [count, oids](NdrReader& pr) -> Status {
    std::uint32_t n = 0;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformance(&n, 8));
    if (n != count) return Status::InvalidArgument("OID array disagrees with its count");
    oids->resize(n);
    for (auto& oid : *oids) OPENADCS_RETURN_IF_ERROR(pr.ReadU64(&oid));
    return Status::Ok();
  };
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read_array));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  if (!present && count != 0) return Status::InvalidArgument("NULL OID array with a count");
  return Status::Ok();
}

Bytes EncodeResolve(const ResolveOxidResponse& out, bool version) {
  NdrWriter w;
  WriteBindings(w, out.status == kOk, out.bindings);
  w.WriteUuid(out.ipid_rem_unknown);
  w.WriteU32(out.authn_hint);
  if (version) {
    w.WriteU16(out.version_major);
    w.WriteU16(out.version_minor);
  }
  w.WriteU32(out.status);
  return std::move(w).Take();
}

}  // namespace

Result<ResolveOxidRequest> DecodeResolveOxidRequest(std::span<const std::uint8_t> stub,
                                                    const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ResolveOxidRequest in;
  std::uint16_t count = 0;
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&in.oxid));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&count));
  if (count == 0 || count > kMaxProtseqs) {
    return Status::InvalidArgument("ResolveOxid requests " + std::to_string(count) + " protseqs");
  }
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, 2));
  if (n != count) return Status::InvalidArgument("protseq array disagrees with its count");
  in.requested_protseqs.resize(n);
  for (auto& p : in.requested_protseqs) OPENADCS_RETURN_IF_ERROR(r.ReadU16(&p));
  return in;
}

Bytes EncodeResolveOxidRequest(const ResolveOxidRequest& in) {
  NdrWriter w;
  w.WriteU64(in.oxid);
  w.WriteU16(static_cast<std::uint16_t>(in.requested_protseqs.size()));
  w.WriteConformance(static_cast<std::uint32_t>(in.requested_protseqs.size()));
  for (auto p : in.requested_protseqs) w.WriteU16(p);
  return std::move(w).Take();
}

Bytes EncodeResolveOxidResponse(const ResolveOxidResponse& out) {
  return EncodeResolve(out, false);
}
Bytes EncodeResolveOxid2Response(const ResolveOxidResponse& out) {
  return EncodeResolve(out, true);
}

Result<ResolveOxidResponse> DecodeResolveOxid2Response(std::span<const std::uint8_t> stub,
                                                       const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ResolveOxidResponse out;
  OPENADCS_RETURN_IF_ERROR(ReadBindings(r, &out.bindings));
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&out.ipid_rem_unknown));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.authn_hint));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out.version_major));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out.version_minor));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.status));
  return out;
}

Result<SimplePingRequest> DecodeSimplePingRequest(std::span<const std::uint8_t> stub) {
  NdrReader r(stub);
  SimplePingRequest in;
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&in.set_id));
  return in;
}

Bytes EncodeSimplePingRequest(const SimplePingRequest& in) {
  NdrWriter w;
  w.WriteU64(in.set_id);
  return std::move(w).Take();
}

Result<ComplexPingRequest> DecodeComplexPingRequest(std::span<const std::uint8_t> stub,
                                                    const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ComplexPingRequest in;
  std::uint16_t add = 0;
  std::uint16_t remove = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&in.set_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&in.sequence));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&add));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&remove));
  OPENADCS_RETURN_IF_ERROR(ReadOids(r, add, &in.add));
  OPENADCS_RETURN_IF_ERROR(ReadOids(r, remove, &in.remove));
  return in;
}

Bytes EncodeComplexPingRequest(const ComplexPingRequest& in) {
  NdrWriter w;
  w.WriteU64(in.set_id);
  w.WriteU16(in.sequence);
  w.WriteU16(static_cast<std::uint16_t>(in.add.size()));
  w.WriteU16(static_cast<std::uint16_t>(in.remove.size()));
  WriteOids(w, in.add);
  WriteOids(w, in.remove);
  return std::move(w).Take();
}

Bytes EncodeComplexPingResponse(const ComplexPingResponse& out) {
  NdrWriter w;
  w.WriteU64(out.set_id);
  w.WriteU16(out.ping_backoff_factor);
  w.WriteU32(out.status);
  return std::move(w).Take();
}

Result<ComplexPingResponse> DecodeComplexPingResponse(std::span<const std::uint8_t> stub) {
  NdrReader r(stub);
  ComplexPingResponse out;
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&out.set_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out.ping_backoff_factor));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.status));
  return out;
}

Bytes EncodeStatusResponse(std::uint32_t status) {
  NdrWriter w;
  w.WriteU32(status);
  return std::move(w).Take();
}

Result<std::uint32_t> DecodeStatusResponse(std::span<const std::uint8_t> stub) {
  NdrReader r(stub);
  std::uint32_t status = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&status));
  return status;
}

// pReserved is an [out, ref] DWORD*: inline, always 0.
Bytes EncodeServerAlive2Response(const ServerAlive2Response& out) {
  NdrWriter w;
  w.WriteU16(out.version_major);
  w.WriteU16(out.version_minor);
  WriteBindings(w, out.status == kOk, out.bindings);
  w.WriteU32(0);
  w.WriteU32(out.status);
  return std::move(w).Take();
}

Result<ServerAlive2Response> DecodeServerAlive2Response(std::span<const std::uint8_t> stub,
                                                        const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ServerAlive2Response out;
  std::uint32_t reserved = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out.version_major));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out.version_minor));
  OPENADCS_RETURN_IF_ERROR(ReadBindings(r, &out.bindings));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&reserved));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.status));
  return out;
}

}  // namespace openadcs::ndr::oxid_resolver
