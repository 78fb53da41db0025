// One test (at least) per template rule of the CA policy algorithm (MS-WCCE
// 3.2.2.6.2.1.4) and per safe default; each fails when its rule is removed.
#include "ca/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "ca/policy_stages.h"
#include "openadcs/pki/name.h"
#include "openadcs/util/hresult.h"
#include "testing/fake_identity_lookup.h"
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

// The directory knows EXAMPLE\alice only.
class FakeLookup : public testing::FakeIdentityLookup {
 public:
  FakeLookup() {
    AddUser("EXAMPLE\\alice", "alice", "S-1-5-21-1-2-3-1104");
    accounts["EXAMPLE\\alice"].email = "alice@example.com";
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
                         bool officer_approved = false, EVP_PKEY* key = nullptr,
                         const Caller* caller = nullptr) {
    request_ = pki::ParsedRequest{};
    request_.pkcs10 = testing::MakeCsr(key != nullptr ? key : key_.get(), spec);
    for (const auto& e : spec.extensions)
      request_.extensions.push_back({e.oid, e.critical, e.value});
    attributes_.clear();
    for (auto& [n, v] : pki::ParseRequestAttributes(attributes)) attributes_.push_back({0, n, v});
    Policy policy(options_, *identity_, lookup_);
    return policy.Evaluate({&request_, &attributes_, &admin_, &snapshot_, &requester_, caller,
                            officer_approved, kNow});
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
  Caller caller_;
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
  req.signers.push_back({std::move(foreign), {}});
  std::vector<db::AttributeRow> attrs{{0, "CertificateTemplate", "OfficerApproval"}};
  Policy policy(options_, *identity_, nullptr);
  auto out = policy.Evaluate({&req, &attrs, &admin_, &snapshot_, &requester_, nullptr, true, kNow});
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
  auto out =
      policy.Evaluate({&req, &attrs, &admin_, &snapshot_, &requester_, nullptr, false, kNow});
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

// --- The SID extension of enrollee-supplied subjects (KB5014754) ---

TEST_F(PolicyTest, EnrolleeSubjectGetsTheRequestersSidWhateverItAsks) {
  FakeLookup lookup;
  lookup_ = &lookup;
  requester_.sid = "S-1-5-21-9-9";  // as authenticated; the directory's objectSid wins
  Serve({WebServer()});
  CsrSpec spec = Subject("administrator");
  auto plain = Evaluate(spec, "CertificateTemplate:WebServer");
  ASSERT_EQ(plain.kind, PolicyOutcome::Kind::kIssue) << plain.message;
  const auto* sid = Ext(plain, oid::kSidSecurity);
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(pki::ext_decode::SidSecurity(sid->value), "S-1-5-21-1-2-3-1104");
  EXPECT_TRUE(plain.notes.empty());

  spec.extensions.push_back(
      {oid::kSidSecurity, false, pki::ext::SidSecurity("S-1-5-21-1-2-3-500")});
  auto claimed = Evaluate(spec, "CertificateTemplate:WebServer");
  sid = Ext(claimed, oid::kSidSecurity);
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(pki::ext_decode::SidSecurity(sid->value), "S-1-5-21-1-2-3-1104");
  EXPECT_EQ(claimed.notes,
            std::vector<std::string>{"replaced a requested SID extension that does not name the "
                                     "requester"});

  // Not in the directory: the authenticated SID.
  lookup_ = nullptr;
  auto local = Evaluate(spec, "CertificateTemplate:WebServer");
  sid = Ext(local, oid::kSidSecurity);
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(pki::ext_decode::SidSecurity(sid->value), "S-1-5-21-9-9");

  // Known by neither: none at all rather than the requested one.
  requester_.sid.clear();
  auto unknown = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_EQ(Ext(unknown, oid::kSidSecurity), nullptr);
  EXPECT_THAT(unknown.notes,
              ::testing::Contains("no SID extension: the requester's SID is unknown"));
}

TEST_F(PolicyTest, EnrolleeSubjectSidFromRequestCopiesOnlyTheRequesters) {
  options_.enrollee_subject_sid = EnrolleeSubjectSid::kFromRequest;
  Serve({WebServer()});
  CsrSpec spec = Subject("www.example.com");
  auto plain = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_EQ(Ext(plain, oid::kSidSecurity), nullptr) << "nothing requested, nothing added";
  spec.extensions.push_back(
      {oid::kSidSecurity, false, pki::ext::SidSecurity("S-1-5-21-1-2-3-500")});
  auto out = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_EQ(Ext(out, oid::kSidSecurity), nullptr);
  spec.extensions[0].value = pki::ext::SidSecurity(requester_.sid);
  auto own = Evaluate(spec, "CertificateTemplate:WebServer");
  EXPECT_NE(Ext(own, oid::kSidSecurity), nullptr);
}

TEST_F(PolicyTest, EnrolleeSubjectSidNoneAddsNoneEvenTheRequesters) {
  FakeLookup lookup;
  lookup_ = &lookup;
  options_.enrollee_subject_sid = EnrolleeSubjectSid::kNone;
  Serve({WebServer(), UserTemplate()});
  CsrSpec spec = Subject("www.example.com");
  spec.extensions.push_back({oid::kSidSecurity, false, pki::ext::SidSecurity(requester_.sid)});
  auto out = Evaluate(spec, "CertificateTemplate:WebServer");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(Ext(out, oid::kSidSecurity), nullptr);
  EXPECT_EQ(out.notes,
            std::vector<std::string>{"dropped the requested SID extension: enrollee_subject_sid is "
                                     "\"none\""});
  // Directory subjects keep theirs.
  auto directory = Evaluate(spec, "CertificateTemplate:User");
  EXPECT_NE(Ext(directory, oid::kSidSecurity), nullptr);
}

TEST_F(PolicyTest, NoSecurityExtensionFlagOmitsSid) {
  FakeLookup lookup;
  lookup_ = &lookup;
  CertificateTemplate t = UserTemplate();
  t.enrollment_flags |= directory::enrollment_flag::kNoSecurityExtension;
  CertificateTemplate ess = WebServer();
  ess.enrollment_flags |= directory::enrollment_flag::kNoSecurityExtension;
  Serve({t, ess});
  auto out = Evaluate(Subject("x"), "CertificateTemplate:User");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(Ext(out, "1.3.6.1.4.1.311.25.2"), nullptr);
  CsrSpec spec = Subject("www.example.com");
  spec.extensions.push_back({oid::kSidSecurity, false, pki::ext::SidSecurity(requester_.sid)});
  for (auto mode : {EnrolleeSubjectSid::kRequester, EnrolleeSubjectSid::kFromRequest}) {
    options_.enrollee_subject_sid = mode;
    auto ess_out = Evaluate(spec, "CertificateTemplate:WebServer");
    ASSERT_EQ(ess_out.kind, PolicyOutcome::Kind::kIssue) << ess_out.message;
    EXPECT_EQ(Ext(ess_out, oid::kSidSecurity), nullptr);
  }
}

TEST_F(PolicyTest, TheRequesterIsLookedUpOnceOrNotAtAllWhenTheCallerCarriesItsEntry) {
  FakeLookup lookup;
  lookup_ = &lookup;
  Serve({UserTemplate(), WebServer()});
  // Subject, SAN and SID extension from one answer.
  auto out = Evaluate(Subject("x"), "CertificateTemplate:User");
  ASSERT_EQ(out.kind, PolicyOutcome::Kind::kIssue) << out.message;
  EXPECT_EQ(lookup.looked_up, std::vector<std::string>{"EXAMPLE\\alice"});
  lookup.looked_up.clear();
  auto ess = Evaluate(Subject("x"), "CertificateTemplate:WebServer");
  ASSERT_EQ(ess.kind, PolicyOutcome::Kind::kIssue) << ess.message;
  EXPECT_EQ(lookup.looked_up, std::vector<std::string>{"EXAMPLE\\alice"});

  // A caller resolved with its entry: no lookup; the entry's attributes.
  directory::DirectoryIdentity entry = lookup.accounts["EXAMPLE\\alice"];
  entry.email = "resolved@example.com";
  caller_.name = requester_.name;
  caller_.directory_entry = std::make_shared<const Result<directory::DirectoryIdentity>>(entry);
  options_.enforce_template_permissions = false;  // the caller's rights are not what is tested
  lookup.looked_up.clear();
  auto seeded = Evaluate(Subject("x"), "CertificateTemplate:User", false, nullptr, &caller_);
  ASSERT_EQ(seeded.kind, PolicyOutcome::Kind::kIssue) << seeded.message;
  EXPECT_TRUE(lookup.looked_up.empty());
  EXPECT_NE(pki::FormatDistinguishedName(seeded.subject.get()).find("resolved@example.com"),
            std::string::npos)
      << pki::FormatDistinguishedName(seeded.subject.get());

  // An outage the caller's resolution met is the policy's answer too.
  caller_.directory_entry = std::make_shared<const Result<directory::DirectoryIdentity>>(
      Status::Unavailable("ldap://dc1: down"));
  auto down = Evaluate(Subject("x"), "CertificateTemplate:User", false, nullptr, &caller_);
  EXPECT_EQ(down.status, hr::kDsServerDown) << down.message;
  EXPECT_TRUE(lookup.looked_up.empty());
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

// --- Each stage alone (ca/policy_stages.h) ---

namespace st = policy_stages;

class PolicyStageTest : public PolicyTest {
 protected:
  // A parsed request with the subject and extensions of `spec`, signed by
  // `key` (default: the fixture's). The stages read the extensions from the
  // parsed request only, so the PKCS#10 carries none.
  pki::ParsedRequest Request(const CsrSpec& spec, EVP_PKEY* key = nullptr) {
    CsrSpec subject_only;
    subject_only.subject = spec.subject;
    pki::ParsedRequest req;
    req.pkcs10 = testing::MakeCsr(key != nullptr ? key : key_.get(), subject_only);
    for (const auto& e : spec.extensions) req.extensions.push_back({e.oid, e.critical, e.value});
    return req;
  }

  static std::vector<db::AttributeRow> Attributes(const std::string& text) {
    std::vector<db::AttributeRow> rows;
    for (auto& [n, v] : pki::ParseRequestAttributes(text)) rows.push_back({0, n, v});
    return rows;
  }

  // A certificate this CA issued to an enrollment agent, valid from
  // `not_before` to `not_after` seconds from now, with the given EKUs.
  ossl::X509Ptr Agent(const std::string& ekus, long not_before = -3600, long not_after = 3600) {
    ossl::X509Ptr c(X509_new());
    X509_set_version(c.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 11);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(c.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("agent"), -1, -1, 0);
    X509_set_issuer_name(c.get(), X509_get_subject_name(identity_->certificate()));
    X509_gmtime_adj(X509_getm_notBefore(c.get()), not_before);
    X509_gmtime_adj(X509_getm_notAfter(c.get()), not_after);
    X509_set_pubkey(c.get(), key_.get());
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_ext_key_usage, ekus.c_str());
    X509_add_ext(c.get(), ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(c.get(), identity_->key(), EVP_sha256());
    return c;
  }

  static std::vector<std::string> Oids(const st::ExtensionSet& set) {
    std::vector<std::string> out;
    for (const auto& e : set.extensions) out.push_back(e.oid);
    return out;
  }

  static const db::ExtensionRow* Row(const st::ExtensionSet& set, const std::string& oid) {
    for (const auto& r : set.rows) {
      if (r.name == oid) return &r;
    }
    return nullptr;
  }
};

TEST_F(PolicyStageTest, ResolveTemplateAcceptsAgreeingIdentifiers) {
  Serve({WebServer(), Approval()});
  CsrSpec spec = Subject("alice");
  spec.extensions.push_back(
      {oid::kTemplateOid, false, pki::ext::TemplateOid(Approval().oid, 100, 3)});
  const CertificateTemplate* t = nullptr;
  EXPECT_FALSE(st::ResolveTemplate(Request(spec), Attributes("CertificateTemplate:OfficerApproval"),
                                   snapshot_, &t));
  EXPECT_EQ(t, snapshot_.FindByName("OfficerApproval"));
}

TEST_F(PolicyStageTest, ResolveTemplateDeniesWithTheReason) {
  Serve({WebServer(), Approval()});
  const CertificateTemplate* t = nullptr;
  auto none = st::ResolveTemplate(Request(Subject("w")), {}, snapshot_, &t);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, hr::kUnsupportedCertType);
  EXPECT_EQ(none->message, "the request names no certificate template");

  CsrSpec bad = Subject("w");
  bad.extensions.push_back({oid::kTemplateName, false, Bytes{0x05, 0x00}});
  auto unparsed = st::ResolveTemplate(Request(bad), {}, snapshot_, &t);
  ASSERT_TRUE(unparsed);
  EXPECT_EQ(unparsed->message, "the template name extension does not parse");

  CsrSpec two = Subject("w");
  two.extensions.push_back(
      {oid::kTemplateOid, false, pki::ext::TemplateOid(Approval().oid, 100, 3)});
  auto conflict =
      st::ResolveTemplate(Request(two), Attributes("CertificateTemplate:WebServer"), snapshot_, &t);
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->status, hr::kTemplateConflict);
  EXPECT_EQ(conflict->message,
            "the request names two templates: 'WebServer' and 'OfficerApproval'");
  EXPECT_EQ(t, nullptr);  // untouched on a denial
}

TEST_F(PolicyStageTest, TemplateVersionMayNotBeNewerThanServed) {
  CsrSpec spec = Subject("alice");
  spec.extensions.push_back(
      {oid::kTemplateOid, false, pki::ext::TemplateOid(Approval().oid, 100, 3)});
  EXPECT_FALSE(st::CheckTemplateVersion(Approval(), Request(spec)));
  spec.extensions[0].value = pki::ext::TemplateOid(Approval().oid, 100, 4);
  auto newer = st::CheckTemplateVersion(Approval(), Request(spec));
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->status, hr::kBadTemplateVersion);
  EXPECT_EQ(newer->message, "the request is for template version 100.4, newer than the CA's 100.3");
  CertificateTemplate v1 = Approval();
  v1.schema_version = 1;  // v1 templates have no version to compare
  EXPECT_FALSE(st::CheckTemplateVersion(v1, Request(spec)));
}

