#include "openadcs/security/security_descriptor.h"

#include <algorithm>
#include <array>
#include <string>

namespace openadcs::security {
namespace {

// Where the header keeps each offset.
constexpr std::size_t kOwnerOffsetAt = 4;
constexpr std::size_t kGroupOffsetAt = 8;
constexpr std::size_t kSaclOffsetAt = 12;
constexpr std::size_t kDaclOffsetAt = 16;
// AclSize and AceSize are 16-bit.
constexpr std::size_t kMaxAclBytes = 0xFFFF;
constexpr std::size_t kMaxAceBytes = 0xFFFF;

std::uint16_t Load16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}

std::uint32_t Load32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

void Append16(Bytes* out, std::uint16_t v) {
  out->push_back(static_cast<std::uint8_t>(v));
  out->push_back(static_cast<std::uint8_t>(v >> 8));
}

void Append32(Bytes* out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out->push_back(static_cast<std::uint8_t>(v >> shift));
}

void Put16(Bytes* out, std::size_t at, std::uint16_t v) {
  (*out)[at] = static_cast<std::uint8_t>(v);
  (*out)[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

void Put32(Bytes* out, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) (*out)[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Status Invalid(const std::string& what, const std::string& why) {
  return Status::InvalidArgument(what + ": " + why);
}

std::string AceName(const char* acl, std::size_t index) {
  return std::string(acl) + " ACE " + std::to_string(index);
}

// One ACE at the start of `bytes` (the rest of its ACL); *size gets AceSize.
Result<Ace> DecodeAce(std::span<const std::uint8_t> bytes, const std::string& what,
                      std::size_t* size) {
  if (bytes.size() < kAceHeaderBytes) return Invalid(what, "overruns AclSize");
  const std::size_t ace_size = Load16(bytes, 2);
  if (ace_size % 4 != 0) {
    return Invalid(what, "AceSize " + std::to_string(ace_size) + " is not a multiple of 4");
  }
  if (ace_size < kAceHeaderBytes) return Invalid(what, "AceSize smaller than the ACE header");
  if (ace_size > bytes.size()) return Invalid(what, "AceSize overruns AclSize");
  std::span<const std::uint8_t> body = bytes.first(ace_size);
  Ace ace;
  ace.type = body[0];
  ace.flags = body[1];
  std::size_t interpreted = kAceHeaderBytes;
  if (ace.HasMaskAndSid()) {
    std::size_t sid_at = kAceFixedBytes;
    if (ace.IsObject()) {
      if (ace_size < kObjectAceFixedBytes) {
        return Invalid(what, "AceSize smaller than header, mask and flags");
      }
      const std::uint32_t flags = Load32(body, kAceFixedBytes);
      ace.object_flags = flags & ~(kAceObjectTypePresent | kAceInheritedObjectTypePresent);
      sid_at = kObjectAceFixedBytes;
      auto guid = [&](std::uint32_t flag, std::optional<Uuid>* out) -> Status {
        if ((flags & flag) == 0) return Status::Ok();
        if (ace_size < sid_at + kGuidBytes) {
          return Invalid(what, "AceSize smaller than the GUIDs its flags announce");
        }
        *out = Uuid::FromWire(body.subspan(sid_at, kGuidBytes));
        sid_at += kGuidBytes;
        return Status::Ok();
      };
      OPENADCS_RETURN_IF_ERROR(guid(kAceObjectTypePresent, &ace.object_type));
      OPENADCS_RETURN_IF_ERROR(guid(kAceInheritedObjectTypePresent, &ace.inherited_object_type));
    }
    if (ace_size < sid_at + Sid::kHeaderBytes) {
      return Invalid(what, "AceSize smaller than header, mask and SID");
    }
    ace.mask = Load32(body, kAceHeaderBytes);
    Result<Sid> sid = Sid::Decode(body.subspan(sid_at));
    if (!sid.ok()) return Invalid(what, sid.status().message());
    ace.sid = *sid;
    interpreted = sid_at + ace.sid.EncodedSize();
  }
  ace.tail.assign(body.begin() + static_cast<std::ptrdiff_t>(interpreted), body.end());
  *size = ace_size;
  return ace;
}

// The ACL at the start of `bytes` (the descriptor from the ACL's offset on);
// *size gets AclSize.
Result<Acl> DecodeAcl(std::span<const std::uint8_t> bytes, const char* what, std::size_t* size) {
  if (bytes.size() < kAclHeaderBytes) return Invalid(what, "truncated ACL header");
  Acl acl;
  acl.revision = bytes[0];
  if (acl.revision != kAclRevision && acl.revision != kAclRevisionDs) {
    return Invalid(what, "AclRevision " + std::to_string(acl.revision) + " (must be 2 or 4)");
  }
  if (bytes[1] != 0 || Load16(bytes, 6) != 0) return Invalid(what, "reserved field is not zero");
  const std::size_t acl_size = Load16(bytes, 2);
  const std::size_t count = Load16(bytes, 4);
  if (acl_size < kAclHeaderBytes) return Invalid(what, "AclSize smaller than the ACL header");
  if (acl_size > bytes.size()) return Invalid(what, "AclSize overruns the descriptor");
  if (count > kMaxAces) {
    return Invalid(what, "AceCount " + std::to_string(count) + " exceeds the limit of " +
                             std::to_string(kMaxAces));
  }
  // Every ACE takes at least a header: never reserve beyond what AclSize holds.
  acl.aces.reserve(std::min(count, (acl_size - kAclHeaderBytes) / kAceHeaderBytes));
  std::size_t pos = kAclHeaderBytes;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t ace_size = 0;
    Result<Ace> ace = DecodeAce(bytes.subspan(pos, acl_size - pos), AceName(what, i), &ace_size);
    if (!ace.ok()) return ace.status();
    acl.aces.push_back(std::move(*ace));
    pos += ace_size;
  }
  acl.slack.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                   bytes.begin() + static_cast<std::ptrdiff_t>(acl_size));
  *size = acl_size;
  return acl;
}

// The byte range one part of the descriptor occupies.
struct Extent {
  std::size_t begin = 0;
  std::size_t end = 0;
};

Status CheckOffset(std::uint32_t offset, std::size_t total, const char* what) {
  if (offset < kSecurityDescriptorHeaderBytes) {
    return Invalid("security descriptor", std::string(what) + " offset points into the header");
  }
  if (offset >= total) {
    return Invalid("security descriptor",
                   std::string(what) + " offset " + std::to_string(offset) + " is past the end");
  }
  return Status::Ok();
}

Status DecodeSidPart(std::span<const std::uint8_t> bytes, std::uint32_t offset, const char* what,
                     std::optional<Sid>* out, std::vector<Extent>* extents) {
  if (offset == 0) return Status::Ok();
  OPENADCS_RETURN_IF_ERROR(CheckOffset(offset, bytes.size(), what));
  Result<Sid> sid = Sid::Decode(bytes.subspan(offset));
  if (!sid.ok()) return Invalid(what, sid.status().message());
  extents->push_back({offset, offset + sid->EncodedSize()});
  *out = *sid;
  return Status::Ok();
}

// A SACL or DACL: absent without its present flag; NULL with the flag and a
// zero offset (MS-DTYP 2.5.3.2 gives a NULL DACL meaning, so the flag alone
// must survive a round trip).
Status DecodeAclPart(std::span<const std::uint8_t> bytes, std::uint32_t offset, bool present,
                     const char* what, std::optional<Acl>* out, std::vector<Extent>* extents) {
  if (!present) {
    if (offset != 0) {
      return Invalid("security descriptor",
                     std::string(what) + " offset set without its present flag");
    }
    return Status::Ok();
  }
  if (offset == 0) return Status::Ok();
  OPENADCS_RETURN_IF_ERROR(CheckOffset(offset, bytes.size(), what));
  std::size_t size = 0;
  Result<Acl> acl = DecodeAcl(bytes.subspan(offset), what, &size);
  if (!acl.ok()) return acl.status();
  extents->push_back({offset, offset + size});
  *out = std::move(*acl);
  return Status::Ok();
}

// An object ACE's Flags and GUIDs; the presence bits follow the optionals.
void AppendObjectPart(const Ace& ace, Bytes* out) {
  std::uint32_t flags =
      ace.object_flags & ~(kAceObjectTypePresent | kAceInheritedObjectTypePresent);
  if (ace.object_type) flags |= kAceObjectTypePresent;
  if (ace.inherited_object_type) flags |= kAceInheritedObjectTypePresent;
  Append32(out, flags);
  for (const std::optional<Uuid>* guid : {&ace.object_type, &ace.inherited_object_type}) {
    if (!guid->has_value()) continue;
    std::array<std::uint8_t, kGuidBytes> wire{};
    (*guid)->ToWire(wire);
    out->insert(out->end(), wire.begin(), wire.end());
  }
}

Status EncodeAcl(const Acl& acl, const char* what, Bytes* out) {
  if (acl.revision != kAclRevision && acl.revision != kAclRevisionDs) {
    return Invalid(what, "AclRevision " + std::to_string(acl.revision) + " (must be 2 or 4)");
  }
  if (acl.aces.size() > kMaxAces) {
    return Invalid(what, std::to_string(acl.aces.size()) + " ACEs exceed the limit of " +
                             std::to_string(kMaxAces));
  }
  const std::size_t start = out->size();
  out->push_back(acl.revision);
  out->push_back(0);
  Append16(out, 0);  // AclSize, once known
  Append16(out, static_cast<std::uint16_t>(acl.aces.size()));
  Append16(out, 0);
  for (std::size_t i = 0; i < acl.aces.size(); ++i) {
    const Ace& ace = acl.aces[i];
    if (ace.tail.size() % 4 != 0) {
      return Invalid(AceName(what, i), "tail size is not a multiple of 4");
    }
    const std::size_t ace_start = out->size();
    out->push_back(ace.type);
    out->push_back(ace.flags);
    Append16(out, 0);  // AceSize, once known
    if (ace.HasMaskAndSid()) {
      Append32(out, ace.mask);
      if (ace.IsObject()) AppendObjectPart(ace, out);
      ace.sid.EncodeTo(out);
    }
    out->insert(out->end(), ace.tail.begin(), ace.tail.end());
    const std::size_t ace_size = out->size() - ace_start;
    if (ace_size > kMaxAceBytes) return Invalid(AceName(what, i), "larger than 65535 bytes");
    Put16(out, ace_start + 2, static_cast<std::uint16_t>(ace_size));
  }
  out->insert(out->end(), acl.slack.begin(), acl.slack.end());
  const std::size_t acl_size = out->size() - start;
  if (acl_size > kMaxAclBytes) return Invalid(what, "larger than 65535 bytes");
  Put16(out, start + 2, static_cast<std::uint16_t>(acl_size));
  return Status::Ok();
}

}  // namespace

Result<SecurityDescriptor> DecodeSecurityDescriptor(std::span<const std::uint8_t> bytes) {
  return DecodeSecurityDescriptorPrefix(bytes, nullptr);
}

Result<SecurityDescriptor> DecodeSecurityDescriptorPrefix(std::span<const std::uint8_t> bytes,
                                                          std::size_t* size) {
  // What follows a descriptor is not its part, so only its own parts are
  // held to the limit.
  if (size != nullptr) bytes = bytes.first(std::min(bytes.size(), kMaxSecurityDescriptorBytes));
  if (bytes.size() > kMaxSecurityDescriptorBytes) {
    return Invalid("security descriptor", std::to_string(bytes.size()) +
                                              " bytes exceed the limit of " +
                                              std::to_string(kMaxSecurityDescriptorBytes));
  }
  if (bytes.size() < kSecurityDescriptorHeaderBytes) {
    return Invalid("security descriptor", "truncated header");
  }
  if (bytes[0] != kSecurityDescriptorRevision) {
    return Invalid("security descriptor", "revision " + std::to_string(bytes[0]) + " (must be 1)");
  }
  SecurityDescriptor sd;
  sd.sbz1 = bytes[1];
  sd.control = Load16(bytes, 2);
  if ((sd.control & kSeSelfRelative) == 0) {
    return Invalid("security descriptor", "not self-relative (SE_SELF_RELATIVE clear)");
  }
  std::vector<Extent> extents;
  extents.reserve(4);
  OPENADCS_RETURN_IF_ERROR(
      DecodeSidPart(bytes, Load32(bytes, kOwnerOffsetAt), "owner", &sd.owner, &extents));
  OPENADCS_RETURN_IF_ERROR(
      DecodeSidPart(bytes, Load32(bytes, kGroupOffsetAt), "group", &sd.group, &extents));
  OPENADCS_RETURN_IF_ERROR(DecodeAclPart(bytes, Load32(bytes, kSaclOffsetAt),
                                         (sd.control & kSeSaclPresent) != 0, "SACL", &sd.sacl,
                                         &extents));
  OPENADCS_RETURN_IF_ERROR(DecodeAclPart(bytes, Load32(bytes, kDaclOffsetAt),
                                         (sd.control & kSeDaclPresent) != 0, "DACL", &sd.dacl,
                                         &extents));
  // Parts that share bytes would not survive re-encoding as they were, and
  // no writer produces them.
  std::sort(extents.begin(), extents.end(),
            [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < extents.size(); ++i) {
    if (extents[i].begin < extents[i - 1].end) {
      return Invalid("security descriptor", "parts overlap");
    }
  }
  if (size != nullptr) {
    *size = kSecurityDescriptorHeaderBytes;
    for (const Extent& e : extents) *size = std::max<std::size_t>(*size, e.end);
  }
  return sd;
}

Result<Bytes> EncodeSecurityDescriptor(const SecurityDescriptor& sd) {
  std::uint16_t control = static_cast<std::uint16_t>(sd.control | kSeSelfRelative);
  if (sd.sacl) control = static_cast<std::uint16_t>(control | kSeSaclPresent);
  if (sd.dacl) control = static_cast<std::uint16_t>(control | kSeDaclPresent);
  Bytes out(kSecurityDescriptorHeaderBytes, 0);
  out[0] = kSecurityDescriptorRevision;
  out[1] = sd.sbz1;
  Put16(&out, 2, control);
  // EncodeAcl caps each ACL at 65535 bytes, so every offset fits 32 bits.
  if (sd.sacl) {
    Put32(&out, kSaclOffsetAt, static_cast<std::uint32_t>(out.size()));
    OPENADCS_RETURN_IF_ERROR(EncodeAcl(*sd.sacl, "SACL", &out));
  }
  if (sd.dacl) {
    Put32(&out, kDaclOffsetAt, static_cast<std::uint32_t>(out.size()));
    OPENADCS_RETURN_IF_ERROR(EncodeAcl(*sd.dacl, "DACL", &out));
  }
  if (sd.owner) {
    Put32(&out, kOwnerOffsetAt, static_cast<std::uint32_t>(out.size()));
    sd.owner->EncodeTo(&out);
  }
  if (sd.group) {
    Put32(&out, kGroupOffsetAt, static_cast<std::uint32_t>(out.size()));
    sd.group->EncodeTo(&out);
  }
  if (out.size() > kMaxSecurityDescriptorBytes) {
    return Invalid("security descriptor", std::to_string(out.size()) +
                                              " bytes exceed the limit of " +
                                              std::to_string(kMaxSecurityDescriptorBytes));
  }
  return out;
}

Result<Acl> BuildDacl(std::span<const AceEntry> entries) {
  if (entries.size() > kMaxAces) {
    return Invalid("DACL", std::to_string(entries.size()) + " ACEs exceed the limit of " +
                               std::to_string(kMaxAces));
  }
  Acl acl;
  acl.revision = kAclRevision;
  acl.aces.reserve(entries.size());
  for (const AceEntry& e : entries) {
    Ace ace;
    ace.type = e.kind == AceKind::kAllow ? kAccessAllowedAceType : kAccessDeniedAceType;
    ace.mask = e.mask;
    ace.sid = e.sid;
    acl.aces.push_back(std::move(ace));
  }
  return acl;
}

}  // namespace openadcs::security
