#include "openadcs/pki/x509_builder.h"

#include <gtest/gtest.h>

#include <ctime>

#include "testing/pki.h"

namespace openadcs::pki {
namespace {

using testing::TempDir;

// Inside the validity of a CA generated now (3650 days).
const std::int64_t kNotBefore = std::time(nullptr) - 3600;
const std::int64_t kNotAfter = kNotBefore + std::int64_t{365} * 86400;

class X509BuilderTest : public ::testing::TestWithParam<KeyAlgorithm> {
 protected:
  void SetUp() override {
    CaIdentityOptions o;
    o.key_file = dir_.path() / "ca.key";
    o.cert_file = dir_.path() / "ca.crt";
    o.algorithm = GetParam();
    o.subject = "CN=Builder Test CA,O=Example";
    auto ca = CaIdentity::LoadOrCreate(o);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::move(ca).value();
    subject_.reset(X509_NAME_new());
    X509_NAME_add_entry_by_txt(subject_.get(), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("alice"), -1, -1, 0);
    key_ = testing::MakeRsaKey(2048);
    key_info_ = testing::PublicKeyInfo(key_.get());
  }

  CertificateSpec Spec() const {
    CertificateSpec spec;
    spec.serial = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
    spec.subject = subject_.get();
    spec.public_key = key_info_.get();
    spec.not_before = kNotBefore;
    spec.not_after = kNotAfter;
    return spec;
  }

  // X509_verify_cert against a store holding only the CA, at `when`.
  int VerifyChain(X509* cert, std::int64_t when) const {
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca_->certificate());
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, cert, nullptr);
    X509_STORE_CTX_set_time(ctx, 0, static_cast<time_t>(when));
    int rc = X509_verify_cert(ctx);
    int err = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc == 1 ? X509_V_OK : err;
  }

  TempDir dir_;
  std::unique_ptr<CaIdentity> ca_;
  ossl::X509NamePtr subject_;
  ossl::PKeyPtr key_;
  testing::X509PubkeyPtr key_info_;
};

std::string OidOf(X509_EXTENSION* ext) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, X509_EXTENSION_get_object(ext), 1);
  return buf;
}

Bytes ValueOf(X509_EXTENSION* ext) {
  const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
  return Bytes(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
}

Bytes SerialOf(const ASN1_INTEGER* serial) {
  ossl::BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

TEST_P(X509BuilderTest, BuildsAVerifiableCertificate) {
  CertificateSpec spec = Spec();
  const std::vector<std::string> eku = {"1.3.6.1.5.5.7.3.2"};
  spec.extensions.push_back({"2.5.29.15", true, ext::KeyUsage(1 << 0 | 1 << 2)});
  spec.extensions.push_back({"2.5.29.37", false, ext::ExtendedKeyUsage(eku)});
  spec.extensions.push_back({"1.3.6.1.4.1.311.21.7", false, ext::TemplateOid("1.2.3.4", 100, 2)});
  auto built = BuildCertificate(spec, *ca_);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  // As a relying party sees it.
  ossl::X509Ptr parsed = testing::ParseCertDer(built->der);
  ASSERT_NE(parsed, nullptr);
  X509* cert = parsed.get();
  // Written as DER: OpenSSL encodes what it decoded to the same bytes.
  EXPECT_EQ(testing::CertDer(cert), built->der);
  EXPECT_EQ(built->public_key_info, ossl::ToDer(X509_get_X509_PUBKEY(cert), i2d_X509_PUBKEY));

  EXPECT_EQ(X509_verify(cert, ca_->key()), 1);
  EXPECT_EQ(VerifyChain(cert, std::time(nullptr) + 60), X509_V_OK);
  EXPECT_EQ(VerifyChain(cert, kNotAfter + 100), X509_V_ERR_CERT_HAS_EXPIRED);

  EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
  EXPECT_EQ(SerialOf(X509_get0_serialNumber(cert)), spec.serial);
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca_->certificate())),
            0);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert), subject_.get()), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), kNotBefore), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), kNotAfter), 0);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert)), V_ASN1_UTCTIME);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert), key_.get()), 1);

  // SKI, AKI, then the spec's extensions in order.
  ASSERT_EQ(X509_get_ext_count(cert), 5);
  const char* order[] = {"2.5.29.14", "2.5.29.35", "2.5.29.15", "2.5.29.37",
                         "1.3.6.1.4.1.311.21.7"};
  const int critical[] = {0, 0, 1, 0, 0};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(OidOf(X509_get_ext(cert, i)), order[i]) << i;
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert, i)), critical[i]) << i;
  }
  EXPECT_EQ(ValueOf(X509_get_ext(cert, 4)), spec.extensions[2].value);

  unsigned char sha1[20];
  unsigned int sha1_len = 0;
  ASSERT_EQ(X509_pubkey_digest(cert, EVP_sha1(), sha1, &sha1_len), 1);
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
  ASSERT_NE(ski, nullptr);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(ski), ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski)),
            Bytes(sha1, sha1 + sha1_len));
  EXPECT_EQ(built->subject_key_id, Bytes(sha1, sha1 + sha1_len));
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert),
                                  X509_get0_subject_key_id(ca_->certificate())),
            0);
}

