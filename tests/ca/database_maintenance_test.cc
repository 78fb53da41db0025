// Engine::DeleteRows and Engine::ImportCertificate: the rights MS-CSRA
// 3.1.1.7 asks (refusals change nothing and leave no audit row), the
// argument rules of 3.1.4.2.18, the import of this CA's certificates only,
// duplicate serials, and an audit chain that verifies after deletes.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "openadcs/ca/engine.h"
#include "openadcs/db/audit.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using db::Table;

class DatabaseMaintenanceTest : public testing::EngineTestBase {
 protected:
  // The administrator is also an officer: DeleteRow needs both.
  void OpenSecurity() override {
    CaSecurityOptions options;
    options.initial.administrators = {admin_.sid, admin_only_.sid};
    options.initial.officers = {officer_.sid, admin_.sid};
    options.initial.readers = {"S-1-5-11"};
    options.initial.enrollees = {"S-1-5-11"};
    auto security = CaSecurity::Open(*store_, options);
    ASSERT_TRUE(security.ok()) << security.status().ToString();
    security_ = std::move(security).value();
  }

  SubmitResult Submit(const std::string& cn, const std::string& templ) {
    return EngineTestBase::Submit(Csr(cn), "CertificateTemplate:" + templ);
  }

  // A certificate for CN=`cn` with `serial`, issued in this CA's name and
  // signed by `signer` (the CA's key unless given).
  Bytes CaSigned(const std::string& cn, long serial, EVP_PKEY* foreign_signer = nullptr) {
    ossl::X509Ptr cert = testing::MakeSelfSignedCert(key_.get(), cn);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(identity_->certificate()));
    if (foreign_signer != nullptr) {
      EXPECT_GT(X509_sign(cert.get(), foreign_signer, EVP_sha256()), 0);
    } else {
      EXPECT_TRUE(identity_->SignCertificate(cert.get()).ok());
    }
    return testing::CertDer(cert.get());
  }

  std::size_t AuditRows() {
    auto rows = store_->ListAudit(0, db::kMaxAuditListRows);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  }

  std::uint32_t Hresult(const Status& s) { return s.hresult().value_or(0); }

  void ExpectChainVerifies() {
    auto v = db::VerifyAuditChain(dir_.path() / "ca.db");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_FALSE(v->first_fault.has_value()) << v->first_fault->why;
  }

  const Caller admin_only_ = testing::TestCaller("EXAMPLE\\root", "S-1-5-21-1-2-3-501");
};

TEST_F(DatabaseMaintenanceTest, DeleteNeedsAdministratorAndOfficer) {
  SubmitResult pending = Submit("alice", "OfficerApproval");
  ASSERT_EQ(pending.disposition, WireDisposition::kUnderSubmission) << pending.message;
  const std::size_t audit = AuditRows();
  DeleteRowsRequest one;
  one.row_id = pending.request_id;
  for (const Caller& c : {requester_, officer_, admin_only_}) {
    SCOPED_TRACE(c.name);
    auto n = engine_->DeleteRows(c, one);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(Hresult(n.status()), hr::kAccessDenied);
  }
  EXPECT_TRUE(store_->GetRequest(pending.request_id).ok());
  EXPECT_EQ(AuditRows(), audit);
  auto n = engine_->DeleteRows(admin_, one);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->deleted, 1u);
  EXPECT_FALSE(store_->GetRequest(pending.request_id).ok());
  auto rows = store_->ListAudit(0, db::kMaxAuditListRows);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), audit + 1);
  EXPECT_EQ(rows->back().event.action, "delete-row");
  EXPECT_EQ(rows->back().event.actor, admin_.name);
  EXPECT_EQ(rows->back().event.request_id, pending.request_id);
  ExpectChainVerifies();
}

TEST_F(DatabaseMaintenanceTest, ArgumentRulesOfDeleteRow) {
  struct Case {
    Table table;
    std::uint32_t flags;
    std::int64_t before;
    std::uint32_t row_id;
  };
  const std::vector<Case> bad = {
      {Table::kRequestCertificate, 0, 0, 0},     // neither
      {Table::kRequestCertificate, 1, now_, 5},  // both
      {Table::kRequestCertificate, 4, 0, 5},     // unknown flag
      {Table::kRequestCertificate, 0, now_, 0},  // a date needs a flag
      {Table::kExtension, 0, now_, 0},           // by id only
      {Table::kAttribute, 1, 0, 5},              // no flags
      {Table::kCrl, 2, now_, 0},                 // 0 or 1
      {static_cast<Table>(0x2000), 0, 0, 5},     // no such table
  };
  for (const Case& c : bad) {
    SCOPED_TRACE(static_cast<std::uint32_t>(c.table));
    auto n = engine_->DeleteRows(admin_, {c.table, c.flags, c.before, c.row_id});
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(Hresult(n.status()), hr::kInvalidArg);
  }
}

TEST_F(DatabaseMaintenanceTest, UnknownRowDeletesNothing) {
  const std::size_t audit = AuditRows();
  auto n = engine_->DeleteRows(admin_, {Table::kRequestCertificate, 0, 0, 4242});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->deleted, 0u);
  EXPECT_EQ(AuditRows(), audit);
}

