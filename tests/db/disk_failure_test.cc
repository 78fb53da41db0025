// Disk failures: the first failed write, fdatasync or checkpoint is latched.
// The write in flight and every later one fail with it (an IOError with the
// HRESULT of a full disk or an I/O error), the store reports it once, and a
// reopen finds a consistent file holding every acknowledged write. The
// faults are injected: a VFS shim (testing/fault_vfs.h) and a stand-in for
// fdatasync.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "openadcs/db/sqlite_store.h"
#include "testing/fault_vfs.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

using testing::FaultOp;
using testing::FaultVfs;

std::atomic<bool> g_fail_fdatasync{false};

int FailingFdatasync(int fd) {
  if (!g_fail_fdatasync) return ::fdatasync(fd);
  errno = EIO;
  return -1;
}

class DiskFailureTest : public ::testing::Test {
 protected:
  void TearDown() override {
    FaultVfs::Heal();
    g_fail_fdatasync = false;
  }

  void Open(SqliteStoreOptions options) {
    options.path = path_;
    options.on_disk_failure = [this](const Status& s) {
      std::lock_guard lock(mu_);
      reports_.push_back(s);
      cv_.notify_all();
    };
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  Result<std::uint32_t> Insert(int n) {
    RequestRecord r;
    r.raw_request.assign(512, static_cast<std::uint8_t>(n));
    r.disposition = Disposition::kPending;
    r.requester_name = "CORP\\user" + std::to_string(n);
    return store_->InsertRequest(r, {{0, "n", std::to_string(n)}}, {}, {});
  }

  // Waits (bounded) for the store's report; the failure, or Ok after the
  // timeout.
  Status WaitForReport() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !reports_.empty(); });
    return reports_.empty() ? Status::Ok() : reports_.front();
  }
  std::size_t ReportCount() {
    std::lock_guard lock(mu_);
    return reports_.size();
  }

  // Closes the store and checks the file as the restarted daemon would
  // find it: intact, with every id in `acknowledged`.
  void ExpectConsistentWith(const std::vector<std::uint32_t>& acknowledged) {
    store_.reset();
    SqliteStoreOptions options;
    options.path = path_;
    auto reopened = OpenSqliteStore(options);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    for (std::uint32_t id : acknowledged) {
      EXPECT_TRUE((*reopened)->GetRequest(id).ok()) << "acknowledged request " << id << " lost";
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
  }

  testing::TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "ca.db";
  std::unique_ptr<CaStore> store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> reports_;  // guarded by mu_
};

TEST_F(DiskFailureTest, FullDiskFailsTheWriteAndEveryLaterOne) {
  SqliteStoreOptions options;
  options.vfs = FaultVfs::Name();
  Open(options);
  std::vector<std::uint32_t> acknowledged;
  for (int i = 0; i < 3; ++i) {
    auto id = Insert(i);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    acknowledged.push_back(*id);
  }
  FaultVfs::Fail(FaultOp::kWrite, SQLITE_FULL, "-wal");
  auto failed = Insert(3);
  ASSERT_FALSE(failed.ok());
  EXPECT_GT(FaultVfs::Failed(), 0);
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  EXPECT_EQ(failed.status().hresult(), kDiskFullHresult);
  EXPECT_NE(failed.status().message().find("CA database " + path_.string()), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("full"), std::string::npos) << failed.status().message();
  ASSERT_EQ(ReportCount(), 1u);
  EXPECT_EQ(WaitForReport().message(), failed.status().message());

  // Space again: the store stays failed until it is reopened, and reads go on.
  FaultVfs::Heal();
  auto after = Insert(4);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().message(), failed.status().message());
  EXPECT_EQ(store_->AppendAudit({}).message(), failed.status().message());
  EXPECT_TRUE(store_->GetRequest(acknowledged[0]).ok());
  EXPECT_EQ(ReportCount(), 1u);

  ExpectConsistentWith(acknowledged);
}

TEST_F(DiskFailureTest, IoErrorOnWriteIsReportedAsOne) {
  SqliteStoreOptions options;
  options.vfs = FaultVfs::Name();
  Open(options);
  auto first = Insert(0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  FaultVfs::Fail(FaultOp::kWrite, SQLITE_IOERR_WRITE);
  auto failed = Insert(1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().hresult(), kIoDeviceHresult);
  EXPECT_EQ(ReportCount(), 1u);
  FaultVfs::Heal();
  ExpectConsistentWith({*first});
}

// fdatasync fails: the commit is in the WAL but may not be on disk, so the
// writer in flight is told it failed (the row may or may not survive).
TEST_F(DiskFailureTest, FailedFdatasyncFailsTheWriteInFlight) {
  SqliteStoreOptions options;
  options.wal_sync = FailingFdatasync;
  Open(options);
  auto first = Insert(0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  g_fail_fdatasync = true;
  auto failed = Insert(1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  EXPECT_EQ(failed.status().hresult(), kIoDeviceHresult);
  const std::string& m = failed.status().message();
  EXPECT_NE(m.find("fdatasync " + path_.string() + "-wal: " + std::strerror(EIO)),
            std::string::npos)
      << m;
  EXPECT_EQ(ReportCount(), 1u);
  g_fail_fdatasync = false;
  EXPECT_FALSE(Insert(2).ok());  // latched
  ExpectConsistentWith({*first});
}

// The checkpoint's fsync of the database file fails on the checkpointer's
// thread: reported there, and the next write fails.
TEST_F(DiskFailureTest, FailedCheckpointIsADiskFailure) {
  SqliteStoreOptions options;
  options.vfs = FaultVfs::Name();
  options.wal_checkpoint_frames = 1;
  Open(options);
  const int synced = FaultVfs::DatabaseSyncs();
  auto first = Insert(0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // The checkpoint this commit wakes must be done with the disk before the
  // fault is set: failing it would fail the second insert too.
  ASSERT_TRUE(FaultVfs::WaitForDatabaseSyncs(synced + 1, std::chrono::seconds(10)))
      << "the first commit's checkpoint did not sync the database";
  // The database file's syncs only: a commit that starts the WAL over syncs
  // the WAL's new header through the VFS, and whether this one does depends
  // on when the checkpoint above finished.
  FaultVfs::Fail(FaultOp::kSync, SQLITE_IOERR_FSYNC, "ca.db");
  // The WAL's frames are synced by fdatasync, not through the VFS: this write
  // is acknowledged, and its commit wakes the checkpointer.
  auto second = Insert(1);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const Status report = WaitForReport();
  ASSERT_FALSE(report.ok()) << "no report of the failed checkpoint";
  EXPECT_NE(report.message().find("checkpoint"), std::string::npos) << report.message();
  EXPECT_EQ(report.hresult(), kIoDeviceHresult);
  auto after = Insert(2);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().message(), report.message());
  FaultVfs::Heal();
  ExpectConsistentWith({*first, *second});
}

}  // namespace
}  // namespace openadcs::db
