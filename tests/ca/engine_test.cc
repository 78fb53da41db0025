// The engine against real parts: a SQLite file, the sample LDIF templates and
// a generated CA key. Covers the approval flow of MS-CERSOD 3.5, retrieval,
// officer operations, CRLs and bad input.
#include "openadcs/ca/engine.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/db/column_catalogue.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/pki.h"
#include "testing/template_inspection.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using db::Disposition;
using testing::CsrSpec;
namespace xf = db::extension_flag;

class EngineTest : public testing::EngineTestBase {
 protected:
  std::vector<db::RequestRecord> All() {
    auto rows = store_->ListRequests({});
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<db::RequestRecord>{};
  }
};

TEST_F(EngineTest, ApprovalFlowOfMsCersod35) {
  // 1. Submit to the approval template: pending.
  SubmitResult submitted = Submit(Csr("alice"), "CertificateTemplate:OfficerApproval");
  ASSERT_EQ(submitted.disposition, WireDisposition::kUnderSubmission) << submitted.message;
  ASSERT_NE(submitted.request_id, 0u);
  EXPECT_TRUE(submitted.certificate.empty());
  const std::uint32_t id = submitted.request_id;

  // The client polls: still pending.
  EXPECT_EQ(engine_->RetrieveById(requester_, id, "openadcs-CA").disposition,
            WireDisposition::kUnderSubmission);

  // 2. The officer lists the requests pending for the template and finds it,
  // with the template column the console's pending view shows (a schema 2
  // template: its OID).
  const std::string template_oid = templates_->Current()->FindByName("OfficerApproval")->oid;
  db::ViewQuery pending_view;
  pending_view.columns = {db::FindColumn("Request.RequestID")->id,
                          db::FindColumn("Request.CommonName")->id,
                          db::FindColumn("CertificateTemplate")->id};
  pending_view.restrictions = {
      {db::FindColumn("Request.Disposition")->id, db::SeekOperator::kEq, db::SortOrder::kNone,
       db::ColumnValue::Long(static_cast<std::uint32_t>(Disposition::kPending))},
      {db::FindColumn("CertificateTemplate")->id, db::SeekOperator::kEq, db::SortOrder::kNone,
       db::ColumnValue::String(template_oid)}};
  pending_view.max_rows = 10;
  auto pending = engine_->QueryView(officer_, pending_view);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->rows.size(), 1u);
  EXPECT_EQ(pending->rows[0].row_id, id);
  EXPECT_EQ(*pending->rows[0].values[1].AsString(), "alice");
  EXPECT_EQ(*pending->rows[0].values[2].AsString(), template_oid);

  // 3. Sets an extension (STRING -> IA5String).
  const std::string note = "approved by the officer";
  ASSERT_TRUE(engine_
                  ->SetExtension(officer_, id, "1.3.6.1.4.1.99999.1", ValueType::kString, 0,
                                 Bytes(note.begin(), note.end()))
                  .ok());

  // 4. Resubmits: issued.
  now_ += 60;
  SubmitResult issued = engine_->Resubmit(officer_, id);
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  ASSERT_FALSE(issued.certificate.empty());
  auto cert = testing::ParseCertDer(issued.certificate);
  ASSERT_TRUE(cert);
  EXPECT_EQ(testing::ExtensionValue(cert.get(), "1.3.6.1.4.1.99999.1"), pki::ext::Ia5String(note));
  EXPECT_EQ(X509_verify(cert.get(), identity_->key()), 1);

  // 5. The client retrieves it by id: the same certificate, with the chain.
  SubmitResult retrieved = engine_->RetrieveById(requester_, id, "openadcs-CA");
  EXPECT_EQ(retrieved.disposition, WireDisposition::kIssued);
  EXPECT_EQ(retrieved.certificate, issued.certificate);
  const unsigned char* p = retrieved.chain_cms.data();
  ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(retrieved.chain_cms.size())));
  ASSERT_TRUE(cms);
  STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
  ASSERT_NE(certs, nullptr);
  EXPECT_EQ(sk_X509_num(certs), 2);
  sk_X509_pop_free(certs, X509_free);

  // 6. The Extension table holds the officer's row with the admin origin.
  auto exts = store_->ListExtensions(id);
  ASSERT_TRUE(exts.ok());
  bool found = false;
  for (const auto& row : *exts) {
    if (row.name == "1.3.6.1.4.1.99999.1") {
      found = true;
      EXPECT_EQ(row.flags & xf::kOriginMask, xf::kOriginAdmin);
    }
  }
  EXPECT_TRUE(found);
  auto rec = store_->GetRequest(id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->disposition, Disposition::kIssued);
  EXPECT_EQ(rec->officer, "EXAMPLE\\officer");
  EXPECT_EQ(rec->requester_name, "EXAMPLE\\alice");
  EXPECT_EQ(rec->certificate_template, template_oid);
}

