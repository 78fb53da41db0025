#include "openadcs/pki/ca_identity.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/hresult.h"
#include "testing/pki.h"

namespace openadcs::pki {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

CaIdentityOptions OptionsIn(const fs::path& dir,
                            KeyAlgorithm algorithm = KeyAlgorithm::kEcdsaP256) {
  CaIdentityOptions o;
  o.key_file = dir / "ca.key";
  o.cert_file = dir / "ca.crt";
  o.algorithm = algorithm;
  o.subject = "CN=Test Root CA,O=Example,DC=example,DC=com";
  o.validity_days = 30;
  return o;
}

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const fs::path& p, const std::string& text, mode_t mode) {
  {
    std::ofstream out(p, std::ios::trunc);
    out << text;
  }
  ASSERT_EQ(chmod(p.c_str(), mode), 0);
}

std::string KeyPem(EVP_PKEY* key, const EVP_CIPHER* cipher = nullptr,
                   const std::string& pass = "") {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, cipher,
                                     reinterpret_cast<const unsigned char*>(pass.data()),
                                     static_cast<int>(pass.size()), nullptr, nullptr),
            1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string CertPem(X509* cert) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_X509(bio.get(), cert), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::unique_ptr<CaIdentity> MustLoad(const CaIdentityOptions& o) {
  auto ca = CaIdentity::LoadOrCreate(o);
  EXPECT_TRUE(ca.ok()) << ca.status().ToString();
  return ca.ok() ? std::move(ca).value() : nullptr;
}

// ---- names ----

TEST(ParseKeyAlgorithmTest, KnownNamesAndRejects) {
  EXPECT_EQ(*ParseKeyAlgorithm("rsa2048"), KeyAlgorithm::kRsa2048);
  EXPECT_EQ(*ParseKeyAlgorithm("rsa3072"), KeyAlgorithm::kRsa3072);
  EXPECT_EQ(*ParseKeyAlgorithm("RSA4096"), KeyAlgorithm::kRsa4096);
  EXPECT_EQ(*ParseKeyAlgorithm("ecdsa-p256"), KeyAlgorithm::kEcdsaP256);
  EXPECT_EQ(*ParseKeyAlgorithm("ecdsa-p384"), KeyAlgorithm::kEcdsaP384);
  EXPECT_EQ(ParseKeyAlgorithm("dsa1024").status().code(), StatusCode::kInvalidArgument);
}

TEST(SanitizedNameTest, SpecExample) {  // MS-WCCE 1.3.2.5
  const std::string original = "LongCAName(WithSpeci@#$%^Characters";
  EXPECT_EQ(SanitizeCaName(original), "LongCAName!0028WithSpeci@!0023$!0025!005eCharacters");
  // 51 characters exactly: the short name is the same.
  EXPECT_EQ(SanitizedShortName(original), SanitizeCaName(original));
}

TEST(SanitizedNameTest, EveryDisallowedCharacterAndRanges) {
  EXPECT_EQ(SanitizeCaName("!\"#%&'()*+,/:;<=>?[\\]^`{|}"),
            "!0021!0022!0023!0025!0026!0027!0028!0029!002a!002b!002c!002f!003a!003b!003c"
            "!003d!003e!003f!005b!005c!005d!005e!0060!007b!007c!007d");
  EXPECT_EQ(SanitizeCaName("a b-c_d.e@f$g~h"), "a b-c_d.e@f$g~h");
  EXPECT_EQ(SanitizeCaName(std::string("x\x10y\x7f", 4)), "x!0010y!007f");
  EXPECT_EQ(SanitizeCaName("Caf\xC3\xA9 \xE2\x82\xAC"), "Caf!00e9 !20ac");  // é, €
  EXPECT_EQ(SanitizeCaName("\xF0\x9F\x94\x92"), "!d83d!dd12");  // U+1F512: a surrogate pair
}

