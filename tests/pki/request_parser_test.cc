#include "openadcs/pki/request_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include <algorithm>
#include <vector>

#include "openadcs/util/hresult.h"
#include "testing/pki.h"

namespace openadcs::pki {
namespace {

using ::openadcs::testing::CmcSpec;
using ::openadcs::testing::CmsSigner;
using ::openadcs::testing::CsrSpec;
using ::openadcs::testing::DerTlv;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::uint32_t Hr(const Result<ParsedRequest>& r) {
  return r.ok() ? 0 : r.status().hresult().value_or(0xFFFFFFFF);
}

std::span<const std::uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

CmcSpec Cmc(std::vector<Bytes> requests) {
  CmcSpec spec;
  spec.requests = std::move(requests);
  return spec;
}

CmsSigner Signer(EVP_PKEY* key, X509* cert, bool include_cert = true) {
  CmsSigner signer;
  signer.key = key;
  signer.cert = cert;
  signer.include_cert = include_cert;
  return signer;
}

std::string ExtOids(const ParsedRequest& r) {
  std::string out;
  for (const auto& e : r.extensions) out += e.oid + (e.critical ? "!" : "") + " ";
  return out;
}

class RequestParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    request_key_ = testing::MakeEcKey().release();
    signer_key_ = testing::MakeEcKey().release();
    signer_cert_ = testing::MakeSelfSignedCert(signer_key_, "enrollment agent").release();
  }
  static void TearDownTestSuite() {
    X509_free(signer_cert_);
    EVP_PKEY_free(signer_key_);
    EVP_PKEY_free(request_key_);
  }
  void TearDown() override { EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue not empty"; }

  static CsrSpec Spec() {
    CsrSpec spec;
    spec.subject = {{"CN", "alice"}};
    spec.extensions = {{"2.5.29.17", false, {0x30, 0x03, 0x82, 0x01, 0x61}},
                       {"2.5.29.15", true, {0x03, 0x02, 0x05, 0xA0}}};
    // In this order: one attribute holds both, and a SET OF is DER-sorted.
    spec.name_value_pairs = {{"rmd", "host.example"}, {"CertificateTemplate", "User"}};
    return spec;
  }
  Bytes Csr() const { return testing::MakeCsrDer(request_key_, Spec()); }
  static Result<ParsedRequest> Parse(std::span<const std::uint8_t> bytes,
                                     RequestType type = RequestType::kDetect,
                                     const RequestParserLimits& limits = {}) {
    return ParseRequest(bytes, type, limits);
  }

  static EVP_PKEY* request_key_;
  static EVP_PKEY* signer_key_;
  static X509* signer_cert_;
};
EVP_PKEY* RequestParserTest::request_key_ = nullptr;
EVP_PKEY* RequestParserTest::signer_key_ = nullptr;
X509* RequestParserTest::signer_cert_ = nullptr;

// --- PKCS#10 --------------------------------------------------------------

TEST_F(RequestParserTest, Pkcs10DerParses) {
  Bytes der = Csr();
  auto r = Parse(der);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, RequestFormat::kPkcs10);
  EXPECT_EQ(r->pkcs10_der, der);
  EXPECT_FALSE(r->pkcs10_null_signature);
  ASSERT_NE(r->pkcs10, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(r->pkcs10.get()), request_key_), 1);
  ASSERT_EQ(r->extensions.size(), 2u);
  EXPECT_EQ(r->extensions[0].oid, "2.5.29.17");
  EXPECT_FALSE(r->extensions[0].critical);
  EXPECT_EQ(r->extensions[0].value, (Bytes{0x30, 0x03, 0x82, 0x01, 0x61}));
  EXPECT_EQ(r->extensions[1].oid, "2.5.29.15");
  EXPECT_TRUE(r->extensions[1].critical);
  EXPECT_EQ(r->extensions[1].value, (Bytes{0x03, 0x02, 0x05, 0xA0}));
  EXPECT_THAT(r->name_value_pairs,
              ElementsAre(Pair("rmd", "host.example"), Pair("CertificateTemplate", "User")));
  EXPECT_THAT(r->signers, IsEmpty());
  EXPECT_EQ(r->signer_info_count, 0u);
  EXPECT_TRUE(Parse(der, RequestType::kPkcs10).ok());
}

