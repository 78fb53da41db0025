#include "openadcs/ndr/icert_admin.h"

#include <string>
#include <utility>

#include "openadcs/ndr/cert_trans_blob.h"
#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::icert_admin {
namespace {

// --- Building blocks ---------------------------------------------------------

// A [string, unique] wchar_t* parameter of at most kMaxStringUnits (NUL
// included). The reader has already bounded the allocation by the bytes
// present, so checking after the read is enough.
Status ReadString(NdrReader& r, const char* name, std::optional<std::u16string>* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadUniqueString(out));
  if (*out && (*out)->size() + 1 > kMaxStringUnits) {
    return Status::InvalidArgument(std::string(name) + " is longer than " +
                                   std::to_string(kMaxStringUnits) + " units");
  }
  return Status::Ok();
}

// A [string, ref] wchar_t*: no referent id, the string inline. The
// zero-count quirk gives an empty string.
Status ReadRefString(NdrReader& r, const char* name, std::u16string* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadConformantVaryingString(out));
  if (out->size() + 1 > kMaxStringUnits) {
    return Status::InvalidArgument(std::string(name) + " is longer than " +
                                   std::to_string(kMaxStringUnits) + " units");
  }
  return Status::Ok();
}

// A top-level CERTTRANSBLOB (the structure inline, pb deferred to the end of
// the parameter); `max_bytes` bounds an [in] blob, 0 leaves it to NdrLimits.
Status ReadBlob(NdrReader& r, const char* name, std::uint32_t max_bytes, Bytes* out) {
  OPENADCS_RETURN_IF_ERROR(ReadCertTransBlob(r, out));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  if (max_bytes != 0 && out->size() > max_bytes) {
    return Status::InvalidArgument(std::string(name) + " holds " + std::to_string(out->size()) +
                                   " bytes, more than " + std::to_string(max_bytes));
  }
  return Status::Ok();
}

void WriteBlob(NdrWriter& w, const Bytes& blob) {
  WriteCertTransBlob(w, blob);
  w.FlushDeferred();
}

// FILETIME {DWORD dwLowDateTime; DWORD dwHighDateTime}: 4-byte aligned.
Status ReadFileTime(NdrReader& r, std::uint64_t* out) {
  std::uint32_t low = 0;
  std::uint32_t high = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&low));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&high));
  *out = static_cast<std::uint64_t>(high) << 32 | low;
  return Status::Ok();
}

void WriteFileTime(NdrWriter& w, std::uint64_t v) {
  w.WriteU32(static_cast<std::uint32_t>(v));
  w.WriteU32(static_cast<std::uint32_t>(v >> 32));
}

// --- CERTVIEWRESTRICTION array ---------------------------------------------

// A non-NULL pbValue: [size_is(cbValue)] BYTE array.
Status ReadRestrictionValue(NdrReader& r, std::uint32_t cb_value, Restriction* out) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, 1));
  if (n != cb_value) {
    return Status::InvalidArgument("CERTVIEWRESTRICTION: cbValue " + std::to_string(cb_value) +
                                   " but pbValue holds " + std::to_string(n));
  }
  if (n > kMaxRestrictionValueBytes) {
    return Status::InvalidArgument("CERTVIEWRESTRICTION: a " + std::to_string(n) +
                                   "-byte value, more than " +
                                   std::to_string(kMaxRestrictionValueBytes));
  }
  out->value.emplace();
  return r.ReadBytes(n, &*out->value);
}