TEST_F(EngineTest, AutoIssueTemplateIssuesAtOnce) {
  SubmitResult r = Submit(Csr("www.example.com"), "CertificateTemplate:AutoIssueSubject");
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  auto cert = testing::ParseCertDer(r.certificate);
  ASSERT_TRUE(cert);
  auto serial = engine_->IsValidCertificate(requester_, All()[0].certificate->serial_number);
  ASSERT_TRUE(serial.ok());
  EXPECT_EQ(serial->disposition, 3u);
  EXPECT_EQ(
      engine_->RetrieveBySerial(requester_, All()[0].certificate->serial_number, "").certificate,
      r.certificate);
  // The stored columns agree with OpenSSL's own reading of the certificate.
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert.get());
  ASSERT_NE(ski, nullptr);
  EXPECT_EQ(
      All()[0].certificate->subject_key_identifier,
      HexLower({ASN1_STRING_get0_data(ski), static_cast<std::size_t>(ASN1_STRING_length(ski))}));
  unsigned char sha1[20];
  unsigned int sha1_len = 0;
  ASSERT_EQ(X509_digest(cert.get(), EVP_sha1(), sha1, &sha1_len), 1);
  EXPECT_EQ(All()[0].certificate->certificate_hash, HexLower({sha1, sha1_len}));
}

// A schema 1 template has no OID: the column holds its name, on whatever
// row the policy resolved it for (here the User template, whose subject
// comes from a directory this engine has not, denies).
TEST_F(EngineTest, SchemaOneTemplateColumnIsItsName) {
  SubmitResult r = Submit(Csr("alice"), "CertificateTemplate:User");
  ASSERT_NE(r.request_id, 0u);
  auto rec = store_->GetRequest(r.request_id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->certificate_template, "User") << r.message;
}

// Each outcome is logged once, after its row is durable (Submit returns
// then): a pending request, its approval, and an issuance at once.
TEST_F(EngineTest, LogsEachOutcomeOnceItIsDurable) {
  testing::LogCapture log;
  const SubmitResult pending = Submit(Csr("alice"), "CertificateTemplate:OfficerApproval");
  ASSERT_EQ(pending.disposition, WireDisposition::kUnderSubmission) << pending.message;
  const std::string id = std::to_string(pending.request_id);
  EXPECT_EQ(log.Count("[req " + id + "] pending from " + requester_.name), 1u) << log.Text();
  ASSERT_EQ(engine_->Resubmit(officer_, pending.request_id).disposition, WireDisposition::kIssued);
  EXPECT_EQ(log.Count("[req " + id + "] issued to " + requester_.name), 1u) << log.Text();
  EXPECT_EQ(log.Count("approved by " + officer_.name), 1u) << log.Text();
  const SubmitResult at_once = Submit(Csr("bob"), "CertificateTemplate:AutoIssueSubject");
  ASSERT_EQ(at_once.disposition, WireDisposition::kIssued) << at_once.message;
  EXPECT_EQ(log.Count("[req " + std::to_string(at_once.request_id) + "] issued to "), 1u)
      << log.Text();
}

TEST_F(EngineTest, SerialNumbersArePositiveRandomAndLong) {
  std::set<std::string> serials;
  for (int i = 0; i < 20; ++i) {
    SubmitResult r =
        Submit(Csr("host" + std::to_string(i)), "CertificateTemplate:AutoIssueSubject");
    ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
    auto cert = testing::ParseCertDer(r.certificate);
    const ASN1_INTEGER* s = X509_get0_serialNumber(cert.get());
    EXPECT_EQ(ASN1_STRING_type(s), V_ASN1_INTEGER);  // positive
    EXPECT_GE(ASN1_STRING_length(s) * 8, 128);
    serials.insert(All().back().certificate->serial_number);
  }
  EXPECT_EQ(serials.size(), 20u);
}

TEST_F(EngineTest, DeniedRequestRetrievesAsAdminDenied) {
  auto r = Submit(Csr("alice"), "CertificateTemplate:OfficerApproval");
  ASSERT_TRUE(engine_->Deny(officer_, r.request_id).ok());
  SubmitResult got = engine_->RetrieveById(requester_, r.request_id, "");
  EXPECT_EQ(got.disposition, WireDisposition::kDenied);
  EXPECT_EQ(got.status, hr::kAdminDeniedRequest);
  EXPECT_EQ(got.message, "Denied by " + officer_.name);
  // A denied request can be neither resubmitted nor denied again.
  EXPECT_EQ(engine_->Resubmit(officer_, r.request_id).status, hr::kBadRequestStatus);
  EXPECT_EQ(engine_->Deny(officer_, r.request_id).hresult(), hr::kBadRequestStatus);
}

