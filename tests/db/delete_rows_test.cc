// DeleteRow and DeleteRowsBefore on the SQLite store: a request takes its
// Extension and Attribute rows along, an empty delete writes nothing (no
// audit row either), bulk deletes select by date and disposition, stop at
// their limit and say whether more remain, and the audit chain still
// verifies afterwards.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "openadcs/db/audit.h"
#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

constexpr std::int64_t kTime = 1'800'000'000;

class DeleteRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = path_;
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  static AuditEvent Event(std::string action) {
    return {kTime, "EXAMPLE\\admin", std::move(action), 0, "test"};
  }

  // A request in `d`, submitted at `submitted`, resolved at `resolved`, with
  // one attribute and one extension; issued ones get `serial` and `not_after`.
  std::uint32_t Insert(Disposition d, std::int64_t submitted, std::int64_t resolved = 0,
                       std::int64_t not_after = 0) {
    RequestRecord r;
    r.disposition = d;
    r.submitted_when = submitted;
    r.resolved_when = resolved;
    r.requester_name = "EXAMPLE\\alice";
    if (d == Disposition::kIssued || d == Disposition::kRevoked) {
      CertificateColumns c;
      c.serial_number = "0a" + std::to_string(++serials_);
      c.not_after = not_after;
      r.certificate = c;
    }
    auto id = store_->InsertRequest(r, {{0, "ccm", "host"}},
                                    {{0, "2.5.29.15", 0x10000, {0x03, 0x01, 0x00}}}, Event("pend"));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  std::uint64_t AuditRows() {
    auto rows = store_->ListAudit(0, kMaxAuditListRows);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  }

  AuditRow LastAudit() {
    auto rows = store_->ListAudit(0, kMaxAuditListRows);
    EXPECT_TRUE(rows.ok() && !rows->empty());
    return rows.ok() && !rows->empty() ? rows->back() : AuditRow{};
  }

  bool Exists(std::uint32_t id) { return store_->GetRequest(id).ok(); }

  void ExpectChainVerifies() {
    auto v = VerifyAuditChain(path_);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_FALSE(v->first_fault.has_value()) << v->first_fault->why;
  }

  int serials_ = 0;
  testing::TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "ca.db";
  std::unique_ptr<CaStore> store_;
};

TEST_F(DeleteRowsTest, RequestGoesWithItsExtensionsAndAttributes) {
  const std::uint32_t keep = Insert(Disposition::kPending, kTime);
  const std::uint32_t gone = Insert(Disposition::kPending, kTime);
  auto deleted = store_->DeleteRow(Table::kRequestCertificate, gone, Event("delete-row"));
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  EXPECT_FALSE(Exists(gone));
  EXPECT_EQ(store_->ListExtensions(gone).status().code(), StatusCode::kNotFound);
  // Nothing of the other request went, and no orphan rows are left.
  ASSERT_TRUE(store_->ListExtensions(keep).ok());
  EXPECT_EQ(store_->ListExtensions(keep)->size(), 1u);
  EXPECT_EQ(store_->ListAttributes(keep)->size(), 1u);
  ViewQuery q;
  q.table = Table::kExtension;
  q.columns = {FindColumn("ExtensionRequestId")->id};
  q.max_rows = 10;
  auto page = store_->QueryView(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->rows[0].row_id, keep);
  const AuditRow last = LastAudit();
  EXPECT_EQ(last.event.action, "delete-row");
  EXPECT_EQ(last.event.detail, "test: id " + std::to_string(gone));
  ExpectChainVerifies();
}

TEST_F(DeleteRowsTest, ExtensionAndAttributeRowsOfOneRequest) {
  const std::uint32_t id = Insert(Disposition::kPending, kTime);
  auto ext = store_->DeleteRow(Table::kExtension, id, Event("delete-row"));
  ASSERT_TRUE(ext.ok()) << ext.status().ToString();
  EXPECT_EQ(*ext, 1u);
  EXPECT_TRUE(store_->ListExtensions(id)->empty());
  EXPECT_EQ(store_->ListAttributes(id)->size(), 1u);
  auto attr = store_->DeleteRow(Table::kAttribute, id, Event("delete-row"));
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(*attr, 1u);
  EXPECT_TRUE(store_->ListAttributes(id)->empty());
  EXPECT_TRUE(Exists(id));
  ExpectChainVerifies();
}

TEST_F(DeleteRowsTest, UnknownRowDeletesNothingAndWritesNoAuditRow) {
  Insert(Disposition::kPending, kTime);
  const std::uint64_t before = AuditRows();
  for (Table t : {Table::kRequestCertificate, Table::kExtension, Table::kAttribute, Table::kCrl}) {
    auto deleted = store_->DeleteRow(t, 99, Event("delete-row"));
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(*deleted, 0u);
  }
  EXPECT_EQ(AuditRows(), before);
}

