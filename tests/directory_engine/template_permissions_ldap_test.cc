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
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using testing::ListTemplate;
using testing::NewTemplate;
using testing::TemplateDn;
namespace sec = security;

constexpr std::chrono::seconds kChangeTimeout{10};
constexpr char kEnrollees[] = "S-1-5-21-1-2-3-3001";
const Caller kMember{"EXAMPLE\\carol", "S-1-5-21-1-2-3-1107", {"S-1-1-0", "S-1-5-11", kEnrollees}};
// A member of kEnrollees whom the template denies Enroll by name.
const Caller kMallory{
    "EXAMPLE\\mallory", "S-1-5-21-1-2-3-1106", {"S-1-1-0", "S-1-5-11", kEnrollees}};

sec::Ace EnrollAce(std::uint8_t type, const std::string& sid) {
  sec::Ace ace;
  ace.type = type;
  ace.mask = sec::ds_right::kControlAccess;
  ace.object_type = sec::extended_right::kEnroll;
  ace.sid = sec::Sid::Parse(sid).value();
  return ace;
}

// O:BAG:BAD:(OD;;CR;<Enroll>;;mallory)(OA;;CR;<Enroll>;;kEnrollees)
//   (A;;LCRPLORC;;;AU)(A;;FA;;;BA), base64.
std::string GroupOnlyDescriptor() {
  sec::SecurityDescriptor sd;
  sd.owner = sec::well_known::kBuiltinAdministrators;
  sd.group = sec::well_known::kBuiltinAdministrators;
  sd.dacl = sec::Acl{sec::kAclRevisionDs, {}, {}};
  sd.dacl->aces.push_back(EnrollAce(sec::kAccessDeniedObjectAceType, kMallory.sid));
  sd.dacl->aces.push_back(EnrollAce(sec::kAccessAllowedObjectAceType, kEnrollees));
  sec::Ace read;
  read.mask = sec::ds_right::kGenericRead;
  read.sid = sec::well_known::kAuthenticatedUsers;
  sd.dacl->aces.push_back(read);
  sec::Ace admins;
  admins.mask = sec::ds_right::kFullControl;
  admins.sid = sec::well_known::kBuiltinAdministrators;
  sd.dacl->aces.push_back(admins);
  return Base64Encode(sec::EncodeSecurityDescriptor(sd).value());
}

enum class Server { kSlapd, kSamba };

class TemplatePermissionsLdapTest : public ::testing::TestWithParam<Server> {
 protected:
  void SetUp() override {
    directory::LdapTemplateSourceOptions options;
    options.bind = directory::LdapBind::kSimple;
    options.enrollment_service = "openadcs-CA";
    std::string error;
    if (GetParam() == Server::kSlapd) {
      std::filesystem::create_directory(dir_.path() / "slapd");
      slapd_ = testing::SlapdServer::Start(dir_.path() / "slapd", &error);
      ASSERT_NE(slapd_, nullptr) << error;
      options.uris = {slapd_->uri()};
      options.bind_dn = testing::SlapdServer::admin_dn();
      options.password_file = slapd_->password_file();
      modify_ = [this](const std::string& ldif) { return slapd_->Modify(ldif); };
    } else {
      testing::SambaServer* samba = testing::SharedSamba(&error);
      ASSERT_NE(samba, nullptr) << error;
      options.uris = {testing::SambaServer::uri()};
      options.bind_dn = testing::SambaServer::admin_dn();
      options.password_file = samba->password_file();
      modify_ = [samba](const std::string& ldif) { return samba->Modify(ldif); };
    }
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
  std::unique_ptr<testing::SlapdServer> slapd_;
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
                         ::testing::Values(Server::kSlapd, Server::kSamba),
                         [](const ::testing::TestParamInfo<Server>& param) {
                           return param.param == Server::kSlapd ? "Slapd" : "Samba";
                         });

}  // namespace
}  // namespace openadcs::ca