TEST(SanitizedNameTest, ShortNameHashesTheTruncatedCharacters) {
  const std::string base(51, 'A');
  EXPECT_EQ(SanitizedShortName(base + "B"), base + "-00066");  // hash = 'B'
  // ((0x42 << 1) | 0) + 0x43 = 199
  EXPECT_EQ(SanitizedShortName(base + "BC"), base + "-00199");
}

TEST(SanitizedNameTest, ShortNameDropsAnEscapeCutInHalf) {
  // "!0023" would straddle character 51: it goes whole into the hash.
  // '!'=33 -> 33; *2+'0' = 114; *2+'0' = 276; *2+'2' = 602; *2+'3' = 1255.
  const std::string base(49, 'A');
  EXPECT_EQ(SanitizedShortName(base + "#"), base + "-01255");
}

TEST(SanitizedNameTest, ShortNameHashRotatesTheHighBit) {
  // 17 excess 'z' (122) overflow 16 bits; compute the rule step by step.
  std::uint16_t h = 0;
  for (int i = 0; i < 17; ++i) {
    h = static_cast<std::uint16_t>(((h << 1) | ((h & 0x8000) != 0 ? 1 : 0)) + 'z');
  }
  char expected[8];
  std::snprintf(expected, sizeof expected, "-%05u", static_cast<unsigned>(h));
  const std::string base(51, 'A');
  EXPECT_EQ(SanitizedShortName(base + std::string(17, 'z')), base + expected);
  EXPECT_EQ(SanitizedShortName(base + std::string(17, 'z')).size(), 57u);
}

// ---- generation and loading ----

struct AlgorithmCase {
  KeyAlgorithm algorithm;
  std::uint32_t bits;
  int signature_nid;
};

class CaIdentityAlgorithmTest : public ::testing::TestWithParam<AlgorithmCase> {};

TEST_P(CaIdentityAlgorithmTest, GeneratesThenLoadsTheSameIdentity) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path(), GetParam().algorithm);
  auto created = MustLoad(o);
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(ModeOf(o.key_file), 0600u);
  EXPECT_EQ(ModeOf(o.cert_file), 0644u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2)
      << "temporary files left behind";
  EXPECT_EQ(created->key_bits(), GetParam().bits);
  EXPECT_EQ(created->common_name(), "Test Root CA");
  EXPECT_EQ(created->sanitized_name(), "Test Root CA");
  EXPECT_TRUE(created->chain().empty());

  X509* cert = created->certificate();
  EXPECT_EQ(X509_get_signature_nid(cert), GetParam().signature_nid);
  EXPECT_EQ(X509_verify(cert, created->key()), 1);
  EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)), 0);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  EXPECT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);  // positive
  EXPECT_EQ(ASN1_STRING_length(serial), 16);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)),
            1);
  EXPECT_EQ(days, 30);
  EXPECT_EQ(seconds, 3600);  // notBefore is backdated an hour

  // Subject in X509_NAME order: most significant (DC=com) first.
  X509_NAME* subject = X509_get_subject_name(cert);
  ASSERT_EQ(X509_NAME_entry_count(subject), 4);
  EXPECT_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(subject, 0))),
            NID_domainComponent);
  EXPECT_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(subject, 3))),
            NID_commonName);

  int idx = X509_get_ext_by_NID(cert, NID_basic_constraints, -1);
  ASSERT_GE(idx, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert, idx)), 1);
  EXPECT_NE(X509_get_extension_flags(cert) & EXFLAG_CA, 0u);
  idx = X509_get_ext_by_NID(cert, NID_key_usage, -1);
  ASSERT_GE(idx, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert, idx)), 1);
  EXPECT_EQ(X509_get_key_usage(cert),
            static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert);
  ASSERT_NE(ski, nullptr);
  ASSERT_NE(aki, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(ski, aki), 0);
  unsigned char sha1[20];
  unsigned int sha1_len = 0;
  ASSERT_EQ(X509_pubkey_digest(cert, EVP_sha1(), sha1, &sha1_len), 1);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(ski), ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski)),
            Bytes(sha1, sha1 + sha1_len));

  auto loaded = MustLoad(o);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->certificate_der(), created->certificate_der());
  EXPECT_EQ(EVP_PKEY_eq(loaded->key(), created->key()), 1);
  EXPECT_EQ(loaded->key_bits(), GetParam().bits);
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, CaIdentityAlgorithmTest,
    ::testing::Values(AlgorithmCase{KeyAlgorithm::kRsa2048, 2048, NID_sha256WithRSAEncryption},
                      AlgorithmCase{KeyAlgorithm::kRsa3072, 3072, NID_sha256WithRSAEncryption},
                      AlgorithmCase{KeyAlgorithm::kRsa4096, 4096, NID_sha256WithRSAEncryption},
                      AlgorithmCase{KeyAlgorithm::kEcdsaP256, 256, NID_ecdsa_with_SHA256},
                      AlgorithmCase{KeyAlgorithm::kEcdsaP384, 384, NID_ecdsa_with_SHA384}));

