// The CCertRequestD object on a real engine (SQLite file, the sample LDIF
// templates, a generated CA key), called with stubs from the client-side
// encoders, as the DCOM runtime would call it.
#include "openadcs/services/cert_request_service.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/ndr/icert_request.h"
#include "openadcs/pki/cmc_response.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"
#include "testing/call_result.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::icert_request;
namespace d2 = idl::icert_request_d2;

constexpr std::uint16_t Op(d2::Opnum op) {
  return static_cast<std::uint16_t>(op);
}

class CertRequestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCa(dir_.path(), &identity_, &store_, &templates_));
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
    engine_ = std::make_unique<ca::Engine>(ca::EngineOptions{}, *identity_, *store_, *templates_,
                                           nullptr, *security_);
    object_ = std::make_unique<CertRequestObject>(*engine_, CertRequestOptions{});
    client_ = {"EXAMPLE", "alice", testing::TestRequester().sid,
               testing::TestRequester().group_sids};
    ctx_.client = &client_;
    ctx_.auth_level = auth::AuthLevel::kPrivacy;
    ctx_.peer_address = "127.0.0.1";
    key_ = testing::MakeRsaKey(2048);
  }

  rpc::CallResult Call(d2::Opnum op, const Bytes& stub) {
    return testing::AsSent(object_->Call(ctx_, object_->interfaces()[1], Op(op), stub));
  }

  wire::RequestOut Request2(wire::RequestIn in) {
    rpc::CallResult r = Call(d2::Opnum::kRequest2, wire::EncodeRequest2Request(in));
    EXPECT_EQ(r.fault_status, 0u);
    auto out = wire::DecodeRequestResponse(r.stub);
    EXPECT_TRUE(out.ok());
    EXPECT_EQ(out->hresult, 0u);  // errors travel in the disposition
    return out.ok() ? *out : wire::RequestOut{};
  }

  wire::RequestOut Submit(const std::string& cn, const std::string& tmpl, std::uint32_t flags = 0) {
    testing::CsrSpec s;
    s.subject = {{"CN", cn}};
    wire::RequestIn in;
    in.flags = flags;
    in.authority = u"openadcs-CA";
    in.attributes = u"CertificateTemplate:" + *Utf8ToUtf16(tmpl);
    in.request = testing::MakeCsrDer(key_.get(), s);
    return Request2(in);
  }

  wire::BlobOut GetCaProperty(std::int32_t id, std::int32_t index, std::int32_t type,
                              std::u16string authority = u"openadcs-CA") {
    wire::GetCaPropertyIn in;
    in.authority = authority;
    in.prop_id = id;
    in.prop_index = index;
    in.prop_type = type;
    rpc::CallResult r = Call(d2::Opnum::kGetCAProperty, wire::EncodeGetCaPropertyRequest(in));
    EXPECT_EQ(r.fault_status, 0u);
    auto out = wire::DecodeBlobResponse(r.stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::BlobOut{};
  }

  wire::BlobOut GetCaCert(std::uint32_t fchain, std::u16string authority = u"openadcs-CA") {
    wire::GetCaCertIn in;
    in.fchain = fchain;
    in.authority = authority;
    rpc::CallResult r = Call(d2::Opnum::kGetCACert, wire::EncodeGetCaCertRequest(in));
    EXPECT_EQ(r.fault_status, 0u);
    auto out = wire::DecodeBlobResponse(r.stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::BlobOut{};
  }

  static std::string Text(const Bytes& utf16le) {
    auto units = Utf16LeBytesToString(utf16le);
    if (!units.ok()) return {};
    auto text = Utf16ToUtf8(*units);
    return text.ok() ? *text : std::string();
  }

  testing::TempDir dir_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<directory::TemplateSource> templates_;
  std::unique_ptr<ca::CaSecurity> security_;
  std::unique_ptr<ca::Engine> engine_;
  std::unique_ptr<CertRequestObject> object_;
  auth::Identity client_;
  rpc::CallContext ctx_;
  ossl::PKeyPtr key_;
};

TEST_F(CertRequestServiceTest, Request2IssuesWithChainAndRecordsTheRequester) {
  wire::RequestOut out = Submit("www.example.com", "AutoIssueSubject");
  EXPECT_EQ(out.disposition, 3u) << Text(out.disposition_message);
  EXPECT_NE(out.request_id, 0u);
  auto cert = testing::ParseCertDer(out.encoded_cert);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_verify(cert.get(), identity_->key()), 1);
  const unsigned char* p = out.cert_chain.data();
  ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(out.cert_chain.size())));
  ASSERT_TRUE(cms);
  auto rec = store_->GetRequest(out.request_id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->requester_name, "EXAMPLE\\alice");
}

