// One test (at least) per template rule of the CA policy algorithm (MS-WCCE
// 3.2.2.6.2.1.4) and per safe default; each fails when its rule is removed.
#include "ca/policy.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "openadcs/ca/hresult.h"
#include "openadcs/pki/name.h"
#include "testing/pki.h"
#include "testing/test_ca.h"

namespace openadcs::ca {
namespace {

using directory::CertificateTemplate;
using testing::CsrSpec;
namespace xf = db::extension_flag;

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15
constexpr const char* kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr const char* kServerAuth = "1.3.6.1.5.5.7.3.1";

class FakeLookup : public directory::IdentityLookup {
 public:
  Result<directory::DirectoryIdentity> Lookup(const std::string& account) override {
    if (account != "EXAMPLE\\alice") return Status::NotFound("no such account");
    directory::DirectoryIdentity id;
    id.distinguished_name = "CN=alice,CN=Users,DC=example,DC=com";
    id.common_name = "alice";
    id.user_principal_name = "alice@example.com";
    id.email = "alice@example.com";
    id.object_sid = "S-1-5-21-1-2-3-1104";
    return id;
  }
};

CertificateTemplate WebServer() {
  CertificateTemplate t;
  t.name = "WebServer";
  t.schema_version = 1;
  t.major_revision = 4;
  t.name_flags = directory::name_flag::kEnrolleeSuppliesSubject;
  t.key_usage = 0x05;  // digitalSignature | keyEncipherment
  t.validity_seconds = 2LL * 365 * 24 * 3600;
  t.extended_key_usage = {kServerAuth};
  return t;
}

CertificateTemplate Approval() {
  CertificateTemplate t;
  t.name = "OfficerApproval";
  t.oid = "1.3.6.1.4.1.311.21.8.1.2.3.4.5.6.100";
  t.schema_version = 2;
  t.major_revision = 100;
  t.minor_revision = 3;
  t.enrollment_flags = directory::enrollment_flag::kPendAllRequests;
  t.name_flags = directory::name_flag::kEnrolleeSuppliesSubject;
  t.key_usage = 0x01;
  t.validity_seconds = 365LL * 24 * 3600;
  t.extended_key_usage = {kClientAuth};
  t.application_policies = {kClientAuth};
  t.minimal_key_size = 2048;
  return t;
}

CertificateTemplate UserTemplate() {
  CertificateTemplate t;
  t.name = "User";
  t.schema_version = 1;
  t.name_flags = directory::name_flag::kSubjectRequireDirectoryPath |
                 directory::name_flag::kSubjectRequireEmail | directory::name_flag::kAltRequireUpn |
                 directory::name_flag::kAltRequireEmail;
  t.validity_seconds = 365LL * 24 * 3600;
  t.extended_key_usage = {kClientAuth, "1.3.6.1.4.1.311.10.3.4", "1.3.6.1.5.5.7.3.4"};
  return t;
}

CertificateTemplate SubCa() {
  CertificateTemplate t;
  t.name = "SubCA";
  t.schema_version = 1;
  t.general_flags = directory::general_flag::kIsCa;
  t.name_flags = directory::name_flag::kEnrolleeSuppliesSubject;
  t.key_usage = 0x61;  // digitalSignature | keyCertSign | cRLSign
  t.max_issuing_depth = 1;
  t.validity_seconds = 5LL * 365 * 24 * 3600;
  t.critical_extensions = {"2.5.29.19", "2.5.29.15"};
  return t;
}

Bytes Ia5(const std::string& s) {
  return pki::ext::Ia5String(s);
}

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki::CaIdentityOptions o = testing::TestCaIdentityOptions(dir_.path());
    o.subject = "CN=Policy Test CA,O=openadcs";
    o.validity_days = 3650;
    ASSERT_NO_FATAL_FAILURE(testing::OpenCaIdentity(o, &identity_));
    key_ = testing::MakeRsaKey(2048);
  }

  void Serve(std::vector<CertificateTemplate> templates) {
    snapshot_ = directory::TemplateSnapshot(std::move(templates));
  }

