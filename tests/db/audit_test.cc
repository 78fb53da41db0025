// The audit chain: each write appends its row in its own transaction, one
// chain survives concurrent writers and failed writes, VerifyAuditChain
// names the first edited, removed or reordered row, and a version 2 file
// gains the table on open.
#include "openadcs/db/audit.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"
#include "testing/store_fixture.h"

namespace openadcs::db {
namespace {

constexpr std::int64_t kTime = 1'800'000'000;

class AuditTest : public testing::StoreTestBase {
 protected:
  static AuditEvent Event(std::string action, std::string detail) {
    return {kTime, "EXAMPLE\\officer", std::move(action), 0, std::move(detail)};
  }

  std::uint32_t InsertPending(const std::string& detail) {
    RequestRecord r;
    r.disposition = Disposition::kPending;
    r.requester_name = "EXAMPLE\\alice";
    auto id = store_->InsertRequest(r, {}, {}, Event("pend", detail));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  std::vector<AuditRow> All() {
    auto rows = store_->ListAudit(0, kMaxAuditListRows);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<AuditRow>{};
  }

  AuditVerification Verify() {
    auto v = VerifyAuditChain(path_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : AuditVerification{};
  }

  // Five rows, "detail 1" .. "detail 5".
  void FiveRows() {
    for (int i = 1; i <= 5; ++i) InsertPending("detail " + std::to_string(i));
    ASSERT_FALSE(Verify().first_fault.has_value());
  }
};

TEST_F(AuditTest, EmptyChainVerifies) {
  AuditVerification v = Verify();
  EXPECT_EQ(v.rows, 0u);
  EXPECT_EQ(v.head_hash, Bytes(kAuditHashBytes, 0));
  EXPECT_FALSE(v.first_fault.has_value());
}

TEST_F(AuditTest, EveryWriteAppendsOneRowOfTheChain) {
  const std::uint32_t id = InsertPending("submitted");
  ASSERT_TRUE(store_
                  ->PutExtension({id, "2.5.29.15", 0, {0x03, 0x02, 0x05, 0xA0}},
                                 Disposition::kPending, Event("set-extension", "2.5.29.15"))
                  .ok());
  ASSERT_TRUE(store_
                  ->PutAttributes(id, {{id, "ccm", "host"}}, Disposition::kPending,
                                  Event("set-attributes", "ccm"))
                  .ok());
  auto rec = store_->GetRequest(id);
  ASSERT_TRUE(rec.ok());
  rec->disposition = Disposition::kDenied;
  AuditEvent deny = Event("deny", "by officer");
  deny.request_id = id;
  ASSERT_TRUE(store_->UpdateRequest(*rec, Disposition::kPending, {}, deny).ok());
  CrlRow crl;
  crl.number = 1;
  ASSERT_TRUE(store_->InsertCrl(crl, {kTime, "", "publish-crl", 0, "CRL 1"}).ok());
  ASSERT_TRUE(store_->PutCaSecurity({0x01}, 0, Event("set-ca-security", "version 1")).ok());

  std::vector<AuditRow> rows = All();
  ASSERT_EQ(rows.size(), 6u);
  const std::vector<std::string> actions = {"pend", "set-extension", "set-attributes",
                                            "deny", "publish-crl",   "set-ca-security"};
  Bytes prev(kAuditHashBytes, 0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i].seq, i + 1);
    EXPECT_EQ(rows[i].event.action, actions[i]);
    EXPECT_EQ(rows[i].prev_hash, prev);
    EXPECT_EQ(rows[i].hash, AuditHash(prev, rows[i].seq, rows[i].event));
    prev = rows[i].hash;
  }
  EXPECT_EQ(rows[0].event.request_id, id);  // filled in by InsertRequest
  EXPECT_EQ(rows[0].event.actor, "EXAMPLE\\officer");
  EXPECT_EQ(rows[0].event.time, kTime);
  EXPECT_EQ(rows[4].event.actor, "");
  EXPECT_EQ(rows[4].event.detail, "CRL 1");