TEST_F(PolicyStageTest, KeyMustExistAndMeetTheMinimum) {
  pki::ParsedRequest keyless;
  keyless.pkcs10.reset(X509_REQ_new());
  auto missing = st::CheckKey(WebServer(), keyless);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, hr::kInvalidData);

  auto small = testing::MakeRsaKey(1024);
  auto short_key = st::CheckKey(Approval(), Request(Subject("a"), small.get()));
  ASSERT_TRUE(short_key);
  EXPECT_EQ(short_key->status, hr::kKeyLength);
  EXPECT_EQ(short_key->message,
            "the key has 1024 bits; template 'OfficerApproval' requires at least 2048");
  EXPECT_FALSE(st::CheckKey(WebServer(), Request(Subject("a"), small.get())));  // no minimum
  EXPECT_FALSE(st::CheckKey(Approval(), Request(Subject("a"))));
}

TEST_F(PolicyStageTest, AgentSignaturesCountCurrentAgentsOfThisCa) {
  CertificateTemplate t = Approval();
  EXPECT_FALSE(st::CheckAgentSignatures(t, Request(Subject("a")), *identity_));  // not required
  t.ra_signature = 1;
  t.ra_application_policies = {oid::kCertRequestAgent};
  pki::ParsedRequest req = Request(Subject("a"));
  req.signer_info_count = 1;
  req.signers.push_back({Agent(oid::kCertRequestAgent), {}});
  EXPECT_FALSE(st::CheckAgentSignatures(t, req, *identity_));

  t.ra_application_policies = {"1.2.3.4"};
  auto policy = st::CheckAgentSignatures(t, req, *identity_);
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->status, hr::kSignatureRejected);
  EXPECT_EQ(policy->message, "no signer certificate carries the application policy 1.2.3.4");

  t.ra_application_policies.clear();
  t.ra_signature = 2;
  auto count = st::CheckAgentSignatures(t, req, *identity_);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->status, hr::kSignatureCount);
  EXPECT_EQ(count->message,
            "template 'OfficerApproval' requires 2 valid enrollment agent signatures; the request "
            "has 1");

  t.ra_signature = 1;
  req.signers[0] = {Agent(oid::kCertRequestAgent, -7200, -3600), {}};  // expired
  EXPECT_EQ(st::CheckAgentSignatures(t, req, *identity_)->status, hr::kSignatureCount);
}

