#include "openadcs/ndr/objref.h"

#include <string>
#include <utility>

namespace openadcs::ndr::objref {
namespace {

// Reads a NUL-terminated run of UTF-16 units from words[*i, end); leaves *i
// after the NUL.
Status ReadWideString(std::span<const std::uint16_t> words, std::size_t end, std::size_t* i,
                      std::u16string* out) {
  out->clear();
  for (; *i < end; ++*i) {
    if (words[*i] == 0) {
      ++*i;
      return Status::Ok();
    }
    out->push_back(static_cast<char16_t>(words[*i]));
  }
  return Status::InvalidArgument("DUALSTRINGARRAY string lacks its NUL");
}

void AppendWide(std::vector<std::uint16_t>* words, std::u16string_view s) {
  for (char16_t c : s) words->push_back(static_cast<std::uint16_t>(c));
  words->push_back(0);
}

// {wNumEntries, wSecurityOffset, aStringArray}; `max_count` is the NDR
// conformance when there is one (not inside an OBJREF).
Status ReadDualStringBody(NdrReader& r, const std::uint32_t* max_count, DualStringArray* out) {
  std::uint16_t entries = 0;
  std::uint16_t security_offset = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&entries));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&security_offset));
  if (max_count != nullptr && entries != *max_count) {
    return Status::InvalidArgument("DUALSTRINGARRAY wNumEntries disagrees with its array");
  }
  if (entries > kMaxDualStringWords || std::size_t{entries} * 2 > r.remaining()) {
    return Status::InvalidArgument("DUALSTRINGARRAY of " + std::to_string(entries) +
                                   " words exceeds the data or the limit");
  }
  std::vector<std::uint16_t> words(entries);
  for (auto& word : words) OPENADCS_RETURN_IF_ERROR(r.ReadU16(&word));
  auto decoded = DecodeDualStringWords(words, security_offset);
  if (!decoded.ok()) return decoded.status();
  *out = std::move(decoded).value();
  return Status::Ok();
}

}  // namespace

std::vector<std::uint16_t> EncodeDualStringWords(const DualStringArray& a,
                                                 std::uint16_t* security_offset) {
  std::vector<std::uint16_t> words;
  for (const auto& s : a.string_bindings) {
    words.push_back(s.tower_id);
    AppendWide(&words, s.network_address);
  }
  words.push_back(0);
  *security_offset = static_cast<std::uint16_t>(words.size());
  for (const auto& s : a.security_bindings) {
    words.push_back(s.authn_svc);
    words.push_back(s.authz_svc);
    AppendWide(&words, s.principal_name);
  }
  words.push_back(0);
  return words;
}

// A binding starting with a 0 word ends its list (a tower id or an authn
// service is never 0). String bindings must end before the security offset;
// words between their terminator and the offset are ignored.
Result<DualStringArray> DecodeDualStringWords(std::span<const std::uint16_t> words,
                                              std::uint16_t security_offset) {
  if (security_offset > words.size()) {
    return Status::InvalidArgument("DUALSTRINGARRAY security offset beyond its entries");
  }
  DualStringArray a;
  std::size_t i = 0;
  for (;;) {
    if (i >= security_offset) {
      return Status::InvalidArgument("DUALSTRINGARRAY string bindings lack their terminator");
    }
    if (words[i] == 0) break;
    StringBinding s;
    s.tower_id = words[i++];
    OPENADCS_RETURN_IF_ERROR(ReadWideString(words, security_offset, &i, &s.network_address));
    a.string_bindings.push_back(std::move(s));
  }
  i = security_offset;
  for (;;) {
    if (i >= words.size()) {
      return Status::InvalidArgument("DUALSTRINGARRAY security bindings lack their terminator");
    }
    if (words[i] == 0) break;
    if (i + 1 >= words.size()) return Status::InvalidArgument("truncated SECURITYBINDING");
    SecurityBinding s;
    s.authn_svc = words[i];
    s.authz_svc = words[i + 1];
    i += 2;
    OPENADCS_RETURN_IF_ERROR(ReadWideString(words, words.size(), &i, &s.principal_name));
    a.security_bindings.push_back(std::move(s));
  }
  return a;
}