TEST(CaIdentityTest, RsaUsesTheConfiguredDigest) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path(), KeyAlgorithm::kRsa2048);
  o.digest = "sha-384";
  auto ca = MustLoad(o);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(X509_get_signature_nid(ca->certificate()), NID_sha384WithRSAEncryption);
  o.digest = "MD5";
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(CaIdentityTest, SubjectWithEscapedCommaAndCountry) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  o.subject = "CN=Example\\, Inc. Issuing CA,O=Example,C=US";
  auto ca = MustLoad(o);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->common_name(), "Example, Inc. Issuing CA");
  EXPECT_EQ(ca->sanitized_name(), "Example!002c Inc. Issuing CA");
  X509_NAME* subject = X509_get_subject_name(ca->certificate());
  EXPECT_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(subject, 0))),
            NID_countryName);
}

TEST(CaIdentityTest, RejectsBadGenerationOptions) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  o.subject = "O=No Common Name";
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
  o = OptionsIn(dir.path());
  o.subject = "XX=unknown";
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
  o = OptionsIn(dir.path());
  o.validity_days = 0;
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
  o = OptionsIn(dir.path() / "missing-directory");
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kIOError);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CaIdentityTest, RefusesAKeyReadableByOthers) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  ASSERT_NE(MustLoad(o), nullptr);
  ASSERT_EQ(chmod(o.key_file.c_str(), 0644), 0);
  auto ca = CaIdentity::LoadOrCreate(o);
  ASSERT_EQ(ca.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(ca.status().message().find(o.key_file.string()), std::string::npos);
  EXPECT_NE(ca.status().message().find("0644"), std::string::npos);
  ASSERT_EQ(chmod(o.key_file.c_str(), 0620), 0);  // group-writable
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(chmod(o.key_file.c_str(), 0400), 0);
  EXPECT_NE(MustLoad(o), nullptr);
}

TEST(CaIdentityTest, RefusesAKeyThatDoesNotMatchTheCertificate) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  ASSERT_NE(MustLoad(o), nullptr);
  ossl::PKeyPtr other = testing::MakeEcKey();
  WriteText(o.key_file, KeyPem(other.get()), 0600);
  auto ca = CaIdentity::LoadOrCreate(o);
  EXPECT_EQ(ca.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ca.status().message().find("does not match"), std::string::npos);
}

TEST(CaIdentityTest, RefusesOnlyOneOfKeyAndCertificate) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  ASSERT_NE(MustLoad(o), nullptr);
  fs::path saved = dir.path() / "saved.crt";
  fs::rename(o.cert_file, saved);
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(o.cert_file)) << "must not generate over a lone key";
  fs::rename(saved, o.cert_file);
  fs::remove(o.key_file);
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(CaIdentityTest, AKeyWithoutItsCertificateNamesTheRecovery) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  ASSERT_NE(MustLoad(o), nullptr);
  fs::remove(o.cert_file);
  const Status refused = CaIdentity::LoadOrCreate(o).status();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("rm " + o.key_file.string()), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("Restore both from a backup"), std::string::npos);
}

