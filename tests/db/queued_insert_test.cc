// QueueInsertRequest: the caller's thread returns once the insert is
// queued, with its request id, while the store's writer commits it and the
// fdatasync that makes it durable runs; its gate opens after that sync, or
// with the write's error or the store's failure. Writes queued while a sync
// runs share the next commit. The commit is held back by another
// connection's write lock, the sync by a stand-in for fdatasync.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "openadcs/db/sqlite_store.h"
#include "testing/metric_sample.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

constexpr auto kWait = std::chrono::seconds(10);  // bound on every wait

std::mutex g_mu;
std::condition_variable g_cv;
bool g_hold = false;  // guarded by g_mu: syncs wait while set
int g_held = 0;       // guarded by g_mu: syncs waiting now
std::atomic<bool> g_fail{false};

int HeldFdatasync(int fd) {
  {
    std::unique_lock lock(g_mu);
    ++g_held;
    g_cv.notify_all();
    g_cv.wait_for(lock, kWait, [] { return !g_hold; });
    --g_held;
  }
  if (g_fail) {
    errno = EIO;
    return -1;
  }
  return ::fdatasync(fd);
}

void Hold(bool hold) {
  std::lock_guard lock(g_mu);
  g_hold = hold;
  g_cv.notify_all();
}

bool WaitForHeldSync() {
  std::unique_lock lock(g_mu);
  return g_cv.wait_for(lock, kWait, [] { return g_held > 0; });
}

std::uint32_t BigEndian32(const std::vector<char>& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint8_t>(bytes[at + i]);
  return v;
}

// The commits in the WAL file `wal` since it was last started over: its
// valid frames (those carrying the header's salt) that end a transaction
// (a non-zero database size). sqlite.org/fileformat.html, "WAL File Format".
int CommitsInWal(const std::filesystem::path& wal) {
  std::ifstream in(wal, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  if (bytes.size() < 32) return 0;
  const std::uint32_t page_size = BigEndian32(bytes, 8);
  const std::uint32_t salt1 = BigEndian32(bytes, 16);
  const std::uint32_t salt2 = BigEndian32(bytes, 20);
  int commits = 0;
  for (std::size_t at = 32; at + 24 + page_size <= bytes.size(); at += 24 + page_size) {
    if (BigEndian32(bytes, at + 8) != salt1 || BigEndian32(bytes, at + 12) != salt2) break;
    if (BigEndian32(bytes, at + 4) != 0) ++commits;
  }
  return commits;
}

class QueuedInsertTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }
  void TearDown() override {
    Hold(false);
    store_.reset();
    g_fail = false;
  }

  // Opens the store on dir_'s file: a restart, once it has been closed.
  void Open() {
    store_.reset();
    SqliteStoreOptions options;
    options.path = dir_.path() / "ca.db";
    options.wal_sync = HeldFdatasync;
    // No checkpoint starts the WAL over while CommitsInWal counts.
    options.wal_checkpoint_frames = 1'000'000;
    options.on_disk_failure = [this](const Status&) { ++reports_; };
    options.metrics = &metrics_;
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  static RequestRecord Pending(int n) {
    RequestRecord r;
    r.raw_request.assign(256, static_cast<std::uint8_t>(n));
    r.disposition = Disposition::kPending;
    r.requester_name = "CORP\\user" + std::to_string(n);
    return r;
  }
  // An issued request with certificate serial `serial`, which is unique.
  static RequestRecord Issued(int n, const std::string& serial) {
    RequestRecord r = Pending(n);
    r.disposition = Disposition::kIssued;
    r.certificate.emplace();
    r.certificate->raw_certificate = {0x30, 0x03, 0x02, 0x01, static_cast<std::uint8_t>(n)};
    r.certificate->serial_number = serial;
    return r;
  }
  Result<QueuedInsert> Insert(int n) { return store_->QueueInsertRequest(Pending(n), {}, {}, {}); }

  testing::TempDir dir_;
  metrics::Registry metrics_;  // outlives store_
  std::unique_ptr<CaStore> store_;
  std::atomic<int> reports_{0};
};