// [size_is(ccvr)] CERTVIEWRESTRICTION const* acvr, a [ref] pointer: the
// conformant array inline (max_count, then 20-byte structures), then each
// non-NULL pbValue ([size_is(cbValue)] BYTE array) in array order.
Status ReadRestrictions(NdrReader& r, std::uint32_t count, std::vector<Restriction>* out) {
  std::uint32_t max_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&max_count, 20));
  if (max_count != count) {
    return Status::InvalidArgument("OpenView: ccvr " + std::to_string(count) + " but acvr holds " +
                                   std::to_string(max_count));
  }
  if (count > kMaxRestrictions) {
    return Status::InvalidArgument("OpenView: " + std::to_string(count) +
                                   " restrictions, more than " + std::to_string(kMaxRestrictions));
  }
  out->assign(count, Restriction{});
  std::vector<std::uint32_t> cb_values(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Restriction& res = (*out)[i];
    bool present = false;
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&res.column_index));
    OPENADCS_RETURN_IF_ERROR(r.ReadI32(&res.seek_operator));
    OPENADCS_RETURN_IF_ERROR(r.ReadI32(&res.sort_order));
    // The pointee is read after the whole array, when cbValue is known.
    OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
        &present,
        [&res, &cb = cb_values[i]](NdrReader& pr) { return ReadRestrictionValue(pr, cb, &res); }));
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&cb_values[i]));
  }
  return r.FlushDeferred();
}

void WriteRestrictions(NdrWriter& w, const std::vector<Restriction>& restrictions) {
  w.WriteConformance(static_cast<std::uint32_t>(restrictions.size()));
  for (const Restriction& res : restrictions) {
    w.WriteU32(res.column_index);
    w.WriteI32(res.seek_operator);
    w.WriteI32(res.sort_order);
    w.WriteUniquePointer(res.value.has_value(),
                         [&res](NdrWriter& pw) { pw.WriteConformantBytes(*res.value); });
    w.WriteU32(res.value ? static_cast<std::uint32_t>(res.value->size()) : 0);
  }
  w.FlushDeferred();
}

// [size_is(ccolOut)] DWORD const* acolOut, a [ref] pointer.
Status ReadColumnIds(NdrReader& r, std::uint32_t count, std::vector<std::uint32_t>* out) {
  std::uint32_t max_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&max_count, 4));
  if (max_count != count) {
    return Status::InvalidArgument("OpenView: ccolOut " + std::to_string(count) +
                                   " but acolOut holds " + std::to_string(max_count));
  }
  if (count > kMaxOutputColumns) {
    return Status::InvalidArgument("OpenView: " + std::to_string(count) +
                                   " output columns, more than " +
                                   std::to_string(kMaxOutputColumns));
  }
  out->assign(count, 0);
  for (std::uint32_t& id : *out) OPENADCS_RETURN_IF_ERROR(r.ReadU32(&id));
  return Status::Ok();
}

// --- VARIANT -----------------------------------------------------------------

// BSTR (MS-OAUT 2.2.23): a unique pointer to FLAGGED_WORD_BLOB {cBytes;
// clSize; [size_is(clSize)] unsigned short asData[]}, a conformant structure
// (max_count first). cBytes 0xFFFFFFFF is the NULL BSTR.
Status ReadBstrBlob(NdrReader& r, std::u16string* out) {
  std::uint32_t max_count = 0;
  std::uint32_t cbytes = 0;
  std::uint32_t clsize = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&max_count, 2));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&cbytes));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&clsize));
  if (max_count != clsize) {
    return Status::InvalidArgument("BSTR: clSize " + std::to_string(clsize) + " but asData holds " +
                                   std::to_string(max_count));
  }
  if (cbytes == 0xFFFFFFFFu) {
    if (clsize != 0) return Status::InvalidArgument("BSTR: a NULL BSTR with data");
    out->clear();
    return Status::Ok();
  }
  if (cbytes % 2 != 0 || clsize != cbytes / 2) {
    return Status::InvalidArgument("BSTR: cBytes " + std::to_string(cbytes) +
                                   " is not a string of clSize " + std::to_string(clsize));
  }
  if (clsize > kMaxBstrUnits) {
    return Status::InvalidArgument("BSTR: " + std::to_string(clsize) + " units, more than " +
                                   std::to_string(kMaxBstrUnits));
  }
  out->assign(clsize, u'\0');
  for (char16_t& c : *out) {
    std::uint16_t unit = 0;
    OPENADCS_RETURN_IF_ERROR(r.ReadU16(&unit));
    c = static_cast<char16_t>(unit);
  }
  return Status::Ok();
}