TEST_F(PolicyStageTest, NullSignatureOnlyWhereAgentsVouch) {
  pki::ParsedRequest req = Request(Subject("a"));
  EXPECT_FALSE(st::CheckNullSignature(WebServer(), req));
  req.pkcs10_null_signature = true;
  auto denied = st::CheckNullSignature(WebServer(), req);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, hr::kBadSignature);
  CertificateTemplate t = Approval();
  t.ra_signature = 1;
  EXPECT_FALSE(st::CheckNullSignature(t, req));
}

TEST_F(PolicyStageTest, EndEntityEkuAndCaTemplates) {
  EXPECT_TRUE(st::IsCaTemplate(SubCa()));
  CertificateTemplate named = WebServer();
  named.name = "crossca";
  EXPECT_TRUE(st::IsCaTemplate(named));
  CertificateTemplate cross = WebServer();
  cross.general_flags |= directory::general_flag::kIsCrossCa;
  EXPECT_TRUE(st::IsCaTemplate(cross));
  EXPECT_FALSE(st::IsCaTemplate(WebServer()));

  EXPECT_FALSE(st::CheckEndEntityEku(SubCa()));  // no EKU, and a CA
  EXPECT_FALSE(st::CheckEndEntityEku(WebServer()));
  // The effective EKUs of a v2 template are its application policies.
  CertificateTemplate t = Approval();
  t.application_policies = {"2.5.29.37.0"};
  auto any = st::CheckEndEntityEku(t);
  ASSERT_TRUE(any);
  EXPECT_EQ(any->status, hr::kTemplateDenied);
}

