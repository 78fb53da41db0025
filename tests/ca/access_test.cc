// The CA's access decision (MS-CSRA 3.1.1.7 over MS-DTYP 2.5.3.2): one test
// per rule of GrantedRights, EffectiveRights, ValidateCaSecurity and
// DefaultCaSecurity.
#include "openadcs/ca/access.h"

#include <gtest/gtest.h>

#include <vector>

#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

using security::AceEntry;
using security::AceKind;
using security::SecurityDescriptor;
using security::Sid;

constexpr const char* kAlice = "S-1-5-21-1-2-3-1104";
constexpr const char* kBob = "S-1-5-21-1-2-3-1105";
constexpr const char* kManagers = "S-1-5-21-1-2-3-2001";

Sid S(const char* text) {
  return Sid::Parse(text).value();
}

SecurityDescriptor WithDacl(std::vector<AceEntry> entries) {
  SecurityDescriptor sd;
  sd.owner = security::well_known::kBuiltinAdministrators;
  sd.group = security::well_known::kBuiltinAdministrators;
  sd.dacl = security::BuildDacl(entries).value();
  return sd;
}

Caller Alice() {
  return Caller{"EXAMPLE\\alice", kAlice, {"S-1-1-0", "S-1-5-11", kManagers}};
}

TEST(AccessTest, AllowAceGrantsToTheCallersSid) {
  SecurityDescriptor sd = WithDacl(
      {{S(kAlice), rights::kOfficer, AceKind::kAllow}, {S(kBob), rights::kAdmin, AceKind::kAllow}});
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kOfficer);
}

TEST(AccessTest, AllowAceGrantsThroughAGroup) {
  SecurityDescriptor sd =
      WithDacl({{security::well_known::kAuthenticatedUsers, rights::kEnroll, AceKind::kAllow},
                {S(kManagers), rights::kAdmin, AceKind::kAllow}});
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kEnroll | rights::kAdmin);
}

TEST(AccessTest, DenyBeforeAllowWins) {
  SecurityDescriptor sd =
      WithDacl({{S(kManagers), rights::kAdmin, AceKind::kDeny},
                {S(kAlice), rights::kAdmin | rights::kOfficer, AceKind::kAllow}});
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kOfficer);
}

// AccessCheck stops at the first ACE that settles a right: a deny after the
// allow that granted it changes nothing; it still denies what is left.
TEST(AccessTest, DenyAfterAllowRemovesOnlyRightsNotYetGranted) {
  SecurityDescriptor sd = WithDacl(
      {{S(kAlice), rights::kAdmin, AceKind::kAllow},
       {security::well_known::kEveryone, rights::kAdmin | rights::kOfficer, AceKind::kDeny},
       {S(kManagers), rights::kOfficer | rights::kRead, AceKind::kAllow}});
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kAdmin | rights::kRead);
}

TEST(AccessTest, AcesForOtherPrincipalsDoNotApply) {
  SecurityDescriptor sd = WithDacl(
      {{S(kBob), rights::kAdmin, AceKind::kDeny}, {S(kAlice), rights::kAdmin, AceKind::kAllow}});
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kAdmin);
}

TEST(AccessTest, InheritOnlyAcesAreSkipped) {
  SecurityDescriptor sd = WithDacl({{S(kAlice), rights::kOfficer, AceKind::kDeny},
                                    {S(kAlice), rights::kAdmin, AceKind::kAllow},
                                    {S(kAlice), rights::kOfficer, AceKind::kAllow}});
  sd.dacl->aces[0].flags = security::kInheritOnlyAce | security::kContainerInheritAce;
  sd.dacl->aces[1].flags = security::kInheritOnlyAce;
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kOfficer);
}

TEST(AccessTest, UnparsableCallerSidsMatchNothing) {
  SecurityDescriptor sd =
      WithDacl({{security::well_known::kEveryone, rights::kRead, AceKind::kAllow},
                {S(kAlice), rights::kAdmin, AceKind::kAllow}});
  Caller caller{"EXAMPLE\\mallory", "not a sid", {"", "S-1-5-21-x", "S-1-1-0"}};
  EXPECT_EQ(GrantedRights(sd, caller), rights::kRead);
  caller.sid.clear();
  caller.group_sids.clear();
  EXPECT_EQ(GrantedRights(sd, caller), 0u);
}

TEST(AccessTest, OnlyCaRightsAreReported) {
  SecurityDescriptor sd = WithDacl({{S(kAlice), 0xFFFFFFFF, AceKind::kAllow}});
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kAll);
}

TEST(AccessTest, EmptyDaclGrantsNothing) {
  EXPECT_EQ(GrantedRights(WithDacl({}), Alice()), 0u);
}

// MS-DTYP 2.5.3.2: with no DACL every access check succeeds.
TEST(AccessTest, AbsentOrNullDaclGrantsEverything) {
  SecurityDescriptor absent = WithDacl({});
  absent.dacl.reset();
  absent.control = security::kSeSelfRelative;
  EXPECT_EQ(GrantedRights(absent, Alice()), rights::kAll);
  SecurityDescriptor null_dacl = absent;
  null_dacl.control |= security::kSeDaclPresent;
  EXPECT_EQ(GrantedRights(null_dacl, Alice()), rights::kAll);
}

