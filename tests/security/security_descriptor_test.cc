// Self-relative security descriptors (MS-DTYP 2.4.4-2.4.6): the spec's own
// example byte for byte, round trips, and one test per refusal of the
// decoder and the encoder.
#include "openadcs/security/security_descriptor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace openadcs::security {
namespace {

Bytes Hex(const std::string& hex) {
  return HexDecode(hex).value();
}

// MS-DTYP 2.5.1.4: "O:BAG:BAD:P(A;CIOI;GRGX;;;BU)(A;CIOI;GA;;;BA)
// (A;CIOI;GA;;;SY)(A;CIOI;GA;;;CO)S:P(AU;FA;GR;;;WD)" as Windows encodes it:
// SACL at 0x14, DACL at 0x30, owner at 0x90, group at 0xa0.
const Bytes kSpecExample =
    Hex("01 00 14 b0 90 00 00 00 a0 00 00 00 14 00 00 00"
        "30 00 00 00 02 00 1c 00 01 00 00 00 02 80 14 00"
        "00 00 00 80 01 01 00 00 00 00 00 01 00 00 00 00"
        "02 00 60 00 04 00 00 00 00 03 18 00 00 00 00 a0"
        "01 02 00 00 00 00 00 05 20 00 00 00 21 02 00 00"
        "00 03 18 00 00 00 00 10 01 02 00 00 00 00 00 05"
        "20 00 00 00 20 02 00 00 00 03 14 00 00 00 00 10"
        "01 01 00 00 00 00 00 05 12 00 00 00 00 03 14 00"
        "00 00 00 10 01 01 00 00 00 00 00 03 00 00 00 00"
        "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00"
        "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");

// A DACL granting Everyone Enroll (0x200), owned by BUILTIN\Administrators:
//   header (20) | DACL at 20 (28) | owner at 48 (16); no group, no SACL.
const Bytes kMinimal =
    Hex("01 00 04 80 30 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00"
        "02 00 1c 00 01 00 00 00"
        "00 00 14 00 00 02 00 00 01 01 00 00 00 00 00 01 00 00 00 00"
        "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");

// Byte positions in kMinimal.
constexpr std::size_t kOwnerOffset = 4;
constexpr std::size_t kGroupOffset = 8;
constexpr std::size_t kSaclOffset = 12;
constexpr std::size_t kDaclOffset = 16;
constexpr std::size_t kDacl = 20;
constexpr std::size_t kAce = 28;
constexpr std::size_t kOwner = 48;

Sid S(const char* text) {
  return Sid::Parse(text).value();
}

// kMinimal with one byte changed.
Bytes Patched(std::size_t at, std::uint8_t value) {
  Bytes b = kMinimal;
  b[at] = value;
  return b;
}

void ExpectRefused(const Bytes& bytes, const std::string& why) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(bytes);
  ASSERT_FALSE(sd.ok()) << "accepted; expected: " << why;
  EXPECT_EQ(sd.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sd.status().message().find(why), std::string::npos) << sd.status().message();
}

TEST(SecurityDescriptorTest, SpecExampleDecodes) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(kSpecExample);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_EQ(sd->control, kSeSelfRelative | kSeSaclProtected | kSeDaclProtected | kSeSaclPresent |
                             kSeDaclPresent);
  EXPECT_EQ(sd->owner, well_known::kBuiltinAdministrators);
  EXPECT_EQ(sd->group, well_known::kBuiltinAdministrators);
  ASSERT_TRUE(sd->sacl.has_value());
  ASSERT_EQ(sd->sacl->aces.size(), 1u);
  const Ace& audit = sd->sacl->aces[0];  // SYSTEM_AUDIT: kept opaque
  EXPECT_EQ(audit.type, 0x02);
  EXPECT_EQ(audit.flags, kFailedAccessAceFlag);
  EXPECT_EQ(audit.tail, Hex("00 00 00 80 01 01 00 00 00 00 00 01 00 00 00 00"));
  ASSERT_TRUE(sd->HasDacl());
  const std::vector<Ace>& aces = sd->dacl->aces;
  ASSERT_EQ(aces.size(), 4u);
  const Sid trustees[] = {S("S-1-5-32-545"), well_known::kBuiltinAdministrators,
                          well_known::kLocalSystem, well_known::kCreatorOwner};
  const std::uint32_t masks[] = {0xa0000000, 0x10000000, 0x10000000, 0x10000000};
  for (std::size_t i = 0; i < aces.size(); ++i) {
    EXPECT_EQ(aces[i].type, kAccessAllowedAceType) << i;
    EXPECT_EQ(aces[i].flags, kObjectInheritAce | kContainerInheritAce) << i;
    EXPECT_EQ(aces[i].mask, masks[i]) << i;
    EXPECT_EQ(aces[i].sid, trustees[i]) << i;
    EXPECT_TRUE(aces[i].tail.empty()) << i;
  }
  EXPECT_TRUE(sd->dacl->slack.empty());
}

