// The CMC Full PKI Response: verified with OpenSSL's CMS_verify against the
// CA certificate, and its CMCStatusInfo read back with generic DER parsing.
#include "openadcs/pki/cmc_response.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "testing/pki.h"

namespace openadcs::pki {
namespace {

using SeqPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, decltype([](ASN1_SEQUENCE_ANY* s) {
                                 sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
                               })>;

SeqPtr Elements(const unsigned char* der, long len, bool set = false) {
  const unsigned char* p = der;
  return SeqPtr(set ? d2i_ASN1_SET_ANY(nullptr, &p, len) : d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
}
SeqPtr Elements(const ASN1_TYPE* t, bool set = false) {
  return Elements(t->value.sequence->data, t->value.sequence->length, set);
}
long IntegerOf(const ASN1_TYPE* t) {
  return ASN1_INTEGER_get(t->value.integer);
}

class CmcResponseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CaIdentityOptions o;
    o.key_file = dir_.path() / "ca.key";
    o.cert_file = dir_.path() / "ca.crt";
    o.algorithm = KeyAlgorithm::kEcdsaP256;
    o.subject = "CN=cmc-CA";
    auto id = CaIdentity::LoadOrCreate(o);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ca_ = std::move(id).value();
  }

  // Verifies and returns the CMCStatusInfo's elements; *cert_count gets the
  // number of certificates in the SignedData.
  SeqPtr StatusInfo(const Bytes& der, int* cert_count) {
    const unsigned char* p = der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    EXPECT_TRUE(cms);
    if (!cms) return nullptr;
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
    EXPECT_STREQ(oid, kOidPkiResponse);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca_->certificate());
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    EXPECT_EQ(CMS_verify(cms.get(), nullptr, store, nullptr, out.get(), CMS_BINARY), 1)
        << ossl::ErrorText();
    X509_STORE_free(store);
    STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
    *cert_count = certs != nullptr ? sk_X509_num(certs) : 0;
    sk_X509_pop_free(certs, X509_free);

    char* data = nullptr;
    const long n = BIO_get_mem_data(out.get(), &data);
    SeqPtr response = Elements(reinterpret_cast<unsigned char*>(data), n);
    EXPECT_TRUE(response);
    if (!response || sk_ASN1_TYPE_num(response.get()) != 3) return nullptr;
    SeqPtr controls = Elements(sk_ASN1_TYPE_value(response.get(), 0));
    EXPECT_EQ(sk_ASN1_TYPE_num(controls.get()), 1);
    SeqPtr tagged = Elements(sk_ASN1_TYPE_value(controls.get(), 0));
    EXPECT_EQ(sk_ASN1_TYPE_num(tagged.get()), 3);
    OBJ_obj2txt(oid, sizeof oid, sk_ASN1_TYPE_value(tagged.get(), 1)->value.object, 1);
    EXPECT_STREQ(oid, kOidCmcStatusInfo);
    SeqPtr values = Elements(sk_ASN1_TYPE_value(tagged.get(), 2), /*set=*/true);
    EXPECT_EQ(sk_ASN1_TYPE_num(values.get()), 1);
    return Elements(sk_ASN1_TYPE_value(values.get(), 0));
  }

  testing::TempDir dir_;
  std::unique_ptr<CaIdentity> ca_;
};

TEST_F(CmcResponseTest, PendingCarriesTheRequestIdAsPendToken) {
  CmcResponseSpec spec;
  spec.status = CmcStatus::kPending;
  spec.request_id = 0x01020304;
  spec.pend_time = 1'800'000'000;
  spec.status_string = "Taken Under Submission";
  auto der = BuildCmcResponse(spec, *ca_);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  int certs = 0;
  SeqPtr info = StatusInfo(*der, &certs);
  ASSERT_TRUE(info);
  EXPECT_EQ(certs, 1);  // the signer's
  ASSERT_EQ(sk_ASN1_TYPE_num(info.get()), 4);
  EXPECT_EQ(IntegerOf(sk_ASN1_TYPE_value(info.get(), 0)), 3);
  const ASN1_TYPE* text = sk_ASN1_TYPE_value(info.get(), 2);
  ASSERT_EQ(text->type, V_ASN1_UTF8STRING);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(text->value.utf8string->data),
                        text->value.utf8string->length),
            spec.status_string);
  SeqPtr pend = Elements(sk_ASN1_TYPE_value(info.get(), 3));
  ASSERT_EQ(sk_ASN1_TYPE_num(pend.get()), 2);
  const ASN1_TYPE* token = sk_ASN1_TYPE_value(pend.get(), 0);
  ASSERT_EQ(token->type, V_ASN1_OCTET_STRING);
  EXPECT_EQ(Bytes(token->value.octet_string->data,
                  token->value.octet_string->data + token->value.octet_string->length),
            (Bytes{0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(sk_ASN1_TYPE_value(pend.get(), 1)->type, V_ASN1_GENERALIZEDTIME);
}

TEST_F(CmcResponseTest, SuccessCarriesTheIssuedCertificate) {
  auto leaf_key = testing::MakeRsaKey(2048);
  auto leaf = testing::MakeSelfSignedCert(leaf_key.get(), "leaf");
  unsigned char* der = nullptr;
  const int n = i2d_X509(leaf.get(), &der);
  CmcResponseSpec spec;
  spec.certificates.emplace_back(der, der + n);
  OPENSSL_free(der);
  auto out = BuildCmcResponse(spec, *ca_);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  int certs = 0;
  SeqPtr info = StatusInfo(*out, &certs);
  ASSERT_TRUE(info);
  EXPECT_EQ(certs, 2);
  ASSERT_EQ(sk_ASN1_TYPE_num(info.get()), 2);  // no statusString, no otherInfo
  EXPECT_EQ(IntegerOf(sk_ASN1_TYPE_value(info.get(), 0)), 0);
}

TEST_F(CmcResponseTest, FailedCarriesFailInfo) {
  CmcResponseSpec spec;
  spec.status = CmcStatus::kFailed;
  spec.status_string = "denied";
  auto out = BuildCmcResponse(spec, *ca_);
  ASSERT_TRUE(out.ok());
  int certs = 0;
  SeqPtr info = StatusInfo(*out, &certs);
  ASSERT_TRUE(info);
  ASSERT_EQ(sk_ASN1_TYPE_num(info.get()), 4);
  EXPECT_EQ(IntegerOf(sk_ASN1_TYPE_value(info.get(), 0)), 2);
  EXPECT_EQ(IntegerOf(sk_ASN1_TYPE_value(info.get(), 3)), 2);  // badRequest
}

TEST_F(CmcResponseTest, RejectsAnUnparsableCertificate) {
  CmcResponseSpec spec;
  spec.certificates.push_back(Bytes{0x30, 0x00});
  EXPECT_EQ(BuildCmcResponse(spec, *ca_).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::pki