TEST(AccessTest, OpaqueAllowAcesAreSkippedAndDenyLikeOnesFailClosed) {
  SecurityDescriptor sd = WithDacl({{S(kAlice), rights::kEnroll, AceKind::kAllow}});
  security::Ace object_allow;
  object_allow.type = 0x05;  // ACCESS_ALLOWED_OBJECT_ACE_TYPE
  sd.dacl->aces.push_back(object_allow);
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kEnroll);

  security::Ace object_deny;
  object_deny.type = security::kAccessDeniedObjectAceType;
  object_deny.flags = security::kInheritOnlyAce;
  sd.dacl->aces.push_back(object_deny);
  EXPECT_EQ(GrantedRights(sd, Alice()), rights::kEnroll);  // inherit-only: skipped

  for (std::uint8_t type :
       {security::kAccessDeniedObjectAceType, security::kAccessDeniedCallbackAceType,
        security::kAccessDeniedCallbackObjectAceType}) {
    sd.dacl->aces.back().type = type;
    sd.dacl->aces.back().flags = 0;
    EXPECT_EQ(GrantedRights(sd, Alice()), 0u) << int{type};
  }
}

TEST(AccessTest, AdminOfficerAndEnrollImplyRead) {
  EXPECT_EQ(EffectiveRights(rights::kAdmin, false), rights::kAdmin | rights::kRead);
  EXPECT_EQ(EffectiveRights(rights::kOfficer, false), rights::kOfficer | rights::kRead);
  EXPECT_EQ(EffectiveRights(rights::kEnroll, false), rights::kEnroll | rights::kRead);
  EXPECT_EQ(EffectiveRights(rights::kAuditor, false), rights::kAuditor);
  EXPECT_EQ(EffectiveRights(rights::kOperator, false), rights::kOperator);
  EXPECT_EQ(EffectiveRights(0, false), 0u);
  EXPECT_EQ(EffectiveRights(0x10000 | rights::kRead, false), rights::kRead);
}

TEST(AccessTest, RoleSeparationWithdrawsEverythingFromHoldersOfTwoRoles) {
  const std::uint32_t admin_officer = rights::kAdmin | rights::kOfficer | rights::kEnroll;
  EXPECT_EQ(EffectiveRights(admin_officer, true), 0u);
  EXPECT_EQ(EffectiveRights(rights::kAuditor | rights::kOperator, true), 0u);
  EXPECT_EQ(EffectiveRights(admin_officer, false), admin_officer | rights::kRead);
  // One role (with Read and Enroll, which are no roles) is kept.
  EXPECT_EQ(EffectiveRights(rights::kOfficer | rights::kEnroll, true),
            rights::kOfficer | rights::kEnroll | rights::kRead);
  EXPECT_EQ(EffectiveRights(rights::kAuditor | rights::kRead, true),
            rights::kAuditor | rights::kRead);
}

void ExpectRefused(const SecurityDescriptor& sd, const std::string& why) {
  Status st = ValidateCaSecurity(sd);
  ASSERT_FALSE(st.ok()) << "accepted; expected: " << why;
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.hresult(), hr::kInvalidArg);
  EXPECT_NE(st.message().find(why), std::string::npos) << st.message();
}

TEST(AccessTest, ValidationAcceptsAllowAndDenyAcesWithCaRights) {
  SecurityDescriptor sd = WithDacl({{S(kBob), rights::kAdmin, AceKind::kDeny},
                                    {S(kAlice), rights::kAll, AceKind::kAllow},
                                    {S(kManagers), 0, AceKind::kAllow}});
  sd.sacl = security::Acl{};
  EXPECT_TRUE(ValidateCaSecurity(sd).ok());
}

TEST(AccessTest, ValidationRefusesNoDaclAndNullDacl) {
  SecurityDescriptor sd = WithDacl({});
  sd.dacl.reset();
  sd.control = security::kSeSelfRelative;
  ExpectRefused(sd, "no DACL");
  sd.control |= security::kSeDaclPresent;  // a NULL DACL
  ExpectRefused(sd, "no DACL");
}

TEST(AccessTest, ValidationRefusesMasksBeyondCaRights) {
  ExpectRefused(WithDacl({{S(kAlice), rights::kAdmin, AceKind::kAllow},
                          {S(kBob), rights::kRead | 0x00020000, AceKind::kAllow}}),
                "DACL ACE 1 holds bits 0x00020000");
  ExpectRefused(WithDacl({{S(kAlice), 0x10000000, AceKind::kDeny}}), "0x10000000");
  ExpectRefused(WithDacl({{S(kAlice), 0x400, AceKind::kAllow}}), "0x00000400");
}

