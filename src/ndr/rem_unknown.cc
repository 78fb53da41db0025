#include "openadcs/ndr/rem_unknown.h"

#include <string>

#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::rem_unknown {
namespace {

// A [size_is(count)] array's max_count, which must equal the count field
// the IDL sizes it by, within kMaxEntries.
Status ReadCount(NdrReader& r, std::uint32_t expected, std::size_t element_size) {
  if (expected > kMaxEntries) {
    return Status::InvalidArgument("IRemUnknown call carries " + std::to_string(expected) +
                                   " entries");
  }
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, element_size));
  if (n != expected) return Status::InvalidArgument("array size disagrees with its count");
  return Status::Ok();
}

Result<QueryInterfaceRequest> DecodeQi(std::span<const std::uint8_t> stub, const NdrLimits& limits,
                                       bool has_refs) {
  NdrReader r(stub, limits);
  QueryInterfaceRequest in;
  std::uint16_t count = 0;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&in.ipid));
  if (has_refs) OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.refs));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&count));
  OPENADCS_RETURN_IF_ERROR(ReadCount(r, count, 16));
  in.iids.resize(count);
  for (auto& iid : in.iids) OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&iid));
  return in;
}

Bytes EncodeQi(const QueryInterfaceRequest& in, bool has_refs) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUuid(in.ipid);
  if (has_refs) w.WriteU32(in.refs);
  w.WriteU16(static_cast<std::uint16_t>(in.iids.size()));
  w.WriteConformance(static_cast<std::uint32_t>(in.iids.size()));
  for (const auto& iid : in.iids) w.WriteUuid(iid);
  return std::move(w).Take();
}

Result<RefsRequest> DecodeRefs(std::span<const std::uint8_t> stub, const NdrLimits& limits) {
  NdrReader r(stub, limits);
  RefsRequest in;
  std::uint16_t count = 0;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&count));
  OPENADCS_RETURN_IF_ERROR(ReadCount(r, count, 24));
  in.refs.resize(count);
  for (auto& ref : in.refs) {
    OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&ref.ipid));
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&ref.public_refs));
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&ref.private_refs));
  }
  return in;
}

Bytes EncodeRefs(const RefsRequest& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteU16(static_cast<std::uint16_t>(in.refs.size()));
  w.WriteConformance(static_cast<std::uint32_t>(in.refs.size()));
  for (const auto& ref : in.refs) {
    w.WriteUuid(ref.ipid);
    w.WriteU32(ref.public_refs);
    w.WriteU32(ref.private_refs);
  }
  return std::move(w).Take();
}

// A top-level [out, size_is(n)] HRESULT*: a [ref] pointer, so the
// conformant array is inline.
void WriteHresults(NdrWriter& w, const std::vector<std::uint32_t>& hresults) {
  w.WriteConformance(static_cast<std::uint32_t>(hresults.size()));
  for (auto hr : hresults) w.WriteU32(hr);
}

Status ReadHresults(NdrReader& r, std::vector<std::uint32_t>* out) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, 4));
  if (n > kMaxEntries) return Status::InvalidArgument("too many HRESULTs");
  out->resize(n);
  for (auto& hr : *out) OPENADCS_RETURN_IF_ERROR(r.ReadU32(&hr));
  return Status::Ok();
}

// REMQIRESULT {HRESULT; STDOBJREF}: 8-aligned because of the STDOBJREF's
// hypers.
Status ReadQiResults(NdrReader& r, std::vector<QiResult>* out) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, 8 + objref::kStdObjRefSize));
  if (n > kMaxEntries) return Status::InvalidArgument("too many REMQIRESULTs");
  out->resize(n);
  for (auto& result : *out) {
    OPENADCS_RETURN_IF_ERROR(r.Align(8));
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&result.hresult));
    OPENADCS_RETURN_IF_ERROR(objref::ReadStdObjRef(r, &result.std));
  }
  return Status::Ok();
}

}  // namespace

Result<QueryInterfaceRequest> DecodeRemQueryInterfaceRequest(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits) {
  return DecodeQi(stub, limits, true);
}

Result<QueryInterfaceRequest> DecodeRemQueryInterface2Request(std::span<const std::uint8_t> stub,
                                                              const NdrLimits& limits) {
  return DecodeQi(stub, limits, false);
}

Bytes EncodeRemQueryInterfaceRequest(const QueryInterfaceRequest& in) {
  return EncodeQi(in, true);
}

// [out, size_is(,cIids)] REMQIRESULT**: a unique pointer to the array.
Bytes EncodeRemQueryInterfaceResponse(const QueryInterfaceResponse& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteUniquePointer(!out.results.empty(), [&out](NdrWriter& pw) {
    pw.WriteConformance(static_cast<std::uint32_t>(out.results.size()));
    for (const auto& result : out.results) {
      pw.Align(8);
      pw.WriteU32(result.hresult);
      objref::WriteStdObjRef(pw, result.std);
    }
  });
  w.FlushDeferred();
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Result<QueryInterfaceResponse> DecodeRemQueryInterfaceResponse(std::span<const std::uint8_t> stub,
                                                               const NdrLimits& limits) {
  NdrReader r(stub, limits);
  QueryInterfaceResponse out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  bool present = false;
  auto* results = &out.results;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
      &present, [results](NdrReader& pr) { return ReadQiResults(pr, results); }));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<RefsRequest> DecodeRemAddRefRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  return DecodeRefs(stub, limits);
}

Result<RefsRequest> DecodeRemReleaseRequest(std::span<const std::uint8_t> stub,
                                            const NdrLimits& limits) {
  return DecodeRefs(stub, limits);
}

Bytes EncodeRemAddRefRequest(const RefsRequest& in) {
  return EncodeRefs(in);
}
Bytes EncodeRemReleaseRequest(const RefsRequest& in) {
  return EncodeRefs(in);
}

Bytes EncodeRemAddRefResponse(const AddRefResponse& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  WriteHresults(w, out.results);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Result<AddRefResponse> DecodeRemAddRefResponse(std::span<const std::uint8_t> stub,
                                               const NdrLimits& limits) {
  NdrReader r(stub, limits);
  AddRefResponse out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(ReadHresults(r, &out.results));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

// phr is inline ([ref]); ppMIF is a [ref] pointer to an array of unique
// MInterfacePointer pointers, their pointees after the array.
Bytes EncodeRemQueryInterface2Response(const QueryInterface2Response& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  WriteHresults(w, out.hresults);
  w.WriteConformance(static_cast<std::uint32_t>(out.objrefs.size()));
  for (const auto& objref : out.objrefs) {
    w.WriteUniquePointer(!objref.empty(),
                         [&objref](NdrWriter& pw) { objref::WriteInterfacePointer(pw, objref); });
  }
  w.FlushDeferred();
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

}  // namespace openadcs::ndr::rem_unknown