  // Evaluates a request whose CSR is built from `spec` with `attributes`.
  PolicyOutcome Evaluate(const CsrSpec& spec, const std::string& attributes,
                         bool officer_approved = false, EVP_PKEY* key = nullptr) {
    request_ = pki::ParsedRequest{};
    request_.pkcs10 = testing::MakeCsr(key != nullptr ? key : key_.get(), spec);
    for (const auto& e : spec.extensions)
      request_.extensions.push_back({e.oid, e.critical, e.value});
    attributes_.clear();
    for (auto& [n, v] : pki::ParseRequestAttributes(attributes)) attributes_.push_back({0, n, v});
    Policy policy(options_, *identity_, lookup_);
    return policy.Evaluate(
        {&request_, &attributes_, &admin_, &snapshot_, &requester_, officer_approved, kNow});
  }

  // `out` must outlive the returned pointer.
  static const pki::CertificateExtension* Ext(const PolicyOutcome& out, const std::string& oid) {
    for (const auto& e : out.extensions) {
      if (e.oid == oid) return &e;
    }
    return nullptr;
  }
  static const pki::CertificateExtension* Ext(PolicyOutcome&&, const std::string&) = delete;

  testing::TempDir dir_;
  std::unique_ptr<pki::CaIdentity> identity_;
  ossl::PKeyPtr key_;
  EngineOptions options_;
  directory::TemplateSnapshot snapshot_;
  directory::IdentityLookup* lookup_ = nullptr;
  Requester requester_{"EXAMPLE\\alice", "S-1-5-21-1-2-3-1104"};
  pki::ParsedRequest request_;
  std::vector<db::AttributeRow> attributes_;
  std::vector<db::ExtensionRow> admin_;
};

CsrSpec Subject(const std::string& cn) {
  CsrSpec s;
  s.subject = {{"CN", cn}};
  return s;
}

// --- Template identification (3.2.2.6.2.1.4.1) ---

TEST_F(PolicyTest, TemplateFromAttributeResolves) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer");
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(out.resolved_template.name, "WebServer");
}

TEST_F(PolicyTest, NoTemplateIsUnsupportedCertType) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"), "");
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kDeny);
  EXPECT_EQ(out.status, hr::kUnsupportedCertType);
}

TEST_F(PolicyTest, TemplateNotServedIsUnsupportedCertType) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("x"), "CertificateTemplate:DomainController");
  EXPECT_EQ(out.status, hr::kUnsupportedCertType);
}

TEST_F(PolicyTest, TemplateNameExtensionResolves) {
  Serve({WebServer()});
  CsrSpec spec = Subject("www.example.com");
  spec.extensions.push_back({"1.3.6.1.4.1.311.20.2", false, pki::ext::TemplateName("WebServer")});
  auto out = Evaluate(spec, "");
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
}

TEST_F(PolicyTest, ConflictingSourcesAreTemplateConflict) {
  Serve({WebServer(), Approval()});
  CsrSpec spec = Subject("www.example.com");
  spec.extensions.push_back(
      {"1.3.6.1.4.1.311.21.7", false, pki::ext::TemplateOid(Approval().oid, 100, 3)});
  auto out = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_EQ(out.status, hr::kTemplateConflict);
}

TEST_F(PolicyTest, AgreeingSourcesResolve) {
  Serve({WebServer(), Approval()});
  CsrSpec spec = Subject("alice");
  spec.extensions.push_back(
      {"1.3.6.1.4.1.311.21.7", false, pki::ext::TemplateOid(Approval().oid, 100, 3)});
  auto out = Evaluate(spec, "CertificateTemplate:officerapproval");
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kPend) << out.message;
}

// --- Template version (3.2.2.6.2.1.4.2) ---

TEST_F(PolicyTest, NewerRequestedTemplateVersionIsRefused) {
  Serve({Approval()});
  CsrSpec spec = Subject("alice");
  spec.extensions.push_back(
      {"1.3.6.1.4.1.311.21.7", false, pki::ext::TemplateOid(Approval().oid, 101, 0)});
  auto out = Evaluate(spec, "");
  EXPECT_EQ(out.status, hr::kBadTemplateVersion);
}