TEST(SecurityDescriptorTest, SpecExampleReencodesByteForByte) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(kSpecExample);
  ASSERT_TRUE(sd.ok());
  Result<Bytes> again = EncodeSecurityDescriptor(*sd);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(HexLower(*again), HexLower(kSpecExample));
}

TEST(SecurityDescriptorTest, MinimalReencodesByteForByte) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(kMinimal);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_FALSE(sd->group.has_value());
  EXPECT_FALSE(sd->sacl.has_value());
  EXPECT_EQ(EncodeSecurityDescriptor(*sd).value(), kMinimal);
}

TEST(SecurityDescriptorTest, BuiltDescriptorRoundTripsInCanonicalLayout) {
  const AceEntry entries[] = {
      {well_known::kEveryone, 0x1, AceKind::kDeny},
      {well_known::kBuiltinAdministrators, 0x3, AceKind::kAllow},
  };
  SecurityDescriptor sd;
  sd.control = kSeSelfRelative | kSeDaclPresent;  // as decoding will give it
  sd.owner = well_known::kLocalSystem;
  sd.group = well_known::kBuiltinAdministrators;
  sd.dacl = BuildDacl(entries).value();
  ASSERT_EQ(sd.dacl->aces.size(), 2u);
  EXPECT_EQ(sd.dacl->aces[0].type, kAccessDeniedAceType);
  EXPECT_EQ(sd.dacl->aces[1].type, kAccessAllowedAceType);
  EXPECT_EQ(sd.dacl->revision, kAclRevision);

  Result<Bytes> bytes = EncodeSecurityDescriptor(sd);
  ASSERT_TRUE(bytes.ok());
  // DACL (8 + 20 + 24) at 20, then owner (12) at 72, then group (16) at 84.
  EXPECT_EQ(HexLower(std::span(*bytes).first(20)), "0100048048000000540000000000000014000000");
  EXPECT_EQ(bytes->size(), 100u);
  Result<SecurityDescriptor> back = DecodeSecurityDescriptor(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, sd);
}

// AceSize beyond the SID, bytes after the last ACE, and an ACE type the codec
// does not interpret all survive a round trip.
TEST(SecurityDescriptorTest, AceTailAclSlackAndOpaqueAcesSurvive) {
  const Bytes bytes =
      Hex("01 00 04 80 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00"
          "04 00 34 00 02 00 00 00"
          // allow, AceSize 24: Everyone plus 4 bytes of excess
          "00 00 18 00 00 02 00 00 01 01 00 00 00 00 00 01 00 00 00 00 aa bb cc dd"
          // SYSTEM_AUDIT_OBJECT (7), AceSize 8: opaque
          "07 02 08 00 11 22 33 44"
          // 12 bytes of slack inside AclSize
          "00 00 00 00 ee ee ee ee 00 00 00 00");
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(bytes);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  ASSERT_EQ(sd->dacl->aces.size(), 2u);
  EXPECT_EQ(sd->dacl->revision, kAclRevisionDs);
  EXPECT_EQ(sd->dacl->aces[0].sid, well_known::kEveryone);
  EXPECT_EQ(sd->dacl->aces[0].tail, Hex("aa bb cc dd"));
  EXPECT_FALSE(sd->dacl->aces[1].IsAllowOrDeny());
  EXPECT_EQ(sd->dacl->aces[1].flags, kContainerInheritAce);
  EXPECT_EQ(sd->dacl->aces[1].tail, Hex("11 22 33 44"));
  EXPECT_EQ(sd->dacl->slack.size(), 12u);
  EXPECT_EQ(EncodeSecurityDescriptor(*sd).value(), bytes);
}

