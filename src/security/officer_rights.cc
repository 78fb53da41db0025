#include "openadcs/security/officer_rights.h"

#include <algorithm>
#include <optional>
#include <string>

#include "openadcs/util/utf16.h"

namespace openadcs::security {
namespace {

constexpr std::size_t kSidCountBytes = 4;
// bEARightsEnabled / bEARightsDisabled of MS-CSRA 2.2.1.11.1.
constexpr std::size_t kAgentFlagBytes = 4;

Status Invalid(const std::string& what, const std::string& why) {
  return Status::InvalidArgument(what + ": " + why);
}

std::uint32_t Load32(std::span<const std::uint8_t> b) {
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

bool AllZero(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == 0; });
}

char16_t LowerAscii(char16_t c) {
  return c >= u'A' && c <= u'Z' ? static_cast<char16_t>(c - u'A' + u'a') : c;
}

// `actual` fails when the request's template name is not UTF-8: it then
// matches only an ACE for every template.
bool TemplateMatches(const std::u16string& wanted, const Result<std::u16string>& actual) {
  if (wanted.empty()) return true;
  if (!actual.ok() || actual->size() != wanted.size()) return false;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (LowerAscii(wanted[i]) != LowerAscii((*actual)[i])) return false;
  }
  return true;
}

bool Holds(std::span<const Sid> sids, const Sid& sid) {
  return std::find(sids.begin(), sids.end(), sid) != sids.end();
}

}  // namespace

Status DecodeOfficerAceData(std::span<const std::uint8_t> data, OfficerRightsEntry* entry) {
  const std::string what = "officer rights application data";
  if (data.size() < kSidCountBytes) return Invalid(what, "no SIDCount");
  const std::uint32_t count = Load32(data);
  std::size_t pos = kSidCountBytes;
  // Every SID takes at least its 8-byte header.
  if (count > (data.size() - pos) / Sid::kHeaderBytes) {
    return Invalid(what, "SIDCount " + std::to_string(count) + " overruns the ACE");
  }
  std::vector<Sid> sids;
  sids.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Result<Sid> sid = Sid::Decode(data.subspan(pos));
    if (!sid.ok()) return Invalid(what, "SID " + std::to_string(i) + ": " + sid.status().message());
    pos += sid->EncodedSize();
    sids.push_back(*sid);
  }
  // TemplateName: UTF-16 code units up to a NUL. No bytes (or one zero
  // byte) at all is read as no name; after the NUL only padding may follow.
  std::span<const std::uint8_t> rest = data.subspan(pos);
  std::u16string name;
  std::size_t k = 0;
  bool terminated = false;
  for (; k + 2 <= rest.size(); k += 2) {
    const auto unit = static_cast<char16_t>(rest[k] | rest[k + 1] << 8);
    if (unit == 0) {
      terminated = true;
      break;
    }
    name.push_back(unit);
  }
  if (!terminated && !(rest.size() < 2 && AllZero(rest))) {
    return Invalid(what, "TemplateName has no terminating NUL");
  }
  if (terminated && !AllZero(rest.subspan(k + 2))) {
    return Invalid(what, "bytes other than zero after TemplateName");
  }
  entry->requesters = std::move(sids);
  entry->template_name = std::move(name);
  return Status::Ok();
}

Bytes EncodeOfficerAceData(const OfficerRightsEntry& entry) {
  Bytes out;
  const auto count = static_cast<std::uint32_t>(entry.requesters.size());
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<std::uint8_t>(count >> shift));
  for (const Sid& sid : entry.requesters) sid.EncodeTo(&out);
  for (char16_t unit : entry.template_name) {
    out.push_back(static_cast<std::uint8_t>(unit));
    out.push_back(static_cast<std::uint8_t>(unit >> 8));
  }
  out.push_back(0);
  out.push_back(0);
  out.resize((out.size() + 3) / 4 * 4, 0);
  return out;
}

