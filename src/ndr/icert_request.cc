#include "openadcs/ndr/icert_request.h"

#include <string>

#include "openadcs/ndr/cert_trans_blob.h"
#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::icert_request {
namespace {

// A [string, unique, range(1, max_units)] wchar_t* parameter. The decoded
// value plus its NUL must fit the range; the reader has already bounded the
// allocation by the bytes present, so checking after the read is enough.
Status ReadRangedString(NdrReader& r, std::size_t max_units, const char* name,
                        std::optional<std::u16string>* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadUniqueString(out));
  if (*out && (*out)->size() + 1 > max_units) {
    return Status::InvalidArgument(std::string(name) + " is longer than its range(1, " +
                                   std::to_string(max_units) + ")");
  }
  return Status::Ok();
}

// Top-level [ref] CERTTRANSBLOB: the structure inline, pb deferred to the end
// of the parameter.
Status ReadBlobParameter(NdrReader& r, Bytes* out) {
  OPENADCS_RETURN_IF_ERROR(ReadCertTransBlob(r, out));
  return r.FlushDeferred();
}

void WriteBlobParameter(NdrWriter& w, const Bytes& blob) {
  WriteCertTransBlob(w, blob);
  w.FlushDeferred();
}

}  // namespace

Result<RequestIn> DecodeRequestRequest(std::span<const std::uint8_t> stub,
                                       const NdrLimits& limits) {
  NdrReader r(stub, limits);
  RequestIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.request_id));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAttributes", &in.attributes));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &in.request));
  return in;
}

Result<RequestIn> DecodeRequest2Request(std::span<const std::uint8_t> stub,
                                        const NdrLimits& limits) {
  NdrReader r(stub, limits);
  RequestIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(
      ReadRangedString(r, kMaxSerialUnits, "pwszSerialNumber", &in.serial_number));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.request_id));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAttributes", &in.attributes));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &in.request));
  return in;
}

Bytes EncodeRequestResponse(const RequestOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteU32(out.request_id);
  w.WriteU32(out.disposition);
  WriteBlobParameter(w, out.cert_chain);
  WriteBlobParameter(w, out.encoded_cert);
  WriteBlobParameter(w, out.disposition_message);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Result<GetCaCertIn> DecodeGetCaCertRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  GetCaCertIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.fchain));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAuthority", &in.authority));
  return in;
}

Bytes EncodeBlobResponse(const BlobOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  WriteBlobParameter(w, out.blob);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Result<AuthorityIn> DecodeAuthorityRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  AuthorityIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAuthority", &in.authority));
  return in;
}

Result<GetCaPropertyIn> DecodeGetCaPropertyRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits) {
  NdrReader r(stub, limits);
  GetCaPropertyIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadRangedString(r, kMaxStringUnits, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_index));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_type));
  return in;
}

Bytes EncodeGetCaPropertyInfoResponse(const GetCaPropertyInfoOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteI32(out.property_count);
  WriteBlobParameter(w, out.prop_info);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeRequestRequest(const RequestIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteU32(in.flags);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.request_id);
  w.WriteUniqueString(in.attributes);
  WriteBlobParameter(w, in.request);
  return std::move(w).Take();
}

Bytes EncodeRequest2Request(const RequestIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.flags);
  w.WriteUniqueString(in.serial_number);
  w.WriteU32(in.request_id);
  w.WriteUniqueString(in.attributes);
  WriteBlobParameter(w, in.request);
  return std::move(w).Take();
}

Result<RequestOut> DecodeRequestResponse(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits) {
  NdrReader r(stub, limits);
  RequestOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.request_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.disposition));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &out.cert_chain));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &out.encoded_cert));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &out.disposition_message));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Bytes EncodeGetCaCertRequest(const GetCaCertIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteU32(in.fchain);
  w.WriteUniqueString(in.authority);
  return std::move(w).Take();
}

Result<BlobOut> DecodeBlobResponse(std::span<const std::uint8_t> stub, const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BlobOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &out.blob));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Bytes EncodeAuthorityRequest(const AuthorityIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  return std::move(w).Take();
}

Bytes EncodeGetCaPropertyRequest(const GetCaPropertyIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteI32(in.prop_id);
  w.WriteI32(in.prop_index);
  w.WriteI32(in.prop_type);
  return std::move(w).Take();
}

Result<GetCaPropertyInfoOut> DecodeGetCaPropertyInfoResponse(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits) {
  NdrReader r(stub, limits);
  GetCaPropertyInfoOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&out.property_count));
  OPENADCS_RETURN_IF_ERROR(ReadBlobParameter(r, &out.prop_info));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

}  // namespace openadcs::ndr::icert_request
