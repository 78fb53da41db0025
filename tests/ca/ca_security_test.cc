// The CA's security descriptor as the CA holds it: made from the roles at
// the first start, read back at the next, replaced only by an administrator
// with a valid descriptor, and never left without an administrator.
#include "openadcs/ca/ca_security.h"

#include <gtest/gtest.h>

#include <memory>

#include "openadcs/ca/access.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/security/sid.h"
#include "openadcs/util/hresult.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

Bytes Encode(const std::vector<security::AceEntry>& entries) {
  security::SecurityDescriptor sd;
  sd.owner = security::well_known::kBuiltinAdministrators;
  sd.group = security::well_known::kBuiltinAdministrators;
  Result<security::Acl> dacl = security::BuildDacl(entries);
  EXPECT_TRUE(dacl.ok());
  sd.dacl = std::move(*dacl);
  Result<Bytes> bytes = security::EncodeSecurityDescriptor(sd);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : Bytes{};
}

security::Sid SidOf(const Caller& c) {
  return *security::Sid::Parse(c.sid);
}

class CaSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCa(dir_.path(), &identity_, &store_));
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
  }

  testing::TempDir dir_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<CaSecurity> security_;
};

TEST_F(CaSecurityTest, FirstStartGivesTheConfiguredRoles) {
  EXPECT_EQ(security_->RightsOf(testing::TestAdmin()),
            rights::kAdmin | rights::kRead | rights::kEnroll);
  EXPECT_EQ(security_->RightsOf(testing::TestOfficer()),
            rights::kOfficer | rights::kRead | rights::kEnroll);
  EXPECT_EQ(security_->RightsOf(testing::TestRequester()), rights::kRead | rights::kEnroll);
  EXPECT_EQ(security_->RightsOf(Caller{}), 0u);
  EXPECT_EQ(security_->Require(testing::TestRequester(), rights::kOfficer, "approve").hresult(),
            hr::kAccessDenied);
}

TEST_F(CaSecurityTest, ReplacementNeedsAnAdministratorAndAValidDescriptor) {
  const Bytes before = security_->Descriptor();
  const Bytes bob_officer =
      Encode({{SidOf(testing::TestAdmin()), rights::kAdmin, security::AceKind::kAllow},
              {*security::Sid::Parse("S-1-5-21-1-2-3-2000"), rights::kOfficer,
               security::AceKind::kAllow}});
  EXPECT_EQ(security_->Replace(testing::TestOfficer(), bob_officer).hresult(), hr::kAccessDenied);
  EXPECT_EQ(security_->Replace(testing::TestAdmin(), Bytes{1, 2, 3}).hresult(), hr::kInvalidArg);
  // A mask with a bit that is no CA right.
  EXPECT_EQ(security_
                ->Replace(testing::TestAdmin(),
                          Encode({{SidOf(testing::TestAdmin()), rights::kAdmin | 0x10000,
                                   security::AceKind::kAllow}}))
                .hresult(),
            hr::kInvalidArg);
  // No one left with Admin: nobody could change it back.
  EXPECT_EQ(
      security_
          ->Replace(testing::TestAdmin(), Encode({{SidOf(testing::TestOfficer()), rights::kOfficer,
                                                   security::AceKind::kAllow}}))
          .hresult(),
      hr::kInvalidArg);
  EXPECT_EQ(security_->Descriptor(), before);

  ASSERT_TRUE(security_->Replace(testing::TestAdmin(), bob_officer).ok());
  EXPECT_EQ(security_->Descriptor(), bob_officer);
  EXPECT_EQ(security_->RightsOf(testing::TestOfficer()), 0u);
  EXPECT_NE(security_->RightsOf(testing::TestCaller("EXAMPLE\\bob", "S-1-5-21-1-2-3-2000")) &
                rights::kOfficer,
            0u);
}

TEST_F(CaSecurityTest, TheStoredDescriptorWinsOverTheRolesAtTheNextStart) {
  const Bytes admin_only =
      Encode({{SidOf(testing::TestAdmin()), rights::kAdmin, security::AceKind::kAllow}});
  ASSERT_TRUE(security_->Replace(testing::TestAdmin(), admin_only).ok());
  std::unique_ptr<CaSecurity> reopened;
  ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &reopened));
  EXPECT_EQ(reopened->Descriptor(), admin_only);
  EXPECT_EQ(reopened->RightsOf(testing::TestOfficer()), 0u);
}

}  // namespace
}  // namespace openadcs::ca