TEST_F(PolicyStageTest, SubjectFromRequestTakesSubjectAndSan) {
  const std::pair<std::string, std::string> names[] = {{"dns", "www.example.com"}};
  const Bytes san = pki::ext::SubjectAltName(names).value();
  CsrSpec spec = Subject("www.example.com");
  spec.extensions.push_back({oid::kSubjectAltName, false, san});
  st::SubjectAndSan out;
  EXPECT_FALSE(st::SubjectFromRequest(Request(spec), &out));
  EXPECT_EQ(pki::FormatDistinguishedName(out.subject.get()), "CN=www.example.com");
  EXPECT_EQ(out.san, san);
  EXPECT_EQ(out.san_origin, xf::kOriginRequest);

  CsrSpec san_only;
  san_only.extensions = spec.extensions;
  st::SubjectAndSan only;
  EXPECT_FALSE(st::SubjectFromRequest(Request(san_only), &only));

  st::SubjectAndSan neither;
  auto denied = st::SubjectFromRequest(Request(CsrSpec{}), &neither);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, hr::kBadRequestSubject);
  EXPECT_EQ(denied->message, "the request has neither a subject nor a subject alternative name");
}

TEST_F(PolicyStageTest, SubjectFromDirectoryBuildsFromTheEntry) {
  FakeLookup lookup;
  st::SubjectAndSan out;
  EXPECT_FALSE(st::SubjectFromDirectory(UserTemplate(), {&lookup, "EXAMPLE\\alice"}, &out));
  EXPECT_EQ(pki::FormatDistinguishedName(out.subject.get()),
            "emailAddress=alice@example.com,CN=alice,CN=Users,DC=example,DC=com");
  ASSERT_TRUE(out.san);
  EXPECT_EQ(out.san_origin, xf::kOriginPolicy);

  st::SubjectAndSan unused;
  auto no_lookup = st::SubjectFromDirectory(UserTemplate(), {nullptr, "EXAMPLE\\alice"}, &unused);
  ASSERT_TRUE(no_lookup);
  EXPECT_EQ(no_lookup->status, hr::kBadRequestSubject);
  auto unknown = st::SubjectFromDirectory(UserTemplate(), {&lookup, "EXAMPLE\\bob"}, &unused);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->message, "directory lookup of 'EXAMPLE\\bob' failed: no such account");

  CertificateTemplate machine = UserTemplate();
  machine.general_flags = directory::general_flag::kMachineType;
  machine.name_flags = directory::name_flag::kSubjectRequireDnsAsCn;
  auto no_dns = st::SubjectFromDirectory(machine, {&lookup, "EXAMPLE\\alice"}, &unused);
  ASSERT_TRUE(no_dns);
  EXPECT_EQ(no_dns->message, "the directory entry has no dNSHostName");

  CertificateTemplate nothing = UserTemplate();
  nothing.name_flags = 0;
  auto empty = st::SubjectFromDirectory(nothing, {&lookup, "EXAMPLE\\alice"}, &unused);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->message,
            "template 'User' yields neither a subject nor a subject alternative name");
}