Result<std::vector<OfficerRightsEntry>> ParseOfficerRights(const SecurityDescriptor& sd) {
  if (!sd.HasDacl()) return Invalid("officer rights", "no DACL");
  std::vector<OfficerRightsEntry> entries;
  entries.reserve(sd.dacl->aces.size());
  for (std::size_t i = 0; i < sd.dacl->aces.size(); ++i) {
    const Ace& ace = sd.dacl->aces[i];
    const std::string what = "officer rights ACE " + std::to_string(i);
    if (!ace.IsCallback()) {
      return Invalid(what, "type " + std::to_string(ace.type) +
                               " (must be ACCESS_ALLOWED_CALLBACK or ACCESS_DENIED_CALLBACK)");
    }
    if (ace.mask != kOfficerRightsAceMask) {
      return Invalid(what, "mask " + std::to_string(ace.mask) + " (must be 0x00010000)");
    }
    OfficerRightsEntry entry;
    entry.allow = ace.type == kAccessAllowedCallbackAceType;
    entry.officer = ace.sid;
    entry.flags = ace.flags;
    Status s = DecodeOfficerAceData(ace.tail, &entry);
    if (!s.ok()) return Invalid(what, s.message());
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<SecurityDescriptor> BuildOfficerRights(std::span<const OfficerRightsEntry> entries,
                                              const Sid& owner) {
  if (entries.size() > kMaxAces) {
    return Invalid("officer rights", std::to_string(entries.size()) +
                                         " entries exceed the limit of " +
                                         std::to_string(kMaxAces));
  }
  SecurityDescriptor sd;
  sd.control = kSeSelfRelative | kSeDaclPresent;
  sd.owner = owner;
  sd.group = owner;
  Acl acl;
  acl.revision = kAclRevision;
  for (const OfficerRightsEntry& e : entries) {
    Ace ace;
    ace.type = e.allow ? kAccessAllowedCallbackAceType : kAccessDeniedCallbackAceType;
    ace.flags = e.flags;
    ace.mask = kOfficerRightsAceMask;
    ace.sid = e.officer;
    ace.tail = EncodeOfficerAceData(e);
    acl.aces.push_back(std::move(ace));
  }
  sd.dacl = std::move(acl);
  // Sizes are checked where they are written: an encode that fails here
  // fails for the caller too.
  Result<Bytes> encoded = EncodeSecurityDescriptor(sd);
  if (!encoded.ok()) return encoded.status();
  return sd;
}

bool OfficerMayActFor(std::span<const OfficerRightsEntry> entries,
                      std::span<const Sid> officer_sids, std::span<const Sid> requester_sids,
                      std::string_view template_name) {
  const Result<std::u16string> request_template = Utf8ToUtf16(template_name);
  for (const OfficerRightsEntry& e : entries) {
    if ((e.flags & kInheritOnlyAce) != 0) continue;
    if (!Holds(officer_sids, e.officer)) continue;
    const bool about_requester =
        std::any_of(e.requesters.begin(), e.requesters.end(),
                    [&](const Sid& s) { return Holds(requester_sids, s); });
    if (!about_requester || !TemplateMatches(e.template_name, request_template)) continue;
    return e.allow;
  }
  return false;
}

Bytes EncodeMarshaledRights(const MarshaledRights& rights) {
  Bytes out = rights.officer_rights;
  const std::uint32_t agent_enabled = rights.agent_rights.empty() ? 0 : 1;
  for (std::size_t i = 0; i < kAgentFlagBytes; ++i) {
    out.push_back(static_cast<std::uint8_t>(agent_enabled >> (8 * i)));
  }
  out.insert(out.end(), rights.agent_rights.begin(), rights.agent_rights.end());
  return out;
}

Result<MarshaledRights> DecodeMarshaledRights(bool officer_enabled,
                                              std::span<const std::uint8_t> bytes) {
  MarshaledRights out;
  // One descriptor from the front of `bytes` into *to.
  const auto take_descriptor = [&bytes](const char* what, Bytes* to) -> Status {
    std::size_t size = 0;
    Result<SecurityDescriptor> sd = DecodeSecurityDescriptorPrefix(bytes, &size);
    if (!sd.ok()) return Invalid(what, sd.status().message());
    to->assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
    bytes = bytes.subspan(size);
    return Status::Ok();
  };
  if (officer_enabled) {
    OPENADCS_RETURN_IF_ERROR(take_descriptor("officer rights", &out.officer_rights));
  }
  // A server without enrollment agent rights ends here.
  if (bytes.empty()) return out;
  if (bytes.size() < kAgentFlagBytes) {
    return Invalid("officer rights blob", "truncated bEARightsEnabled");
  }
  const bool agent_enabled = Load32(bytes) != 0;
  bytes = bytes.subspan(kAgentFlagBytes);
  if (agent_enabled) {
    OPENADCS_RETURN_IF_ERROR(take_descriptor("enrollment agent rights", &out.agent_rights));
  }
  if (!bytes.empty()) {
    return Invalid("officer rights blob",
                   std::to_string(bytes.size()) + " bytes after the last descriptor");
  }
  return out;
}

}  // namespace openadcs::security