TEST_P(X509BuilderTest, UsesGeneralizedTimeFrom2050) {
  CertificateSpec spec = Spec();
  spec.not_before = 2524607999;  // 2049-12-31T23:59:59Z
  spec.not_after = 2524608000;   // 2050-01-01T00:00:00Z
  auto built = BuildCertificate(spec, *ca_);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ossl::X509Ptr cert = testing::ParseCertDer(built->der);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_GENERALIZEDTIME);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), 2524608000), 0);
}

TEST_P(X509BuilderTest, SpecSkiReplacesTheBuilders) {
  CertificateSpec spec = Spec();
  const Bytes custom_ski = {0x04, 0x03, 0xAA, 0xBB, 0xCC};
  const std::vector<std::pair<std::string, std::string>> san = {{"dns", "a.example.com"}};
  spec.extensions.push_back({"2.5.29.17", false, *ext::SubjectAltName(san)});
  spec.extensions.push_back({"2.5.29.14", false, custom_ski});
  auto built = BuildCertificate(spec, *ca_);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->subject_key_id, Bytes({0xAA, 0xBB, 0xCC}));
  ossl::X509Ptr parsed = testing::ParseCertDer(built->der);
  ASSERT_NE(parsed, nullptr);
  X509* cert = parsed.get();
  ASSERT_EQ(X509_get_ext_count(cert), 3);
  EXPECT_EQ(OidOf(X509_get_ext(cert, 0)), "2.5.29.35");
  EXPECT_EQ(OidOf(X509_get_ext(cert, 1)), "2.5.29.17");
  EXPECT_EQ(OidOf(X509_get_ext(cert, 2)), "2.5.29.14");
  EXPECT_EQ(ValueOf(X509_get_ext(cert, 2)), custom_ski);
}

TEST_P(X509BuilderTest, EmptySubjectWithCriticalSan) {
  CertificateSpec spec = Spec();
  ossl::X509NamePtr empty(X509_NAME_new());
  spec.subject = empty.get();
  const std::vector<std::pair<std::string, std::string>> san = {{"upn", "alice@example.com"}};
  spec.extensions.push_back({"2.5.29.17", true, *ext::SubjectAltName(san)});
  auto built = BuildCertificate(spec, *ca_);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ossl::X509Ptr cert = testing::ParseCertDer(built->der);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert.get())), 0);
  EXPECT_EQ(X509_verify(cert.get(), ca_->key()), 1);
}

