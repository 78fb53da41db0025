// Requests on behalf of another user (MS-WCCE 3.2.2.6.2.1.2.1) through the
// engine: an enrollment agent whose certificate this CA issued signs a CMS or
// CMC request naming the user in requestername; the CA issues for that user
// (subject and SID from the user's directory entry, RequesterName the user,
// CallerName the agent) and refuses every other way of naming someone else,
// as well as agents the enrollment agent rights do not allow.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/directory/identity_lookup.h"
#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/fake_identity_lookup.h"

namespace openadcs::ca {
namespace {

using testing::CmsSigner;

constexpr const char* kCertRequestAgent = "1.3.6.1.4.1.311.20.2.1";
constexpr const char* kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr const char* kSidExtension = "1.3.6.1.4.1.311.25.2";
constexpr const char* kBob = "EXAMPLE\\bob";
constexpr const char* kBobSid = "S-1-5-21-1-2-3-1107";
constexpr const char* kAliceSid = "S-1-5-21-1-2-3-1104";

// A v2 template for users that needs one enrollment agent signature with the
// Certificate Request Agent policy, subject and UPN from the directory;
// Authenticated Users may enroll (the sample templates' descriptor).
constexpr const char* kAgentUserLdif = R"(version: 1

dn: CN=AgentUser,CN=Certificate Templates,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,DC=com
objectClass: top
objectClass: pKICertificateTemplate
cn: AgentUser
name: AgentUser
flags: 131584
revision: 100
pKIDefaultKeySpec: 1
pKIKeyUsage:: oAA=
pKIMaxIssuingDepth: 0
pKICriticalExtensions: 2.5.29.15
pKIExpirationPeriod:: AEA5hy7h/v8=
pKIOverlapPeriod:: AICmCv/e//8=
pKIExtendedKeyUsage: 1.3.6.1.5.5.7.3.2
msPKI-RA-Signature: 1
msPKI-RA-Application-Policies: 1.3.6.1.4.1.311.20.2.1
msPKI-Enrollment-Flag: 0
msPKI-Private-Key-Flag: 16842768
msPKI-Certificate-Name-Flag: 1107296256
msPKI-Minimal-Key-Size: 2048
msPKI-Template-Schema-Version: 2
msPKI-Template-Minor-Revision: 1
msPKI-Cert-Template-OID: 1.3.6.1.4.1.311.21.8.11034890.834619.12601478.16236816.7255827.176.4242.1
msPKI-Certificate-Application-Policy: 1.3.6.1.5.5.7.3.2
nTSecurityDescriptor:: AQAEgHAAAACAAAAAAAAAABQAAAAEAFwAAwAAAAUAKAAAAQAAAQAAAGjJEA77eNIRkNQAwE953FUBAQAAAAAABQsAAAAAABQAlAACAAEBAAAAAAAFCwAAAAAAGAD/AQ8AAQIAAAAAAAUgAAAAIAIAAAECAAAAAAAFIAAAACACAAABAgAAAAAABSAAAAAgAgAA
)";

// AgentUser with the subject the enrollee supplies (CT_FLAG_ENROLLEE_SUPPLIES_SUBJECT).
std::string AgentSuppliedLdif() {
  std::string ldif = kAgentUserLdif;
  auto replace = [&ldif](const std::string& from, const std::string& to) {
    for (std::size_t at = ldif.find(from); at != std::string::npos; at = ldif.find(from, at)) {
      ldif.replace(at, from.size(), to);
      at += to.size();
    }
  };
  replace("AgentUser", "AgentSupplied");
  replace("msPKI-Certificate-Name-Flag: 1107296256", "msPKI-Certificate-Name-Flag: 1");
  replace(".176.4242.1", ".176.4242.2");
  return ldif;
}

class EnrollmentAgentTest : public testing::EngineTestBase {
 protected:
  bool StartsEngine() const override { return false; }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(EngineTestBase::SetUp());
    // The sample templates plus AgentUser, which this CA serves too.
    const auto folder = dir_.path() / "agent-templates";
    std::filesystem::create_directories(folder);
    for (const auto& f : std::filesystem::directory_iterator(
             std::filesystem::path(OPENADCS_SOURCE_DIR) / "config" / "templates")) {
      if (f.path().extension() == ".ldif") {
        std::filesystem::copy_file(f.path(), folder / f.path().filename());
      }
    }
    std::ofstream(folder / "enrollment-service.ldif", std::ios::app)
        << "certificateTemplates: AgentUser\ncertificateTemplates: AgentSupplied\n";
    std::ofstream(folder / "agent-user.ldif") << kAgentUserLdif;
    std::ofstream(folder / "agent-supplied.ldif") << AgentSuppliedLdif();
    auto source = directory::OpenLdifTemplateSource({folder, "openadcs-CA"});
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    agent_templates_ = std::move(source).value();
    ASSERT_NE(agent_templates_->Current()->FindByName("AgentUser"), nullptr);

