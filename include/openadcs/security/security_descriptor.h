// Self-relative security descriptors (MS-DTYP 2.4.6) with their ACLs (2.4.5)
// and ACEs (2.4.4), as GetCASecurity / SetCASecurity carry them and as the
// CA stores its own.
//
// Wire format, all little-endian:
//   header (20): Revision=1 | Sbz1 | Control (16) | OffsetOwner | OffsetGroup
//                | OffsetSacl | OffsetDacl (32 each, from the descriptor start)
//   ACL (8 + ACEs): AclRevision=2|4 | Sbz1=0 | AclSize (16) | AceCount (16)
//                   | Sbz2=0 (16), then AceCount ACEs within AclSize
//   ACE: AceType | AceFlags | AceSize (16, a multiple of 4), then for the
//        allow, deny and callback types Mask (32) and a SID, and for the
//        callback types their application data after it (2.4.4.6, 2.4.4.7);
//        for the object types Mask (32) | Flags (32) | ObjectType (16, when
//        Flags has 0x1) | InheritedObjectType (16, when Flags has 0x2) | SID
//        (2.4.4.3, 2.4.4.4)
//
// ACE types: ACCESS_ALLOWED (0), ACCESS_DENIED (1), ACCESS_ALLOWED_OBJECT
// (5), ACCESS_DENIED_OBJECT (6), ACCESS_ALLOWED_CALLBACK (9) and
// ACCESS_DENIED_CALLBACK (0x0A) are interpreted (MS-CSRA's officer rights
// are callback ACEs, security/officer_rights.h; a directory object's
// nTSecurityDescriptor grants extended rights in object ACEs, security/
// object_access.h). Every other type is
// kept as opaque bytes, so that a descriptor an administration
// tool sends (with audit ACEs in its SACL, say) comes back from
// GetCASecurity as it was set; what the access decision makes of them is for
// its caller to say (ca/access.h ignores them or fails closed, and
// SetCASecurity refuses them in the CA's DACL).
//
// Layout: the decoder follows the offsets wherever they point, so long as
// each part lies past the header, inside the descriptor, and apart from the
// others. The encoder writes the parts packed in the order Windows writes
// them (MS-DTYP 2.4.6 note <72>, and the example in 2.5.1.4): SACL, DACL,
// owner, group. A descriptor in that layout (every one Windows sends)
// re-encodes byte for byte; one in another layout (AD's
// nTSecurityDescriptor puts owner and group first), or with gaps between its
// parts, re-encodes to the same value in the canonical layout.
//
// Decoding reads untrusted bytes: every length and offset is checked before
// use, the limits below are enforced, and a failure is kInvalidArgument
// naming the field. Thread-safe (values and pure functions).
#ifndef OPENADCS_SECURITY_SECURITY_DESCRIPTOR_H_
#define OPENADCS_SECURITY_SECURITY_DESCRIPTOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "openadcs/security/sid.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::security {

// Limits on untrusted input. A CA's descriptor is a few hundred bytes; the
// cap bounds what a SetCASecurity call can make us store and copy.
inline constexpr std::size_t kMaxSecurityDescriptorBytes = std::size_t{64} * 1024;
// ACEs in one ACL. 64 KiB holds at most about 4000 of the smallest ACEs;
// no CA or template needs more than a few dozen.
inline constexpr std::size_t kMaxAces = 1024;

inline constexpr std::uint8_t kSecurityDescriptorRevision = 1;
inline constexpr std::size_t kSecurityDescriptorHeaderBytes = 20;
inline constexpr std::size_t kAclHeaderBytes = 8;
inline constexpr std::size_t kAceHeaderBytes = 4;
// AceType, AceFlags, AceSize, Mask: what precedes the SID of an allow or
// deny ACE.
inline constexpr std::size_t kAceFixedBytes = 8;
// What precedes the GUIDs of an object ACE: AceType .. Mask, then Flags.
inline constexpr std::size_t kObjectAceFixedBytes = 12;
inline constexpr std::size_t kGuidBytes = 16;