TEST_F(PolicyStageTest, SanAttributeReplacesOnlyWhenAllowed) {
  const auto attributes = Attributes("SAN:dns=a.example.com&upn=b@example.com");
  st::SubjectAndSan kept;
  kept.san = Ia5("requested");
  std::vector<std::string> notes;
  EXPECT_FALSE(st::ApplySanAttribute(attributes, false, &kept, &notes));
  EXPECT_EQ(kept.san, Ia5("requested"));
  EXPECT_EQ(kept.san_origin, xf::kOriginRequest);
  EXPECT_EQ(notes, std::vector<std::string>{
                       "ignored the SAN request attribute: allow_san_attribute is off"});

  st::SubjectAndSan replaced;
  notes.clear();
  EXPECT_FALSE(st::ApplySanAttribute(attributes, true, &replaced, &notes));
  const std::pair<std::string, std::string> want[] = {{"dns", "a.example.com"},
                                                      {"upn", "b@example.com"}};
  EXPECT_EQ(replaced.san, pki::ext::SubjectAltName(want).value());
  EXPECT_EQ(replaced.san_origin, xf::kOriginPolicy);
  EXPECT_TRUE(notes.empty());

  st::SubjectAndSan unused;
  auto bad = st::ApplySanAttribute(Attributes("SAN:dns"), true, &unused, &notes);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, hr::kInvalidArg);
  EXPECT_EQ(bad->message, "SAN attribute entry without '=': dns");
  EXPECT_FALSE(st::ApplySanAttribute(Attributes("Other:x"), false, &unused, &notes));
  EXPECT_TRUE(notes.empty());
}