// SE_DACL_PRESENT with a zero offset is a NULL DACL: it must not turn into
// "no DACL" (or an empty one) on the way through.
TEST(SecurityDescriptorTest, NullDaclRoundTrips) {
  const Bytes bytes =
      Hex("01 00 04 80 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
          "01 01 00 00 00 00 00 05 12 00 00 00");
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(bytes);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_FALSE(sd->dacl.has_value());
  EXPECT_FALSE(sd->HasDacl());
  EXPECT_NE(sd->control & kSeDaclPresent, 0);
  EXPECT_EQ(EncodeSecurityDescriptor(*sd).value(), bytes);
}

// AD writes owner and group first; the value is the same, the bytes become
// Windows' canonical layout.
TEST(SecurityDescriptorTest, OtherLayoutsDecodeToTheSameValue) {
  const Bytes owner_first =
      Hex("01 00 04 80 14 00 00 00 00 00 00 00 00 00 00 00 24 00 00 00"
          "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00"
          "02 00 1c 00 01 00 00 00"
          "00 00 14 00 00 02 00 00 01 01 00 00 00 00 00 01 00 00 00 00"
          "ff ff ff ff");  // trailing bytes no part points at
  Result<SecurityDescriptor> a = DecodeSecurityDescriptor(owner_first);
  Result<SecurityDescriptor> b = DecodeSecurityDescriptor(kMinimal);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(EncodeSecurityDescriptor(*a).value(), kMinimal);
}

TEST(SecurityDescriptorTest, EmptyDescriptorHasNoParts) {
  const Bytes bytes = Hex("01 00 00 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(bytes);
  ASSERT_TRUE(sd.ok());
  EXPECT_FALSE(sd->owner || sd->group || sd->sacl || sd->dacl);
  EXPECT_EQ(EncodeSecurityDescriptor(*sd).value(), bytes);
}

TEST(SecurityDescriptorTest, RefusesTheWholeDescriptor) {
  Bytes huge = kMinimal;
  huge.resize(kMaxSecurityDescriptorBytes + 1);
  ExpectRefused(huge, "exceed the limit");
  ExpectRefused(Bytes(kMinimal.begin(), kMinimal.begin() + 19), "truncated header");
  ExpectRefused(Patched(0, 2), "revision 2");
  ExpectRefused(Patched(3, 0x00), "not self-relative");
}

TEST(SecurityDescriptorTest, RefusesBadOffsets) {
  ExpectRefused(Patched(kOwnerOffset, 4), "owner offset points into the header");
  ExpectRefused(Patched(kOwnerOffset, 19), "owner offset points into the header");
  ExpectRefused(Patched(kDaclOffset, 8), "DACL offset points into the header");
  ExpectRefused(Patched(kGroupOffset, 64), "group offset 64 is past the end");
  Bytes far = kMinimal;
  far[kDaclOffset + 3] = 0x80;  // 0x80000014
  ExpectRefused(far, "is past the end");
  ExpectRefused(Patched(kSaclOffset, 20), "SACL offset set without its present flag");
  Bytes dacl_absent = Patched(2, 0x00);  // SE_DACL_PRESENT clear, offset still 20
  ExpectRefused(dacl_absent, "DACL offset set without its present flag");
}

TEST(SecurityDescriptorTest, RefusesOverlappingParts) {
  ExpectRefused(Patched(kGroupOffset, kOwner), "parts overlap");  // owner and group share bytes
  ExpectRefused(Patched(kOwnerOffset, 24), "parts overlap");      // owner inside the DACL
  Bytes sacl_is_dacl = Patched(kSaclOffset, kDacl);
  sacl_is_dacl[2] |= kSeSaclPresent;
  ExpectRefused(sacl_is_dacl, "parts overlap");
}

TEST(SecurityDescriptorTest, RefusesMalformedSids) {
  ExpectRefused(Bytes(kMinimal.begin(), kMinimal.end() - 4), "owner: SID: truncated");
  ExpectRefused(Patched(kOwner + 1, 16), "owner: SID: 16 sub-authorities");
  ExpectRefused(Patched(kOwner, 2), "owner: SID: revision 2");
  ExpectRefused(Patched(kAce + 9, 16), "DACL ACE 0: SID: 16 sub-authorities");
  // The SID claims 2 sub-authorities; AceSize (20) leaves room for 1.
  ExpectRefused(Patched(kAce + 9, 2), "DACL ACE 0: SID: truncated");
}

TEST(SecurityDescriptorTest, RefusesMalformedAcls) {
  ExpectRefused(Patched(kDacl, 3), "AclRevision 3");
  ExpectRefused(Patched(kDacl, 1), "AclRevision 1");
  ExpectRefused(Patched(kDacl + 1, 1), "reserved field");
  ExpectRefused(Patched(kDacl + 7, 1), "reserved field");
  ExpectRefused(Patched(kDacl + 2, 4), "AclSize smaller than the ACL header");
  ExpectRefused(Patched(kDacl + 2, 48), "AclSize overruns the descriptor");
  ExpectRefused(Patched(kDacl + 4, 2), "DACL ACE 1: overruns AclSize");
  Bytes many = Patched(kDacl + 4, 0x01);
  many[kDacl + 5] = 0x04;  // 1025 ACEs
  ExpectRefused(many, "AceCount 1025 exceeds the limit");
  // An ACL header cut off by the end of the descriptor.
  Bytes cut = kMinimal;
  cut[kDaclOffset] = 60;
  cut[kOwnerOffset] = 0;
  ExpectRefused(cut, "DACL: truncated ACL header");
}

TEST(SecurityDescriptorTest, RefusesMalformedAces) {
  ExpectRefused(Patched(kAce + 2, 21), "AceSize 21 is not a multiple of 4");
  ExpectRefused(Patched(kAce + 2, 0), "AceSize smaller than the ACE header");
  ExpectRefused(Patched(kAce + 2, 12), "AceSize smaller than header, mask and SID");
  ExpectRefused(Patched(kAce + 2, 24), "AceSize overruns AclSize");
  // An opaque ACE (here SYSTEM_AUDIT_OBJECT) may be just a header; one
  // smaller is still refused.
  Bytes opaque = Patched(kAce, 0x07);
  EXPECT_TRUE(DecodeSecurityDescriptor(opaque).ok());
  opaque[kAce + 2] = 0;
  ExpectRefused(opaque, "AceSize smaller than the ACE header");
}

TEST(SecurityDescriptorTest, EncoderRefusesWhatNoDecoderProduces) {
  SecurityDescriptor sd;
  sd.dacl = Acl{};
  sd.dacl->revision = 3;
  EXPECT_FALSE(EncodeSecurityDescriptor(sd).ok());

  sd.dacl = Acl{};
  sd.dacl->aces.resize(kMaxAces + 1);
  EXPECT_FALSE(EncodeSecurityDescriptor(sd).ok());

  sd.dacl = Acl{};
  sd.dacl->aces.resize(1);
  sd.dacl->aces[0].tail = Bytes(3, 0);
  EXPECT_FALSE(EncodeSecurityDescriptor(sd).ok());

  sd.dacl->aces[0].tail = Bytes(0x10000, 0);  // ACE over 65535 bytes
  EXPECT_FALSE(EncodeSecurityDescriptor(sd).ok());

  sd.dacl->aces[0].tail.clear();
  sd.dacl->slack = Bytes(0x10000, 0);  // ACL over 65535 bytes
  EXPECT_FALSE(EncodeSecurityDescriptor(sd).ok());

  // Two ACLs under 64 KiB each, over it together.
  sd.dacl->slack = Bytes(40000, 0);
  sd.sacl = sd.dacl;
  Result<Bytes> big = EncodeSecurityDescriptor(sd);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("exceed the limit"), std::string::npos);
}