// Control flags (MS-DTYP 2.4.6).
inline constexpr std::uint16_t kSeOwnerDefaulted = 0x0001;
inline constexpr std::uint16_t kSeGroupDefaulted = 0x0002;
inline constexpr std::uint16_t kSeDaclPresent = 0x0004;
inline constexpr std::uint16_t kSeDaclDefaulted = 0x0008;
inline constexpr std::uint16_t kSeSaclPresent = 0x0010;
inline constexpr std::uint16_t kSeSaclDefaulted = 0x0020;
inline constexpr std::uint16_t kSeDaclTrusted = 0x0040;
inline constexpr std::uint16_t kSeServerSecurity = 0x0080;
inline constexpr std::uint16_t kSeDaclAutoInheritReq = 0x0100;
inline constexpr std::uint16_t kSeSaclAutoInheritReq = 0x0200;
inline constexpr std::uint16_t kSeDaclAutoInherited = 0x0400;
inline constexpr std::uint16_t kSeSaclAutoInherited = 0x0800;
inline constexpr std::uint16_t kSeDaclProtected = 0x1000;
inline constexpr std::uint16_t kSeSaclProtected = 0x2000;
inline constexpr std::uint16_t kSeRmControlValid = 0x4000;
inline constexpr std::uint16_t kSeSelfRelative = 0x8000;

// ACL revisions (MS-DTYP 2.4.5): the only two valid on the wire.
inline constexpr std::uint8_t kAclRevision = 2;
inline constexpr std::uint8_t kAclRevisionDs = 4;

// ACE types (MS-DTYP 2.4.4.1) this codec interprets, and those the access
// decision has to know about to fail closed.
inline constexpr std::uint8_t kAccessAllowedAceType = 0x00;
inline constexpr std::uint8_t kAccessDeniedAceType = 0x01;
inline constexpr std::uint8_t kAccessAllowedObjectAceType = 0x05;
inline constexpr std::uint8_t kAccessDeniedObjectAceType = 0x06;
inline constexpr std::uint8_t kAccessAllowedCallbackAceType = 0x09;
inline constexpr std::uint8_t kAccessDeniedCallbackAceType = 0x0A;
inline constexpr std::uint8_t kAccessDeniedCallbackObjectAceType = 0x0C;

// ACE flags (MS-DTYP 2.4.4.1).
inline constexpr std::uint8_t kObjectInheritAce = 0x01;
inline constexpr std::uint8_t kContainerInheritAce = 0x02;
inline constexpr std::uint8_t kNoPropagateInheritAce = 0x04;
inline constexpr std::uint8_t kInheritOnlyAce = 0x08;
inline constexpr std::uint8_t kInheritedAce = 0x10;
inline constexpr std::uint8_t kSuccessfulAccessAceFlag = 0x40;
inline constexpr std::uint8_t kFailedAccessAceFlag = 0x80;

// The Flags field of an object ACE (MS-DTYP 2.4.4.3): which GUIDs follow.
inline constexpr std::uint32_t kAceObjectTypePresent = 0x1;
inline constexpr std::uint32_t kAceInheritedObjectTypePresent = 0x2;

struct Ace {
  std::uint8_t type = kAccessAllowedAceType;
  std::uint8_t flags = 0;
  // Mask and trustee of an allow, deny, object or callback ACE
  // (HasMaskAndSid); zero and S-1-0 for every other type.
  std::uint32_t mask = 0;
  Sid sid;
  // Object ACEs only (IsObject): the GUIDs that follow Flags, and the bits
  // of Flags other than their two presence bits (none are defined; kept so
  // that the ACE re-encodes as it was). The presence bits are the
  // optionals: the decoder sets them from Flags, the encoder writes Flags
  // from them, so an ACE built with an object type equals one decoded.
  std::uint32_t object_flags = 0;
  std::optional<Uuid> object_type;
  std::optional<Uuid> inherited_object_type;
  // The ACE's bytes after what this codec interprets: after the SID of an
  // allow, deny or object ACE (AceSize may exceed it; 2.4.4.1 says to
  // ignore the excess), the application data of a callback ACE (with any
  // padding to AceSize), after the 4-byte header for every other type. Kept
  // so that the ACE re-encodes byte for byte. Its size is a multiple of 4.
  Bytes tail;

