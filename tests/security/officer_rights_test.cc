// Officer rights (MS-CSRA 2.2.1.11): callback ACEs through the descriptor
// codec, their application data byte for byte, the refusals, and the
// AccessCheck-like decision; GetOfficerRights' marshaling of officer and
// enrollment agent rights together (2.2.1.11.1).
#include "openadcs/security/officer_rights.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace openadcs::security {
namespace {

Bytes Hex(const std::string& hex) {
  return HexDecode(hex).value();
}

Sid S(const char* text) {
  return Sid::Parse(text).value();
}

// One ACCESS_ALLOWED_CALLBACK ACE: Everyone (officer) may act for
// Authenticated Users (S-1-5-11), template "User". AceSize 0x30:
//   header 4 | mask 4 | SID 12 | SIDCount 4 | SID 12 | "User\0" 10 | pad 2
const Bytes kAllowEveryoneForAuthenticatedUsers =
    Hex("01 00 04 80 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00"
        "02 00 38 00 01 00 00 00"
        "09 00 30 00 00 00 01 00"
        "01 01 00 00 00 00 00 01 00 00 00 00"
        "01 00 00 00"
        "01 01 00 00 00 00 00 05 0b 00 00 00"
        "55 00 73 00 65 00 72 00 00 00"
        "00 00");

TEST(OfficerRightsTest, CallbackAceDecodesWithMaskSidAndApplicationData) {
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(kAllowEveryoneForAuthenticatedUsers);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  const Ace& ace = sd->dacl->aces.at(0);
  EXPECT_TRUE(ace.IsCallback());
  EXPECT_FALSE(ace.IsAllowOrDeny());
  EXPECT_EQ(ace.mask, kOfficerRightsAceMask);
  EXPECT_EQ(ace.sid, well_known::kEveryone);
  EXPECT_EQ(ace.tail.size(), 28u);
  EXPECT_EQ(EncodeSecurityDescriptor(*sd).value(), kAllowEveryoneForAuthenticatedUsers);

  Result<std::vector<OfficerRightsEntry>> entries = ParseOfficerRights(*sd);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_TRUE((*entries)[0].allow);
  EXPECT_EQ((*entries)[0].officer, well_known::kEveryone);
  EXPECT_EQ((*entries)[0].requesters, std::vector<Sid>{well_known::kAuthenticatedUsers});
  EXPECT_EQ((*entries)[0].template_name, u"User");
}

TEST(OfficerRightsTest, BuiltDescriptorEncodesAsWindowsLaysItOut) {
  OfficerRightsEntry e;
  e.officer = well_known::kEveryone;
  e.requesters = {well_known::kAuthenticatedUsers};
  e.template_name = u"User";
  Result<SecurityDescriptor> sd = BuildOfficerRights({&e, 1}, well_known::kBuiltinAdministrators);
  ASSERT_TRUE(sd.ok());
  Result<Bytes> bytes = EncodeSecurityDescriptor(*sd);
  ASSERT_TRUE(bytes.ok());
  Result<SecurityDescriptor> back = DecodeSecurityDescriptor(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ParseOfficerRights(*back).value(), std::vector<OfficerRightsEntry>{e});
  // Same DACL as the hand-written one.
  EXPECT_EQ(back->dacl, DecodeSecurityDescriptor(kAllowEveryoneForAuthenticatedUsers)->dacl);
}

TEST(OfficerRightsTest, ApplicationDataWithoutTemplateNameOrWithPaddingDecodes) {
  OfficerRightsEntry e;
  // SIDCount 1, Everyone, nothing after: no template.
  ASSERT_TRUE(
      DecodeOfficerAceData(Hex("01 00 00 00 01 01 00 00 00 00 00 01 00 00 00 00"), &e).ok());
  EXPECT_EQ(e.requesters, std::vector<Sid>{well_known::kEveryone});
  EXPECT_TRUE(e.template_name.empty());
  // SIDCount 0, an empty name and padding.
  ASSERT_TRUE(DecodeOfficerAceData(Hex("00 00 00 00 00 00 00 00"), &e).ok());
  EXPECT_TRUE(e.requesters.empty());
  EXPECT_EQ(EncodeOfficerAceData(e), Hex("00 00 00 00 00 00 00 00"));
}

TEST(OfficerRightsTest, MalformedApplicationDataIsRefused) {
  OfficerRightsEntry e;
  EXPECT_FALSE(DecodeOfficerAceData(Hex("01 00 00"), &e).ok());  // no SIDCount
  // SIDCount far beyond the bytes: refused before anything is reserved.
  EXPECT_FALSE(DecodeOfficerAceData(Hex("ff ff ff ff 01 01 00 00 00 00 00 01"), &e).ok());
  // A SID with revision 2.
  EXPECT_FALSE(
      DecodeOfficerAceData(Hex("01 00 00 00 02 01 00 00 00 00 00 01 00 00 00 00"), &e).ok());
  // A name without its NUL.
  EXPECT_FALSE(DecodeOfficerAceData(Hex("00 00 00 00 55 00 73 00"), &e).ok());
  // Bytes other than zero after the NUL.
  EXPECT_FALSE(DecodeOfficerAceData(Hex("00 00 00 00 00 00 01 00"), &e).ok());
}

TEST(OfficerRightsTest, ParseRefusesWhatIsNoOfficerRightsDacl) {
  SecurityDescriptor sd = DecodeSecurityDescriptor(kAllowEveryoneForAuthenticatedUsers).value();
  SecurityDescriptor no_dacl = sd;
  no_dacl.dacl.reset();
  EXPECT_FALSE(ParseOfficerRights(no_dacl).ok());
  SecurityDescriptor plain_allow = sd;
  plain_allow.dacl->aces[0].type = kAccessAllowedAceType;
  plain_allow.dacl->aces[0].tail.clear();
  EXPECT_FALSE(ParseOfficerRights(plain_allow).ok());
  SecurityDescriptor wrong_mask = sd;
  wrong_mask.dacl->aces[0].mask = 0x2;
  EXPECT_FALSE(ParseOfficerRights(wrong_mask).ok());
  SecurityDescriptor bad_data = sd;
  bad_data.dacl->aces[0].tail = Hex("05 00 00 00");
  EXPECT_FALSE(ParseOfficerRights(bad_data).ok());
}

TEST(OfficerRightsTest, FirstApplyingAceDecidesAndNoneDenies) {
  const Sid alice_officer = S("S-1-5-21-1-2-3-1001");
  const Sid bob_requester = S("S-1-5-21-1-2-3-1002");
  const Sid carol_requester = S("S-1-5-21-1-2-3-1003");
  const Sid officers_group = S("S-1-5-21-1-2-3-2000");
  std::vector<OfficerRightsEntry> rights(3);
  rights[0] = {false, alice_officer, {carol_requester}, {}, 0};
  rights[1] = {true, officers_group, {well_known::kEveryone}, {}, 0};
  rights[2] = {true, alice_officer, {bob_requester}, u"WebServer", 0};
  const std::vector<Sid> alice = {alice_officer, officers_group};
  const std::vector<Sid> bob = {bob_requester, well_known::kEveryone};
  const std::vector<Sid> carol = {carol_requester, well_known::kEveryone};
  EXPECT_TRUE(OfficerMayActFor(rights, alice, bob, "User"));
  EXPECT_FALSE(OfficerMayActFor(rights, alice, carol, "User"));  // the deny comes first
  const std::vector<Sid> alice_alone = {alice_officer};
  EXPECT_TRUE(OfficerMayActFor(rights, alice_alone, bob, "webserver"));  // ASCII case
  EXPECT_FALSE(OfficerMayActFor(rights, alice_alone, bob, "User"));      // other template
  EXPECT_FALSE(OfficerMayActFor(rights, alice_alone, bob, ""));
  EXPECT_FALSE(OfficerMayActFor({}, alice, bob, "User"));
  rights[0].flags = kInheritOnlyAce;  // takes no part
  EXPECT_TRUE(OfficerMayActFor(rights, alice, carol, "User"));
}

// MS-CSRA 2.2.1.11.1's four forms, byte for byte, and back.
TEST(OfficerRightsTest, MarshaledRightsTakeTheFourFormsOfTheSpec) {
  const Bytes& officer = kAllowEveryoneForAuthenticatedUsers;
  OfficerRightsEntry e{true, S("S-1-5-21-1-2-3-1001"), {S("S-1-5-21-1-2-3-1002")}, {}, 0};
  const Bytes agent = EncodeSecurityDescriptor(
                          BuildOfficerRights({&e, 1}, well_known::kBuiltinAdministrators).value())
                          .value();
  const Bytes zero = Hex("00 00 00 00");
  const Bytes one = Hex("01 00 00 00");
  const auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  const struct {
    MarshaledRights rights;
    Bytes wire;
  } cases[] = {
      {{{}, {}}, zero},
      {{officer, {}}, cat({officer, zero})},
      {{{}, agent}, cat({one, agent})},
      {{officer, agent}, cat({officer, one, agent})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(HexLower(c.wire));
    EXPECT_EQ(EncodeMarshaledRights(c.rights), c.wire);
    Result<MarshaledRights> back = DecodeMarshaledRights(!c.rights.officer_rights.empty(), c.wire);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, c.rights);
  }
  // Any nonzero bEARightsEnabled enables.
  EXPECT_EQ(DecodeMarshaledRights(false, cat({Hex("00 01 00 00"), agent}))->agent_rights, agent);
  // A server without enrollment agent rights: the officer descriptor alone,
  // or nothing.
  EXPECT_EQ(DecodeMarshaledRights(true, officer).value(), (MarshaledRights{officer, {}}));
  EXPECT_EQ(DecodeMarshaledRights(false, {}).value(), MarshaledRights{});

  // A descriptor laid out owner first, as AD writes them, ends where its
  // last part ends: here an empty DACL after Everyone as owner.
  const Bytes owner_first =
      Hex("01 00 04 80 14 00 00 00 00 00 00 00 00 00 00 00 20 00 00 00"
          "01 01 00 00 00 00 00 01 00 00 00 00"
          "02 00 08 00 00 00 00 00");
  std::size_t size = 0;
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptorPrefix(cat({owner_first, one}), &size);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_EQ(size, owner_first.size());
  EXPECT_EQ(sd->owner, well_known::kEveryone);
  EXPECT_EQ(DecodeMarshaledRights(true, cat({owner_first, zero}))->officer_rights, owner_first);
}

TEST(OfficerRightsTest, MalformedMarshaledRightsAreRefused) {
  const Bytes& officer = kAllowEveryoneForAuthenticatedUsers;
  Bytes trailing = officer;
  trailing.insert(trailing.end(), {0, 0, 0, 0, 0});
  EXPECT_EQ(DecodeMarshaledRights(true, trailing).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeMarshaledRights(false, Hex("00 00 00")).ok());        // short DWORD
  EXPECT_FALSE(DecodeMarshaledRights(false, Hex("00 00 00 00 00")).ok());  // after disabled
  EXPECT_FALSE(DecodeMarshaledRights(false, Hex("01 00 00 00")).ok());     // no descriptor
  Bytes cut(officer.begin(), officer.end() - 1);
  EXPECT_FALSE(DecodeMarshaledRights(true, cut).ok());
  // pfEnabled says officer rights come first: a DWORD is no descriptor.
  EXPECT_FALSE(DecodeMarshaledRights(true, Hex("00 00 00 00")).ok());
}

}  // namespace
}  // namespace openadcs::security
