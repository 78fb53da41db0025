#include "openadcs/pki/csr_builder.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "openadcs/pki/name.h"
#include "openadcs/pki/request_parser.h"

namespace openadcs::pki {
namespace {

TEST(CsrBuilderTest, RequestParsesWithSubjectSanAndVerifiedSignature) {
  for (KeyAlgorithm algorithm : {KeyAlgorithm::kRsa2048, KeyAlgorithm::kEcdsaP384}) {
    Result<ossl::PKeyPtr> key = GenerateKey(algorithm);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    Result<Bytes> csr =
        BuildCsr(key->get(), {"CN=host.example.test,O=Example", {"host.example.test", "alt.test"}});
    ASSERT_TRUE(csr.ok()) << csr.status().ToString();

    Result<ParsedRequest> parsed = ParseRequest(*csr, RequestType::kPkcs10, {});
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(FormatDistinguishedName(X509_REQ_get_subject_name(parsed->pkcs10.get())),
              "CN=host.example.test,O=Example");
    ASSERT_EQ(parsed->extensions.size(), 1u);
    EXPECT_EQ(parsed->extensions[0].oid, "2.5.29.17");
    const unsigned char* p = parsed->extensions[0].value.data();
    GENERAL_NAMES* names =
        d2i_GENERAL_NAMES(nullptr, &p, static_cast<long>(parsed->extensions[0].value.size()));
    ASSERT_NE(names, nullptr);
    EXPECT_EQ(sk_GENERAL_NAME_num(names), 2);
    GENERAL_NAMES_free(names);
    EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(parsed->pkcs10.get()), key->get()), 1);
  }
}

TEST(CsrBuilderTest, RejectsSubjectThatDoesNotParse) {
  Result<ossl::PKeyPtr> key = GenerateKey(KeyAlgorithm::kEcdsaP256);
  ASSERT_TRUE(key.ok());
  Result<Bytes> csr = BuildCsr(key->get(), {"CN", {}});
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.status().code(), StatusCode::kInvalidArgument);
}

TEST(CsrBuilderTest, PrivateKeyPemRoundTrips) {
  Result<ossl::PKeyPtr> key = GenerateKey(KeyAlgorithm::kEcdsaP256);
  ASSERT_TRUE(key.ok());
  Result<std::string> pem = PrivateKeyPem(key->get());
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
}

}  // namespace
}  // namespace openadcs::pki