    directory_.AddUser(kBob, "bob", kBobSid);
    directory_.AddUser("EXAMPLE\\alice", "alice", kAliceSid);
    engine_ = std::make_unique<Engine>(EngineOptions{}, *identity_, *store_, *agent_templates_,
                                       &directory_, *security_, [this] { return now_; });
    agent_key_ = testing::MakeRsaKey(2048);
    agent_cert_ = AgentCertificate(kCertRequestAgent);
  }

  // A certificate this CA issued to the agent's key, valid now, with `eku`.
  ossl::X509Ptr AgentCertificate(const std::string& eku) {
    ossl::X509Ptr c(X509_new());
    X509_set_version(c.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 4242);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(c.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("agent"), -1, -1, 0);
    X509_set_issuer_name(c.get(), X509_get_subject_name(identity_->certificate()));
    X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600);
    X509_set_pubkey(c.get(), agent_key_.get());
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_ext_key_usage, eku.c_str());
    X509_add_ext(c.get(), ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(c.get(), identity_->key(), EVP_sha256());
    return c;
  }

  // The user's PKCS#10 (its own key, a subject the CA ignores).
  Bytes UserCsr() { return Csr("whatever"); }

  // The user's PKCS#10 in a CMS the agent signed, naming `on_behalf_of`.
  Bytes AgentCms(const std::string& on_behalf_of, X509* agent_cert = nullptr) {
    return testing::WrapInCms(UserCsr(), agent_key_.get(),
                              agent_cert != nullptr ? agent_cert : agent_cert_.get(),
                              {{"requestername", on_behalf_of}});
  }

  SubmitResult SubmitAgent(const Bytes& request, const std::string& template_name = "AgentUser") {
    return SubmitAs(agent_, request, "CertificateTemplate:" + template_name);
  }

  db::RequestRecord Row(std::uint32_t id) {
    auto rec = store_->GetRequest(id);
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
    return rec.ok() ? *rec : db::RequestRecord{};
  }

  // Expects request `r` denied with `status`, recorded with no certificate.
  void ExpectDenied(const SubmitResult& r, std::uint32_t status) {
    EXPECT_EQ(r.disposition, WireDisposition::kDenied) << r.message;
    EXPECT_EQ(r.status, status) << r.message;
    EXPECT_TRUE(r.certificate.empty());
    db::RequestRecord rec = Row(r.request_id);
    EXPECT_EQ(rec.disposition, db::Disposition::kDenied);
    EXPECT_EQ(rec.status_code, status);
    EXPECT_FALSE(rec.certificate.has_value());
  }

  // Enables enrollment agent rights with `entries` (set by the admin).
  void RestrictAgents(const std::vector<security::OfficerRightsEntry>& entries) {
    auto sd = security::BuildOfficerRights(entries, security::well_known::kBuiltinAdministrators);
    ASSERT_TRUE(sd.ok()) << sd.status().ToString();
    auto bytes = security::EncodeSecurityDescriptor(*sd);
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(security_->ReplaceEnrollmentAgentRights(admin_, true, *bytes).ok());
  }

  static security::Sid SidOf(const std::string& text) { return security::Sid::Parse(text).value(); }

  testing::FakeIdentityLookup directory_;
  std::unique_ptr<directory::TemplateSource> agent_templates_;
  ossl::PKeyPtr agent_key_;
  ossl::X509Ptr agent_cert_;
  const Caller agent_ = testing::TestCaller("EXAMPLE\\agent", "S-1-5-21-1-2-3-1200");
};

TEST_F(EnrollmentAgentTest, AgentEnrollsForBob) {
  SubmitResult r = SubmitAgent(AgentCms(kBob));
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  ossl::X509Ptr cert = testing::ParseCertDer(r.certificate);
  EXPECT_EQ(pki::FormatDistinguishedName(X509_get_subject_name(cert.get())), "CN=bob");
  EXPECT_EQ(testing::ExtensionValue(cert.get(), kSidExtension), pki::ext::SidSecurity(kBobSid));
  db::RequestRecord rec = Row(r.request_id);
  EXPECT_EQ(rec.requester_name, kBob);
  EXPECT_EQ(rec.requester_sid, kBobSid);
  EXPECT_EQ(rec.caller_name, agent_.name);
  // The agent that submitted may retrieve it.
  SubmitRequest again;
  again.caller = agent_;
  again.request_id = r.request_id;
  EXPECT_EQ(engine_->Submit(again).disposition, WireDisposition::kIssued);
}