TEST_F(PolicyStageTest, ValidityDefaultsSkewsAndStopsAtTheCa) {
  CertificateTemplate t = WebServer();
  t.validity_seconds = 0;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  EXPECT_FALSE(st::ComputeValidity(t, *identity_, 600, kNow, &not_before, &not_after));
  EXPECT_EQ(not_before, kNow - 600);
  EXPECT_EQ(not_after, kNow + 365LL * 24 * 3600);

  struct tm tm {};
  ASN1_TIME_to_tm(X509_get0_notAfter(identity_->certificate()), &tm);
  const auto ca_not_after = static_cast<std::int64_t>(timegm(&tm));
  auto expired = st::ComputeValidity(t, *identity_, 600, ca_not_after, &not_before, &not_after);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, hr::kUnexpected);
  EXPECT_EQ(expired->message, "the CA certificate has expired");
}

TEST_F(PolicyStageTest, TemplateExtensionsInOrderWithTheirCriticality) {
  st::ExtensionSet v1;
  st::AddTemplateExtensions(WebServer(), key_.get(), &v1);
  EXPECT_EQ(Oids(v1),
            (std::vector<std::string>{oid::kKeyUsage, oid::kExtendedKeyUsage, oid::kTemplateName}));
  st::ExtensionSet v2;
  st::AddTemplateExtensions(Approval(), key_.get(), &v2);
  EXPECT_EQ(Oids(v2), (std::vector<std::string>{oid::kKeyUsage, oid::kExtendedKeyUsage,
                                                oid::kApplicationPolicies, oid::kTemplateOid}));
  st::ExtensionSet ca;
  st::AddTemplateExtensions(SubCa(), key_.get(), &ca);
  EXPECT_EQ(Oids(ca),
            (std::vector<std::string>{oid::kKeyUsage, oid::kBasicConstraints, oid::kTemplateName}));
  EXPECT_EQ(Row(ca, oid::kBasicConstraints)->flags, xf::kOriginPolicy | xf::kCritical);
  EXPECT_EQ(Row(ca, oid::kTemplateName)->flags, xf::kOriginPolicy);
  EXPECT_TRUE(ca.copied_from_request.empty());

  auto ec_key = testing::MakeEcKey("P-256");
  st::ExtensionSet ec;
  st::AddTemplateExtensions(WebServer(), ec_key.get(), &ec);
  EXPECT_EQ(ec.extensions[0].value, pki::ext::KeyUsage(0x01));
}

TEST_F(PolicyStageTest, SubjectAltNameRecordsItsOrigin) {
  st::ExtensionSet none;
  st::AddSubjectAltName(WebServer(), st::SubjectAndSan{}, &none);
  EXPECT_TRUE(none.extensions.empty());

  st::SubjectAndSan requested;
  requested.subject.reset(X509_NAME_new());
  X509_NAME_add_entry_by_txt(requested.subject.get(), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("x"), -1, -1, 0);
  requested.san = Ia5("x");
  st::ExtensionSet from_request;
  st::AddSubjectAltName(WebServer(), requested, &from_request);
  EXPECT_EQ(Row(from_request, oid::kSubjectAltName)->flags, xf::kOriginRequest);
  EXPECT_EQ(from_request.copied_from_request.count(oid::kSubjectAltName), 1u);

  requested.san_origin = xf::kOriginPolicy;
  st::ExtensionSet from_policy;
  st::AddSubjectAltName(WebServer(), requested, &from_policy);
  EXPECT_FALSE(from_policy.extensions[0].critical);
  EXPECT_TRUE(from_policy.copied_from_request.empty());
}