// --- msPKI-Minimal-Key-Size ---

TEST_F(PolicyTest, ShortKeyIsRefused) {
  Serve({Approval()});
  auto small = testing::MakeRsaKey(1024);
  auto out = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval", true, small.get());
  EXPECT_EQ(out.status, hr::kKeyLength);
  auto ok = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval", true);
  EXPECT_EQ(ok.kind, PolicyOutcome::Kind::kIssue) << ok.message;
}

// --- msPKI-RA-Signature ---

TEST_F(PolicyTest, RaSignatureRequiresSigners) {
  CertificateTemplate t = Approval();
  t.ra_signature = 1;
  Serve({t});
  auto out = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval", true);
  EXPECT_EQ(out.status, hr::kSignaturePolicyRequired);
}

TEST_F(PolicyTest, RaSignatureCountsOnlySignersThisCaIssued) {
  CertificateTemplate t = Approval();
  t.ra_signature = 1;
  Serve({t});
  request_ = {};
  // A signer whose certificate some other CA issued does not count.
  auto other_key = testing::MakeRsaKey(2048);
  ossl::X509Ptr foreign(X509_new());
  X509_set_version(foreign.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(foreign.get()), 7);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(foreign.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("agent"), -1, -1, 0);
  X509_set_issuer_name(foreign.get(), X509_get_subject_name(foreign.get()));
  X509_gmtime_adj(X509_getm_notBefore(foreign.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(foreign.get()), 3600);
  X509_set_pubkey(foreign.get(), other_key.get());
  X509_sign(foreign.get(), other_key.get(), EVP_sha256());
  auto csr = testing::MakeCsr(key_.get(), Subject("alice"));
  pki::ParsedRequest req;
  req.pkcs10 = std::move(csr);
  req.signer_info_count = 1;
  req.signers.push_back({std::move(foreign)});
  std::vector<db::AttributeRow> attrs{{0, "CertificateTemplate", "OfficerApproval"}};
  Policy policy(options_, *identity_, nullptr);
  auto out = policy.Evaluate({&req, &attrs, &admin_, &snapshot_, &requester_, true, kNow});
  EXPECT_EQ(out.status, hr::kSignatureCount);
}

TEST_F(PolicyTest, NullSignatureNeedsEnrollmentAgents) {
  Serve({WebServer()});
  request_ = {};
  pki::ParsedRequest req;
  req.pkcs10 = testing::MakeCsr(key_.get(), Subject("www.example.com"));
  req.pkcs10_null_signature = true;
  std::vector<db::AttributeRow> attrs{{0, "CertificateTemplate", "WebServer"}};
  Policy policy(options_, *identity_, nullptr);
  auto out = policy.Evaluate({&req, &attrs, &admin_, &snapshot_, &requester_, false, kNow});
  EXPECT_EQ(out.status, hr::kBadSignature);
}

// --- CT_FLAG_PEND_ALL_REQUESTS ---

TEST_F(PolicyTest, PendAllRequestsPendsUntilOfficerApproves) {
  Serve({Approval()});
  auto pending = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval");
  EXPECT_EQ(pending.kind, PolicyOutcome::Kind::kPend);
  auto approved = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval", true);
  EXPECT_EQ(approved.kind, PolicyOutcome::Kind::kIssue) << approved.message;
}

// --- pKIExpirationPeriod ---

TEST_F(PolicyTest, ValidityComesFromTheTemplate) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer");
  EXPECT_EQ(out.not_after, kNow + 2LL * 365 * 24 * 3600);
  EXPECT_EQ(out.not_before, kNow - options_.clock_skew.count());
}