// _wireVARIANT (MS-OAUT 2.2.29.1): 8-byte aligned {clSize, rpcReserved, vt,
// wReserved1-3}, then the union's ULONG discriminant (a copy of vt) and the
// arm at its own alignment. clSize and the reserved fields are ignored (real
// clients send a constant clSize).
Status ReadWireVariant(NdrReader& r, Variant* out) {
  std::uint32_t clsize = 0;
  std::uint32_t reserved = 0;
  std::uint16_t vt = 0;
  std::uint16_t wreserved = 0;
  std::uint32_t discriminant = 0;
  OPENADCS_RETURN_IF_ERROR(r.Align(8));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&clsize));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&reserved));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&vt));
  for (int i = 0; i < 3; ++i) OPENADCS_RETURN_IF_ERROR(r.ReadU16(&wreserved));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&discriminant));
  if ((vt & kVtArray) != 0) {
    return Status::InvalidArgument("VARIANT: vt " + std::to_string(vt) +
                                   " has VT_ARRAY, which is not supported");
  }
  if (discriminant != vt) {
    return Status::InvalidArgument("VARIANT: union discriminant " + std::to_string(discriminant) +
                                   " differs from vt " + std::to_string(vt));
  }
  switch (vt) {
    case kVtEmpty: *out = std::monostate{}; return Status::Ok();
    case kVtI4: {
      std::int32_t v = 0;
      OPENADCS_RETURN_IF_ERROR(r.ReadI32(&v));
      *out = v;
      return Status::Ok();
    }
    case kVtBstr: {
      *out = std::u16string();
      auto* s = &std::get<std::u16string>(*out);
      bool present = false;
      return r.ReadUniquePointer(&present, [s](NdrReader& pr) { return ReadBstrBlob(pr, s); });
    }
    default:
      return Status::InvalidArgument("VARIANT: vt " + std::to_string(vt) +
                                     " is not supported (VT_EMPTY, VT_I4 and VT_BSTR are)");
  }
}

// A top-level [ref] VARIANT*: VARIANT is `[unique] _wireVARIANT*`, so a
// referent id, then the structure and the BSTR it points to.
Status ReadVariant(NdrReader& r, Variant* out) {
  *out = std::monostate{};
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(
      r.ReadUniquePointer(&present, [out](NdrReader& pr) { return ReadWireVariant(pr, out); }));
  return r.FlushDeferred();
}

// clSize as Windows and Wine compute it: the bytes of the structure and its
// pointees, from the 8-byte-aligned start, in quad words rounded up. The
// header with the discriminant is 20 bytes; a BSTR adds its referent id and
// FLAGGED_WORD_BLOB (max_count, cBytes, clSize, data).
std::uint32_t VariantQuadWords(const Variant& v) {
  std::size_t size = 20;
  if (std::holds_alternative<std::int32_t>(v)) size += 4;
  if (const auto* s = std::get_if<std::u16string>(&v)) size += 4 + 12 + 2 * s->size();
  return static_cast<std::uint32_t>((size + 7) / 8);
}

void WriteVariant(NdrWriter& w, const Variant& v) {
  w.WriteUniquePointer(true, [&v](NdrWriter& pw) {
    std::uint16_t vt = kVtEmpty;
    if (std::holds_alternative<std::int32_t>(v)) vt = kVtI4;
    if (std::holds_alternative<std::u16string>(v)) vt = kVtBstr;
    pw.Align(8);
    pw.WriteU32(VariantQuadWords(v));
    pw.WriteU32(0);
    pw.WriteU16(vt);
    for (int i = 0; i < 3; ++i) pw.WriteU16(0);
    pw.WriteU32(vt);
    if (const auto* i4 = std::get_if<std::int32_t>(&v)) pw.WriteI32(*i4);
    if (const auto* s = std::get_if<std::u16string>(&v)) {
      pw.WriteUniquePointer(true, [s](NdrWriter& bw) {
        const auto units = static_cast<std::uint32_t>(s->size());
        bw.WriteConformance(units);
        bw.WriteU32(2 * units);
        bw.WriteU32(units);
        for (char16_t c : *s) bw.WriteU16(static_cast<std::uint16_t>(c));
      });
    }
  });
  w.FlushDeferred();
}

// --- Other shapes --------------------------------------------------------