// Critical when the template says so (KerberosAuthentication lists
// 2.5.29.17) or when it is the only name (RFC 5280 4.2.1.6: Workstation's
// certificates have an empty subject).
TEST_F(PolicyStageTest, SubjectAltNameIsCriticalWhenListedOrTheOnlyName) {
  st::SubjectAndSan named;
  named.subject.reset(X509_NAME_new());
  X509_NAME_add_entry_by_txt(named.subject.get(), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("x"), -1, -1, 0);
  named.san = Ia5("x");
  named.san_origin = xf::kOriginPolicy;
  CertificateTemplate listed = WebServer();
  listed.critical_extensions = {"2.5.29.15", "2.5.29.17"};
  st::ExtensionSet from_listed;
  st::AddSubjectAltName(listed, named, &from_listed);
  EXPECT_TRUE(from_listed.extensions[0].critical);
  EXPECT_EQ(Row(from_listed, oid::kSubjectAltName)->flags, xf::kOriginPolicy | xf::kCritical);

  st::SubjectAndSan unnamed;
  unnamed.subject.reset(X509_NAME_new());
  unnamed.san = Ia5("x");
  unnamed.san_origin = xf::kOriginPolicy;
  st::ExtensionSet from_unnamed;
  st::AddSubjectAltName(WebServer(), unnamed, &from_unnamed);
  EXPECT_TRUE(from_unnamed.extensions[0].critical);
  EXPECT_EQ(Row(from_unnamed, oid::kSubjectAltName)->flags, xf::kOriginPolicy | xf::kCritical);
}

TEST_F(PolicyStageTest, SidExtensionNamesOnlyTheRequester) {
  std::vector<std::string> notes;
  CsrSpec spec = Subject("w");
  spec.extensions.push_back({oid::kSidSecurity, false, pki::ext::SidSecurity("S-1-5-21-9-500")});
  st::ExtensionSet dropped;
  st::AddSidExtension(WebServer(), Request(spec), requester_, {nullptr, requester_.name},
                      EnrolleeSubjectSid::kFromRequest, &dropped, &notes);
  EXPECT_TRUE(dropped.extensions.empty());
  EXPECT_EQ(notes, std::vector<std::string>{
                       "dropped a requested SID extension that does not name the requester"});

  // Directory subject: the directory's objectSid wins over the caller's.
  constexpr auto kMode = EnrolleeSubjectSid::kNone;  // for enrollee subjects only
  FakeLookup lookup;
  const Requester other_sid{"EXAMPLE\\alice", "S-1-5-21-9-9"};
  st::ExtensionSet built;
  st::AddSidExtension(UserTemplate(), Request(spec), other_sid, {&lookup, other_sid.name}, kMode,
                      &built, &notes);
  ASSERT_EQ(built.extensions.size(), 1u);
  EXPECT_EQ(pki::ext_decode::SidSecurity(built.extensions[0].value), "S-1-5-21-1-2-3-1104");
  EXPECT_EQ(built.rows[0].flags, xf::kOriginPolicy);

  st::ExtensionSet fallback;
  st::AddSidExtension(UserTemplate(), Request(spec), other_sid, {nullptr, other_sid.name}, kMode,
                      &fallback, &notes);
  EXPECT_EQ(pki::ext_decode::SidSecurity(fallback.extensions[0].value), "S-1-5-21-9-9");

  CertificateTemplate opted_out = UserTemplate();
  opted_out.enrollment_flags |= directory::enrollment_flag::kNoSecurityExtension;
  st::ExtensionSet none;
  st::AddSidExtension(opted_out, Request(spec), other_sid, {&lookup, other_sid.name}, kMode, &none,
                      &notes);
  EXPECT_TRUE(none.extensions.empty());
}