TEST(CaIdentityTest, StaleTemporariesOfAnInterruptedWriteAreRemoved) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  ASSERT_NE(MustLoad(o), nullptr);
  // What a crash between mkstemp and rename leaves, and look-alikes that stay.
  const fs::path stale_key = o.key_file.string() + ".tmp-a1B2c3";
  const fs::path stale_cert = o.cert_file.string() + ".tmp-XyZ789";
  const fs::path other = o.key_file.string() + ".tmp-longer-name";
  const fs::path unrelated = dir.path() / "notes.tmp-a1B2c3";
  for (const fs::path& p : {stale_key, stale_cert, other, unrelated}) std::ofstream(p) << "partial";
  ASSERT_NE(MustLoad(o), nullptr);
  EXPECT_FALSE(fs::exists(stale_key));
  EXPECT_FALSE(fs::exists(stale_cert));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(unrelated));
}

TEST(CaIdentityTest, RefusesACertificateThatIsNotACa) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  ossl::PKeyPtr key = testing::MakeEcKey();
  // A v3 certificate without basicConstraints, self-signed by `key`.
  ossl::X509Ptr cert(X509_new());
  ASSERT_EQ(X509_set_version(cert.get(), X509_VERSION_3), 1);
  ASSERT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7), 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  ASSERT_EQ(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("leaf"), -1, -1, 0),
            1);
  ASSERT_EQ(X509_set_issuer_name(cert.get(), name), 1);
  ASSERT_NE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0), nullptr);
  ASSERT_NE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600), nullptr);
  ASSERT_EQ(X509_set_pubkey(cert.get(), key.get()), 1);
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  WriteText(o.key_file, KeyPem(key.get()), 0600);
  WriteText(o.cert_file, CertPem(cert.get()), 0644);
  auto ca = CaIdentity::LoadOrCreate(o);
  EXPECT_EQ(ca.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ca.status().message().find("not a CA"), std::string::npos);
}

TEST(CaIdentityTest, LoadsAnEncryptedKeyWithItsPassphraseFile) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  auto plain = MustLoad(o);
  ASSERT_NE(plain, nullptr);
  WriteText(o.key_file, KeyPem(plain->key(), EVP_aes_256_cbc(), "correct horse"), 0600);
  ASSERT_NE(ReadText(o.key_file).find("ENCRYPTED"), std::string::npos);

  auto no_pass = CaIdentity::LoadOrCreate(o);
  EXPECT_EQ(no_pass.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_pass.status().message().find("passphrase_file"), std::string::npos);

  o.passphrase_file = dir.path() / "pass";
  WriteText(o.passphrase_file, "correct horse\n", 0600);  // the newline is not part of it
  auto loaded = MustLoad(o);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(loaded->key(), plain->key()), 1);

  WriteText(o.passphrase_file, "wrong horse\n", 0600);
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);

  WriteText(o.passphrase_file, "correct horse\n", 0640);
  auto exposed = CaIdentity::LoadOrCreate(o);
  EXPECT_EQ(exposed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(exposed.status().message().find("pass"), std::string::npos);
}

TEST(CaIdentityTest, GeneratesAnEncryptedKeyWhenAPassphraseFileExists) {
  TempDir dir;
  CaIdentityOptions o = OptionsIn(dir.path());
  o.passphrase_file = dir.path() / "pass";
  WriteText(o.passphrase_file, "s3cret\r\n", 0600);
  auto created = MustLoad(o);
  ASSERT_NE(created, nullptr);
  EXPECT_NE(ReadText(o.key_file).find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto loaded = MustLoad(o);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(loaded->key(), created->key()), 1);
}