TEST_F(DatabaseMaintenanceTest, BulkDeleteOfExpiredAndStaleRows) {
  SubmitResult issued = Submit("www.example.com", "AutoIssueSubject");
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  SubmitResult pending = Submit("alice", "OfficerApproval");
  ASSERT_EQ(pending.disposition, WireDisposition::kUnderSubmission);
  auto rec = store_->GetRequest(issued.request_id);
  ASSERT_TRUE(rec.ok() && rec->certificate);
  const std::int64_t not_after = rec->certificate->not_after;
  // Before notAfter: nothing expired yet.
  auto none = engine_->DeleteRows(
      admin_, {Table::kRequestCertificate, DeleteRowsRequest::kDeleteExpired, not_after, 0});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->deleted, 0u);
  auto expired = engine_->DeleteRows(
      admin_, {Table::kRequestCertificate, DeleteRowsRequest::kDeleteExpired, not_after + 1, 0});
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->deleted, 1u);
  EXPECT_FALSE(expired->more);
  EXPECT_FALSE(store_->GetRequest(issued.request_id).ok());
  EXPECT_TRUE(store_->GetRequest(pending.request_id).ok());
  auto stale = engine_->DeleteRows(
      admin_, {Table::kRequestCertificate, DeleteRowsRequest::kDeleteStale, now_ + 1, 0});
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->deleted, 1u);
  EXPECT_FALSE(store_->GetRequest(pending.request_id).ok());
  ExpectChainVerifies();
}

TEST_F(DatabaseMaintenanceTest, ImportsACertificateOfThisCa) {
  const Bytes der = CaSigned("imported.example.com", 0x1234567);
  const std::size_t audit = AuditRows();
  auto id = engine_->ImportCertificate(officer_, der, 0);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto rec = store_->GetRequest(*id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->disposition, db::Disposition::kIssued);
  EXPECT_EQ(rec->status_code, 0u);
  EXPECT_EQ(rec->disposition_message, "Imported by " + officer_.name);
  EXPECT_EQ(rec->requester_name, officer_.name);
  EXPECT_EQ(rec->caller_name, officer_.name);
  EXPECT_EQ(rec->submitted_when, now_);
  EXPECT_EQ(rec->resolved_when, now_);
  EXPECT_EQ(rec->distinguished_name, "CN=imported.example.com");
  EXPECT_EQ(rec->subject.common_name, "imported.example.com");
  ASSERT_TRUE(rec->certificate.has_value());
  EXPECT_EQ(rec->certificate->raw_certificate, der);
  EXPECT_EQ(rec->certificate->serial_number, "01234567");
  EXPECT_GT(rec->certificate->not_after, rec->certificate->not_before);
  EXPECT_EQ(rec->certificate->subject.common_name, "imported.example.com");
  // Known by serial like any issued certificate.
  auto status = engine_->IsValidCertificate(officer_, "01234567");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->disposition, 3u);
  auto rows = store_->ListAudit(0, db::kMaxAuditListRows);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), audit + 1);
  EXPECT_EQ(rows->back().event.action, "import");
  EXPECT_EQ(rows->back().event.actor, officer_.name);
  EXPECT_EQ(rows->back().event.request_id, *id);
  ExpectChainVerifies();
}

TEST_F(DatabaseMaintenanceTest, ImportRefusals) {
  const Bytes der = CaSigned("imported.example.com", 77);
  const std::size_t audit = AuditRows();
  // Rights: Officer.
  auto denied = engine_->ImportCertificate(requester_, der, 0);
  EXPECT_EQ(Hresult(denied.status()), hr::kAccessDenied);
  denied = engine_->ImportCertificate(admin_only_, der, 0);
  EXPECT_EQ(Hresult(denied.status()), hr::kAccessDenied);
  // Not one DER certificate.
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, trailing, 0).status()), hr::kInvalidData);
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, Bytes{0x30, 0x00}, 0).status()),
            hr::kInvalidData);
  // Foreign: another key signed it, ICF_ALLOWFOREIGN or not.
  ossl::PKeyPtr other = testing::MakeEcKey();
  const Bytes foreign = CaSigned("foreign.example.com", 78, other.get());
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, foreign, 0).status()),
            hr::kIssuerChaining);
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, foreign, kImportAllowForeign).status()),
            hr::kIssuerChaining);
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, der, kImportExistingRow).status()),
            hr::kNotImpl);
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, der, 0x4).status()), hr::kInvalidArg);
  EXPECT_EQ(AuditRows(), audit);
  // A serial already in the database, imported or issued.
  ASSERT_TRUE(engine_->ImportCertificate(officer_, der, 0).ok());
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, der, 0).status()), hr::kObjectExists);
  SubmitResult issued = Submit("www.example.com", "AutoIssueSubject");
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  EXPECT_EQ(Hresult(engine_->ImportCertificate(officer_, issued.certificate, 0).status()),
            hr::kObjectExists);
  ExpectChainVerifies();
}

}  // namespace
}  // namespace openadcs::ca