TEST_P(X509BuilderTest, RejectsBadSpecs) {
  auto code = [&](const CertificateSpec& spec) {
    return BuildCertificate(spec, *ca_).status().code();
  };
  CertificateSpec spec = Spec();
  spec.serial = {};
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec.serial = {0x00};
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec.serial = {0x00, 0x00};
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec.serial = {0x80, 0x01};
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec.serial = Bytes(21, 0x11);
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec.serial = Bytes(20, 0x11);
  EXPECT_EQ(code(spec), StatusCode::kOk);
  spec = Spec();
  spec.public_key = nullptr;
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec = Spec();
  spec.subject = nullptr;
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec = Spec();
  spec.not_after = spec.not_before - 1;
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec = Spec();
  spec.not_after = 253402300800;  // year 10000
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec = Spec();
  spec.extensions.push_back({"not.an.oid", false, {0x05, 0x00}});
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec = Spec();
  spec.extensions.push_back({"1.2.3.4", false, {0x05, 0x00}});
  spec.extensions.push_back({"1.2.3.4", false, {0x05, 0x00}});
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
  spec = Spec();
  spec.extensions.push_back({"1.2.3.4", false, {}});
  EXPECT_EQ(code(spec), StatusCode::kInvalidArgument);
}

// ---- CRLs ----

ossl::X509CrlPtr ParseCrl(const Bytes& der) {
  const unsigned char* p = der.data();
  return ossl::X509CrlPtr(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
}

// The DER value of the CRL's extension `oid` if it is there and not
// critical; nullopt otherwise.
std::optional<Bytes> NonCriticalExtension(X509_CRL* crl, const char* oid) {
  ossl::Asn1ObjectPtr obj(OBJ_txt2obj(oid, 1));
  const int at = X509_CRL_get_ext_by_OBJ(crl, obj.get(), -1);
  if (at < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_CRL_get_ext(crl, at);
  if (X509_EXTENSION_get_critical(ext) != 0) return std::nullopt;
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  return Bytes(value->data, value->data + value->length);
}

TEST_P(X509BuilderTest, BuildsAVerifiableCrlWithReasons) {
  CrlSpec spec;
  spec.number = 42;
  spec.this_update = kNotBefore;
  spec.next_update = kNotBefore + std::int64_t{7} * 86400;
  spec.next_publish = kNotBefore + std::int64_t{3} * 86400;
  spec.entries = {{{0x30, 0x01}, kNotBefore - 10, 1},   // keyCompromise
                  {{0x10, 0x02}, kNotBefore - 20, 0},   // unspecified: no extension
                  {{0x20, 0x03}, kNotBefore - 30, 5}};  // cessationOfOperation
  auto der = BuildCrl(spec, *ca_);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  ossl::X509CrlPtr crl = ParseCrl(*der);
  ASSERT_NE(crl, nullptr);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca_->certificate())), 1);
  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(
      X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca_->certificate())), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl.get()), spec.this_update), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl.get()), spec.next_update), 0);

  ossl::Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)));
  ASSERT_NE(number, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(number.get()), 42);
  AUTHORITY_KEYID* akid = static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr));
  ASSERT_NE(akid, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(akid->keyid, X509_get0_subject_key_id(ca_->certificate())), 0);
  AUTHORITY_KEYID_free(akid);
  // Windows' CA Version (0: the first certificate and key) and CRL Next
  // Publish (a UTCTime before 2050).
  EXPECT_EQ(NonCriticalExtension(crl.get(), "1.3.6.1.4.1.311.21.1"), (Bytes{0x02, 0x01, 0x00}));
  const std::optional<Bytes> next_publish = NonCriticalExtension(crl.get(), "1.3.6.1.4.1.311.21.4");
  ASSERT_TRUE(next_publish);
  const unsigned char* p = next_publish->data();
  ossl::Asn1TimePtr when(d2i_ASN1_TIME(nullptr, &p, static_cast<long>(next_publish->size())));
  ASSERT_NE(when, nullptr);
  EXPECT_EQ(p, next_publish->data() + next_publish->size());
  EXPECT_EQ(ASN1_STRING_type(when.get()), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(when.get(), static_cast<time_t>(spec.next_publish)), 0);

  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 3);
  const Bytes sorted[] = {{0x10, 0x02}, {0x20, 0x03}, {0x30, 0x01}};
  const long reasons[] = {-1, 5, 1};
  const std::int64_t dates[] = {kNotBefore - 20, kNotBefore - 30, kNotBefore - 10};
  for (int i = 0; i < 3; ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    EXPECT_EQ(SerialOf(X509_REVOKED_get0_serialNumber(r)), sorted[i]) << i;
    EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_REVOKED_get0_revocationDate(r), dates[i]), 0) << i;
    ASN1_ENUMERATED* reason = static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr));
    EXPECT_EQ(reason == nullptr ? -1 : ASN1_ENUMERATED_get(reason), reasons[i]) << i;
    ASN1_ENUMERATED_free(reason);
  }
}