TEST_F(QueuedInsertTest, ReturnsBeforeTheSyncAndOpensAfterIt) {
  Hold(true);
  Result<QueuedInsert> first = Insert(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_NE(first->durable, nullptr);
  ASSERT_TRUE(WaitForHeldSync());
  std::atomic<bool> opened{false};
  Gate seen;  // opened by the callback, after `opened`
  first->durable->WhenOpen([&](const Status& s) {
    opened = true;
    seen.Open(s);
  });
  EXPECT_FALSE(opened) << "the gate opened while its sync was held back";
  // The caller's thread is free: a second insert commits behind the held sync.
  Result<QueuedInsert> second = Insert(2);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_NE(second->durable, nullptr);
  EXPECT_NE(second->request_id, first->request_id);
  EXPECT_FALSE(opened);
  Hold(false);
  EXPECT_TRUE(first->durable->Wait().ok());
  EXPECT_TRUE(seen.Wait().ok());
  EXPECT_TRUE(opened);
  EXPECT_TRUE(second->durable->Wait().ok());
  EXPECT_TRUE(store_->GetRequest(second->request_id).ok());
  EXPECT_EQ(reports_, 0);
}

// The WAL shows the commits; the writer's metrics count them too, with
// their writes and the writer's CPU for each.
TEST_F(QueuedInsertTest, WritesQueuedDuringASyncShareTheNextCommit) {
  const double commits_seen = std::max(
      testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writes_count"), 0.0);
  const double writes_seen =
      std::max(testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writes_sum"), 0.0);
  const double cpu_seen = std::max(
      testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writer_cpu_seconds_sum"),
      0.0);
  Hold(true);
  Result<QueuedInsert> first = Insert(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(WaitForHeldSync());
  const std::filesystem::path wal = dir_.path() / "ca.db-wal";
  const int commits = CommitsInWal(wal);
  EXPECT_GE(commits, 1);
  std::vector<QueuedInsert> more;
  for (int n = 2; n <= 6; ++n) {
    Result<QueuedInsert> queued = Insert(n);
    ASSERT_TRUE(queued.ok()) << queued.status().ToString();
    more.push_back(*queued);
  }
  Hold(false);
  EXPECT_TRUE(first->durable->Wait().ok());
  for (const QueuedInsert& q : more) {
    EXPECT_TRUE(q.durable->Wait().ok());
    EXPECT_TRUE(store_->GetRequest(q.request_id).ok()) << q.request_id;
  }
  EXPECT_EQ(CommitsInWal(wal), commits + 1);
  EXPECT_EQ(testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writes_count"),
            commits_seen + 2);
  EXPECT_EQ(testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writes_sum"),
            writes_seen + 6);
  EXPECT_EQ(
      testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writer_cpu_seconds_count"),
      commits_seen + 2);
  EXPECT_GT(
      testing::MetricSample(metrics_.RenderText(), "openadcs_db_commit_writer_cpu_seconds_sum"),
      cpu_seen);
}

TEST_F(QueuedInsertTest, AFailedSyncOpensTheGateWithTheStoresFailure) {
  Hold(true);
  g_fail = true;
  Result<QueuedInsert> queued = Insert(1);
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  ASSERT_NE(queued->durable, nullptr);
  Hold(false);
  const Status failed = queued->durable->Wait();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.hresult(), kIoDeviceHresult);
  EXPECT_NE(failed.message().find("CA database "), std::string::npos) << failed.message();
  EXPECT_EQ(reports_, 1);
  // Latched: the next write fails at once, and the blocking call the same way.
  EXPECT_EQ(Insert(2).status().message(), failed.message());
  RequestRecord r;
  r.disposition = Disposition::kPending;
  EXPECT_EQ(store_->InsertRequest(r, {}, {}, {}).status().message(), failed.message());
  EXPECT_EQ(reports_, 1);
}

TEST_F(QueuedInsertTest, ReturnsBeforeTheCommit) {
  // Another connection holds the write lock: the store's writer waits for
  // it (busy_timeout) with the insert queued.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() / "ca.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Result<QueuedInsert> queued = Insert(1);
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  EXPECT_EQ(queued->request_id, 1u);
  std::atomic<bool> opened{false};
  queued->durable->WhenOpen([&](const Status&) { opened = true; });
  EXPECT_EQ(store_->GetRequest(queued->request_id).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(opened) << "the gate opened before the write could commit";
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE(queued->durable->Wait().ok());
  EXPECT_TRUE(store_->GetRequest(queued->request_id).ok());
}

TEST_F(QueuedInsertTest, IdsFollowTheQueueAndAFailedWritesIdIsNotUsedAgain) {
  Result<QueuedInsert> first = store_->QueueInsertRequest(Issued(1, "0abc"), {}, {}, {});
  Result<QueuedInsert> twin = store_->QueueInsertRequest(Issued(2, "0abc"), {}, {}, {});
  Result<QueuedInsert> third = Insert(3);
  ASSERT_TRUE(first.ok() && twin.ok() && third.ok());
  EXPECT_EQ(twin->request_id, first->request_id + 1);
  EXPECT_EQ(third->request_id, twin->request_id + 1);
  EXPECT_TRUE(first->durable->Wait().ok());
  // The serial collision fails the second alone, through its gate.
  EXPECT_EQ(twin->durable->Wait().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(third->durable->Wait().ok());
  EXPECT_EQ(store_->GetRequest(twin->request_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reports_, 0);
  // Nor after a restart, nor the id of a deleted row.
  ASSERT_TRUE(store_->DeleteRow(Table::kRequestCertificate, third->request_id, {}).ok());
  ASSERT_NO_FATAL_FAILURE(Open());
  Result<QueuedInsert> next = Insert(4);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->request_id, third->request_id + 1);
  EXPECT_TRUE(next->durable->Wait().ok());
}

TEST_F(QueuedInsertTest, ClosingTheStoreCommitsWhatIsQueued) {
  std::vector<std::uint32_t> ids;
  for (int n = 1; n <= 50; ++n) {
    Result<QueuedInsert> queued = Insert(n);
    ASSERT_TRUE(queued.ok()) << queued.status().ToString();
    ids.push_back(queued->request_id);
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  for (std::uint32_t id : ids) EXPECT_TRUE(store_->GetRequest(id).ok()) << id;
}

}  // namespace
}  // namespace openadcs::db