  AuditVerification v = Verify();
  EXPECT_EQ(v.rows, 6u);
  EXPECT_EQ(v.head_hash, rows.back().hash);
  EXPECT_FALSE(v.first_fault.has_value());
}

TEST_F(AuditTest, FailedWritesAppendNothing) {
  const std::uint32_t id = InsertPending("one");
  RequestRecord missing;
  missing.request_id = 4242;
  EXPECT_EQ(store_->UpdateRequest(missing, Disposition::kPending, {}, Event("deny", "")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      store_->PutAttributes(id, {{id, "a", "b"}}, Disposition::kIssued, Event("x", "")).code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->PutCaSecurity({0x01}, 7, Event("set-ca-security", "")).code(),
            StatusCode::kFailedPrecondition);
  // An oversized field fails the write itself: the change is not kept either.
  AuditEvent huge = Event("pend", std::string(kMaxAuditFieldBytes + 1, 'x'));
  EXPECT_EQ(store_->InsertRequest(RequestRecord{}, {}, {}, huge).status().code(),
            StatusCode::kInvalidArgument);
  auto requests = store_->ListRequests({});
  ASSERT_TRUE(requests.ok());
  EXPECT_EQ(requests->size(), 1u);
  InsertPending("two");
  std::vector<AuditRow> rows = All();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].seq, 2u);
  EXPECT_EQ(rows[1].event.detail, "two");
  EXPECT_EQ(Verify().rows, 2u);
  EXPECT_FALSE(Verify().first_fault.has_value());
}

// The group commit runs several writers' work in one transaction, each in a
// savepoint; the failed ones are rolled back alone, their audit rows with
// them. The chain must stay one line through all of it.
TEST_F(AuditTest, ConcurrentWritersKeepOneChain) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        RequestRecord r;
        r.disposition = Disposition::kPending;
        AuditEvent e = Event("pend", "t" + std::to_string(t) + " i" + std::to_string(i));
        EXPECT_TRUE(store_->InsertRequest(r, {}, {}, e).ok());
        RequestRecord missing;
        missing.request_id = 1'000'000;
        EXPECT_EQ(
            store_->UpdateRequest(missing, Disposition::kPending, {}, Event("deny", "")).code(),
            StatusCode::kNotFound);
      }
    });
  }
  for (std::thread& th : threads) th.join();

  std::vector<AuditRow> rows = All();
  ASSERT_EQ(rows.size(), std::size_t{kThreads * kPerThread});
  std::vector<std::uint32_t> ids;
  for (const AuditRow& r : rows) ids.push_back(r.event.request_id);
  std::sort(ids.begin(), ids.end());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], i + 1);
  AuditVerification v = Verify();
  EXPECT_EQ(v.rows, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(v.head_hash, rows.back().hash);
  EXPECT_FALSE(v.first_fault.has_value()) << v.first_fault->why;
}

TEST_F(AuditTest, ChainContinuesAcrossReopen) {
  InsertPending("before");
  Reopen();
  InsertPending("after");
  std::vector<AuditRow> rows = All();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].prev_hash, rows[0].hash);
  EXPECT_FALSE(Verify().first_fault.has_value());
}

TEST_F(AuditTest, EditedRowIsNamed) {
  ASSERT_NO_FATAL_FAILURE(FiveRows());
  RawExec("UPDATE audit SET detail = 'detaim 3' WHERE seq = 3");  // one byte flipped
  AuditVerification v = Verify();
  EXPECT_EQ(v.rows, 5u);
  ASSERT_TRUE(v.first_fault.has_value());
  EXPECT_EQ(v.first_fault->seq, 3u);
  EXPECT_EQ(v.first_fault->kind, AuditFault::Kind::kHashMismatch);
  EXPECT_EQ(v.first_fault->why, "hash mismatch (edited)");
}

TEST_F(AuditTest, EditedAndRehashedRowIsNamedByTheNext) {
  ASSERT_NO_FATAL_FAILURE(FiveRows());
  std::vector<AuditRow> rows = All();
  AuditEvent forged = rows[2].event;
  forged.detail = "forged";
  RawExec("UPDATE audit SET detail = 'forged', hash = x'" +
          HexLower(AuditHash(rows[2].prev_hash, 3, forged)) + "' WHERE seq = 3");
  AuditVerification v = Verify();
  ASSERT_TRUE(v.first_fault.has_value());
  EXPECT_EQ(v.first_fault->seq, 4u);
  EXPECT_EQ(v.first_fault->kind, AuditFault::Kind::kPrevHashMismatch);
}

TEST_F(AuditTest, RemovedRowIsNamed) {
  ASSERT_NO_FATAL_FAILURE(FiveRows());
  RawExec("DELETE FROM audit WHERE seq = 3");
  AuditVerification v = Verify();
  EXPECT_EQ(v.rows, 4u);
  ASSERT_TRUE(v.first_fault.has_value());
  EXPECT_EQ(v.first_fault->seq, 4u);
  EXPECT_EQ(v.first_fault->kind, AuditFault::Kind::kSeqGap);
  EXPECT_EQ(v.first_fault->why, "seq gap: row 3 missing (removed)");
}