TEST_F(EngineTest, OfficerOperationsCheckStateAndArguments) {
  auto issued = Submit(Csr("www.example.com"), "CertificateTemplate:AutoIssueSubject");
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued);
  const Bytes v{1, 0, 0, 0};
  EXPECT_EQ(
      engine_->SetExtension(officer_, issued.request_id, "1.2.3", ValueType::kLong, 0, v).hresult(),
      hr::kBadRequestStatus);
  EXPECT_EQ(engine_->SetExtension(officer_, 999, "1.2.3", ValueType::kLong, 0, v).hresult(),
            hr::kPropertyEmpty);
  auto pending = Submit(Csr("alice"), "CertificateTemplate:OfficerApproval");
  const std::uint32_t id = pending.request_id;
  EXPECT_EQ(engine_->SetExtension(officer_, id, "not an oid", ValueType::kLong, 0, v).hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(engine_
                ->SetExtension(officer_, id, "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15",
                               ValueType::kLong, 0, v)
                .hresult(),
            hr::kInvalidArg);  // 34 characters: over the limit of 31
  EXPECT_EQ(engine_->SetExtension(officer_, id, "1.2.3", static_cast<ValueType>(9), 0, v).hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(engine_->SetExtension(officer_, id, "1.2.3", ValueType::kLong, 0x100, v).hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(engine_->SetExtension(officer_, id, "1.2.3", ValueType::kLong, 0, Bytes{1}).hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(engine_->Resubmit(officer_, 4242).status, hr::kPropertyEmpty);
  ASSERT_TRUE(engine_->SetAttributes(officer_, id, "Note:checked by phone").ok());
  auto attrs = store_->ListAttributes(id);
  ASSERT_TRUE(attrs.ok());
  bool found = false;
  for (const auto& a : *attrs) found |= (a.name == "Note" && a.value == "checked by phone");
  EXPECT_TRUE(found);
}

TEST_F(EngineTest, RevokeHoldReleaseAndCrl) {
  auto r = Submit(Csr("www.example.com"), "CertificateTemplate:AutoIssueSubject");
  ASSERT_EQ(r.disposition, WireDisposition::kIssued);
  const std::string serial = All()[0].certificate->serial_number;

  ASSERT_TRUE(engine_->Revoke(officer_, serial, 6, 0).ok());  // certificateHold
  EXPECT_EQ(All()[0].officer, officer_.name);                 // who revoked is on record
  auto held = engine_->IsValidCertificate(requester_, serial);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->disposition, 2u);
  EXPECT_EQ(held->reason, 6u);
  EXPECT_EQ(engine_->RetrieveById(requester_, r.request_id, "").disposition,
            WireDisposition::kRevoked);

  ASSERT_TRUE(engine_->Revoke(officer_, serial, Engine::kUnrevoke, 0).ok());
  EXPECT_EQ(engine_->IsValidCertificate(requester_, serial)->disposition, 3u);
  EXPECT_EQ(engine_->Revoke(officer_, serial, Engine::kUnrevoke, 0).hresult(),
            hr::kBadRequestStatus);
  EXPECT_EQ(engine_->Revoke(officer_, serial, 7, 0).hresult(), hr::kInvalidArg);

  ASSERT_TRUE(engine_->Revoke(officer_, serial, 1, 0).ok());  // keyCompromise: final
  EXPECT_EQ(engine_->Revoke(officer_, serial, 4, 0).hresult(), hr::kBadRequestStatus);
  EXPECT_EQ(engine_->Revoke(officer_, "00ff", 1, 0).hresult(), hr::kPropertyEmpty);
  EXPECT_EQ(engine_->IsValidCertificate(requester_, "00ff")->disposition, 4u);

  now_ += 10;
  auto crls = engine_->PublishCrls(crl_kind::kBase, 0);
  ASSERT_TRUE(crls.ok()) << crls.status().ToString();
  ASSERT_TRUE(crls->base);
  const db::CrlRow* crl = &*crls->base;
  EXPECT_EQ(crl->number, 1u);
  EXPECT_EQ(crl->count, 1u);
  const unsigned char* p = crl->raw_crl.data();
  ossl::X509CrlPtr parsed(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl->raw_crl.size())));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(X509_CRL_verify(parsed.get(), identity_->key()), 1);
  ASSERT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(parsed.get())), 1);
  auto second = engine_->PublishCrls(crl_kind::kBase, 0);
  ASSERT_TRUE(second.ok() && second->base);
  EXPECT_EQ(second->base->number, 2u);
}