TEST_F(CertRequestServiceTest, RequestOpnum3Issues) {
  testing::CsrSpec s;
  s.subject = {{"CN", "host.example.com"}};
  wire::RequestIn in;
  in.authority = u"openadcs-CA";
  in.attributes = u"CertificateTemplate:AutoIssueSubject";
  in.request = testing::MakeCsrDer(key_.get(), s);
  rpc::CallResult r = Call(d2::Opnum::kRequest, wire::EncodeRequestRequest(in));
  ASSERT_EQ(r.fault_status, 0u);
  auto out = wire::DecodeRequestResponse(r.stub);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->disposition, 3u);
  EXPECT_FALSE(out->cert_chain.empty());
  EXPECT_FALSE(out->encoded_cert.empty());
}

TEST_F(CertRequestServiceTest, PendingThenRetrieveByIdAndBySerial) {
  wire::RequestOut pending = Submit("alice", "OfficerApproval");
  EXPECT_EQ(pending.disposition, 5u);
  EXPECT_TRUE(pending.cert_chain.empty());
  EXPECT_TRUE(pending.encoded_cert.empty());

  wire::RequestIn retrieve;
  retrieve.authority = u"openadcs-CA";
  retrieve.request_id = pending.request_id;
  EXPECT_EQ(Request2(retrieve).disposition, 5u);

  ASSERT_EQ(engine_->Resubmit(testing::TestOfficer(), pending.request_id).disposition,
            ca::WireDisposition::kIssued);
  wire::RequestOut by_id = Request2(retrieve);
  EXPECT_EQ(by_id.disposition, 3u);
  auto cert = testing::ParseCertDer(by_id.encoded_cert);
  ASSERT_TRUE(cert);

  ossl::BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  char* hex = BN_bn2hex(bn.get());
  std::string serial(hex);
  OPENSSL_free(hex);
  if (serial.size() % 2 != 0) serial.insert(serial.begin(), '0');
  wire::RequestIn by_serial_in;
  by_serial_in.authority = u"openadcs-CA";
  by_serial_in.serial_number = *Utf8ToUtf16(serial);
  wire::RequestOut by_serial = Request2(by_serial_in);
  EXPECT_EQ(by_serial.disposition, 3u) << Text(by_serial.disposition_message);
  EXPECT_EQ(by_serial.encoded_cert, by_id.encoded_cert);
  EXPECT_EQ(by_serial.request_id, pending.request_id);
}

TEST_F(CertRequestServiceTest, Request2RetrieveNeedsExactlyOneKey) {
  wire::RequestIn neither;
  neither.authority = u"openadcs-CA";
  EXPECT_EQ(Request2(neither).disposition, hr::kInvalidArg);
  wire::RequestIn both = neither;
  both.request_id = 1;
  both.serial_number = u"01";
  EXPECT_EQ(Request2(both).disposition, hr::kInvalidArg);
  wire::RequestIn missing = neither;
  missing.request_id = 999;
  EXPECT_EQ(Request2(missing).disposition, hr::kPropertyEmpty);
}