TEST_F(AuditTest, RemovedAndRenumberedRowIsNamed) {
  ASSERT_NO_FATAL_FAILURE(FiveRows());
  RawExec("DELETE FROM audit WHERE seq = 3; UPDATE audit SET seq = seq - 1 WHERE seq > 3");
  AuditVerification v = Verify();
  ASSERT_TRUE(v.first_fault.has_value());
  EXPECT_EQ(v.first_fault->seq, 3u);
  EXPECT_EQ(v.first_fault->kind, AuditFault::Kind::kPrevHashMismatch);
}

TEST_F(AuditTest, SwappedRowsAreNamed) {
  ASSERT_NO_FATAL_FAILURE(FiveRows());
  RawExec(
      "UPDATE audit SET seq = 100 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4; "
      "UPDATE audit SET seq = 4 WHERE seq = 100");
  AuditVerification v = Verify();
  EXPECT_EQ(v.rows, 5u);
  ASSERT_TRUE(v.first_fault.has_value());
  EXPECT_EQ(v.first_fault->seq, 2u);
  EXPECT_EQ(v.first_fault->kind, AuditFault::Kind::kPrevHashMismatch);
  EXPECT_EQ(v.first_fault->why, "prev_hash mismatch (removed or reordered)");
}

TEST_F(AuditTest, ListingPagesBySeq) {
  ASSERT_NO_FATAL_FAILURE(FiveRows());
  auto page = store_->ListAudit(2, 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 3u);
  EXPECT_EQ((*page)[1].event.detail, "detail 4");
  auto offline = ReadAuditFile(path_, 4, 100);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  ASSERT_EQ(offline->size(), 1u);
  EXPECT_EQ((*offline)[0].seq, 5u);
  EXPECT_EQ((*offline)[0].hash, All().back().hash);
}

TEST_F(AuditTest, OfflineReadersRefuseWhatTheyCannotRead) {
  EXPECT_EQ(VerifyAuditChain(dir_.path() / "missing.db").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "missing.db"));
  const std::filesystem::path other = dir_.path() / "other.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(VerifyAuditChain(other).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadAuditFile(other, 0, 10).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(AuditTest, VersionTwoFileGainsTheTableOnOpen) {
  const std::uint32_t id = InsertPending("before the audit");
  store_.reset();
  // A version 2 file is this schema without the audit table (and
  // ca_setting, which 4 added).
  RawExec("DROP TABLE audit; DROP TABLE ca_setting; PRAGMA user_version = 2");
  EXPECT_EQ(VerifyAuditChain(path_).status().code(), StatusCode::kFailedPrecondition);
  Reopen();
  auto version = ReadAuditFile(path_, 0, 10);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_TRUE(version->empty());
  EXPECT_TRUE(store_->GetRequest(id).ok());
  InsertPending("after");
  std::vector<AuditRow> rows = All();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].seq, 1u);
  EXPECT_EQ(rows[0].prev_hash, Bytes(kAuditHashBytes, 0));
  EXPECT_FALSE(Verify().first_fault.has_value());
}

// The encoding the header documents, computed by hand for one row, so that
// an outside implementation has a value to check against.
TEST(AuditHashTest, CanonicalEncoding) {
  AuditEvent e{kTime, "A\\b", "issue", 7, "x"};
  Bytes in(kAuditHashBytes, 0);
  const std::uint8_t tail[] = {1,    0,    0,    0,    0,   0,    0,   0,  // seq 1
                               0x00, 0xD2, 0x49, 0x6B, 0,   0,    0,   0,  // time 1'800'000'000
                               3,    0,    0,    0,    'A', '\\', 'b',     // actor
                               5,    0,    0,    0,    'i', 's',  's', 'u', 'e',  // action
                               7,    0,    0,    0,                               // request id
                               1,    0,    0,    0,    'x'};                      // detail
  in.insert(in.end(), std::begin(tail), std::end(tail));
  Bytes expected(kAuditHashBytes);
  unsigned int n = 0;
  ASSERT_EQ(EVP_Digest(in.data(), in.size(), expected.data(), &n, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(AuditHash(Bytes(kAuditHashBytes, 0), 1, e), expected);
}

}  // namespace
}  // namespace openadcs::db