TEST_F(RequestParserTest, Pkcs10Base64AndPem) {
  Bytes der = Csr();
  std::string b64 = Base64Encode(der);
  auto plain = Parse(AsBytes(b64));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->pkcs10_der, der);

  std::string pem = "-----BEGIN NEW CERTIFICATE REQUEST-----\r\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\r\n";
  pem += "-----END NEW CERTIFICATE REQUEST-----\r\n";
  auto armoured = Parse(AsBytes(pem), RequestType::kPkcs10);
  ASSERT_TRUE(armoured.ok()) << armoured.status().ToString();
  EXPECT_EQ(armoured->pkcs10_der, der);
}

TEST_F(RequestParserTest, Pkcs10RsaKeyParses) {
  ossl::PKeyPtr rsa = testing::MakeRsaKey();
  auto r = Parse(testing::MakeCsrDer(rsa.get(), Spec()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(RequestParserTest, MicrosoftExtensionAttributeFollowsExtensionRequest) {
  ossl::X509ReqPtr req = testing::MakeCsr(request_key_, Spec());
  Bytes ms_exts = DerTlv(0x30, DerTlv(0x30, [] {
                           Bytes oid_and_value = {0x06, 0x09, 0x2B, 0x06, 0x01, 0x04,
                                                  0x01, 0x82, 0x37, 0x14, 0x02};
                           Bytes v = DerTlv(0x04, DerTlv(0x1E, {0, 'U', 0, 's', 0, 'e', 0, 'r'}));
                           oid_and_value.insert(oid_and_value.end(), v.begin(), v.end());
                           return oid_and_value;
                         }()));
  ASSERT_EQ(X509_REQ_add1_attr_by_txt(req.get(), "1.3.6.1.4.1.311.2.1.14", V_ASN1_SEQUENCE,
                                      ms_exts.data(), static_cast<int>(ms_exts.size())),
            1);
  ASSERT_GT(X509_REQ_sign(req.get(), request_key_, EVP_sha256()), 0);
  auto r = Parse(testing::CsrDer(req.get()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ExtOids(*r), "2.5.29.17 2.5.29.15! 1.3.6.1.4.1.311.20.2 ");
  EXPECT_EQ(r->extensions[2].value, (Bytes{0x1E, 0x08, 0, 'U', 0, 's', 0, 'e', 0, 'r'}));
}

TEST_F(RequestParserTest, NameValuePairsConvertedFromBmp) {
  ossl::X509ReqPtr req = testing::MakeCsr(request_key_, {});
  // "caf\u00e9" and U+1F600 (a surrogate pair), with a trailing NUL Windows may add.
  Bytes pair = DerTlv(0x30, [] {
    Bytes name = DerTlv(0x1E, {0, 'c', 0, 'a', 0, 'f', 0x00, 0xE9});
    Bytes value = DerTlv(0x1E, {0xD8, 0x3D, 0xDE, 0x00, 0, 0});
    name.insert(name.end(), value.begin(), value.end());
    return name;
  }());
  ASSERT_EQ(X509_REQ_add1_attr_by_txt(req.get(), "1.3.6.1.4.1.311.13.2.1", V_ASN1_SEQUENCE,
                                      pair.data(), static_cast<int>(pair.size())),
            1);
  ASSERT_GT(X509_REQ_sign(req.get(), request_key_, EVP_sha256()), 0);
  auto r = Parse(testing::CsrDer(req.get()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->name_value_pairs, ElementsAre(Pair("caf\xC3\xA9", "\xF0\x9F\x98\x80")));
}

TEST_F(RequestParserTest, NameValuePairThatIsNotBmpIsInvalidData) {
  for (const Bytes& bad : {
           DerTlv(0x30, {0x0C, 0x01, 'a', 0x0C, 0x01, 'b'}),      // UTF8Strings
           DerTlv(0x30, {0x1E, 0x01, 'a', 0x1E, 0x00}),           // odd length
           DerTlv(0x30, {0x1E, 0x02, 0xDC, 0x00, 0x1E, 0x00}),    // lone low surrogate
           DerTlv(0x30, {0x1E, 0x04, 0, 0, 0, 'a', 0x1E, 0x00}),  // embedded NUL
       }) {
    ossl::X509ReqPtr req = testing::MakeCsr(request_key_, {});
    ASSERT_EQ(X509_REQ_add1_attr_by_txt(req.get(), "1.3.6.1.4.1.311.13.2.1", V_ASN1_SEQUENCE,
                                        bad.data(), static_cast<int>(bad.size())),
              1);
    ASSERT_GT(X509_REQ_sign(req.get(), request_key_, EVP_sha256()), 0);
    EXPECT_EQ(Hr(Parse(testing::CsrDer(req.get()))), hr::kInvalidData) << HexLower(bad);
  }
}

TEST_F(RequestParserTest, SequenceOfNameValuePairsAccepted) {
  ossl::X509ReqPtr req = testing::MakeCsr(request_key_, {});
  Bytes a = testing::EncodeNameValuePair("a", "1");
  Bytes b = testing::EncodeNameValuePair("b", "2");
  a.insert(a.end(), b.begin(), b.end());
  Bytes pairs = DerTlv(0x30, a);
  ASSERT_EQ(X509_REQ_add1_attr_by_txt(req.get(), "1.3.6.1.4.1.311.13.2.1", V_ASN1_SEQUENCE,
                                      pairs.data(), static_cast<int>(pairs.size())),
            1);
  ASSERT_GT(X509_REQ_sign(req.get(), request_key_, EVP_sha256()), 0);
  auto r = Parse(testing::CsrDer(req.get()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->name_value_pairs, ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

TEST_F(RequestParserTest, OsVersionWithTwoValuesIsInvalidData) {
  ossl::X509ReqPtr req = testing::MakeCsr(request_key_, Spec());
  X509_ATTRIBUTE* attr =
      X509_ATTRIBUTE_create_by_txt(nullptr, "1.3.6.1.4.1.311.13.2.3", V_ASN1_IA5STRING,
                                   reinterpret_cast<const unsigned char*>("10.0.19045.2"), 12);
  ASSERT_NE(attr, nullptr);
  ASSERT_EQ(X509_REQ_add1_attr(req.get(), attr), 1);
  ASSERT_GT(X509_REQ_sign(req.get(), request_key_, EVP_sha256()), 0);
  EXPECT_TRUE(Parse(testing::CsrDer(req.get())).ok());

  ASSERT_EQ(X509_ATTRIBUTE_set1_data(attr, V_ASN1_IA5STRING, "6.1.7601.2", 10), 1);
  X509_ATTRIBUTE_free(X509_REQ_delete_attr(req.get(), X509_REQ_get_attr_count(req.get()) - 1));
  ASSERT_EQ(X509_REQ_add1_attr(req.get(), attr), 1);
  X509_ATTRIBUTE_free(attr);
  ASSERT_GT(X509_REQ_sign(req.get(), request_key_, EVP_sha256()), 0);
  EXPECT_EQ(Hr(Parse(testing::CsrDer(req.get()))), hr::kInvalidData);
}

// The request's key decoded on a group built once for P-256, P-384 and
// P-521, other curves and RSA decoded as they come, the signature checked
// directly for SHA-2 and through OpenSSL's own check for the rest (SHA-1
// here): each verifies, keeps its key, and fails when tampered with.
TEST_F(RequestParserTest, Pkcs10KeysAndDigestsVerify) {
  std::vector<std::pair<std::string, ossl::PKeyPtr>> keys;
  for (const char* curve : {"P-256", "P-384", "P-521", "secp256k1"}) {
    keys.emplace_back(curve, testing::MakeEcKey(curve));
  }
  keys.emplace_back("RSA-2048", testing::MakeRsaKey());
  for (const auto& [name, key] : keys) {
    for (const EVP_MD* md : {EVP_sha1(), EVP_sha256(), EVP_sha384()}) {
      SCOPED_TRACE(name + " " + EVP_MD_get0_name(md));
      ossl::X509ReqPtr req = testing::MakeCsr(key.get(), Spec());
      ASSERT_GT(X509_REQ_sign(req.get(), key.get(), md), 0);
      Bytes der = testing::CsrDer(req.get());
      auto r = Parse(der);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(r->pkcs10.get()), key.get()), 1);
      der.back() ^= 0x01;
      EXPECT_EQ(Hr(Parse(der)), hr::kBadSignature);
    }
  }
}

TEST_F(RequestParserTest, TamperedPkcs10SignatureIsBadSignature) {
  Bytes der = Csr();
  der.back() ^= 0x01;  // the signature BIT STRING ends the request
  EXPECT_EQ(Hr(Parse(der)), hr::kBadSignature);
  EXPECT_EQ(Hr(Parse(testing::WrapInCms(der, signer_key_, signer_cert_))), hr::kBadSignature);
}

// --- Declared type ---------------------------------------------------------

TEST_F(RequestParserTest, DeclaredTypeMustMatch) {
  Bytes pkcs10 = Csr();
  Bytes cms = testing::WrapInCms(pkcs10, signer_key_, signer_cert_);
  Bytes cmc = testing::MakeCmcRequest(Cmc({pkcs10}), signer_key_, signer_cert_);

  EXPECT_EQ(Hr(Parse(pkcs10, RequestType::kCms)), hr::kInvalidMsgType);
  EXPECT_EQ(Hr(Parse(pkcs10, RequestType::kCmc)), hr::kInvalidMsgType);
  EXPECT_EQ(Hr(Parse(cms, RequestType::kPkcs10)), hr::kInvalidMsgType);
  EXPECT_EQ(Hr(Parse(cms, RequestType::kCmc)), hr::kInvalidMsgType);
  EXPECT_EQ(Hr(Parse(cmc, RequestType::kPkcs10)), hr::kInvalidMsgType);

  EXPECT_EQ(Hr(Parse(cms, RequestType::kCms)), 0u);
  EXPECT_EQ(Hr(Parse(cmc, RequestType::kCms)), 0u);
  EXPECT_EQ(Hr(Parse(cmc, RequestType::kCmc)), 0u);
}

TEST_F(RequestParserTest, UnsupportedTypesAreInvalidMsgType) {
  Bytes pkcs10 = Csr();
  for (auto type :
       {RequestType::kKeygen, RequestType::kChallengeResponse, static_cast<RequestType>(0x700)}) {
    auto r = Parse(pkcs10, type);
    EXPECT_EQ(Hr(r), hr::kInvalidMsgType);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

// --- Malformed input -------------------------------------------------------

TEST_F(RequestParserTest, GarbageIsInvalidData) {
  std::string text = "this is not a request!";
  EXPECT_EQ(Hr(Parse(AsBytes(text))), hr::kInvalidData);
  EXPECT_EQ(Hr(Parse({})), hr::kInvalidData);
  EXPECT_EQ(Hr(Parse(Bytes{0x30, 0x00})), hr::kInvalidData);
  EXPECT_EQ(Hr(Parse(Bytes{0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x30})), hr::kInvalidData);
  EXPECT_EQ(Hr(Parse(Bytes{0x30, 0x03, 0x02, 0x01, 0x00})), hr::kInvalidData);
  std::string b64_garbage = "AAAAAAAA";
  EXPECT_EQ(Hr(Parse(AsBytes(b64_garbage))), hr::kInvalidData);
}

TEST_F(RequestParserTest, TruncatedDerIsInvalidData) {
  Bytes pkcs10 = Csr();
  Bytes cms = testing::WrapInCms(pkcs10, signer_key_, signer_cert_);
  for (const Bytes& whole : {pkcs10, cms}) {
    for (std::size_t cut : {std::size_t{1}, std::size_t{10}, whole.size() / 2}) {
      Bytes truncated(whole.begin(), whole.end() - static_cast<std::ptrdiff_t>(cut));
      EXPECT_EQ(Hr(Parse(truncated)), hr::kInvalidData) << "cut " << cut;
    }
  }
}

TEST_F(RequestParserTest, TrailingBytesAreInvalidData) {
  Bytes pkcs10 = Csr();
  Bytes cms = testing::WrapInCms(pkcs10, signer_key_, signer_cert_);
  for (Bytes der : {pkcs10, cms}) {
    der.push_back(0x00);
    der.push_back(0x00);
    EXPECT_EQ(Hr(Parse(der)), hr::kInvalidData);
  }
}

TEST_F(RequestParserTest, OversizedIsInvalidData) {
  Bytes der = Csr();
  RequestParserLimits limits;
  limits.max_request_bytes = der.size() - 1;
  EXPECT_EQ(Hr(Parse(der, RequestType::kDetect, limits)), hr::kInvalidData);
  limits.max_request_bytes = der.size();
  EXPECT_TRUE(Parse(der, RequestType::kDetect, limits).ok());
  // The limit applies to the base64 text too, before decoding.
  std::string b64 = Base64Encode(der);
  EXPECT_EQ(Hr(Parse(AsBytes(b64), RequestType::kDetect, limits)), hr::kInvalidData);
}

TEST_F(RequestParserTest, CertificateIsNotARequest) {
  EXPECT_EQ(Hr(Parse(testing::CertDer(signer_cert_))), hr::kInvalidData);
}

TEST_F(RequestParserTest, OtherCmsContentIsInvalidMsgType) {
  // A ContentInfo of type id-data.
  Bytes pkcs10 = Csr();
  ossl::BioPtr in(BIO_new_mem_buf(pkcs10.data(), static_cast<int>(pkcs10.size())));
  ossl::CmsPtr data(CMS_data_create(in.get(), CMS_BINARY));
  ASSERT_NE(data, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_CMS_ContentInfo(data.get(), &der);
  ASSERT_GT(n, 0);
  Bytes data_der(der, der + n);
  OPENSSL_free(der);
  EXPECT_EQ(Hr(Parse(data_der)), hr::kInvalidMsgType);

  // A SignedData over some other content type (id-ct-TSTInfo).
  Bytes tst =
      testing::WrapInCms(pkcs10, "1.2.840.113549.1.9.16.1.4", {Signer(signer_key_, signer_cert_)});
  EXPECT_EQ(Hr(Parse(tst)), hr::kInvalidMsgType);
}

// --- CMS around a PKCS#10 ---------------------------------------------------

TEST_F(RequestParserTest, CmsWithPkcs10Parses) {
  Bytes pkcs10 = Csr();
  Bytes cms = testing::WrapInCms(pkcs10, signer_key_, signer_cert_, {{"requestername", "D\\u"}});
  auto r = Parse(cms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, RequestFormat::kCmsPkcs10);
  EXPECT_EQ(r->pkcs10_der, pkcs10);
  EXPECT_EQ(r->signer_info_count, 1u);
  ASSERT_EQ(r->signers.size(), 1u);
  EXPECT_EQ(X509_cmp(r->signers[0].certificate.get(), signer_cert_), 0);
  EXPECT_EQ(ExtOids(*r), "2.5.29.17 2.5.29.15! ");
  // PKCS#10 attributes first, then the signer's authenticated attributes.
  EXPECT_THAT(r->name_value_pairs,
              ElementsAre(Pair("rmd", "host.example"), Pair("CertificateTemplate", "User"),
                          Pair("requestername", "D\\u")));
}

TEST_F(RequestParserTest, CmsSignedByRequestKeyIsNotASigner) {
  Bytes pkcs10 = Csr();
  ossl::X509Ptr self = testing::MakeSelfSignedCert(request_key_, "alice");
  Bytes cms = testing::WrapInCms(pkcs10, testing::kOidData,
                                 {Signer(request_key_, self.get(), /*include_cert=*/false)});
  auto r = Parse(cms, RequestType::kCms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->signers, IsEmpty());
  EXPECT_EQ(r->signer_info_count, 1u);
}

TEST_F(RequestParserTest, CmsSignerWithoutCertificateAndOtherKeyIsNoSigner) {
  Bytes cms = testing::WrapInCms(Csr(), testing::kOidData,
                                 {Signer(signer_key_, signer_cert_, /*include_cert=*/false)});
  EXPECT_EQ(Hr(Parse(cms)), hr::kNoSigner);
}

TEST_F(RequestParserTest, TamperedCmsSignatureIsNoSigner) {
  Bytes cms = testing::WrapInCms(Csr(), signer_key_, signer_cert_);
  cms.back() ^= 0x01;  // the last SignerInfo's signature ends the message
  EXPECT_EQ(Hr(Parse(cms)), hr::kNoSigner);
}

TEST_F(RequestParserTest, TamperedCmsSignedAttributeIsNoSigner) {
  Bytes cms = testing::WrapInCms(Csr(), signer_key_, signer_cert_, {{"rmd", "host.example"}});
  // Change one character of the signed name-value pair ("host" -> "hpst").
  Bytes needle = {0x00, 'h', 0x00, 'o', 0x00, 's', 0x00, 't'};
  auto it = std::search(cms.rbegin(), cms.rend(), needle.rbegin(), needle.rend());
  ASSERT_NE(it, cms.rend());
  *(it.base() - 5) = 'p';
  EXPECT_EQ(Hr(Parse(cms)), hr::kNoSigner);
}

TEST_F(RequestParserTest, CmsWithTwoSignersCountsBoth) {
  ossl::X509Ptr self = testing::MakeSelfSignedCert(request_key_, "alice");
  Bytes cms = testing::WrapInCms(Csr(), testing::kOidData,
                                 {Signer(signer_key_, signer_cert_),
                                  Signer(request_key_, self.get(), /*include_cert=*/false)});
  auto r = Parse(cms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signer_info_count, 2u);
  ASSERT_EQ(r->signers.size(), 1u);
  EXPECT_EQ(X509_cmp(r->signers[0].certificate.get(), signer_cert_), 0);
}

TEST_F(RequestParserTest, EachSignerKeepsItsOwnNameValuePairs) {
  // The content's pairs come first and are counted; each certificate signer
  // keeps the pairs it signed, and the request key's signer has no entry.
  ossl::X509Ptr self = testing::MakeSelfSignedCert(request_key_, "alice");
  CmsSigner agent = Signer(signer_key_, signer_cert_);
  agent.name_value_pairs = {{"requestername", "D\\bob"}};
  CmsSigner own = Signer(request_key_, self.get(), /*include_cert=*/false);
  own.name_value_pairs = {{"requestername", "D\\carol"}};
  auto r = Parse(testing::WrapInCms(Csr(), testing::kOidData, {own, agent}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->content_name_value_pairs, 2u);
  // DER sorts the SignerInfos SET, so the signers' order is not the builder's.
  const auto& pairs = r->name_value_pairs;
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_THAT(std::vector(pairs.begin(), pairs.begin() + 2),
              ElementsAre(Pair("rmd", "host.example"), Pair("CertificateTemplate", "User")));
  EXPECT_THAT(
      std::vector(pairs.begin() + 2, pairs.end()),
      UnorderedElementsAre(Pair("requestername", "D\\carol"), Pair("requestername", "D\\bob")));
  ASSERT_EQ(r->signers.size(), 1u);
  EXPECT_THAT(r->signers[0].name_value_pairs, ElementsAre(Pair("requestername", "D\\bob")));
}

TEST_F(RequestParserTest, UnsignedCmsIsNoSigner) {
  // SignedData { version 1, digestAlgorithms {}, { id-data, [0] pkcs10 }, signerInfos {} }
  // by hand: OpenSSL will not finalise a SignedData without signers.
  Bytes id_data = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
  Bytes id_signed = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
  auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  Bytes encap = DerTlv(0x30, cat({id_data, DerTlv(0xA0, DerTlv(0x04, Csr()))}));
  Bytes signed_data =
      DerTlv(0x30, cat({Bytes{0x02, 0x01, 0x01}, DerTlv(0x31, {}), encap, DerTlv(0x31, {})}));
  Bytes cms = DerTlv(0x30, cat({id_signed, DerTlv(0xA0, signed_data)}));
  EXPECT_EQ(Hr(Parse(cms)), hr::kNoSigner);
}

TEST_F(RequestParserTest, DetachedCmsIsInvalidData) {
  Bytes pkcs10 = Csr();
  ossl::BioPtr in(BIO_new_mem_buf(pkcs10.data(), static_cast<int>(pkcs10.size())));
  ossl::CmsPtr cms(
      CMS_sign(signer_cert_, signer_key_, nullptr, in.get(), CMS_DETACHED | CMS_BINARY));
  ASSERT_NE(cms, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_CMS_ContentInfo(cms.get(), &der);
  ASSERT_GT(n, 0);
  Bytes detached(der, der + n);
  OPENSSL_free(der);
  EXPECT_EQ(Hr(Parse(detached)), hr::kInvalidData);
}

TEST_F(RequestParserTest, CmsWithNonPkcs10DataIsInvalidData) {
  Bytes text = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(Hr(Parse(testing::WrapInCms(text, signer_key_, signer_cert_))), hr::kInvalidData);
}

TEST_F(RequestParserTest, TooManySignerInfosIsInvalidData) {
  std::vector<ossl::PKeyPtr> keys;
  std::vector<ossl::X509Ptr> certs;
  std::vector<CmsSigner> signers;
  for (int i = 0; i < 3; ++i) {
    keys.push_back(testing::MakeEcKey());
    certs.push_back(testing::MakeSelfSignedCert(keys.back().get(), "agent " + std::to_string(i)));
    signers.push_back(Signer(keys.back().get(), certs.back().get()));
  }
  Bytes cms = testing::WrapInCms(Csr(), testing::kOidData, signers);
  RequestParserLimits limits;
  limits.max_signer_infos = 2;
  EXPECT_EQ(Hr(Parse(cms, RequestType::kDetect, limits)), hr::kInvalidData);
  limits.max_signer_infos = 3;
  auto r = Parse(cms, RequestType::kDetect, limits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signers.size(), 3u);
}

// --- CMC --------------------------------------------------------------------

TEST_F(RequestParserTest, CmcParsesRequestAndControls) {
  Bytes pkcs10 = Csr();
  CmcSpec spec = Cmc({pkcs10});
  spec.add_extensions = {{"2.5.29.37",
                          false,
                          {0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02}},
                         {"2.5.29.19", true, {0x30, 0x00}}};
  spec.reg_info =
      "CertificateTemplate=User&SAN=dns%3Da.example%26dns%3Db.example&novalue&=x&"
      "ccm=pc%2",
  spec.name_value_pairs = {{"rmd", "pc.example"}, {"cdc", "dc.example"}};
  auto r = Parse(testing::MakeCmcRequest(spec, signer_key_, signer_cert_));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->format, RequestFormat::kCmc);
  EXPECT_EQ(r->pkcs10_der, pkcs10);
  EXPECT_FALSE(r->pkcs10_null_signature);
  EXPECT_EQ(ExtOids(*r), "2.5.29.17 2.5.29.15! 2.5.29.37 2.5.29.19! ");
  EXPECT_EQ(r->extensions[3].value, (Bytes{0x30, 0x00}));
  EXPECT_THAT(
      r->name_value_pairs,
      ElementsAre(Pair("rmd", "host.example"), Pair("CertificateTemplate", "User"),
                  Pair("CertificateTemplate", "User"), Pair("SAN", "dns=a.example&dns=b.example"),
                  Pair("ccm", "pc%2"), Pair("rmd", "pc.example"), Pair("cdc", "dc.example")));
  EXPECT_EQ(r->signer_info_count, 1u);
  ASSERT_EQ(r->signers.size(), 1u);
}

TEST_F(RequestParserTest, CmcMustHoldExactlyOneRequest) {
  Bytes pkcs10 = Csr();
  EXPECT_EQ(Hr(Parse(testing::MakeCmcRequest(Cmc({pkcs10, pkcs10}), signer_key_, signer_cert_))),
            hr::kInvalidData);
  EXPECT_EQ(Hr(Parse(testing::MakeCmcRequest(Cmc({}), signer_key_, signer_cert_))),
            hr::kInvalidData);
}

TEST_F(RequestParserTest, CmcCrmRequestIsInvalidData) {
  // A crm [1] CertReqMsg in place of the tcr: recognised, refused.
  Bytes crm = DerTlv(0xA1, DerTlv(0x30, {0x02, 0x01, 0x01}));
  Bytes pki_data = DerTlv(0x30, [&] {
    Bytes body = DerTlv(0x30, {});
    Bytes reqs = DerTlv(0x30, crm);
    body.insert(body.end(), reqs.begin(), reqs.end());
    for (int i = 0; i < 2; ++i) body.insert(body.end(), {0x30, 0x00});
    return body;
  }());
  Bytes cms =
      testing::WrapInCms(pki_data, testing::kOidPkiData, {Signer(signer_key_, signer_cert_)});
  EXPECT_EQ(Hr(Parse(cms)), hr::kInvalidData);
}

TEST_F(RequestParserTest, CmcGarbledPkiDataIsInvalidData) {
  Bytes pki_data = testing::MakePkiData(Cmc({Csr()}));
  pki_data.push_back(0x00);  // trailing byte inside the eContent
  Bytes cms =
      testing::WrapInCms(pki_data, testing::kOidPkiData, {Signer(signer_key_, signer_cert_)});
  EXPECT_EQ(Hr(Parse(cms)), hr::kInvalidData);
}

TEST_F(RequestParserTest, TamperedCmcSignatureIsNoSigner) {
  Bytes cmc = testing::MakeCmcRequest(Cmc({Csr()}), signer_key_, signer_cert_);
  cmc.back() ^= 0x01;
  EXPECT_EQ(Hr(Parse(cmc)), hr::kNoSigner);
}

// A PKCS#10 with the MS-WCCE 2.2.2.6.5 null signature: algorithm sha256, the
// signature the bare SHA-256 of certificationRequestInfo.
Bytes NullSignedCsr(X509_REQ* req, bool corrupt_hash) {
  unsigned char* tbs = nullptr;
  int n = i2d_re_X509_REQ_tbs(req, &tbs);
  EXPECT_GT(n, 0);
  Bytes info(tbs, tbs + n);
  OPENSSL_free(tbs);
  Bytes bits(SHA256_DIGEST_LENGTH + 1, 0);
  SHA256(info.data(), info.size(), bits.data() + 1);
  if (corrupt_hash) bits[5] ^= 0x01;
  Bytes alg =
      DerTlv(0x30, {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00});
  Bytes body = info;
  body.insert(body.end(), alg.begin(), alg.end());
  Bytes sig = DerTlv(0x03, bits);
  body.insert(body.end(), sig.begin(), sig.end());
  return DerTlv(0x30, body);
}

TEST_F(RequestParserTest, NullSignatureAcceptedOnlyInsideCmc) {
  Bytes null_signed =
      NullSignedCsr(testing::MakeCsr(request_key_, Spec()).get(), /*corrupt_hash=*/false);
  EXPECT_EQ(Hr(Parse(null_signed)), hr::kBadSignature);

  auto r = Parse(testing::MakeCmcRequest(Cmc({null_signed}), signer_key_, signer_cert_));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->pkcs10_null_signature);
  EXPECT_EQ(r->pkcs10_der, null_signed);

  Bytes wrong_hash =
      NullSignedCsr(testing::MakeCsr(request_key_, Spec()).get(), /*corrupt_hash=*/true);
  EXPECT_EQ(Hr(Parse(testing::MakeCmcRequest(Cmc({wrong_hash}), signer_key_, signer_cert_))),
            hr::kBadSignature);
}

// --- Limits ------------------------------------------------------------------

TEST_F(RequestParserTest, TooManyExtensionsIsInvalidData) {
  CsrSpec spec;
  spec.subject = {{"CN", "many"}};
  for (int i = 0; i < 65; ++i) {
    spec.extensions.push_back({"1.2.3." + std::to_string(i), false, {0x05, 0x00}});
  }
  Bytes der = testing::MakeCsrDer(request_key_, spec);
  EXPECT_EQ(Hr(Parse(der)), hr::kInvalidData);
  RequestParserLimits limits;
  limits.max_extensions = 65;
  EXPECT_TRUE(Parse(der, RequestType::kDetect, limits).ok());
}

TEST_F(RequestParserTest, NameValuePairLimits) {
  RequestParserLimits limits;
  limits.max_name_value_pairs = 1;
  EXPECT_EQ(Hr(Parse(Csr(), RequestType::kDetect, limits)), hr::kInvalidData);

  CsrSpec spec;
  spec.name_value_pairs = {{"long", std::string(4097, 'x')}};
  EXPECT_EQ(Hr(Parse(testing::MakeCsrDer(request_key_, spec))), hr::kInvalidData);
  spec.name_value_pairs = {{"long", std::string(4096, 'x')}};
  EXPECT_TRUE(Parse(testing::MakeCsrDer(request_key_, spec)).ok());

  // regInfo pairs count against the same limit.
  limits.max_name_value_pairs = 3;
  CmcSpec cmc = Cmc({Csr()});
  cmc.reg_info = "a=1&b=2";
  EXPECT_EQ(Hr(Parse(testing::MakeCmcRequest(cmc, signer_key_, signer_cert_), RequestType::kDetect,
                     limits)),
            hr::kInvalidData);
}

}  // namespace
}  // namespace openadcs::pki
