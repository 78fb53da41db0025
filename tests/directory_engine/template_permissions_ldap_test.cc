// Template permissions read over LDAP (nTSecurityDescriptor, with the SD
// flags control) and enforced by the engine, against slapd and Samba: a
// template whose descriptor lets one group enroll admits its members and
// no one else, a deny ACE on a member wins, and a new descriptor governs
// the next request.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "directory_engine/engine_on_directory.h"
#include "openadcs/ca/engine.h"
#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/security/object_access.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/hresult.h"
#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/template_descriptors.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using testing::EnrollAce;
using testing::GroupOnlyDescriptor;
using testing::kEnrollees;
using testing::kMallory;
using testing::kMember;
using testing::ListTemplate;
using testing::NewTemplate;
using testing::TemplateDn;
namespace sec = security;

using testing::Server;

class TemplatePermissionsLdapTest : public testing::EngineOnDirectoryTest {
 protected:
  static constexpr char kName[] = "GroupOnly";
  TemplatePermissionsLdapTest()
      : EngineOnDirectoryTest(kName, NewTemplate(kName, "377", "", GroupOnlyDescriptor())) {}

  SubmitResult Submit(const Caller& caller) {
    return EngineOnDirectoryTest::Submit(caller, "host");
  }
};

TEST_P(TemplatePermissionsLdapTest, DescriptorIsReadFromTheDirectory) {
  const directory::CertificateTemplate* t = templates_->Current()->FindByName(kName);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->security.has_value());
  ASSERT_TRUE(t->security->dacl.has_value());
  // Samba appends what the container passes down; our ACEs come first.
  ASSERT_GE(t->security->dacl->aces.size(), 4u);
  EXPECT_EQ(t->security->dacl->aces[0], EnrollAce(sec::kAccessDeniedObjectAceType, kMallory.sid));
  EXPECT_EQ(t->security->dacl->aces[1], EnrollAce(sec::kAccessAllowedObjectAceType, kEnrollees));
}

TEST_P(TemplatePermissionsLdapTest, MembersOfTheGrantedGroupEnrollAndNoOneElse) {
  SubmitResult member = Submit(kMember);
  EXPECT_EQ(member.disposition, WireDisposition::kIssued) << member.message;
  SubmitResult other = Submit(testing::TestRequester());
  EXPECT_EQ(other.disposition, WireDisposition::kDenied);
  EXPECT_EQ(other.status, hr::kTemplateDenied) << other.message;
  EXPECT_NE(other.message.find(testing::TestRequester().name), std::string::npos) << other.message;
}

TEST_P(TemplatePermissionsLdapTest, DenyAceOnAMemberWins) {
  SubmitResult r = Submit(kMallory);
  EXPECT_EQ(r.disposition, WireDisposition::kDenied);
  EXPECT_EQ(r.status, hr::kTemplateDenied) << r.message;
}

TEST_P(TemplatePermissionsLdapTest, NewDescriptorGovernsTheNextRequest) {
  ASSERT_EQ(Submit(testing::TestRequester()).status, hr::kTemplateDenied);
  Change("dn: " + TemplateDn(kName) +
         "\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor:: " +
         testing::kSampleTemplateDescriptor + "\n");
  SubmitResult r = Submit(testing::TestRequester());
  EXPECT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
}

INSTANTIATE_TEST_SUITE_P(Servers, TemplatePermissionsLdapTest,
                         ::testing::Values(Server::kSlapd, Server::kSamba), testing::ServerName);

}  // namespace
}  // namespace openadcs::ca
