// The engine with the LDAP identity lookup against Samba: the Windows
// default User, Machine, Workstation, DomainController and
// KerberosAuthentication templates (config/templates) take the subject, SAN
// and SID extension from the requester's entry whatever the request asked
// for, and the caller's SIDs for access checks are the directory's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "directory_engine/shared_samba.h"
#include "openadcs/ca/engine.h"
#include "openadcs/directory/ldap_identity_lookup.h"
#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "testing/cert_names.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

using testing::ExtendedKeyUsages;
using testing::kDirectoryGuidOid;
using testing::kSidOid;
using testing::kUpnOid;
using testing::SidExtension;
using testing::SubjectAltNameIsCritical;
using testing::SubjectAltNames;

class EngineIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SharedSamba(&error);
    ASSERT_NE(server_, nullptr) << error;
    directory::LdapIdentityLookupOptions options;
    options.connection.uris = {testing::SambaServer::uri()};
    // The Samba fixture serves LDAP without TLS (ldap_samba.h).
    options.connection.allow_cleartext = true;
    options.connection.bind = directory::LdapBind::kSimple;
    options.connection.bind_dn = testing::SambaServer::admin_dn();
    options.connection.password_file = server_->password_file();
    auto lookup = directory::OpenLdapIdentityLookup(std::move(options));
    ASSERT_TRUE(lookup.ok()) << lookup.status().ToString();
    lookup_ = std::move(lookup).value();
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCa(dir_.path(), &identity_, &store_, &templates_));
    key_ = testing::MakeRsaKey(2048);
  }

  void TearDown() override {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      server_->Modify(testing::DeleteEntry(*it));
    }
  }

  // The engine on `security` (by default: Authenticated Users may enroll).
  void StartEngine(CaSecurityOptions security = {}) {
    if (security.initial.enrollees.empty()) {
      security.initial.administrators = {testing::TestAdmin().sid};
      security.initial.readers = {"S-1-5-11"};
      security.initial.enrollees = {"S-1-5-11"};
    }
    auto opened = CaSecurity::Open(*store_, security);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    security_ = std::move(opened).value();
    engine_ = std::make_unique<Engine>(EngineOptions{}, *identity_, *store_, *templates_,
                                       lookup_.get(), *security_);
  }

  void Create(const std::string& dn, const std::string& outcome) {
    ASSERT_EQ(outcome, "") << dn;
    created_.push_back(dn);
  }

  // Group `outer` holding group `inner` holding user `member`, and user
  // `outsider` in neither (sAMAccountNames, under CN=Users), created for the
  // test; `*outer_sid` receives `outer`'s objectSid.
  void CreateNestedMembership(const std::string& outer, const std::string& inner,
                              const std::string& member, const std::string& outsider,
                              std::string* outer_sid) {
    using testing::SambaServer;
    ASSERT_NO_FATAL_FAILURE(Create(SambaServer::UserDn(outer), server_->CreateGroup(outer)));
    ASSERT_NO_FATAL_FAILURE(Create(SambaServer::UserDn(inner), server_->CreateGroup(inner)));
    ASSERT_NO_FATAL_FAILURE(Create(SambaServer::UserDn(member), server_->CreateUser(member)));
    ASSERT_NO_FATAL_FAILURE(Create(SambaServer::UserDn(outsider), server_->CreateUser(outsider)));
    ASSERT_EQ(server_->AddMember(SambaServer::UserDn(outer), SambaServer::UserDn(inner)), "");
    ASSERT_EQ(server_->AddMember(SambaServer::UserDn(inner), SambaServer::UserDn(member)), "");
    *outer_sid = server_->ObjectSid(SambaServer::UserDn(outer));
    ASSERT_FALSE(outer_sid->empty());
  }

  // A request for `template_name` asking for a subject and SAN of its own,
  // submitted as `account` (the SIDs authentication gave: a made-up one).
  SubmitResult SubmitAs(const std::string& account, const std::string& template_name) {
    testing::CsrSpec spec;
    spec.subject = {{"CN", "mallory"}};
    const std::pair<std::string, std::string> asked[] = {{"upn", "administrator@example.com"},
                                                         {"dns", "evil.example.com"}};
    spec.extensions.push_back({"2.5.29.17", false, pki::ext::SubjectAltName(asked).value()});
    SubmitRequest r;
    r.request = testing::MakeCsrDer(key_.get(), spec);
    r.attributes = "CertificateTemplate:" + template_name;
    r.caller = engine_->ResolveCaller(testing::TestCaller(account, "S-1-5-21-9-9-9-1000"));
    r.authority = "openadcs-CA";
    return engine_->Submit(r);
  }

  testing::TempDir dir_;
  testing::SambaServer* server_ = nullptr;
  std::vector<std::string> created_;
  std::unique_ptr<directory::IdentityLookup> lookup_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<directory::TemplateSource> templates_;
  std::unique_ptr<CaSecurity> security_;
  std::unique_ptr<Engine> engine_;
  ossl::PKeyPtr key_;
};