TEST_P(X509BuilderTest, EmptyCrlAndBadCrlSpecs) {
  CrlSpec spec;
  spec.number = 1;
  spec.this_update = kNotBefore;
  spec.next_update = kNotBefore + 86400;
  auto der = BuildCrl(spec, *ca_);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  ossl::X509CrlPtr crl = ParseCrl(*der);
  ASSERT_NE(crl, nullptr);
  EXPECT_LE(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())), 0);  // absent: -1
  EXPECT_TRUE(NonCriticalExtension(crl.get(), "1.3.6.1.4.1.311.21.1"));
  EXPECT_FALSE(NonCriticalExtension(crl.get(), "1.3.6.1.4.1.311.21.4"));  // next_publish 0

  CrlSpec bad = spec;
  bad.next_update = bad.this_update;
  EXPECT_EQ(BuildCrl(bad, *ca_).status().code(), StatusCode::kInvalidArgument);
  for (std::uint32_t reason : {7u, 11u}) {
    bad = spec;
    bad.entries = {{{0x01}, kNotBefore, reason}};
    EXPECT_EQ(BuildCrl(bad, *ca_).status().code(), StatusCode::kInvalidArgument) << reason;
  }
  bad = spec;
  bad.entries = {{{0x00}, kNotBefore, 1}};
  EXPECT_EQ(BuildCrl(bad, *ca_).status().code(), StatusCode::kInvalidArgument);
}

// ---- CMS chain ----

TEST_P(X509BuilderTest, CertChainCmsKeepsTheGivenOrder) {
  auto leaf = BuildCertificate(Spec(), *ca_);
  ASSERT_TRUE(leaf.ok());
  const Bytes leaf_der = leaf->der;
  const Bytes ca_der = ca_->certificate_der();
  // Both orders come back as given, so nothing sorts them.
  for (const std::vector<Bytes>& certs :
       {std::vector<Bytes>{leaf_der, ca_der}, std::vector<Bytes>{ca_der, leaf_der}}) {
    auto der = BuildCertChainCms(certs);
    ASSERT_TRUE(der.ok()) << der.status().ToString();
    const unsigned char* p = der->data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_NE(cms, nullptr) << ossl::ErrorText();
    EXPECT_EQ(p, der->data() + der->size());
    EXPECT_EQ(OBJ_obj2nid(CMS_get0_type(cms.get())), NID_pkcs7_signed);
    EXPECT_EQ(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())), 0);
    STACK_OF(X509)* got = CMS_get1_certs(cms.get());
    ASSERT_EQ(sk_X509_num(got), 2);
    EXPECT_EQ(testing::CertDer(sk_X509_value(got, 0)), certs[0]);
    EXPECT_EQ(testing::CertDer(sk_X509_value(got, 1)), certs[1]);
    sk_X509_pop_free(got, X509_free);
  }
}

TEST_P(X509BuilderTest, CertChainCmsRejectsGarbage) {
  EXPECT_EQ(BuildCertChainCms({}).status().code(), StatusCode::kInvalidArgument);
  Bytes truncated = ca_->certificate_der();
  truncated.pop_back();
  const std::vector<Bytes> certs = {ca_->certificate_der(), truncated};
  EXPECT_EQ(BuildCertChainCms(certs).status().code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(CaKeys, X509BuilderTest,
                         ::testing::Values(KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kRsa2048));

}  // namespace
}  // namespace openadcs::pki