TEST_F(DeleteRowsTest, CrlRowById) {
  CrlRow crl;
  crl.number = 1;
  crl.next_update = kTime;
  crl.raw_crl = {0x30, 0x00};
  auto row = store_->InsertCrl(crl, Event("publish-crl"));
  ASSERT_TRUE(row.ok());
  auto deleted = store_->DeleteRow(Table::kCrl, *row, Event("delete-row"));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1u);
  auto latest = store_->LatestCrl();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
}

TEST_F(DeleteRowsTest, ExpiredCertificatesBeforeTheDate) {
  const std::uint32_t expired = Insert(Disposition::kIssued, kTime, kTime, kTime + 10);
  const std::uint32_t revoked = Insert(Disposition::kRevoked, kTime, kTime, kTime + 20);
  const std::uint32_t valid = Insert(Disposition::kIssued, kTime, kTime, kTime + 100);
  const std::uint32_t pending = Insert(Disposition::kPending, kTime - 1000);
  auto n = store_->DeleteRowsBefore(BulkDelete::kExpiredCertificates, kTime + 50, 100,
                                    Event("delete-rows"));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->deleted, 2u);
  EXPECT_FALSE(n->more);
  EXPECT_FALSE(Exists(expired));
  EXPECT_FALSE(Exists(revoked));
  EXPECT_TRUE(Exists(valid));
  EXPECT_TRUE(Exists(pending));
  EXPECT_EQ(LastAudit().event.detail,
            "test: ids " + std::to_string(expired) + "-" + std::to_string(revoked));
  ExpectChainVerifies();
}

TEST_F(DeleteRowsTest, StaleRequestsByLastAction) {
  const std::uint32_t old_pending = Insert(Disposition::kPending, kTime - 100);
  const std::uint32_t new_pending = Insert(Disposition::kPending, kTime + 100);
  // Submitted long ago but denied recently: last acted on after the date.
  const std::uint32_t recently_denied = Insert(Disposition::kDenied, kTime - 100, kTime + 100);
  const std::uint32_t old_failed = Insert(Disposition::kError, kTime - 100, kTime - 50);
  const std::uint32_t issued = Insert(Disposition::kIssued, kTime - 100, kTime - 100, kTime - 1);
  auto n = store_->DeleteRowsBefore(BulkDelete::kStaleRequests, kTime, 100, Event("delete-rows"));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->deleted, 2u);
  EXPECT_FALSE(Exists(old_pending));
  EXPECT_FALSE(Exists(old_failed));
  EXPECT_TRUE(Exists(new_pending));
  EXPECT_TRUE(Exists(recently_denied));
  EXPECT_TRUE(Exists(issued));
}

TEST_F(DeleteRowsTest, BulkDeleteStopsAtItsLimitOldestFirst) {
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Insert(Disposition::kPending, kTime - 10));
  auto first = store_->DeleteRowsBefore(BulkDelete::kStaleRequests, kTime, 3, Event("delete-rows"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->deleted, 3u);
  EXPECT_TRUE(first->more);
  EXPECT_FALSE(Exists(ids[2]));
  EXPECT_TRUE(Exists(ids[3]));
  auto second =
      store_->DeleteRowsBefore(BulkDelete::kStaleRequests, kTime, 3, Event("delete-rows"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->deleted, 2u);
  EXPECT_FALSE(second->more);
  const std::uint64_t audit = AuditRows();
  auto none = store_->DeleteRowsBefore(BulkDelete::kStaleRequests, kTime, 3, Event("delete-rows"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->deleted, 0u);
  EXPECT_EQ(AuditRows(), audit);
  EXPECT_FALSE(
      store_->DeleteRowsBefore(BulkDelete::kStaleRequests, kTime, 0, Event("delete-rows")).ok());
  ExpectChainVerifies();
}

TEST_F(DeleteRowsTest, ExpiredCrls) {
  for (std::uint32_t i = 1; i <= 3; ++i) {
    CrlRow crl;
    crl.number = i;
    crl.next_update = kTime + i * 10;
    crl.raw_crl = {0x30, 0x00};
    ASSERT_TRUE(store_->InsertCrl(crl, Event("publish-crl")).ok());
  }
  auto n = store_->DeleteRowsBefore(BulkDelete::kExpiredCrls, kTime + 25, 100, Event("d"));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->deleted, 2u);
  auto latest = store_->LatestCrl();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->number, 3u);
}

}  // namespace
}  // namespace openadcs::db