// A conformant WCHAR array (no variance, no terminator required).
Status ReadUnits(NdrReader& r, std::uint32_t* max_count, std::u16string* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(max_count, 2));
  out->assign(*max_count, u'\0');
  for (char16_t& c : *out) {
    std::uint16_t unit = 0;
    OPENADCS_RETURN_IF_ERROR(r.ReadU16(&unit));
    c = static_cast<char16_t>(unit);
  }
  return Status::Ok();
}

// `[out, size_is(, *pcwc)] WCHAR** ppwszz, [out] LONG* pcwc`: the inner
// unique pointer and its array, then the count, which must match.
Status ReadNameList(NdrReader& r, std::u16string* out) {
  bool present = false;
  std::uint32_t max_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
      &present, [out, &max_count](NdrReader& pr) { return ReadUnits(pr, &max_count, out); }));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  std::int32_t count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&count));
  if (count < 0 || static_cast<std::uint32_t>(count) != max_count) {
    return Status::InvalidArgument("backup name list: count " + std::to_string(count) +
                                   " but the array holds " + std::to_string(max_count));
  }
  return Status::Ok();
}

Status ReadConfigEntryHead(NdrReader& r, ConfigEntryIn* in) {
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in->orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in->authority));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszNodePath", &in->node_path));
  return ReadRefString(r, "pwszEntry", &in->entry);
}

void WriteConfigEntryHead(NdrWriter& w, const ConfigEntryIn& in) {
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteUniqueString(in.node_path);
  w.WriteConformantVaryingString(in.entry);
}

}  // namespace

// --- Server side -------------------------------------------------------------

Result<EmptyIn> DecodeEmptyRequest(std::span<const std::uint8_t> stub, const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EmptyIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  return in;
}

Result<AuthorityIn> DecodeAuthorityRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  AuthorityIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  return in;
}

Result<AuthorityDwordIn> DecodeAuthorityDwordRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits) {
  NdrReader r(stub, limits);
  AuthorityDwordIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.value));
  return in;
}

Result<AuthorityBlobIn> DecodeAuthorityBlobRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits) {
  NdrReader r(stub, limits);
  AuthorityBlobIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "pctbSD", kMaxRequestBlobBytes, &in.blob));
  return in;
}

Result<SetExtensionIn> DecodeSetExtensionRequest(std::span<const std::uint8_t> stub,
                                                 const NdrLimits& limits) {
  NdrReader r(stub, limits);
  SetExtensionIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.request_id));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszExtensionName", &in.extension_name));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.type));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "pctbValue", kMaxRequestBlobBytes, &in.value));
  return in;
}

Result<SetAttributesIn> DecodeSetAttributesRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits) {
  NdrReader r(stub, limits);
  SetAttributesIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.request_id));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAttributes", &in.attributes));
  return in;
}

Result<IsValidCertificateIn> DecodeIsValidCertificateRequest(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits) {
  NdrReader r(stub, limits);
  IsValidCertificateIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pSerialNumber", &in.serial_number));
  return in;
}

Result<PublishCrlIn> DecodePublishCrlRequest(std::span<const std::uint8_t> stub,
                                             const NdrLimits& limits) {
  NdrReader r(stub, limits);
  PublishCrlIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(ReadFileTime(r, &in.file_time));
  return in;
}

Result<PublishCrlIn> DecodePublishCrlsRequest(std::span<const std::uint8_t> stub,
                                              const NdrLimits& limits) {
  NdrReader r(stub, limits);
  PublishCrlIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(ReadFileTime(r, &in.file_time));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  return in;
}

Result<RevokeCertificateIn> DecodeRevokeCertificateRequest(std::span<const std::uint8_t> stub,
                                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  RevokeCertificateIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszSerialNumber", &in.serial_number));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.reason));
  OPENADCS_RETURN_IF_ERROR(ReadFileTime(r, &in.file_time));
  return in;
}

Result<EnumViewColumnIn> DecodeEnumViewColumnRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EnumViewColumnIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.first_column));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.column_count));
  return in;
}

Result<EnumViewColumnIn> DecodeEnumViewColumnTableRequest(std::span<const std::uint8_t> stub,
                                                          const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EnumViewColumnIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.table));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.first_column));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.column_count));
  return in;
}