Status ReadDualStringArray(NdrReader& r, DualStringArray* out) {
  std::uint32_t count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&count, 2));
  return ReadDualStringBody(r, &count, out);
}

void WriteDualStringArray(NdrWriter& w, const DualStringArray& a) {
  std::uint16_t security_offset = 0;
  const auto words = EncodeDualStringWords(a, &security_offset);
  w.WriteConformance(static_cast<std::uint32_t>(words.size()));
  w.WriteU16(static_cast<std::uint16_t>(words.size()));
  w.WriteU16(security_offset);
  for (auto word : words) w.WriteU16(word);
}

Status ReadStdObjRef(NdrReader& r, StdObjRef* out) {
  OPENADCS_RETURN_IF_ERROR(r.Align(8));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->flags));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->public_refs));
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&out->oxid));
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&out->oid));
  return r.ReadUuid(&out->ipid);
}

void WriteStdObjRef(NdrWriter& w, const StdObjRef& s) {
  w.Align(8);
  w.WriteU32(s.flags);
  w.WriteU32(s.public_refs);
  w.WriteU64(s.oxid);
  w.WriteU64(s.oid);
  w.WriteUuid(s.ipid);
}

// The packed OBJREF layout happens to match NDR alignment from its first
// byte (the STDOBJREF starts at offset 24), so an NdrReader over the bytes
// reads it; the DUALSTRINGARRAY inside has no max_count.
Result<ObjRef> DecodeObjRef(std::span<const std::uint8_t> bytes) {
  NdrReader r(bytes);
  std::uint32_t signature = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&signature));
  if (signature != kSignature) return Status::InvalidArgument("OBJREF signature is not MEOW");
  ObjRef o;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&o.flags));
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&o.iid));
  if (o.flags == kFlagsStandard) {
    OPENADCS_RETURN_IF_ERROR(ReadStdObjRef(r, &o.std));
    OPENADCS_RETURN_IF_ERROR(ReadDualStringBody(r, nullptr, &o.resolver_address));
    return o;
  }
  if (o.flags == kFlagsCustom) {
    std::uint32_t reserved = 0;
    OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&o.clsid));
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&o.extension_size));
    OPENADCS_RETURN_IF_ERROR(r.ReadU32(&reserved));  // "MUST be ignored on receipt"
    OPENADCS_RETURN_IF_ERROR(r.ReadBytes(r.remaining(), &o.object_data));
    return o;
  }
  return Status::InvalidArgument("unsupported OBJREF flags " + std::to_string(o.flags));
}

Bytes EncodeObjRef(const ObjRef& o) {
  NdrWriter w;
  w.WriteU32(kSignature);
  w.WriteU32(o.flags);
  w.WriteUuid(o.iid);
  if (o.flags == kFlagsCustom) {
    w.WriteUuid(o.clsid);
    w.WriteU32(o.extension_size);
    // The reserved size field: Windows and impacket put the object data's
    // length plus the 8 bytes of cbExtension and itself.
    w.WriteU32(static_cast<std::uint32_t>(o.object_data.size() + 8));
    w.WriteBytes(o.object_data);
  } else {
    WriteStdObjRef(w, o.std);
    std::uint16_t security_offset = 0;
    const auto words = EncodeDualStringWords(o.resolver_address, &security_offset);
    w.WriteU16(static_cast<std::uint16_t>(words.size()));
    w.WriteU16(security_offset);
    for (auto word : words) w.WriteU16(word);
  }
  return std::move(w).Take();
}

Status ReadInterfacePointer(NdrReader& r, Bytes* abdata) {
  std::uint32_t count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&count));
  OPENADCS_RETURN_IF_ERROR(r.ReadConformantBytes(abdata));
  if (abdata->size() != count) {
    return Status::InvalidArgument("MInterfacePointer ulCntData disagrees with abData");
  }
  return Status::Ok();
}

void WriteInterfacePointer(NdrWriter& w, std::span<const std::uint8_t> abdata) {
  w.WriteU32(static_cast<std::uint32_t>(abdata.size()));
  w.WriteConformantBytes(abdata);
}

}  // namespace openadcs::ndr::objref
