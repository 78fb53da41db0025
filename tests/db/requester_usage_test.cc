// What the per-requester quotas read (CountRequestsSince, StoredBytesOf):
// one account's rows whatever the case of its name, its latest hour, the
// index and the usage table (kept by triggers) that keep both off a table
// scan (schema version 5, added to a version 4 file on open; version 6 counts
// each row's quota_bytes, since its blobs left the row), and what each
// costs on a database of 20,000 rows.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "openadcs/db/sqlite_store.h"
#include "testing/store_fixture.h"

namespace openadcs::db {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class RequesterUsageTest : public testing::StoreTestBase {
 protected:
  void Insert(const std::string& caller, std::int64_t when, std::size_t request_bytes,
              std::size_t certificate_bytes) {
    RequestRecord rec;
    rec.caller_name = caller;
    rec.requester_name = caller;
    rec.submitted_when = when;
    rec.raw_request = Bytes(request_bytes, 0x30);
    rec.request_attributes = "CertificateTemplate:User";
    rec.disposition = Disposition::kIssued;
    if (certificate_bytes > 0) {
      rec.certificate.emplace();
      rec.certificate->raw_certificate = Bytes(certificate_bytes, 0x30);
      rec.certificate->serial_number = std::to_string(++serial_);
    }
    ASSERT_TRUE(store_->InsertRequest(rec, {}, {}, {when, caller, "insert", 0, ""}).ok());
  }

  std::uint64_t Count(const std::string& caller, std::int64_t since) {
    Result<std::uint64_t> n = store_->CountRequestsSince(caller, since);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }
  std::uint64_t StoredBytes(const std::string& caller) {
    Result<std::uint64_t> n = store_->StoredBytesOf(caller);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }

  int serial_ = 0;
};

constexpr std::size_t kAttributes = sizeof("CertificateTemplate:User") - 1;

TEST_F(RequesterUsageTest, OneAccountWhateverItsCaseAndItsLatestRequests) {
  Insert("EXAMPLE\\alice", kNow - 7200, 100, 0);
  Insert("example\\Alice", kNow - 10, 200, 300);
  Insert("EXAMPLE\\alice", kNow, 50, 0);
  Insert("EXAMPLE\\bob", kNow, 1000, 1000);
  EXPECT_EQ(Count("EXAMPLE\\ALICE", kNow - 3599), 2u);
  EXPECT_EQ(Count("EXAMPLE\\alice", kNow - 7200), 3u);
  EXPECT_EQ(Count("EXAMPLE\\alice", kNow + 1), 0u);
  EXPECT_EQ(Count("EXAMPLE\\carol", 0), 0u);
  EXPECT_EQ(StoredBytes("example\\alice"), 100u + 200 + 300 + 50 + 3 * kAttributes);
  EXPECT_EQ(StoredBytes("EXAMPLE\\bob"), 2000u + kAttributes);
  EXPECT_EQ(StoredBytes("EXAMPLE\\carol"), 0u);
}

TEST_F(RequesterUsageTest, StoredBytesFollowUpdatesAndDeletes) {
  Insert("EXAMPLE\\alice", kNow, 100, 0);
  Insert("EXAMPLE\\alice", kNow, 40, 0);
  Result<RequestRecord> rec = store_->GetRequest(1);
  ASSERT_TRUE(rec.ok());
  rec->certificate.emplace();
  rec->certificate->raw_certificate = Bytes(300, 0x30);
  rec->certificate->serial_number = "77";
  ASSERT_TRUE(
      store_->UpdateRequest(*rec, Disposition::kIssued, {}, {kNow, "", "issue", 1, ""}).ok());
  EXPECT_EQ(StoredBytes("EXAMPLE\\alice"), 100u + 300 + 40 + 2 * kAttributes);
  rec->certificate->raw_certificate = Bytes(200, 0x30);  // replaced, not added
  ASSERT_TRUE(
      store_->UpdateRequest(*rec, Disposition::kIssued, {}, {kNow, "", "issue", 1, ""}).ok());
  EXPECT_EQ(StoredBytes("EXAMPLE\\alice"), 100u + 200 + 40 + 2 * kAttributes);
  RawExec("DELETE FROM request WHERE request_id = 1");
  EXPECT_EQ(StoredBytes("EXAMPLE\\alice"), 40u + kAttributes);
  RawExec("UPDATE request SET caller_name = 'EXAMPLE\\bob' WHERE request_id = 2");
  EXPECT_EQ(StoredBytes("EXAMPLE\\alice"), 0u);
  EXPECT_EQ(StoredBytes("EXAMPLE\\bob"), 40u + kAttributes);
}

TEST_F(RequesterUsageTest, TheQuotaQueriesSearchAnIndex) {
  const std::string count = RawQuery(
      "EXPLAIN QUERY PLAN SELECT count(*) FROM request WHERE caller_name = 'x' "
      "COLLATE NOCASE AND submitted_when >= 5");
  EXPECT_NE(count.find("COVERING INDEX request_caller_quota (caller_name=? AND submitted_when>?)"),
            std::string::npos)
      << count;
  const std::string bytes =
      RawQuery("EXPLAIN QUERY PLAN SELECT bytes FROM requester_usage WHERE caller_name = 'x'");
  EXPECT_NE(bytes.find("SEARCH requester_usage USING PRIMARY KEY (caller_name=?)"),
            std::string::npos)
      << bytes;
}

TEST_F(RequesterUsageTest, VersionFourFileGainsTheIndexAndTheUsageOnOpen) {
  Insert("EXAMPLE\\alice", kNow, 10, 0);
  Insert("example\\ALICE", kNow, 20, 5);
  store_.reset();
  RawExec(
      "DROP INDEX request_caller_quota; DROP TABLE requester_usage; DROP TRIGGER "
      "request_usage_insert; DROP TRIGGER request_usage_update; DROP TRIGGER "
      "request_usage_delete; PRAGMA user_version = 4");
  Reopen();
  EXPECT_EQ(RawQuery("PRAGMA user_version"), std::to_string(kSchemaVersion) + "|\n");
  EXPECT_EQ(RawQuery("SELECT name FROM sqlite_schema WHERE name = 'request_caller_quota'"),
            "request_caller_quota|\n");
  EXPECT_EQ(Count("EXAMPLE\\alice", kNow), 2u);
  EXPECT_EQ(StoredBytes("EXAMPLE\\Alice"), 35u + 2 * kAttributes);
  Insert("EXAMPLE\\alice", kNow, 1, 0);
  EXPECT_EQ(StoredBytes("EXAMPLE\\alice"), 36u + 3 * kAttributes);
}

// This thread's CPU time: the cost of a call whatever else the machine runs.
std::chrono::microseconds CpuNow() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::nanoseconds(ts.tv_nsec));
}

// The cost the quotas add to each new request, on a file where the account
// asking has 1,000 rows (an hourly quota's worth) among 20,000: printed in
// CPU time, and bounded loosely so that a table scan would show.
TEST_F(RequesterUsageTest, CostPerRequestOnTwentyThousandRows) {
  RawExec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
      "INSERT INTO request (caller_name, requester_name, submitted_when, disposition, "
      "request_attributes, quota_bytes) "
      "SELECT CASE WHEN i % 20 = 0 THEN 'EXAMPLE\\alice' ELSE 'EXAMPLE\\user' || i END, "
      "'x', 1800000000 - i, 20, 'CertificateTemplate:User', 1500 + 1200 + 24 FROM n");
  constexpr int kCalls = 20;
  const auto start = CpuNow();
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(Count("EXAMPLE\\ALICE", 0), 1000u);
  const auto counted = CpuNow();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_EQ(StoredBytes("EXAMPLE\\alice"), 1000u * (1500 + 1200 + kAttributes));
  }
  const auto summed = CpuNow();
  const long long count_us = (counted - start).count() / kCalls;
  const long long sum_us = (summed - counted).count() / kCalls;
  std::printf("CPU per call: CountRequestsSince %lld us, StoredBytesOf %lld us (1,000 of 20,000)\n",
              count_us, sum_us);
  // A scan of all 20,000 rows costs about 20 times the sum over 1,000.
  EXPECT_LT(count_us + sum_us, 100'000);
}

}  // namespace
}  // namespace openadcs::db
