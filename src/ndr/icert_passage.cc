#include "openadcs/ndr/icert_passage.h"

#include "openadcs/ndr/cert_trans_blob.h"
#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::icert_passage {

// Top-level [ref] parameters carry no referent id: their pointee (a DWORD or
// a CERTTRANSBLOB) is inline, and the blob's own pb is deferred to the end of
// that parameter.

Result<CertServerRequestIn> DecodeCertServerRequestRequest(std::span<const std::uint8_t> stub,
                                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  CertServerRequestIn in;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(r.ReadUniqueString(&in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.request_id));
  OPENADCS_RETURN_IF_ERROR(ReadCertTransBlob(r, &in.attributes));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  OPENADCS_RETURN_IF_ERROR(ReadCertTransBlob(r, &in.request));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  return in;
}

Bytes EncodeCertServerRequestResponse(const CertServerRequestOut& out) {
  NdrWriter w;
  w.WriteU32(out.request_id);
  w.WriteU32(out.disposition);
  for (const Bytes* blob : {&out.cert, &out.encoded_cert, &out.disposition_message}) {
    WriteCertTransBlob(w, *blob);
    w.FlushDeferred();
  }
  w.WriteU32(out.return_value);
  return std::move(w).Take();
}

Bytes EncodeCertServerRequestRequest(const CertServerRequestIn& in) {
  NdrWriter w;
  w.WriteU32(in.flags);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.request_id);
  WriteCertTransBlob(w, in.attributes);
  w.FlushDeferred();
  WriteCertTransBlob(w, in.request);
  w.FlushDeferred();
  return std::move(w).Take();
}

Result<CertServerRequestOut> DecodeCertServerRequestResponse(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits) {
  NdrReader r(stub, limits);
  CertServerRequestOut out;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.request_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.disposition));
  for (Bytes* blob : {&out.cert, &out.encoded_cert, &out.disposition_message}) {
    OPENADCS_RETURN_IF_ERROR(ReadCertTransBlob(r, blob));
    OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  }
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.return_value));
  return out;
}

}  // namespace openadcs::ndr::icert_passage