TEST_F(CertRequestServiceTest, DeniedCarriesTheHresultAndNoChain) {
  wire::RequestOut out = Submit("alice", "NoSuchTemplate");
  EXPECT_EQ(out.disposition, hr::kUnsupportedCertType);
  EXPECT_NE(out.request_id, 0u);
  EXPECT_TRUE(out.cert_chain.empty());
  EXPECT_FALSE(Text(out.disposition_message).empty());
}

TEST_F(CertRequestServiceTest, WrongAuthorityIsInvalidArg) {
  testing::CsrSpec s;
  s.subject = {{"CN", "x"}};
  wire::RequestIn in;
  in.authority = u"another-CA";
  in.attributes = u"CertificateTemplate:AutoIssueSubject";
  in.request = testing::MakeCsrDer(key_.get(), s);
  EXPECT_EQ(Request2(in).disposition, hr::kInvalidArg);
  EXPECT_EQ(GetCaCert(0, u"another-CA").hresult, hr::kInvalidArg);
  EXPECT_EQ(GetCaProperty(0x1d, 0, 4, u"another-CA").hresult, hr::kInvalidArg);
  // The names are answered whatever the authority.
  EXPECT_EQ(Text(GetCaCert(ca::getcert::kCaName, u"another-CA").blob), "openadcs-CA");
}

// Parses the CMC response: verified against the CA certificate, content type
// id-cct-PKIResponse; returns the content.
Bytes VerifiedPkiResponse(const Bytes& der, X509* ca_cert, STACK_OF(X509) * *certs_out) {
  const unsigned char* p = der.data();
  ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return {};
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
  EXPECT_STREQ(oid, pki::kOidPkiResponse);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert);
  ossl::BioPtr out(BIO_new(BIO_s_mem()));
  const int ok = CMS_verify(cms.get(), nullptr, store, nullptr, out.get(), CMS_BINARY);
  X509_STORE_free(store);
  EXPECT_EQ(ok, 1) << ossl::ErrorText();
  if (certs_out != nullptr) *certs_out = CMS_get1_certs(cms.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return Bytes(data, data + n);
}

TEST_F(CertRequestServiceTest, FullResponseIsASignedCmcResponse) {
  wire::RequestOut issued = Submit("www.example.com", "AutoIssueSubject", kCrInFullResponse);
  ASSERT_EQ(issued.disposition, 3u);
  STACK_OF(X509)* certs = nullptr;
  Bytes content = VerifiedPkiResponse(issued.cert_chain, identity_->certificate(), &certs);
  ASSERT_FALSE(content.empty());
  ASSERT_NE(certs, nullptr);
  bool has_issued = false;
  auto cert = testing::ParseCertDer(issued.encoded_cert);
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    if (X509_cmp(sk_X509_value(certs, i), cert.get()) == 0) has_issued = true;
  }
  sk_X509_pop_free(certs, X509_free);
  EXPECT_TRUE(has_issued);

  wire::RequestOut pending = Submit("alice", "OfficerApproval", kCrInFullResponse);
  ASSERT_EQ(pending.disposition, 5u);
  EXPECT_FALSE(VerifiedPkiResponse(pending.cert_chain, identity_->certificate(), nullptr).empty());
}

