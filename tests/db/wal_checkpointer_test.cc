// WalCheckpointer: what writers wait for is the last pass alone; the bulk of
// the copy reaches the disk while they go on, and a failure to get it there
// is a disk failure.
#include "db/wal_checkpointer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "db/sqlite_connection.h"
#include "openadcs/db/sqlite_store.h"
#include "testing/fault_vfs.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

using testing::FaultOp;
using testing::FaultVfs;

constexpr std::chrono::milliseconds kBusyTimeout{1000};
constexpr std::chrono::seconds kWait{10};  // bound on every wait

std::unique_ptr<Connection> OpenThroughFaultVfs(const std::filesystem::path& path) {
  auto conn = Connection::Open(path, kBusyTimeout, FaultVfs::Name());
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(conn).value() : nullptr;
}

Status InsertRows(Connection& conn, int rows) {
  OPENADCS_RETURN_IF_ERROR(conn.Exec("BEGIN", "begin"));
  for (int i = 0; i < rows; ++i) {
    OPENADCS_RETURN_IF_ERROR(conn.Exec("INSERT INTO t VALUES (randomblob(3000))", "insert"));
  }
  return conn.Exec("COMMIT", "commit");
}

// A WAL database written by `writer_`, and a reader's snapshot of its first
// rows. The snapshot keeps every pass from copying the whole WAL, as commits
// arriving during each pass do under load; SQLite then leaves the database
// file unsynced to the pass that completes, which is the one holding the
// write lock.
class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::filesystem::path path = dir_.path() / "ca.db";
    writer_ = OpenThroughFaultVfs(path);
    reader_ = OpenThroughFaultVfs(path);
    own_ = OpenThroughFaultVfs(path);
    ASSERT_TRUE(writer_ && reader_ && own_);
    ASSERT_TRUE(writer_
                    ->Exec("PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; "
                           "PRAGMA synchronous = NORMAL; CREATE TABLE t (x BLOB)",
                           "set up")
                    .ok());
    ASSERT_TRUE(own_->Exec("PRAGMA synchronous = NORMAL", "set synchronous").ok());
    ASSERT_TRUE(InsertRows(*writer_, 20).ok());
    ASSERT_TRUE(reader_->Exec("BEGIN; SELECT count(*) FROM t", "hold a snapshot").ok());
  }
  void TearDown() override { FaultVfs::Heal(); }

  // A checkpointer on `writer_` that wakes at every commit and reports disk
  // failures to Report.
  std::unique_ptr<WalCheckpointer> StartCheckpointer() {
    return std::make_unique<WalCheckpointer>(*writer_, std::move(own_), write_mu_, /*frames=*/1,
                                             [this](const Status& s) { Report(s); });
  }
  void Report(const Status& failure) {
    std::lock_guard lock(mu_);
    if (failure_.ok()) failure_ = failure;
    cv_.notify_all();
  }
  // The first failure reported; Ok after kWait without one.
  Status WaitForFailure() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return !failure_.ok(); });
    return failure_;
  }
  Status failure() {
    std::lock_guard lock(mu_);
    return failure_;
  }

  testing::TempDir dir_;
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<Connection> reader_;
  std::unique_ptr<Connection> own_;
  std::mutex write_mu_;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Status failure_;  // guarded by mu_
};

TEST_F(WalCheckpointerTest, SyncsTheBulkOfTheCopyWithoutTheWriteLock) {
  std::unique_lock writing(write_mu_);
  const int synced = FaultVfs::DatabaseSyncs();
  {
    std::unique_ptr<WalCheckpointer> checkpointer = StartCheckpointer();
    ASSERT_TRUE(InsertRows(*writer_, 20).ok());  // wakes the checkpointer
    EXPECT_TRUE(FaultVfs::WaitForDatabaseSyncs(synced + 1, kWait))
        << "the database file was not synced before the write lock";
    writing.unlock();
    ASSERT_TRUE(reader_->Exec("COMMIT", "end the snapshot").ok());
  }
  EXPECT_TRUE(failure().ok()) << failure().ToString();
}

// The sync is the checkpoint's: its failure is reported as one (on the old
// code, which left it to a complete pass, nothing failed here).
TEST_F(WalCheckpointerTest, AFailedSyncOfTheCopyIsADiskFailure) {
  std::unique_ptr<WalCheckpointer> checkpointer = StartCheckpointer();
  FaultVfs::Fail(FaultOp::kSync, SQLITE_IOERR_FSYNC, "ca.db");
  ASSERT_TRUE(InsertRows(*writer_, 20).ok());  // wakes the checkpointer
  const Status failed = WaitForFailure();
  ASSERT_FALSE(failed.ok()) << "no report of the failed sync";
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_EQ(failed.hresult(), kIoDeviceHresult);
  // Which step failed, on which file: not the connection's last error.
  EXPECT_NE(failed.message().find("checkpoint: syncing " + (dir_.path() / "ca.db").string()),
            std::string::npos)
      << failed.message();
  ASSERT_TRUE(reader_->Exec("COMMIT", "end the snapshot").ok());
}

}  // namespace
}  // namespace openadcs::db
