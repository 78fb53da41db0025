// Template permissions read over LDAP (nTSecurityDescriptor, with the SD
// flags control) and enforced by the engine, against slapd and Samba: a
// template whose descriptor lets one group enroll admits its members and
// no one else, a deny ACE on a member wins, and a new descriptor governs
// the next request.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "directory_engine/shared_samba.h"
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

constexpr std::chrono::seconds kChangeTimeout{10};

using testing::Server;

class TemplatePermissionsLdapTest : public ::testing::TestWithParam<Server> {
 protected:
  void SetUp() override {
    directory::LdapTemplateSourceOptions options;
    options.enrollment_service = "openadcs-CA";
    std::string error;
    ASSERT_TRUE(testing::StartTestDirectory(GetParam(), dir_.path(), &options, &server_, &error))
        << error;
    modify_ = server_.modify;
    ASSERT_EQ(modify_(NewTemplate(kName, "377", "", GroupOnlyDescriptor())), "");
    ASSERT_EQ(modify_(ListTemplate(kName)), "");

    auto templates = directory::OpenLdapTemplateSource(options);
    ASSERT_TRUE(templates.ok()) << templates.status().ToString();
    templates_ = std::move(templates).value();
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCa(dir_.path(), &identity_, &store_));
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
    engine_ = std::make_unique<Engine>(EngineOptions{}, *identity_, *store_, *templates_, nullptr,
                                       *security_);
    key_ = testing::MakeRsaKey(2048);
  }

  void TearDown() override {
    if (modify_) {
      templates_.reset();  // no reload races the clean-up
      modify_(ListTemplate(kName, "delete"));
      modify_(testing::DeleteEntry(TemplateDn(kName)));
    }
  }

  SubmitResult Submit(const Caller& caller) {
    testing::CsrSpec spec;
    spec.subject = {{"CN", "host"}};
    SubmitRequest r;
    r.request = testing::MakeCsrDer(key_.get(), spec);
    r.attributes = std::string("CertificateTemplate:") + kName;
    r.caller = caller;
    r.authority = "openadcs-CA";
    return engine_->Submit(r);
  }

  static constexpr char kName[] = "GroupOnly";
  testing::TempDir dir_;
  testing::TestDirectory server_;
  std::function<std::string(const std::string&)> modify_;
  std::unique_ptr<directory::LdapTemplateSource> templates_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<CaSecurity> security_;
  std::unique_ptr<Engine> engine_;
  ossl::PKeyPtr key_;
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
  const std::uint64_t before = templates_->State().generation;
  ASSERT_EQ(modify_("dn: " + TemplateDn(kName) +
                    "\nchangetype: modify\nreplace: nTSecurityDescriptor\n"
                    "nTSecurityDescriptor:: " +
                    testing::kSampleTemplateDescriptor + "\n"),
            "");
  ASSERT_TRUE(templates_->WaitForGeneration(before, kChangeTimeout));
  SubmitResult r = Submit(testing::TestRequester());
  EXPECT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
}

INSTANTIATE_TEST_SUITE_P(Servers, TemplatePermissionsLdapTest,
                         ::testing::Values(Server::kSlapd, Server::kSamba), testing::ServerName);

}  // namespace
}  // namespace openadcs::ca