TEST_F(PolicyTest, ValidityNeverPassesTheCaNotAfter) {
  CertificateTemplate t = WebServer();
  t.validity_seconds = 50LL * 365 * 24 * 3600;
  Serve({t});
  auto out = Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer");
  struct tm tm {};
  ASN1_TIME_to_tm(X509_get0_notAfter(identity_->certificate()), &tm);
  EXPECT_EQ(out.not_after, static_cast<std::int64_t>(timegm(&tm)));
}

// --- EKU, application policies, key usage, basic constraints ---

TEST_F(PolicyTest, TemplateEkuIsWrittenAndRequestedEkuIgnored) {
  Serve({WebServer()});
  CsrSpec spec = Subject("www.example.com");
  const std::string eku[] = {kClientAuth};
  spec.extensions.push_back({"2.5.29.37", false, pki::ext::ExtendedKeyUsage(eku)});
  spec.extensions.push_back({"1.3.6.1.4.1.311.21.10", false, pki::ext::ApplicationPolicies(eku)});
  auto out = Evaluate(spec, "CertificateTemplate:WebServer");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  const auto* e = Ext(out, "2.5.29.37");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(pki::ext_decode::ExtendedKeyUsage(e->value), std::vector<std::string>{kServerAuth});
  EXPECT_EQ(Ext(out, "1.3.6.1.4.1.311.21.10"), nullptr);
  // The refused application policies stay on record, disabled; the EKU row
  // (one per name) holds the template's value.
  for (const auto& row : out.extension_rows) {
    if (row.name == "1.3.6.1.4.1.311.21.10") {
      EXPECT_EQ(row.flags, xf::kOriginRequest | xf::kDisable);
    }
    if (row.name == "2.5.29.37") {
      EXPECT_EQ(row.flags & xf::kOriginMask, xf::kOriginPolicy);
      EXPECT_EQ(row.value, e->value);
    }
  }
}

TEST_F(PolicyTest, V2TemplateWritesApplicationPoliciesAndTemplateOid) {
  Serve({Approval()});
  auto out = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval", true);
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  const auto* ap = Ext(out, "1.3.6.1.4.1.311.21.10");
  ASSERT_NE(ap, nullptr);
  EXPECT_EQ(pki::ext_decode::ApplicationPolicies(ap->value), std::vector<std::string>{kClientAuth});
  const auto* tid = Ext(out, "1.3.6.1.4.1.311.21.7");
  ASSERT_NE(tid, nullptr);
  auto v = pki::ext_decode::TemplateOid(tid->value);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->oid, Approval().oid);
  EXPECT_EQ(v->major, 100u);
  EXPECT_EQ(v->minor, 3u);
  EXPECT_EQ(Ext(out, "1.3.6.1.4.1.311.20.2"), nullptr);
}

TEST_F(PolicyTest, V1TemplateWritesTemplateName) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer");
  const auto* e = Ext(out, "1.3.6.1.4.1.311.20.2");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(pki::ext_decode::TemplateName(e->value), "WebServer");
}

TEST_F(PolicyTest, KeyUsageFollowsTemplateAndKeyAlgorithm) {
  Serve({WebServer()});
  auto rsa = Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer");
  const auto* ku = Ext(rsa, "2.5.29.15");
  ASSERT_NE(ku, nullptr);
  EXPECT_EQ(ku->value, pki::ext::KeyUsage(0x05));
  auto ec_key = testing::MakeEcKey("P-256");
  auto ec =
      Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer", false, ec_key.get());
  const auto* ec_ku = Ext(ec, "2.5.29.15");
  ASSERT_NE(ec_ku, nullptr);
  EXPECT_EQ(ec_ku->value, pki::ext::KeyUsage(0x01));  // no keyEncipherment for EC keys
}

TEST_F(PolicyTest, CaTemplateGetsBasicConstraintsWithPathLengthAndCriticality) {
  Serve({SubCa()});
  auto out = Evaluate(Subject("Issuing CA"), "CertificateTemplate:SubCA");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  const auto* bc = Ext(out, "2.5.29.19");
  ASSERT_NE(bc, nullptr);
  EXPECT_TRUE(bc->critical);
  EXPECT_EQ(bc->value, pki::ext::BasicConstraints(true, 1u));
  EXPECT_TRUE(Ext(out, "2.5.29.15")->critical);
}