TEST(AccessTest, ValidationRefusesOtherAceTypes) {
  SecurityDescriptor sd = WithDacl({{S(kAlice), rights::kAdmin, AceKind::kAllow}});
  security::Ace object_allow;
  object_allow.type = 0x05;
  sd.dacl->aces.push_back(object_allow);
  ExpectRefused(sd, "DACL ACE 1 has type 5");
}

TEST(AccessTest, DefaultIsWindowsStandaloneDefault) {
  // MS-CSRA "Security" registry value: BUILTIN\Administrators owner, group,
  // Administrator and Officer; Everyone Enroll.
  CaSecurityRoles roles;
  roles.administrators = {"S-1-5-32-544"};
  roles.officers = {"S-1-5-32-544"};
  roles.enrollees = {"S-1-1-0"};
  Result<SecurityDescriptor> sd = DefaultCaSecurity(roles);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_EQ(sd->owner, security::well_known::kBuiltinAdministrators);
  EXPECT_EQ(sd->group, security::well_known::kBuiltinAdministrators);
  EXPECT_EQ(sd->control, security::kSeSelfRelative | security::kSeDaclPresent);
  EXPECT_FALSE(sd->sacl.has_value());
  ASSERT_TRUE(sd->HasDacl());
  ASSERT_EQ(sd->dacl->aces.size(), 2u);
  EXPECT_EQ(sd->dacl->aces[0].sid, security::well_known::kBuiltinAdministrators);
  EXPECT_EQ(sd->dacl->aces[0].mask, rights::kAdmin | rights::kOfficer);
  EXPECT_EQ(sd->dacl->aces[1].sid, security::well_known::kEveryone);
  EXPECT_EQ(sd->dacl->aces[1].mask, rights::kEnroll);
  EXPECT_TRUE(ValidateCaSecurity(*sd).ok());

  Caller admin{"HOST\\Administrator", "S-1-5-21-9-9-9-500", {"S-1-1-0", "S-1-5-32-544"}};
  EXPECT_EQ(GrantedRights(*sd, admin), rights::kAdmin | rights::kOfficer | rights::kEnroll);
  EXPECT_EQ(GrantedRights(*sd, Alice()), rights::kEnroll);

  // It is what GetCASecurity will send: DACL, owner, group, as Windows lays
  // them out (also fuzz/corpus/security_descriptor/default_ca_standalone).
  Result<Bytes> wire = security::EncodeSecurityDescriptor(*sd);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(HexLower(*wire),
            "01000480480000005800000000000000140000000200340002000000"
            "000018000300000001020000000000052000000020020000"
            "0000140000020000010100000000000100000000"
            "01020000000000052000000020020000"
            "01020000000000052000000020020000");
  EXPECT_EQ(security::DecodeSecurityDescriptor(*wire).value(), *sd);
}

TEST(AccessTest, DefaultOrdersAcesByFirstAppearanceAcrossRoles) {
  CaSecurityRoles roles;
  roles.owner = kAlice;
  roles.group = kManagers;
  roles.administrators = {kAlice};
  roles.auditors = {kBob};
  roles.operators = {kBob};
  roles.readers = {kManagers, kAlice};
  Result<SecurityDescriptor> sd = DefaultCaSecurity(roles);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_EQ(sd->owner, S(kAlice));
  EXPECT_EQ(sd->group, S(kManagers));
  ASSERT_EQ(sd->dacl->aces.size(), 3u);
  EXPECT_EQ(sd->dacl->aces[0].mask, rights::kAdmin | rights::kRead);
  EXPECT_EQ(sd->dacl->aces[1].sid, S(kBob));
  EXPECT_EQ(sd->dacl->aces[1].mask, rights::kAuditor | rights::kOperator);
  EXPECT_EQ(sd->dacl->aces[2].sid, S(kManagers));
  for (const security::Ace& ace : sd->dacl->aces) {
    EXPECT_EQ(ace.type, security::kAccessAllowedAceType);
    EXPECT_EQ(ace.flags, 0);
  }
}

TEST(AccessTest, DefaultWithNoRolesGrantsNothing) {
  Result<SecurityDescriptor> sd = DefaultCaSecurity({});
  ASSERT_TRUE(sd.ok());
  ASSERT_TRUE(sd->HasDacl());
  EXPECT_TRUE(sd->dacl->aces.empty());
  EXPECT_EQ(GrantedRights(*sd, Alice()), 0u);
}

TEST(AccessTest, DefaultRefusesUnparsableSids) {
  CaSecurityRoles roles;
  roles.officers = {kAlice, "S-1-5-21-oops"};
  Result<SecurityDescriptor> sd = DefaultCaSecurity(roles);
  ASSERT_FALSE(sd.ok());
  EXPECT_EQ(sd.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sd.status().message().find("officers"), std::string::npos) << sd.status().message();

  CaSecurityRoles bad_owner;
  bad_owner.owner = "Administrators";
  EXPECT_FALSE(DefaultCaSecurity(bad_owner).ok());
  CaSecurityRoles bad_group;
  bad_group.group = "S-1-5-32-0544";
  EXPECT_FALSE(DefaultCaSecurity(bad_group).ok());
}

}  // namespace
}  // namespace openadcs::ca