TEST_F(EngineIdentityTest, UserTemplateTakesSubjectUpnMailAndSidFromTheDirectory) {
  const std::string dn = testing::SambaServer::UserDn("idlEnrollee");
  ASSERT_NO_FATAL_FAILURE(
      Create(dn, server_->CreateUser("idlEnrollee", {{"mail", "enrollee@example.com"},
                                                     {"userPrincipalName", "en@example.com"}})));
  ASSERT_NO_FATAL_FAILURE(StartEngine());

  SubmitResult result = SubmitAs("EXAMPLE\\idlEnrollee", "User");
  ASSERT_EQ(result.disposition, WireDisposition::kIssued) << result.message;
  ossl::X509Ptr cert = testing::ParseCertDer(result.certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_TRUE(EqualsIgnoreCaseAscii(pki::FormatDistinguishedName(X509_get_subject_name(cert.get())),
                                    "emailAddress=enrollee@example.com," + dn))
      << pki::FormatDistinguishedName(X509_get_subject_name(cert.get()));
  EXPECT_THAT(
      SubjectAltNames(cert.get()),
      UnorderedElementsAre(std::string(kUpnOid) + "=en@example.com", "email=enrollee@example.com"));
  const std::string sid = server_->ObjectSid(dn);
  ASSERT_FALSE(sid.empty());
  EXPECT_THAT(SidExtension(cert.get()), ElementsAre(std::string(kSidOid) + "=" + sid));
}

TEST_F(EngineIdentityTest, MachineTemplateTakesTheComputersDnsHostName) {
  const std::string dn = testing::SambaServer::ComputerDn("IDLWS1");
  ASSERT_NO_FATAL_FAILURE(Create(dn, server_->CreateComputer("IDLWS1", "idlws1.example.com")));
  ASSERT_NO_FATAL_FAILURE(StartEngine());

  SubmitResult result = SubmitAs("EXAMPLE\\IDLWS1$", "Machine");
  ASSERT_EQ(result.disposition, WireDisposition::kIssued) << result.message;
  ossl::X509Ptr cert = testing::ParseCertDer(result.certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(pki::FormatDistinguishedName(X509_get_subject_name(cert.get())),
            "CN=idlws1.example.com");
  EXPECT_THAT(SubjectAltNames(cert.get()), ElementsAre("dns=idlws1.example.com"));
  EXPECT_THAT(SidExtension(cert.get()),
              ElementsAre(std::string(kSidOid) + "=" + server_->ObjectSid(dn)));
}

TEST_F(EngineIdentityTest, WorkstationTemplateNamesTheComputerInACriticalSanOnly) {
  const std::string dn = testing::SambaServer::ComputerDn("IDLWS2");
  ASSERT_NO_FATAL_FAILURE(Create(dn, server_->CreateComputer("IDLWS2", "idlws2.example.com")));
  ASSERT_NO_FATAL_FAILURE(StartEngine());

  SubmitResult result = SubmitAs("EXAMPLE\\IDLWS2$", "Workstation");
  ASSERT_EQ(result.disposition, WireDisposition::kIssued) << result.message;
  ossl::X509Ptr cert = testing::ParseCertDer(result.certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert.get())), 0);
  EXPECT_THAT(SubjectAltNames(cert.get()), ElementsAre("dns=idlws2.example.com"));
  EXPECT_TRUE(SubjectAltNameIsCritical(cert.get()));
  EXPECT_THAT(ExtendedKeyUsages(cert.get()), ElementsAre("1.3.6.1.5.5.7.3.2"));
  EXPECT_THAT(SidExtension(cert.get()),
              ElementsAre(std::string(kSidOid) + "=" + server_->ObjectSid(dn)));
}