TEST_F(PolicyStageTest, OnlySmimeCapabilitiesAreCopiedAsRequested) {
  CsrSpec spec = Subject("w");
  spec.extensions.push_back({oid::kSmimeCapabilities, true, Ia5("caps")});
  spec.extensions.push_back({"1.2.3.9", false, Ia5("other")});
  st::ExtensionSet set;
  st::CopyRequestedExtensions(Request(spec), &set);
  ASSERT_EQ(Oids(set), std::vector<std::string>{oid::kSmimeCapabilities});
  EXPECT_TRUE(set.extensions[0].critical);
  EXPECT_EQ(set.rows[0].flags, xf::kOriginRequest | xf::kCritical);
  EXPECT_EQ(set.copied_from_request, std::set<std::string>{oid::kSmimeCapabilities});
}

TEST_F(PolicyStageTest, OcspSigningGetsNoCheckInsteadOfPointers) {
  options_.crl_distribution_points = {"http://pki.example.com/ca.crl"};
  CertificateTemplate t = WebServer();
  t.extended_key_usage = {oid::kOcspSigning};
  st::ExtensionSet pointers;
  st::AddRevocationPointers(t, options_, &pointers);
  EXPECT_EQ(Oids(pointers), std::vector<std::string>{oid::kCrlDistributionPoints});

  t.enrollment_flags |= directory::enrollment_flag::kAddOcspNoCheck;
  st::ExtensionSet nocheck;
  st::AddRevocationPointers(t, options_, &nocheck);
  ASSERT_EQ(Oids(nocheck), std::vector<std::string>{oid::kOcspNoCheck});
  EXPECT_EQ(nocheck.extensions[0].value, (Bytes{0x05, 0x00}));

  st::ExtensionSet unconfigured;
  st::AddRevocationPointers(WebServer(), EngineOptions{}, &unconfigured);
  EXPECT_TRUE(unconfigured.extensions.empty());
}

TEST_F(PolicyStageTest, AdminExtensionsReplaceByOid) {
  st::ExtensionSet set;
  st::AddTemplateExtensions(WebServer(), key_.get(), &set);
  const std::vector<db::ExtensionRow> admin{
      {0, oid::kKeyUsage, xf::kOriginAdmin | xf::kDisable, pki::ext::KeyUsage(0x01)},
      {0, "1.2.3.4", xf::kOriginAdmin | xf::kCritical, Ia5("approved")}};
  st::ApplyAdminExtensions(admin, &set);
  EXPECT_EQ(Oids(set),
            (std::vector<std::string>{oid::kExtendedKeyUsage, oid::kTemplateName, "1.2.3.4"}));
  EXPECT_TRUE(set.extensions.back().critical);
  EXPECT_EQ(Row(set, oid::kKeyUsage)->flags, xf::kOriginAdmin | xf::kDisable);
}

TEST_F(PolicyStageTest, RefusedRequestedExtensionsStayOnRecordOnce) {
  CsrSpec spec = Subject("w");
  spec.extensions.push_back({"1.2.3.9", true, Ia5("a")});
  spec.extensions.push_back({"1.2.3.9", false, Ia5("again")});
  spec.extensions.push_back({oid::kExtendedKeyUsage, false, Ia5("eku")});
  spec.extensions.push_back({oid::kSmimeCapabilities, false, Ia5("caps")});
  const pki::ParsedRequest req = Request(spec);
  st::ExtensionSet set;
  st::AddTemplateExtensions(WebServer(), key_.get(), &set);
  st::CopyRequestedExtensions(req, &set);
  const std::size_t before = set.rows.size();
  st::RecordRefusedRequestedExtensions(req, &set);
  ASSERT_EQ(set.rows.size(), before + 1);  // the EKU row is the template's; S/MIME is carried
  EXPECT_EQ(set.rows.back().name, "1.2.3.9");
  EXPECT_EQ(set.rows.back().flags, xf::kOriginRequest | xf::kDisable | xf::kCritical);
  EXPECT_EQ(set.extensions.size(), 4u);  // records only: nothing is added to the certificate
}

TEST_F(PolicyStageTest, PendAllRequestsPendsUntilApproved) {
  PolicyOutcome out;
  st::DecidePending(Approval(), false, &out);
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kPend);
  EXPECT_EQ(out.message, "Taken Under Submission");
  st::DecidePending(Approval(), true, &out);
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kIssue);
  EXPECT_EQ(out.message, "Issued");
  st::DecidePending(WebServer(), false, &out);
  EXPECT_EQ(out.kind, PolicyOutcome::Kind::kIssue);
}

}  // namespace
}  // namespace openadcs::ca