TEST(SecurityDescriptorTest, EncoderSetsSelfRelativeAndPresentFlags) {
  SecurityDescriptor sd;
  sd.control = 0;
  sd.sacl = Acl{};
  sd.dacl = Acl{};
  Result<Bytes> bytes = EncodeSecurityDescriptor(sd);
  ASSERT_TRUE(bytes.ok());
  Result<SecurityDescriptor> back = DecodeSecurityDescriptor(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->control, kSeSelfRelative | kSeSaclPresent | kSeDaclPresent);
}

TEST(SecurityDescriptorTest, BuildDaclKeepsOrderAndCapsTheCount) {
  std::vector<AceEntry> entries(kMaxAces + 1, AceEntry{well_known::kEveryone, 1, AceKind::kAllow});
  EXPECT_FALSE(BuildDacl(entries).ok());
  entries.resize(kMaxAces);
  entries.back().kind = AceKind::kDeny;
  Result<Acl> acl = BuildDacl(entries);
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(acl->aces.size(), kMaxAces);
  EXPECT_EQ(acl->aces.front().type, kAccessAllowedAceType);
  EXPECT_EQ(acl->aces.back().type, kAccessDeniedAceType);
  EXPECT_EQ(acl->aces.back().flags, 0);
}

// (OA;CI;CR;0e10c968-78fb-11d2-90d4-00c04f79dc55;bf967a86-0de6-11d0-a285-00aa003049e2;AU)
// then (OD;;CR;a05b8cc2-17bc-4802-a710-e7c15ab866a2;;S-1-5-21-1-2-3-3001), a
// DS DACL of two object ACEs: one with both GUIDs (Flags 3), one with the
// object type only (Flags 1), and 0x4 set in the first's Flags beyond the
// presence bits.
const Bytes kObjectAces =
    Hex("01 00 04 80 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00"
        "04 00 78 00 02 00 00 00"
        "05 02 38 00 00 01 00 00 07 00 00 00"
        "68 c9 10 0e fb 78 d2 11 90 d4 00 c0 4f 79 dc 55"
        "86 7a 96 bf e6 0d d0 11 a2 85 00 aa 00 30 49 e2"
        "01 01 00 00 00 00 00 05 0b 00 00 00"
        "06 00 38 00 00 01 00 00 01 00 00 00"
        "c2 8c 5b a0 bc 17 02 48 a7 10 e7 c1 5a b8 66 a2"
        "01 05 00 00 00 00 00 05 15 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 b9 0b 00 00");