// A subordinate CA issued by `root`, written as key_file/cert_file in `dir`.
CaIdentityOptions WriteSubordinate(const CaIdentity& root, const fs::path& dir) {
  CaIdentityOptions o = OptionsIn(dir);
  ossl::PKeyPtr key = testing::MakeEcKey("P-384");
  ossl::X509NamePtr name(X509_NAME_new());
  X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Issuing CA"), -1, -1, 0);
  CertificateSpec spec;
  spec.serial = {0x11, 0x22};
  spec.subject = name.get();
  auto key_info = testing::PublicKeyInfo(key.get());
  spec.public_key = key_info.get();
  spec.not_before = std::time(nullptr) - 60;
  spec.not_after = spec.not_before + 86400;
  spec.extensions.push_back({"2.5.29.19", true, ext::BasicConstraints(true, 0)});
  spec.extensions.push_back({"2.5.29.15", true, ext::KeyUsage(1 << 5 | 1 << 6)});
  auto cert = BuildCertificate(spec, root);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  WriteText(o.key_file, KeyPem(key.get()), 0600);
  WriteText(o.cert_file, CertPem(testing::ParseCertDer(cert->der).get()), 0644);
  return o;
}

TEST(CaIdentityTest, LoadsAChainFile) {
  TempDir root_dir;
  auto root = MustLoad(OptionsIn(root_dir.path()));
  ASSERT_NE(root, nullptr);
  TempDir sub_dir;
  CaIdentityOptions o = WriteSubordinate(*root, sub_dir.path());
  o.chain_file = sub_dir.path() / "chain.pem";
  WriteText(o.chain_file, CertPem(root->certificate()), 0644);
  auto sub = MustLoad(o);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->common_name(), "Issuing CA");
  ASSERT_EQ(sub->chain().size(), 1u);
  EXPECT_EQ(X509_cmp(sub->chain()[0].get(), root->certificate()), 0);
  // P-384 key: SHA-384 whatever the configured digest.
  EXPECT_EQ(sub->key_bits(), 384u);

  TempDir other_dir;
  auto other = MustLoad(OptionsIn(other_dir.path()));
  ASSERT_NE(other, nullptr);
  WriteText(o.chain_file, CertPem(other->certificate()), 0644);
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
  WriteText(o.chain_file, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 0644);
  EXPECT_EQ(CaIdentity::LoadOrCreate(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(CaIdentityTest, SignBytesVerifiesAndIsThreadSafe) {
  TempDir dir;
  auto ca = MustLoad(OptionsIn(dir.path(), KeyAlgorithm::kEcdsaP384));
  ASSERT_NE(ca, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<Bytes>> sigs(kThreads);
  const Bytes message = {'h', 'e', 'l', 'l', 'o'};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto sig = ca->SignBytes(message);
        if (sig.ok()) sigs[static_cast<std::size_t>(t)].push_back(*sig);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& per_thread : sigs) {
    ASSERT_EQ(per_thread.size(), static_cast<std::size_t>(kPerThread));
    for (const Bytes& sig : per_thread) {
      ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
      ASSERT_EQ(EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA384", nullptr, nullptr, ca->key(),
                                        nullptr),
                1);
      EXPECT_EQ(EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()),
                1);
    }
  }
}

TEST(CaIdentityTest, VerifySignatureChecksWithTheCertificatesKey) {
  for (KeyAlgorithm algorithm : {KeyAlgorithm::kRsa2048, KeyAlgorithm::kEcdsaP256}) {
    TempDir dir;
    TempDir other_dir;
    auto ca = MustLoad(OptionsIn(dir.path(), algorithm));
    auto other = MustLoad(OptionsIn(other_dir.path(), algorithm));
    ASSERT_TRUE(ca != nullptr && other != nullptr);
    const Bytes message = {'t', 'b', 's'};
    Result<Bytes> sig = ca->SignBytes(message);
    ASSERT_TRUE(sig.ok()) << sig.status().ToString();
    EXPECT_TRUE(ca->VerifySignature(message, *sig).ok());
    const Bytes altered = {'t', 'b', 'S'};
    EXPECT_EQ(ca->VerifySignature(altered, *sig).hresult(), hr::kBadSignature);
    // Another CA's key, as a key that does not match the certificate signs.
    Result<Bytes> foreign = other->SignBytes(message);
    ASSERT_TRUE(foreign.ok());
    EXPECT_EQ(ca->VerifySignature(message, *foreign).hresult(), hr::kBadSignature);
  }
}

}  // namespace
}  // namespace openadcs::pki