TEST_F(PolicyTest, EndEntityBasicConstraintsOnlyWhenTheTemplateAsks) {
  CertificateTemplate t = WebServer();
  Serve({t});
  auto plain = Evaluate(Subject("w"), "CertificateTemplate:WebServer");
  EXPECT_EQ(Ext(plain, "2.5.29.19"), nullptr);
  t.enrollment_flags |= directory::enrollment_flag::kIncludeBasicConstraintsForEeCerts;
  Serve({t});
  auto out = Evaluate(Subject("w"), "CertificateTemplate:WebServer");
  const auto* bc = Ext(out, "2.5.29.19");
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(bc->value, pki::ext::BasicConstraints(false, std::nullopt));
}

TEST_F(PolicyTest, CertificatePoliciesFromTemplate) {
  CertificateTemplate t = WebServer();
  t.certificate_policies = {"1.2.3.4.5"};
  Serve({t});
  auto out = Evaluate(Subject("w"), "CertificateTemplate:WebServer");
  const auto* e = Ext(out, "2.5.29.32");
  ASSERT_NE(e, nullptr);
  const std::string want[] = {"1.2.3.4.5"};
  EXPECT_EQ(e->value, pki::ext::CertificatePolicies(want));
}

// --- Subject (msPKI-Certificate-Name-Flag) ---

TEST_F(PolicyTest, EnrolleeSuppliedSubjectIsUsed) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"), "CertificateTemplate:WebServer");
  ASSERT_TRUE(out.subject);
  EXPECT_EQ(pki::FormatDistinguishedName(out.subject.get()), "CN=www.example.com");
}

TEST_F(PolicyTest, EmptySubjectWithoutSanIsBadRequestSubject) {
  Serve({WebServer()});
  auto out = Evaluate(CsrSpec{}, "CertificateTemplate:WebServer");
  EXPECT_EQ(out.status, hr::kBadRequestSubject);
}

TEST_F(PolicyTest, DirectorySubjectWithoutLookupIsDeniedClearly) {
  Serve({UserTemplate()});
  auto out = Evaluate(Subject("mallory"), "CertificateTemplate:User");
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kDeny);
  EXPECT_EQ(out.status, hr::kBadRequestSubject);
  EXPECT_NE(out.message.find("directory"), std::string::npos) << out.message;
}

TEST_F(PolicyTest, DirectorySubjectIgnoresRequestedSubject) {
  FakeLookup lookup;
  lookup_ = &lookup;
  Serve({UserTemplate()});
  auto out = Evaluate(Subject("mallory"), "CertificateTemplate:User");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(pki::FormatDistinguishedName(out.subject.get()),
            "emailAddress=alice@example.com,CN=alice,CN=Users,DC=example,DC=com");
  const auto* san = Ext(out, "2.5.29.17");
  ASSERT_NE(san, nullptr);
  const std::pair<std::string, std::string> want[] = {{"upn", "alice@example.com"},
                                                      {"email", "alice@example.com"}};
  EXPECT_EQ(san->value, pki::ext::SubjectAltName(want).value());
  const auto* sid = Ext(out, "1.3.6.1.4.1.311.25.2");
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(pki::ext_decode::SidSecurity(sid->value), "S-1-5-21-1-2-3-1104");
}

// --- Safe defaults ---

TEST_F(PolicyTest, SanAttributeIsIgnoredByDefault) {
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"),
                      "CertificateTemplate:WebServer\nSAN:upn=administrator@example.com");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(Ext(out, "2.5.29.17"), nullptr);
}

TEST_F(PolicyTest, SanAttributeHonouredOnlyWhenConfigured) {
  options_.allow_san_attribute = true;
  Serve({WebServer()});
  auto out = Evaluate(Subject("www.example.com"),
                      "CertificateTemplate:WebServer\nSAN:dns=www.example.com&dns=example.com");
  const auto* san = Ext(out, "2.5.29.17");
  ASSERT_NE(san, nullptr);
  const std::pair<std::string, std::string> want[] = {{"dns", "www.example.com"},
                                                      {"dns", "example.com"}};
  EXPECT_EQ(san->value, pki::ext::SubjectAltName(want).value());
}