TEST_F(EnrollmentAgentTest, AgentEnrollsForBobWithCmc) {
  testing::CmcSpec spec;
  spec.requests = {UserCsr()};
  spec.name_value_pairs = {{"requestername", kBob}};
  SubmitResult r = SubmitAgent(testing::MakeCmcRequest(spec, agent_key_.get(), agent_cert_.get()));
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  EXPECT_EQ(Row(r.request_id).requester_name, kBob);
  EXPECT_EQ(Row(r.request_id).caller_name, agent_.name);
}

TEST_F(EnrollmentAgentTest, EnrolleeSubjectOnBehalfOfGetsTheNamedUsersSid) {
  ASSERT_NE(agent_templates_->Current()->FindByName("AgentSupplied"), nullptr);
  // The agent asks for a certificate naming alice, with alice's SID, for bob.
  testing::CsrSpec spec;
  spec.subject = {{"CN", "alice"}};
  spec.extensions.push_back({kSidExtension, false, pki::ext::SidSecurity(kAliceSid)});
  Bytes cms = testing::WrapInCms(testing::MakeCsrDer(key_.get(), spec), agent_key_.get(),
                                 agent_cert_.get(), {{"requestername", kBob}});
  SubmitResult r = SubmitAgent(cms, "AgentSupplied");
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  ossl::X509Ptr cert = testing::ParseCertDer(r.certificate);
  EXPECT_EQ(pki::FormatDistinguishedName(X509_get_subject_name(cert.get())), "CN=alice");
  EXPECT_EQ(testing::ExtensionValue(cert.get(), kSidExtension), pki::ext::SidSecurity(kBobSid))
      << "the named user's, neither the requested one nor the agent's";
  EXPECT_EQ(Row(r.request_id).requester_name, kBob);
}

TEST_F(EnrollmentAgentTest, ARequestAsksTheDirectoryOnceAboutEachAccount) {
  // As the RPC services do it: the caller is resolved, then its request runs.
  directory_.looked_up.clear();
  SubmitResult r =
      SubmitAs(engine_->ResolveCaller(agent_), AgentCms(kBob), "CertificateTemplate:AgentUser");
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  EXPECT_THAT(directory_.looked_up, ::testing::UnorderedElementsAre(agent_.name, kBob));

  // The caller's own request: what resolving it found serves the policy too
  // (subject, SAN and SID extension of the User template).
  directory_.accounts["EXAMPLE\\alice"].email = "alice@example.com";
  directory_.looked_up.clear();
  r = SubmitAs(engine_->ResolveCaller(testing::TestCaller("EXAMPLE\\alice", kAliceSid)),
               Csr("ignored"), "CertificateTemplate:User");
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  EXPECT_THAT(directory_.looked_up, ::testing::ElementsAre("EXAMPLE\\alice"));
}

TEST_F(EnrollmentAgentTest, RequesterNameWithoutAgentSignatureIsRefused) {
  // Signed by the user's own self-signed certificate: no agent vouches.
  ossl::X509Ptr self = testing::MakeSelfSignedCert(key_.get(), "alice");
  SubmitResult r = SubmitAs(
      requester_, testing::WrapInCms(UserCsr(), key_.get(), self.get(), {{"requestername", kBob}}),
      "CertificateTemplate:AgentUser");
  ExpectDenied(r, hr::kSignatureCount);
  EXPECT_EQ(Row(r.request_id).requester_name, requester_.name);

  // A bare PKCS#10 naming bob in its attributes.
  testing::CsrSpec csr;
  csr.subject = {{"CN", "alice"}};
  csr.name_value_pairs = {{"requestername", kBob}};
  ExpectDenied(
      SubmitAs(requester_, testing::MakeCsrDer(key_.get(), csr), "CertificateTemplate:User"),
      hr::kBadRequestSubject);
  // The attributes string may not name one either.
  ExpectDenied(SubmitAs(requester_, UserCsr(),
                        "CertificateTemplate:User\nRequesterName:" + std::string(kBob)),
               hr::kBadRequestSubject);
}

TEST_F(EnrollmentAgentTest, RequesterNameOfANonAgentSignerIsRefused) {
  // The agent signs without naming anyone; a second SignerInfo, by the
  // request's own key, adds a requestername the agent never signed.
  ossl::X509Ptr self = testing::MakeSelfSignedCert(key_.get(), "alice");
  std::vector<CmsSigner> signers{
      {agent_key_.get(), agent_cert_.get(), true, {}},
      {key_.get(), self.get(), false, {{"requestername", kBob}}},
  };
  SubmitResult r = SubmitAgent(testing::WrapInCms(UserCsr(), testing::kOidData, signers));
  ExpectDenied(r, hr::kBadRequestSubject);
  EXPECT_NE(r.message.find("not an enrollment agent"), std::string::npos) << r.message;
}