Result<EnumAttributesOrExtensionsIn> DecodeEnumAttributesOrExtensionsRequest(
    std::span<const std::uint8_t> stub, const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EnumAttributesOrExtensionsIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.row_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszLast", &in.last));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.celt));
  return in;
}

Result<OpenViewIn> DecodeOpenViewRequest(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits) {
  NdrReader r(stub, limits);
  OpenViewIn in;
  std::uint32_t ccvr = 0;
  std::uint32_t ccol_out = 0;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&ccvr));
  OPENADCS_RETURN_IF_ERROR(ReadRestrictions(r, ccvr, &in.restrictions));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&ccol_out));
  OPENADCS_RETURN_IF_ERROR(ReadColumnIds(r, ccol_out, &in.columns));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.ielt));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.celt));
  return in;
}

Result<EnumViewIn> DecodeEnumViewRequest(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EnumViewIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.ielt));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.celt));
  return in;
}

Result<BackupPrepareIn> DecodeBackupPrepareRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BackupPrepareIn in;
  std::uint16_t annotation = 0;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.grbit_jet));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.backup_flags));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&annotation));
  in.annotation = static_cast<char16_t>(annotation);
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.client_identifier));
  return in;
}

Result<BackupOpenFileIn> DecodeBackupOpenFileRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BackupOpenFileIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszPath", &in.path));
  return in;
}

Result<BackupReadFileIn> DecodeBackupReadFileRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BackupReadFileIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.buffer_size));
  if (in.buffer_size < 0 || in.buffer_size > kMaxBackupReadBytes) {
    return Status::InvalidArgument("BackupReadFile: cbBuffer " + std::to_string(in.buffer_size) +
                                   " outside [0, " + std::to_string(kMaxBackupReadBytes) + "]");
  }
  return in;
}

Result<ImportCertificateIn> DecodeImportCertificateRequest(std::span<const std::uint8_t> stub,
                                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ImportCertificateIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "pctbCertificate", kMaxRequestBlobBytes, &in.certificate));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.flags));
  return in;
}

Result<GetCaPropertyIn> DecodeGetCaPropertyRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits) {
  NdrReader r(stub, limits);
  GetCaPropertyIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_index));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_type));
  return in;
}

Result<SetCaPropertyIn> DecodeSetCaPropertyRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits) {
  NdrReader r(stub, limits);
  SetCaPropertyIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_index));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.prop_type));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "pctbPropertyValue", kMaxRequestBlobBytes, &in.value));
  return in;
}

Result<SetOfficerRightsIn> DecodeSetOfficerRightsRequest(std::span<const std::uint8_t> stub,
                                                         const NdrLimits& limits) {
  NdrReader r(stub, limits);
  SetOfficerRightsIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&in.enable));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "pctbSD", kMaxRequestBlobBytes, &in.security_descriptor));
  return in;
}

Result<ConfigEntryIn> DecodeGetConfigEntryRequest(std::span<const std::uint8_t> stub,
                                                  const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ConfigEntryIn in;
  OPENADCS_RETURN_IF_ERROR(ReadConfigEntryHead(r, &in));
  return in;
}

Result<ConfigEntryIn> DecodeSetConfigEntryRequest(std::span<const std::uint8_t> stub,
                                                  const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ConfigEntryIn in;
  OPENADCS_RETURN_IF_ERROR(ReadConfigEntryHead(r, &in));
  OPENADCS_RETURN_IF_ERROR(ReadVariant(r, &in.value));
  return in;
}

Result<ImportKeyIn> DecodeImportKeyRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  ImportKeyIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.request_id));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszCertHash", &in.cert_hash));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "pctbKey", kMaxRequestBlobBytes, &in.key));
  return in;
}

Result<DeleteRowIn> DecodeDeleteRowRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  DeleteRowIn in;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThis(r, &in.orpcthis));
  OPENADCS_RETURN_IF_ERROR(ReadString(r, "pwszAuthority", &in.authority));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.flags));
  OPENADCS_RETURN_IF_ERROR(ReadFileTime(r, &in.file_time));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.table));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.row_id));
  return in;
}