// The DC's own account (its token gets Enterprise Domain Controllers, which
// the DC templates let enroll): what AD CS issues a domain controller.
TEST_F(EngineIdentityTest, DomainControllerTemplatesIssueWhatAdCsIssuesADc) {
  const std::string dc = "CN=DC1,OU=Domain Controllers,DC=example,DC=com";
  const std::string sid = server_->ObjectSid(dc);
  ASSERT_FALSE(sid.empty());
  const std::string guid = server_->ObjectGuid(dc);
  ASSERT_EQ(guid.size(), 36u) << guid;
  ASSERT_NO_FATAL_FAILURE(StartEngine());

  SubmitResult dc_cert = SubmitAs("EXAMPLE\\DC1$", "DomainController");
  ASSERT_EQ(dc_cert.disposition, WireDisposition::kIssued) << dc_cert.message;
  ossl::X509Ptr cert = testing::ParseCertDer(dc_cert.certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(pki::FormatDistinguishedName(X509_get_subject_name(cert.get())), "CN=dc1.example.com");
  EXPECT_THAT(SubjectAltNames(cert.get()),
              ElementsAre("dns=dc1.example.com", std::string(kDirectoryGuidOid) + "=" + guid));
  EXPECT_FALSE(SubjectAltNameIsCritical(cert.get()));
  EXPECT_THAT(ExtendedKeyUsages(cert.get()), ElementsAre("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"));
  EXPECT_THAT(SidExtension(cert.get()), ElementsAre(std::string(kSidOid) + "=" + sid));

  SubmitResult kdc = SubmitAs("EXAMPLE\\DC1$", "KerberosAuthentication");
  ASSERT_EQ(kdc.disposition, WireDisposition::kIssued) << kdc.message;
  cert = testing::ParseCertDer(kdc.certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert.get())), 0);
  EXPECT_THAT(SubjectAltNames(cert.get()),
              ElementsAre("dns=dc1.example.com", "dns=example.com", "dns=EXAMPLE"));
  EXPECT_TRUE(SubjectAltNameIsCritical(cert.get()));
  EXPECT_THAT(ExtendedKeyUsages(cert.get()),
              ElementsAre("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.311.20.2.2",
                          "1.3.6.1.5.2.3.5"));
  EXPECT_THAT(SidExtension(cert.get()), ElementsAre(std::string(kSidOid) + "=" + sid));

  // A workstation is no domain controller.
  const std::string ws = testing::SambaServer::ComputerDn("IDLWS3");
  ASSERT_NO_FATAL_FAILURE(Create(ws, server_->CreateComputer("IDLWS3", "idlws3.example.com")));
  for (const char* name : {"DomainController", "KerberosAuthentication"}) {
    SubmitResult refused = SubmitAs("EXAMPLE\\IDLWS3$", name);
    EXPECT_EQ(refused.disposition, WireDisposition::kDenied) << name;
    EXPECT_EQ(refused.status, hr::kTemplateDenied) << name << ": " << refused.message;
  }
}

TEST_F(EngineIdentityTest, MissingAttributesAreRefusedWithWindowsCodes) {
  const std::string dn = testing::SambaServer::UserDn("idlNoMail");
  ASSERT_NO_FATAL_FAILURE(Create(dn, server_->CreateUser("idlNoMail")));
  ASSERT_NO_FATAL_FAILURE(StartEngine());

  SubmitResult no_mail = SubmitAs("EXAMPLE\\idlNoMail", "User");
  EXPECT_EQ(no_mail.disposition, WireDisposition::kDenied) << no_mail.message;
  EXPECT_EQ(no_mail.status, hr::kSubjectEmailRequired) << no_mail.message;

  // A user enrolling for the Machine template has no dNSHostName; an
  // account the directory does not know has no computer object.
  SubmitResult user_as_machine = SubmitAs("EXAMPLE\\idlNoMail", "Machine");
  EXPECT_EQ(user_as_machine.status, hr::kSubjectDnsRequired) << user_as_machine.message;
  SubmitResult unknown = SubmitAs("EXAMPLE\\idlNoSuchPc$", "Machine");
  EXPECT_EQ(unknown.status, hr::kSubjectDnsRequired) << unknown.message;
}