TEST_F(EnrollmentAgentTest, AgentCertificateWithoutAgentEkuIsRefused) {
  ossl::X509Ptr client_auth = AgentCertificate(kClientAuth);
  SubmitResult r = SubmitAgent(AgentCms(kBob, client_auth.get()));
  ExpectDenied(r, hr::kSignatureRejected);
}

TEST_F(EnrollmentAgentTest, RequesterNameOnTemplateWithoutAgentSignaturesIsRefused) {
  SubmitResult r = SubmitAgent(AgentCms(kBob), "User");
  ExpectDenied(r, hr::kBadRequestSubject);
  EXPECT_NE(r.message.find("does not require an enrollment agent"), std::string::npos) << r.message;
}

TEST_F(EnrollmentAgentTest, AgentRightsRestrictWhomAndWhichTemplate) {
  // The agent may enroll for alice on AgentUser, and for bob on another template only.
  RestrictAgents({{true, SidOf(agent_.sid), {SidOf(kAliceSid)}, u"AgentUser", 0},
                  {true, SidOf(agent_.sid), {SidOf(kBobSid)}, u"OtherTemplate", 0}});
  SubmitResult bob = SubmitAgent(AgentCms(kBob));
  ExpectDenied(bob, hr::kRestrictedOfficer);
  db::RequestRecord rec = Row(bob.request_id);
  EXPECT_EQ(rec.requester_name, kBob);
  EXPECT_EQ(rec.caller_name, agent_.name);
  EXPECT_NE(rec.disposition_message.find("enrollment agent rights"), std::string::npos)
      << rec.disposition_message;

  SubmitResult alice = SubmitAgent(AgentCms("EXAMPLE\\alice"));
  EXPECT_EQ(alice.disposition, WireDisposition::kIssued) << alice.message;

  // Another agent is not in the list at all.
  const Caller other = testing::TestCaller("EXAMPLE\\agent2", "S-1-5-21-1-2-3-1201");
  ExpectDenied(SubmitAs(other, AgentCms("EXAMPLE\\alice"), "CertificateTemplate:AgentUser"),
               hr::kRestrictedOfficer);

  // Disabled again: unrestricted, as by default.
  ASSERT_TRUE(security_->ReplaceEnrollmentAgentRights(admin_, false, {}).ok());
  EXPECT_EQ(SubmitAgent(AgentCms(kBob)).disposition, WireDisposition::kIssued);
}

// The named account's groups come from the directory: an entry for a group
// of bob's lets the agent enroll for bob, not for alice, who is not in it; a
// deny entry for the group wins over an allow for everyone. A directory that
// cannot tell the groups refuses with ERROR_DS_SERVER_DOWN.
TEST_F(EnrollmentAgentTest, AgentRightsMayNameTheRequestersGroup) {
  const std::string group = "S-1-5-21-1-2-3-3001";
  directory_.accounts[kBob].group_sids = {"S-1-5-21-1-2-3-513", group};
  RestrictAgents({{true, SidOf(agent_.sid), {SidOf(group)}, {}, 0}});
  EXPECT_EQ(SubmitAgent(AgentCms(kBob)).disposition, WireDisposition::kIssued);
  ExpectDenied(SubmitAgent(AgentCms("EXAMPLE\\alice")), hr::kRestrictedOfficer);

  RestrictAgents({{false, SidOf(agent_.sid), {SidOf(group)}, {}, 0},
                  {true, SidOf(agent_.sid), {security::well_known::kEveryone}, {}, 0}});
  ExpectDenied(SubmitAgent(AgentCms(kBob)), hr::kRestrictedOfficer);
  EXPECT_EQ(SubmitAgent(AgentCms("EXAMPLE\\alice")).disposition, WireDisposition::kIssued);

  directory_.accounts.clear();
  directory_.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  // A template whose subject the enrollee supplies: only the rights check
  // asks the directory.
  ExpectDenied(SubmitAgent(AgentCms(kBob), "AgentSupplied"), hr::kDsServerDown);
}

TEST_F(EnrollmentAgentTest, AgentRightsSurviveARestartAndNeedAnAdmin) {
  RestrictAgents({{true, SidOf(agent_.sid), {SidOf(kAliceSid)}, {}, 0}});
  EXPECT_EQ(security_->ReplaceEnrollmentAgentRights(agent_, false, {}).hresult(),
            hr::kAccessDenied);
  std::unique_ptr<CaSecurity> reopened;
  testing::OpenTestCaSecurity(*store_, &reopened);
  EXPECT_TRUE(reopened->EnrollmentAgentRights().enabled);
  EXPECT_EQ(reopened->EnrollmentAgentRights().descriptor,
            security_->EnrollmentAgentRights().descriptor);
  // Officer rights are a separate setting.
  EXPECT_FALSE(reopened->OfficerRightsEnabled());
}

}  // namespace
}  // namespace openadcs::ca