TEST_F(CertRequestServiceTest, GetCaCertValues) {
  EXPECT_EQ(GetCaCert(ca::getcert::kCaSigCert).blob, identity_->certificate_der());
  EXPECT_EQ(GetCaCert(0x6374'0000).blob, identity_->certificate_der());
  EXPECT_EQ(GetCaCert(0x6374'0001).hresult, hr::kInvalidArg);
  EXPECT_EQ(Text(GetCaCert(ca::getcert::kSanitizedCaName).blob), "openadcs-CA");
  wire::BlobOut type = GetCaCert(ca::getcert::kCaType);
  EXPECT_EQ(type.blob, (Bytes{0, 0, 0, 0}));  // enterprise root
  wire::BlobOut info = GetCaCert(ca::getcert::kCaInfo);
  ASSERT_EQ(info.blob.size(), 40u);
  EXPECT_EQ(info.blob[0], 40);
  EXPECT_EQ(info.blob[8], 1);  // one signing certificate
  EXPECT_EQ(GetCaCert(ca::getcert::kCurrentCrl).hresult, hr::kPropertyEmpty);
  auto crls = engine_->PublishCrls(ca::crl_kind::kBase, 0);
  ASSERT_TRUE(crls.ok() && crls->base);
  EXPECT_EQ(GetCaCert(ca::getcert::kCurrentCrl).blob, crls->base->raw_crl);
  EXPECT_EQ(GetCaCert(0x12345678).hresult, hr::kInvalidArg);
}

TEST_F(CertRequestServiceTest, GetCaPropertyValues) {
  std::string expected;
  for (const auto& t : templates_->Current()->templates()) expected += t.name + "\n" + t.oid + "\n";
  ASSERT_FALSE(expected.empty());
  wire::BlobOut templates = GetCaProperty(0x1d, 0, 4);
  EXPECT_EQ(templates.hresult, 0u);
  EXPECT_EQ(Text(templates.blob), expected);
  EXPECT_NE(Text(templates.blob).find("OfficerApproval\n"), std::string::npos);

  EXPECT_EQ(Text(GetCaProperty(6, 0, 4).blob), "openadcs-CA");
  EXPECT_EQ(GetCaProperty(0xc, -1, 3).blob, identity_->certificate_der());
  EXPECT_EQ(GetCaProperty(0xa, 0, 1).blob.size(), 40u);
  EXPECT_EQ(GetCaProperty(0xc, 0, 4).hresult, hr::kInvalidArg);  // wrong type
  EXPECT_EQ(GetCaProperty(0x6, 1, 4).hresult, hr::kInvalidArg);  // not indexed
  EXPECT_EQ(GetCaProperty(0x7777, 0, 4).hresult, hr::kInvalidArg);
}

TEST_F(CertRequestServiceTest, GetCaPropertyInfoAndPing) {
  wire::AuthorityIn in;
  in.authority = u"openadcs-CA";
  rpc::CallResult r = Call(d2::Opnum::kGetCAPropertyInfo, wire::EncodeAuthorityRequest(in));
  auto info = wire::DecodeGetCaPropertyInfoResponse(r.stub);
  ASSERT_TRUE(info.ok());
  ASSERT_GT(info->property_count, 0);
  ASSERT_GE(info->prop_info.size(), 12u * static_cast<std::size_t>(info->property_count));
  // The first CATRANSPROP: id 1, string, its name at a DWORD-aligned offset.
  EXPECT_EQ(info->prop_info[0], 1);
  EXPECT_EQ(info->prop_info[4], 4);
  const std::uint32_t off = info->prop_info[8] | (info->prop_info[9] << 8);
  EXPECT_EQ(off % 4, 0u);
  EXPECT_EQ(off, 12u * static_cast<std::uint32_t>(info->property_count));

  for (d2::Opnum op : {d2::Opnum::kPing, d2::Opnum::kPing2}) {
    rpc::CallResult ping = Call(op, wire::EncodeAuthorityRequest(in));
    auto out = ndr::orpc::DecodeHresultResponse(ping.stub);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->hresult, 0u);
  }
}

TEST_F(CertRequestServiceTest, MalformedStubFaults) {
  Bytes stub = wire::EncodeRequest2Request({});
  stub.resize(stub.size() - 3);
  EXPECT_EQ(Call(d2::Opnum::kRequest2, stub).fault_status, rpc::fault::kBadStubData);
  EXPECT_EQ(Call(d2::Opnum::kGetCAProperty, Bytes{1, 2, 3}).fault_status, rpc::fault::kBadStubData);
  wire::AuthorityIn old;
  old.orpcthis.version_major = 4;
  EXPECT_EQ(Call(d2::Opnum::kPing, wire::EncodeAuthorityRequest(old)).fault_status,
            hr::kRpcVersionMismatch);
}

}  // namespace
}  // namespace openadcs::services