Bytes EncodeDwordResponse(const DwordOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteU32(out.value);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeBlobResponse(const BlobOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  WriteBlob(w, out.blob);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeDwordBlobResponse(const DwordBlobOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteU32(out.value);
  WriteBlob(w, out.blob);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeIsValidCertificateResponse(const IsValidCertificateOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteI32(out.revocation_reason);
  w.WriteI32(out.disposition);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeNameListResponse(const NameListOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  const auto& names = out.names;
  w.WriteUniquePointer(!names.empty(), [&names](NdrWriter& pw) {
    pw.WriteConformance(static_cast<std::uint32_t>(names.size()));
    for (char16_t c : names) pw.WriteU16(static_cast<std::uint16_t>(c));
  });
  w.FlushDeferred();
  w.WriteU32(static_cast<std::uint32_t>(names.size()));
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeBackupOpenFileResponse(const BackupOpenFileOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteU64(out.length);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeBackupReadFileResponse(const BackupReadFileOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  w.WriteConformantBytes(out.buffer);
  w.WriteI32(out.bytes_read);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Bytes EncodeVariantResponse(const VariantOut& out) {
  NdrWriter w;
  orpc::WriteOrpcThat(w, out.orpcthat);
  WriteVariant(w, out.value);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

// --- Client side -------------------------------------------------------------

Bytes EncodeEmptyRequest(const EmptyIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  return std::move(w).Take();
}

Bytes EncodeAuthorityRequest(const AuthorityIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  return std::move(w).Take();
}

Bytes EncodeAuthorityDwordRequest(const AuthorityDwordIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.value);
  return std::move(w).Take();
}

Bytes EncodeAuthorityBlobRequest(const AuthorityBlobIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  WriteBlob(w, in.blob);
  return std::move(w).Take();
}

Bytes EncodeSetExtensionRequest(const SetExtensionIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.request_id);
  w.WriteUniqueString(in.extension_name);
  w.WriteU32(in.type);
  w.WriteU32(in.flags);
  WriteBlob(w, in.value);
  return std::move(w).Take();
}

Bytes EncodeSetAttributesRequest(const SetAttributesIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.request_id);
  w.WriteUniqueString(in.attributes);
  return std::move(w).Take();
}

Bytes EncodeIsValidCertificateRequest(const IsValidCertificateIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteUniqueString(in.serial_number);
  return std::move(w).Take();
}

Bytes EncodePublishCrlRequest(const PublishCrlIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  WriteFileTime(w, in.file_time);
  return std::move(w).Take();
}

Bytes EncodePublishCrlsRequest(const PublishCrlIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  WriteFileTime(w, in.file_time);
  w.WriteU32(in.flags);
  return std::move(w).Take();
}

Bytes EncodeRevokeCertificateRequest(const RevokeCertificateIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteUniqueString(in.serial_number);
  w.WriteU32(in.reason);
  WriteFileTime(w, in.file_time);
  return std::move(w).Take();
}

Bytes EncodeEnumViewColumnRequest(const EnumViewColumnIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.first_column);
  w.WriteU32(in.column_count);
  return std::move(w).Take();
}

Bytes EncodeEnumViewColumnTableRequest(const EnumViewColumnIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.table);
  w.WriteU32(in.first_column);
  w.WriteU32(in.column_count);
  return std::move(w).Take();
}

Bytes EncodeEnumAttributesOrExtensionsRequest(const EnumAttributesOrExtensionsIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.row_id);
  w.WriteU32(in.flags);
  w.WriteUniqueString(in.last);
  w.WriteU32(in.celt);
  return std::move(w).Take();
}

Bytes EncodeOpenViewRequest(const OpenViewIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(static_cast<std::uint32_t>(in.restrictions.size()));
  WriteRestrictions(w, in.restrictions);
  w.WriteU32(static_cast<std::uint32_t>(in.columns.size()));
  w.WriteConformance(static_cast<std::uint32_t>(in.columns.size()));
  for (std::uint32_t id : in.columns) w.WriteU32(id);
  w.WriteU32(in.ielt);
  w.WriteU32(in.celt);
  return std::move(w).Take();
}

Bytes EncodeEnumViewRequest(const EnumViewIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.ielt);
  w.WriteU32(in.celt);
  return std::move(w).Take();
}

Bytes EncodeBackupPrepareRequest(const BackupPrepareIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.grbit_jet);
  w.WriteU32(in.backup_flags);
  w.WriteU16(static_cast<std::uint16_t>(in.annotation));
  w.WriteU32(in.client_identifier);
  return std::move(w).Take();
}

