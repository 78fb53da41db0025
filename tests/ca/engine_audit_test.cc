// What the engine writes to the audit trail: one row per change, in order,
// with the account that made it, and a chain that verifies.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "openadcs/ca/engine.h"
#include "openadcs/db/audit.h"
#include "openadcs/security/security_descriptor.h"
#include "testing/engine_fixture.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

class EngineAuditTest : public testing::EngineTestBase {
 protected:
  // The audit rows after the first start's init-ca-security (checked once).
  std::vector<db::AuditRow> Rows() {
    auto rows = store_->ListAudit(0, db::kMaxAuditListRows);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok() || rows->empty()) return {};
    EXPECT_EQ(rows->front().event.action, "init-ca-security");
    EXPECT_EQ(rows->front().event.actor, "");
    return {rows->begin() + 1, rows->end()};
  }

  void ExpectChainVerifies(std::uint64_t rows) {
    auto v = db::VerifyAuditChain(dir_.path() / "ca.db");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->rows, rows);
    EXPECT_FALSE(v->first_fault.has_value()) << v->first_fault->why;
  }
};

struct Expected {
  std::string action;
  std::string actor;
  bool about_the_request;
};

TEST_F(EngineAuditTest, ApprovalFlowLeavesItsRowsInOrder) {
  SubmitResult pending = Submit(Csr("alice"), "CertificateTemplate:OfficerApproval");
  ASSERT_EQ(pending.disposition, WireDisposition::kUnderSubmission) << pending.message;
  const std::uint32_t id = pending.request_id;
  const Bytes v{1, 0, 0, 0};
  ASSERT_TRUE(
      engine_->SetExtension(officer_, id, "1.3.6.1.4.1.99999.1", ValueType::kLong, 0, v).ok());
  ASSERT_TRUE(engine_->SetAttributes(officer_, id, "Note:checked by phone").ok());
  now_ += 60;
  SubmitResult issued = engine_->Resubmit(officer_, id);
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  auto rec = store_->GetRequest(id);
  ASSERT_TRUE(rec.ok() && rec->certificate);
  const std::string serial = rec->certificate->serial_number;
  ASSERT_TRUE(engine_->Revoke(officer_, serial, 6, 0).ok());
  ASSERT_TRUE(engine_->Revoke(officer_, serial, Engine::kUnrevoke, 0).ok());
  ASSERT_TRUE(engine_->Revoke(officer_, serial, 1, 0).ok());
  ASSERT_TRUE(engine_->PublishCrls(crl_kind::kBase, 0).ok());
  ASSERT_TRUE(engine_->PublishCrls(admin_, crl_kind::kBase, 0).ok());
  // Refused calls change nothing and leave no row.
  EXPECT_FALSE(engine_->Revoke(requester_, serial, 1, 0).ok());
  EXPECT_FALSE(engine_->PublishCrls(officer_, crl_kind::kBase, 0).ok());

  const std::vector<Expected> expected = {
      {"pend", requester_.name, true},         {"set-extension", officer_.name, true},
      {"set-attributes", officer_.name, true}, {"issue", officer_.name, true},
      {"revoke", officer_.name, true},         {"unrevoke", officer_.name, true},
      {"revoke", officer_.name, true},         {"publish-crl", "", false},
      {"publish-crl", admin_.name, false},
  };
  std::vector<db::AuditRow> rows = Rows();
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i].event.action, expected[i].action);
    EXPECT_EQ(rows[i].event.actor, expected[i].actor);
    EXPECT_EQ(rows[i].event.request_id, expected[i].about_the_request ? id : 0u);
  }
  EXPECT_EQ(rows[0].event.time, 1'800'000'000);
  EXPECT_EQ(rows[3].event.time, 1'800'000'060);
  EXPECT_NE(rows[1].event.detail.find("1.3.6.1.4.1.99999.1"), std::string::npos);
  EXPECT_EQ(rows[2].event.detail, "Note");  // names only, never values
  EXPECT_NE(rows[3].event.detail.find("serial " + serial), std::string::npos);
  EXPECT_NE(rows[4].event.detail.find("reason 6"), std::string::npos);
  EXPECT_NE(rows[7].event.detail.find("CRL 1"), std::string::npos);
  ExpectChainVerifies(expected.size() + 1);
}

TEST_F(EngineAuditTest, SubmitOutcomesDenialAndSecurity) {
  SubmitResult issued = Submit(Csr("www.example.com"), "CertificateTemplate:AutoIssueSubject");
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  SubmitResult failed = Submit(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, "");
  ASSERT_EQ(failed.disposition, WireDisposition::kError);
  SubmitResult pending = Submit(Csr("bob"), "CertificateTemplate:OfficerApproval");
  ASSERT_TRUE(engine_->Deny(officer_, pending.request_id).ok());
  const Bytes sd = security_->Descriptor();
  ASSERT_TRUE(security_->Replace(admin_, sd).ok());
  EXPECT_FALSE(security_->Replace(officer_, sd).ok());

  std::vector<db::AuditRow> rows = Rows();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].event.action, "issue");
  EXPECT_EQ(rows[0].event.actor, requester_.name);
  EXPECT_EQ(rows[0].event.request_id, issued.request_id);
  EXPECT_EQ(rows[1].event.action, "fail");
  EXPECT_EQ(rows[1].event.request_id, failed.request_id);
  EXPECT_EQ(rows[2].event.action, "pend");
  EXPECT_EQ(rows[3].event.action, "deny");
  EXPECT_EQ(rows[3].event.actor, officer_.name);
  EXPECT_EQ(rows[3].event.request_id, pending.request_id);
  EXPECT_EQ(rows[4].event.action, "set-ca-security");
  EXPECT_EQ(rows[4].event.actor, admin_.name);
  EXPECT_NE(rows[4].event.detail.find("version 2"), std::string::npos);
  for (const db::AuditRow& r : rows) {
    EXPECT_EQ(r.event.detail.find('\n'), std::string::npos) << r.event.detail;
  }
  ExpectChainVerifies(6);
}

}  // namespace
}  // namespace openadcs::ca