// The schedule's thread and administrators' PublishCRL calls may publish at
// once: each CRL takes the next number of its own, and none fails for a
// number another took.
TEST_F(EngineTest, PublicationsAtOnceEachGetANumberOfTheirOwn) {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kEach = 5;
  std::mutex mu;
  std::set<std::uint32_t> numbers;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = 0; i < kEach; ++i) {
        auto crls = engine_->PublishCrls(crl_kind::kBase, 0);
        std::lock_guard lock(mu);
        if (crls.ok()) {
          numbers.insert(crls->base->number);
        } else {
          failures.push_back(crls.status().ToString());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(numbers.size(), kThreads * kEach);
}

TEST_F(EngineTest, WrongAuthorityIsInvalidArgWithoutARow) {
  SubmitRequest r;
  r.request = Csr("x");
  r.attributes = "CertificateTemplate:AutoIssueSubject";
  r.authority = "some-other-CA";
  EXPECT_EQ(engine_->Submit(r).status, hr::kInvalidArg);
  EXPECT_TRUE(All().empty());
}

TEST_F(EngineTest, RetrieveOfUnknownIdIsPropertyEmpty) {
  EXPECT_EQ(engine_->RetrieveById(requester_, 77, "").status, hr::kPropertyEmpty);
  EXPECT_EQ(engine_->RetrieveBySerial(requester_, "0abc", "").status, hr::kPropertyEmpty);
}

// Bad input: each gives its HRESULT and one failed or denied row; nothing
// else is written.
struct BadInputCase {
  const char* name;
  std::uint32_t want_status;
  Disposition want_disposition;
};

class EngineBadInputTest : public EngineTest, public ::testing::WithParamInterface<BadInputCase> {
 protected:
  std::pair<Bytes, std::string> Make(const std::string& name) {
    const std::string tmpl = "CertificateTemplate:AutoIssueSubject";
    Bytes good = Csr("www.example.com");
    if (name == "garbage") return {Bytes{'n', 'o', 't', ' ', 'a', ' ', 'r', 'e', 'q'}, tmpl};
    if (name == "truncated") return {Bytes(good.begin(), good.begin() + good.size() / 2), tmpl};
    if (name == "bad_signature") {
      good[good.size() - 5] ^= 0x55;  // inside the signature bits
      return {good, tmpl};
    }
    if (name == "oversized") return {Bytes(std::size_t{70} * 1024, 0x30), tmpl};
    if (name == "unknown_template") return {good, "CertificateTemplate:NoSuchTemplate"};
    if (name == "no_template") return {good, ""};
    if (name == "conflicting_sources") {
      CsrSpec s;
      s.subject = {{"CN", "www.example.com"}};
      s.name_value_pairs = {{"CertificateTemplate", "OfficerApproval"}};
      return {testing::MakeCsrDer(key_.get(), s), tmpl};
    }
    return {};
  }
};

TEST_P(EngineBadInputTest, GivesHresultAndOneRow) {
  const BadInputCase& c = GetParam();
  auto [bytes, attributes] = Make(c.name);
  SubmitResult r = Submit(bytes, attributes);
  EXPECT_EQ(r.status, c.want_status) << r.message;
  EXPECT_NE(r.request_id, 0u);
  EXPECT_TRUE(r.certificate.empty());
  auto rows = All();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].request_id, r.request_id);
  EXPECT_EQ(rows[0].disposition, c.want_disposition);
  EXPECT_EQ(rows[0].status_code, c.want_status);
  EXPECT_FALSE(rows[0].certificate.has_value());
  auto crl = store_->LatestCrl();
  ASSERT_TRUE(crl.ok());
  EXPECT_FALSE(crl->has_value());
  // The same answer on a later retrieve.
  SubmitResult again = engine_->RetrieveById(requester_, r.request_id, "");
  EXPECT_EQ(again.status, c.want_status);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EngineBadInputTest,
    ::testing::Values(
        BadInputCase{"garbage", hr::kInvalidData, Disposition::kError},
        BadInputCase{"truncated", hr::kInvalidData, Disposition::kError},
        BadInputCase{"bad_signature", hr::kBadSignature, Disposition::kError},
        BadInputCase{"oversized", hr::kInvalidData, Disposition::kError},
        BadInputCase{"unknown_template", hr::kUnsupportedCertType, Disposition::kDenied},
        BadInputCase{"no_template", hr::kUnsupportedCertType, Disposition::kDenied},
        BadInputCase{"conflicting_sources", hr::kTemplateConflict, Disposition::kDenied}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace openadcs::ca