  bool IsAllowOrDeny() const {
    return type == kAccessAllowedAceType || type == kAccessDeniedAceType;
  }
  bool IsCallback() const {
    return type == kAccessAllowedCallbackAceType || type == kAccessDeniedCallbackAceType;
  }
  bool IsObject() const {
    return type == kAccessAllowedObjectAceType || type == kAccessDeniedObjectAceType;
  }
  // The types whose Mask and SID the codec reads and writes.
  bool HasMaskAndSid() const { return IsAllowOrDeny() || IsCallback() || IsObject(); }
  friend bool operator==(const Ace&, const Ace&) = default;
};

struct Acl {
  std::uint8_t revision = kAclRevision;
  std::vector<Ace> aces;
  // Bytes inside AclSize after the last ACE (an ACL allocated larger than it
  // was filled), kept so that the ACL re-encodes byte for byte.
  Bytes slack;

  friend bool operator==(const Acl&, const Acl&) = default;
};

struct SecurityDescriptor {
  // Resource-manager control bits, meaningful only with kSeRmControlValid.
  std::uint8_t sbz1 = 0;
  // As on the wire. `dacl` / `sacl` hold the ACLs; a present flag here
  // with no ACL there (a zero offset on the wire) is a NULL ACL, and a NULL
  // DACL grants everyone everything (MS-DTYP 2.5.3.2). The encoder sets
  // kSeSelfRelative, and the present flag of each ACL held, so a descriptor
  // built without them gains them on a round trip; a decoded one has them.
  std::uint16_t control = kSeSelfRelative;
  std::optional<Sid> owner;
  std::optional<Sid> group;
  std::optional<Acl> sacl;
  std::optional<Acl> dacl;

  // True when there is a DACL to evaluate: not absent, not NULL.
  bool HasDacl() const { return dacl.has_value(); }
  friend bool operator==(const SecurityDescriptor&, const SecurityDescriptor&) = default;
};

// Decodes a self-relative descriptor; the whole of `bytes` is the
// descriptor (bytes no part is at are ignored). Fails when: larger than
// kMaxSecurityDescriptorBytes; truncated; Revision is not 1; kSeSelfRelative
// is clear; an offset points into the header or past the end; SACL or DACL
// offset is set without its present flag; two parts overlap; a SID is
// malformed (sid.h); an ACL's revision is not 2 or 4, a reserved field is
// not zero, AclSize is below its header or past the descriptor, AceCount
// exceeds kMaxAces or the ACEs overrun AclSize; an ACE's AceSize is not a
// multiple of 4, is smaller than its header (or than header, mask and SID
// for allow, deny and callback ACEs, or than header, mask, flags, the GUIDs
// its flags announce and SID for object ACEs), or overruns the ACL.
Result<SecurityDescriptor> DecodeSecurityDescriptor(std::span<const std::uint8_t> bytes);

// The descriptor at the start of `bytes`, where more may follow it (MS-CSRA
// 2.2.1.11.1 packs two with a DWORD between): as DecodeSecurityDescriptor,
// with parts allowed anywhere in the first kMaxSecurityDescriptorBytes, and
// *size set to where its last part (or the header) ends.
Result<SecurityDescriptor> DecodeSecurityDescriptorPrefix(std::span<const std::uint8_t> bytes,
                                                          std::size_t* size);

// The self-relative form, parts in the canonical order above. Fails (with
// kInvalidArgument) only for values no decoder could have produced: an ACL
// revision other than 2 or 4, more than kMaxAces ACEs, a tail whose size is
// not a multiple of 4, an ACE or ACL over 65535 bytes, or a result over
// kMaxSecurityDescriptorBytes. Whatever DecodeSecurityDescriptor returns
// encodes.
Result<Bytes> EncodeSecurityDescriptor(const SecurityDescriptor& sd);

// One explicit ACE of a DACL built by BuildDacl.
enum class AceKind : std::uint8_t { kAllow, kDeny };
struct AceEntry {
  Sid sid;
  std::uint32_t mask = 0;
  AceKind kind = AceKind::kAllow;
};

// A revision-2 DACL with one ACE (no flags) per entry, in the given order:
// order decides the outcome of an access check, so it is the caller's
// (canonical order puts deny ACEs first, MS-DTYP 2.4.5). Fails when there
// are more than kMaxAces entries.
Result<Acl> BuildDacl(std::span<const AceEntry> entries);

}  // namespace openadcs::security

#endif  // OPENADCS_SECURITY_SECURITY_DESCRIPTOR_H_