TEST_F(PolicyTest, TemplateWithoutEkuIsNotIssuedForEndEntities) {
  CertificateTemplate t = WebServer();
  t.extended_key_usage.clear();
  Serve({t});
  EXPECT_EQ(Evaluate(Subject("w"), "CertificateTemplate:WebServer").status, hr::kTemplateDenied);
  t.extended_key_usage = {"2.5.29.37.0"};
  Serve({t});
  EXPECT_EQ(Evaluate(Subject("w"), "CertificateTemplate:WebServer").status, hr::kTemplateDenied);
}

TEST_F(PolicyTest, RequestedSidForSomeoneElseIsDropped) {
  Serve({WebServer()});
  CsrSpec spec = Subject("www.example.com");
  spec.extensions.push_back(
      {"1.3.6.1.4.1.311.25.2", false, pki::ext::SidSecurity("S-1-5-21-1-2-3-500")});
  auto out = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_EQ(Ext(out, "1.3.6.1.4.1.311.25.2"), nullptr);
  spec.extensions[0].value = pki::ext::SidSecurity(requester_.sid);
  auto own = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_NE(Ext(own, "1.3.6.1.4.1.311.25.2"), nullptr);
}

TEST_F(PolicyTest, NoSecurityExtensionFlagOmitsSid) {
  FakeLookup lookup;
  lookup_ = &lookup;
  CertificateTemplate t = UserTemplate();
  t.enrollment_flags |= directory::enrollment_flag::kNoSecurityExtension;
  Serve({t});
  auto out = Evaluate(Subject("x"), "CertificateTemplate:User");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(Ext(out, "1.3.6.1.4.1.311.25.2"), nullptr);
}

// --- Officer extensions and revocation pointers ---

TEST_F(PolicyTest, AdminExtensionIsAddedAndWins) {
  Serve({Approval()});
  admin_.push_back({0, "1.2.3.4", xf::kOriginAdmin, Ia5("approved")});
  admin_.push_back({0, "2.5.29.37", xf::kOriginAdmin | xf::kCritical,
                    pki::ext::ExtendedKeyUsage(std::vector<std::string>{kServerAuth})});
  admin_.push_back({0, "1.2.3.5", xf::kOriginAdmin | xf::kDisable, Ia5("off")});
  auto out = Evaluate(Subject("alice"), "CertificateTemplate:OfficerApproval", true);
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  ASSERT_NE(Ext(out, "1.2.3.4"), nullptr);
  EXPECT_EQ(Ext(out, "1.2.3.4")->value, Ia5("approved"));
  EXPECT_TRUE(Ext(out, "2.5.29.37")->critical);
  EXPECT_EQ(Ext(out, "1.2.3.5"), nullptr);
}

TEST_F(PolicyTest, RevocationPointersUnlessTemplateOptsOut) {
  options_.crl_distribution_points = {"http://pki.example.com/ca.crl"};
  options_.aia_ca_issuers = {"http://pki.example.com/ca.crt"};
  CertificateTemplate t = WebServer();
  Serve({t});
  auto with = Evaluate(Subject("w"), "CertificateTemplate:WebServer");
  EXPECT_NE(Ext(with, "2.5.29.31"), nullptr);
  EXPECT_NE(Ext(with, "1.3.6.1.5.5.7.1.1"), nullptr);
  t.enrollment_flags |= directory::enrollment_flag::kNoRevocationInfoInIssuedCerts;
  Serve({t});
  auto without = Evaluate(Subject("w"), "CertificateTemplate:WebServer");
  EXPECT_EQ(Ext(without, "2.5.29.31"), nullptr);
  EXPECT_EQ(Ext(without, "1.3.6.1.5.5.7.1.1"), nullptr);
}

}  // namespace
}  // namespace openadcs::ca