Bytes EncodeBackupOpenFileRequest(const BackupOpenFileIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.path);
  return std::move(w).Take();
}

Bytes EncodeBackupReadFileRequest(const BackupReadFileIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteI32(in.buffer_size);
  return std::move(w).Take();
}

Bytes EncodeImportCertificateRequest(const ImportCertificateIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  WriteBlob(w, in.certificate);
  w.WriteI32(in.flags);
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

Bytes EncodeSetCaPropertyRequest(const SetCaPropertyIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteI32(in.prop_id);
  w.WriteI32(in.prop_index);
  w.WriteI32(in.prop_type);
  WriteBlob(w, in.value);
  return std::move(w).Take();
}

Bytes EncodeSetOfficerRightsRequest(const SetOfficerRightsIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteI32(in.enable);
  WriteBlob(w, in.security_descriptor);
  return std::move(w).Take();
}

Bytes EncodeGetConfigEntryRequest(const ConfigEntryIn& in) {
  NdrWriter w;
  WriteConfigEntryHead(w, in);
  return std::move(w).Take();
}

Bytes EncodeSetConfigEntryRequest(const ConfigEntryIn& in) {
  NdrWriter w;
  WriteConfigEntryHead(w, in);
  WriteVariant(w, in.value);
  return std::move(w).Take();
}

Bytes EncodeImportKeyRequest(const ImportKeyIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.request_id);
  w.WriteUniqueString(in.cert_hash);
  w.WriteU32(in.flags);
  WriteBlob(w, in.key);
  return std::move(w).Take();
}

Bytes EncodeDeleteRowRequest(const DeleteRowIn& in) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, in.orpcthis);
  w.WriteUniqueString(in.authority);
  w.WriteU32(in.flags);
  WriteFileTime(w, in.file_time);
  w.WriteU32(in.table);
  w.WriteU32(in.row_id);
  return std::move(w).Take();
}

Result<DwordOut> DecodeDwordResponse(std::span<const std::uint8_t> stub, const NdrLimits& limits) {
  NdrReader r(stub, limits);
  DwordOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.value));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<BlobOut> DecodeBlobResponse(std::span<const std::uint8_t> stub, const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BlobOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "blob", 0, &out.blob));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<DwordBlobOut> DecodeDwordBlobResponse(std::span<const std::uint8_t> stub,
                                             const NdrLimits& limits) {
  NdrReader r(stub, limits);
  DwordBlobOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.value));
  OPENADCS_RETURN_IF_ERROR(ReadBlob(r, "blob", 0, &out.blob));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<IsValidCertificateOut> DecodeIsValidCertificateResponse(std::span<const std::uint8_t> stub,
                                                               const NdrLimits& limits) {
  NdrReader r(stub, limits);
  IsValidCertificateOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&out.revocation_reason));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&out.disposition));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<NameListOut> DecodeNameListResponse(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits) {
  NdrReader r(stub, limits);
  NameListOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(ReadNameList(r, &out.names));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<BackupOpenFileOut> DecodeBackupOpenFileResponse(std::span<const std::uint8_t> stub,
                                                       const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BackupOpenFileOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&out.length));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<BackupReadFileOut> DecodeBackupReadFileResponse(std::span<const std::uint8_t> stub,
                                                       const NdrLimits& limits) {
  NdrReader r(stub, limits);
  BackupReadFileOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadConformantBytes(&out.buffer));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&out.bytes_read));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

Result<VariantOut> DecodeVariantResponse(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits) {
  NdrReader r(stub, limits);
  VariantOut out;
  OPENADCS_RETURN_IF_ERROR(orpc::ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(ReadVariant(r, &out.value));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

}  // namespace openadcs::ndr::icert_admin
