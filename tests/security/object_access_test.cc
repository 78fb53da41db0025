// Extended rights from a directory object's descriptor (MS-CRTD 2.5.1 over
// MS-DTYP 2.5.3.2): hand-built DACLs, one rule per test.
#include "openadcs/security/object_access.h"

#include <gtest/gtest.h>

#include <vector>

namespace openadcs::security {
namespace {

using extended_right::kAutoEnroll;
using extended_right::kEnroll;

const Sid kAlice = Sid::Parse("S-1-5-21-1-2-3-1104").value();
const Sid kEnrollees = Sid::Parse("S-1-5-21-1-2-3-3001").value();
const Sid kOthers = Sid::Parse("S-1-5-21-1-2-3-3002").value();
const Uuid kSomeProperty = Uuid::Parse("bf9679c0-0de6-11d0-a285-00aa003049e2").value();

// Alice, a member of kEnrollees and Authenticated Users.
const std::vector<Sid> kAliceSids = {kAlice, kEnrollees, well_known::kAuthenticatedUsers};

Ace Plain(std::uint8_t type, const Sid& sid, std::uint32_t mask, std::uint8_t flags = 0) {
  Ace ace;
  ace.type = type;
  ace.flags = flags;
  ace.sid = sid;
  ace.mask = mask;
  return ace;
}

Ace Object(std::uint8_t type, const Sid& sid, std::uint32_t mask, std::optional<Uuid> object_type,
           std::uint8_t flags = 0) {
  Ace ace = Plain(type, sid, mask, flags);
  ace.object_type = object_type;
  return ace;
}

Ace AllowEnroll(const Sid& sid, std::uint8_t flags = 0) {
  return Object(kAccessAllowedObjectAceType, sid, ds_right::kControlAccess, kEnroll, flags);
}

SecurityDescriptor WithAces(std::vector<Ace> aces) {
  SecurityDescriptor sd;
  sd.control = kSeSelfRelative | kSeDaclPresent;
  sd.dacl = Acl{kAclRevisionDs, std::move(aces), {}};
  return sd;
}

bool Enroll(const SecurityDescriptor& sd, const std::vector<Sid>& sids = kAliceSids) {
  return HasExtendedRight(sd, sids, kEnroll);
}

TEST(ObjectAccessTest, EnrollGrantedToAGroupTheCallerIsIn) {
  EXPECT_TRUE(Enroll(WithAces({AllowEnroll(kEnrollees)})));
  EXPECT_TRUE(Enroll(WithAces({AllowEnroll(kAlice)})));
}

TEST(ObjectAccessTest, EnrollGrantedToAGroupTheCallerIsNotIn) {
  SecurityDescriptor sd = WithAces({AllowEnroll(kOthers)});
  EXPECT_FALSE(Enroll(sd));
  EXPECT_TRUE(Enroll(sd, {kOthers}));
}

TEST(ObjectAccessTest, OnlyTheNamedRightIsGranted) {
  SecurityDescriptor sd = WithAces(
      {Object(kAccessAllowedObjectAceType, kAlice, ds_right::kControlAccess, kAutoEnroll)});
  EXPECT_FALSE(Enroll(sd));
  EXPECT_TRUE(HasExtendedRight(sd, kAliceSids, kAutoEnroll));
  // An object ACE for a property (write property on it) is no extended right.
  EXPECT_FALSE(Enroll(WithAces(
      {Object(kAccessAllowedObjectAceType, kAlice, ds_right::kFullControl, kSomeProperty)})));
}

TEST(ObjectAccessTest, ControlAccessWithoutObjectTypeGrantsEveryExtendedRight) {
  EXPECT_TRUE(Enroll(WithAces({Plain(kAccessAllowedAceType, kEnrollees, 0x100)})));
  EXPECT_TRUE(Enroll(WithAces(
      {Object(kAccessAllowedObjectAceType, kEnrollees, ds_right::kControlAccess, std::nullopt)})));
}

TEST(ObjectAccessTest, MasksWithoutControlAccessGrantNothing) {
  EXPECT_FALSE(Enroll(WithAces({Plain(kAccessAllowedAceType, kAlice, ds_right::kGenericRead)})));
  EXPECT_FALSE(Enroll(
      WithAces({Object(kAccessAllowedObjectAceType, kAlice, ds_right::kGenericRead, kEnroll)})));
}

TEST(ObjectAccessTest, GenericAllInEitherFormGrantsEnroll) {
  EXPECT_TRUE(Enroll(WithAces({Plain(kAccessAllowedAceType, kAlice, ds_right::kGenericAll)})));
  EXPECT_TRUE(Enroll(WithAces({Plain(kAccessAllowedAceType, kAlice, ds_right::kFullControl)})));
}

TEST(ObjectAccessTest, DenyForTheMemberWinsWhenFirst) {
  SecurityDescriptor sd =
      WithAces({Object(kAccessDeniedObjectAceType, kAlice, ds_right::kControlAccess, kEnroll),
                AllowEnroll(kEnrollees)});
  EXPECT_FALSE(Enroll(sd));
  EXPECT_TRUE(Enroll(sd, {kEnrollees}));  // another member of the group
  // A plain deny of control access denies every extended right.
  EXPECT_FALSE(Enroll(WithAces(
      {Plain(kAccessDeniedAceType, kEnrollees, ds_right::kControlAccess), AllowEnroll(kAlice)})));
  // A deny of another right leaves Enroll alone.
  EXPECT_TRUE(Enroll(
      WithAces({Object(kAccessDeniedObjectAceType, kAlice, ds_right::kControlAccess, kAutoEnroll),
                AllowEnroll(kEnrollees)})));
}

TEST(ObjectAccessTest, FirstDecidingAceWins) {
  // Out of canonical order, an allow before the deny decides (AccessCheck
  // takes ACEs in order).
  EXPECT_TRUE(
      Enroll(WithAces({AllowEnroll(kEnrollees), Object(kAccessDeniedObjectAceType, kAlice,
                                                       ds_right::kControlAccess, kEnroll)})));
}

TEST(ObjectAccessTest, InheritOnlyAcesAreSkipped) {
  EXPECT_FALSE(Enroll(WithAces({AllowEnroll(kAlice, kInheritOnlyAce | kContainerInheritAce)})));
  SecurityDescriptor sd = WithAces({Object(kAccessDeniedObjectAceType, kAlice,
                                           ds_right::kControlAccess, kEnroll, kInheritOnlyAce),
                                    AllowEnroll(kAlice)});
  EXPECT_TRUE(Enroll(sd));
  // Inherited (not inherit-only) ACEs count.
  EXPECT_TRUE(Enroll(WithAces({AllowEnroll(kAlice, kInheritedAce)})));
}

TEST(ObjectAccessTest, EmptyDaclGrantsNoOneAndNullDaclEveryone) {
  EXPECT_FALSE(Enroll(WithAces({})));
  SecurityDescriptor null_dacl;
  null_dacl.control = kSeSelfRelative | kSeDaclPresent;
  EXPECT_TRUE(Enroll(null_dacl));
  SecurityDescriptor absent;
  EXPECT_TRUE(Enroll(absent));
}

TEST(ObjectAccessTest, CallerWithoutSidsMatchesNothing) {
  EXPECT_FALSE(Enroll(WithAces({AllowEnroll(kAlice)}), {}));
}

TEST(ObjectAccessTest, UnevaluableDenyAcesFailClosed) {
  Ace callback_deny = Plain(kAccessDeniedCallbackAceType, kAlice, ds_right::kControlAccess);
  EXPECT_FALSE(Enroll(WithAces({callback_deny, AllowEnroll(kAlice)})));
  callback_deny.sid = kOthers;  // someone else's: no effect
  EXPECT_TRUE(Enroll(WithAces({callback_deny, AllowEnroll(kAlice)})));
  Ace opaque_deny;
  opaque_deny.type = kAccessDeniedCallbackObjectAceType;
  EXPECT_FALSE(Enroll(WithAces({opaque_deny, AllowEnroll(kAlice)})));
  opaque_deny.flags = kInheritOnlyAce;
  EXPECT_TRUE(Enroll(WithAces({opaque_deny, AllowEnroll(kAlice)})));
  // A callback allow grants nothing.
  EXPECT_FALSE(
      Enroll(WithAces({Plain(kAccessAllowedCallbackAceType, kAlice, ds_right::kControlAccess)})));
}

// The descriptor of the sample templates (config/templates/user.ldif),
// decoded from its bytes: Authenticated Users may enroll.
TEST(ObjectAccessTest, SampleTemplateDescriptorGrantsAuthenticatedUsers) {
  const Bytes bytes = Base64Decode(
                          "AQAEgHAAAACAAAAAAAAAABQAAAAEAFwAAwAAAAUAKAAAAQAAAQAAAGjJEA77eNIRkNQAwE95"
                          "3FUBAQAAAAAABQsAAAA"
                          "AABQAlAACAAEBAAAAAAAFCwAAAAAAGAD/"
                          "AQ8AAQIAAAAAAAUgAAAAIAIAAAECAAAAAAAFIAAAACACAAABAgAAAAAABS"
                          "AAAAAgAgAA")
                          .value();
  Result<SecurityDescriptor> sd = DecodeSecurityDescriptor(bytes);
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  ASSERT_EQ(sd->dacl->aces.size(), 3u);
  EXPECT_EQ(sd->dacl->aces[0].object_type, kEnroll);
  EXPECT_TRUE(Enroll(*sd, {kAlice, well_known::kAuthenticatedUsers}));
  EXPECT_FALSE(Enroll(*sd, {kAlice}));
  EXPECT_TRUE(Enroll(*sd, {well_known::kBuiltinAdministrators}));
  EXPECT_FALSE(HasExtendedRight(*sd, std::vector<Sid>{kAlice, well_known::kAuthenticatedUsers},
                                kAutoEnroll));
}

}  // namespace
}  // namespace openadcs::security