TEST_F(EngineIdentityTest, AccessChecksUseTheDirectorysGroupsNestedOnesIncluded) {
  std::string enrollers;
  ASSERT_NO_FATAL_FAILURE(
      CreateNestedMembership("idlEnrollers", "idlTeam", "idlMember", "idlOutsider", &enrollers));
  const std::string inner = testing::SambaServer::UserDn("idlTeam");
  const std::string member = testing::SambaServer::UserDn("idlMember");

  CaSecurityOptions security;
  security.initial.administrators = {testing::TestAdmin().sid};
  security.initial.enrollees = {enrollers};
  ASSERT_NO_FATAL_FAILURE(StartEngine(std::move(security)));

  const Caller resolved =
      engine_->ResolveCaller(testing::TestCaller("EXAMPLE\\idlMember", "S-1-5-21-9-9-9-1000"));
  EXPECT_EQ(resolved.sid, server_->ObjectSid(member));
  EXPECT_THAT(resolved.group_sids,
              ::testing::IsSupersetOf({std::string("S-1-1-0"), std::string("S-1-5-11"), enrollers,
                                       server_->ObjectSid(inner)}));
  EXPECT_NE(security_->RightsOf(resolved) & rights::kEnroll, 0u);

  EXPECT_EQ(SubmitAs("EXAMPLE\\idlMember", "AutoIssueSubject").disposition,
            WireDisposition::kIssued);
  SubmitResult refused = SubmitAs("EXAMPLE\\idlOutsider", "AutoIssueSubject");
  EXPECT_NE(refused.disposition, WireDisposition::kIssued);
  EXPECT_EQ(refused.status, hr::kEnrollDenied) << refused.message;

  // An account the directory does not know keeps what authentication gave.
  const Caller local = testing::TestCaller("EXAMPLE\\idlLocalOnly", "S-1-5-21-9-9-9-1000");
  const Caller kept = engine_->ResolveCaller(local);
  EXPECT_EQ(kept.sid, local.sid);
  EXPECT_EQ(kept.group_sids, local.group_sids);
  // An unauthenticated caller stays one.
  EXPECT_TRUE(engine_->ResolveCaller(Caller{}).sid.empty());
}

// Officer rights may name the requesters by a domain group: the requester's
// groups are its tokenGroups (nested membership included), asked when the
// officer acts.
TEST_F(EngineIdentityTest, OfficerRightsMatchTheRequestersDomainGroups) {
  std::string department_sid;
  ASSERT_NO_FATAL_FAILURE(CreateNestedMembership("idlHrDepartment", "idlHrTeam", "idlHrMember",
                                                 "idlNotHr", &department_sid));

  CaSecurityOptions security;
  security.initial.administrators = {testing::TestAdmin().sid};
  security.initial.officers = {testing::TestOfficer().sid};
  security.initial.readers = {"S-1-5-11"};
  security.initial.enrollees = {"S-1-5-11"};
  ASSERT_NO_FATAL_FAILURE(StartEngine(std::move(security)));
  const Caller officer = testing::TestOfficer();
  const std::vector<security::OfficerRightsEntry> entries = {
      {true,
       security::Sid::Parse(officer.sid).value(),
       {security::Sid::Parse(department_sid).value()},
       {},
       0}};
  auto rights = security::BuildOfficerRights(entries, security::well_known::kBuiltinAdministrators);
  ASSERT_TRUE(rights.ok()) << rights.status().ToString();
  ASSERT_TRUE(security_
                  ->ReplaceOfficerRights(testing::TestAdmin(), true,
                                         security::EncodeSecurityDescriptor(*rights).value())
                  .ok());

  const SubmitResult members = SubmitAs("EXAMPLE\\idlHrMember", "OfficerApproval");
  const SubmitResult outsiders = SubmitAs("EXAMPLE\\idlNotHr", "OfficerApproval");
  ASSERT_EQ(members.disposition, WireDisposition::kUnderSubmission) << members.message;
  ASSERT_EQ(outsiders.disposition, WireDisposition::kUnderSubmission) << outsiders.message;
  EXPECT_EQ(engine_->Deny(officer, outsiders.request_id).hresult(), hr::kRestrictedOfficer);
  EXPECT_TRUE(engine_->Deny(officer, members.request_id).ok());
}

}  // namespace
}  // namespace openadcs::ca