TEST(SecurityDescriptorTest, ObjectAcesDecodeAndReencodeByteForByte) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(kObjectAces);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  ASSERT_EQ(sd->dacl->revision, kAclRevisionDs);
  ASSERT_EQ(sd->dacl->aces.size(), 2u);
  const Ace& allow = sd->dacl->aces[0];
  EXPECT_EQ(allow.type, kAccessAllowedObjectAceType);
  EXPECT_EQ(allow.flags, kContainerInheritAce);
  EXPECT_EQ(allow.mask, 0x100u);
  EXPECT_EQ(allow.object_flags, 4u);  // presence bits are the optionals
  EXPECT_EQ(allow.object_type, Uuid::Parse("0e10c968-78fb-11d2-90d4-00c04f79dc55"));
  EXPECT_EQ(allow.inherited_object_type, Uuid::Parse("bf967a86-0de6-11d0-a285-00aa003049e2"));
  EXPECT_EQ(allow.sid, S("S-1-5-11"));
  EXPECT_TRUE(allow.tail.empty());
  const Ace& deny = sd->dacl->aces[1];
  EXPECT_EQ(deny.type, kAccessDeniedObjectAceType);
  EXPECT_EQ(deny.object_type, Uuid::Parse("a05b8cc2-17bc-4802-a710-e7c15ab866a2"));
  EXPECT_FALSE(deny.inherited_object_type.has_value());
  EXPECT_EQ(deny.sid, S("S-1-5-21-1-2-3-3001"));
  Result<Bytes> again = EncodeSecurityDescriptor(*sd);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, kObjectAces);
}

TEST(SecurityDescriptorTest, ObjectAceFlagsFollowTheGuidsHeld) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(kObjectAces);
  ASSERT_TRUE(sd.ok());
  sd->dacl->aces[1].object_type.reset();  // now announces no GUID
  sd->dacl->aces[0].inherited_object_type.reset();
  Result<Bytes> bytes = EncodeSecurityDescriptor(*sd);
  ASSERT_TRUE(bytes.ok());
  Result<SecurityDescriptor> back = DecodeSecurityDescriptor(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*bytes)[28 + 8], 0x05);  // the extra bit kept, object type only
  EXPECT_EQ((*bytes)[28 + 0x38 - 0x10 + 8], 0x00);
  EXPECT_EQ(back->dacl->aces[1].sid, S("S-1-5-21-1-2-3-3001"));
  EXPECT_EQ(*back, *sd);
}

TEST(SecurityDescriptorTest, RefusesObjectAcesTooShortForWhatTheirFlagsAnnounce) {
  constexpr std::size_t kFirstAce = 28;
  Bytes b = kObjectAces;
  b[kFirstAce + 2] = 8;  // AceSize: no room for Flags
  ExpectRefused(b, "AceSize smaller than header, mask and flags");
  b[kFirstAce + 2] = 0x24;  // room for Flags and one GUID, Flags announce two
  ExpectRefused(b, "AceSize smaller than the GUIDs its flags announce");
  b[kFirstAce + 2] = 0x30;  // both GUIDs, not a SID header
  ExpectRefused(b, "AceSize smaller than header, mask and SID");
}

}  // namespace
}  // namespace openadcs::security
