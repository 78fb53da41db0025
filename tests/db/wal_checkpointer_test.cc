// WalCheckpointer: what writers wait for is the last pass alone; the bulk of
// the copy reaches the disk while they go on.
#include "db/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "db/sqlite_connection.h"
#include "testing/fault_vfs.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

using testing::FaultVfs;

constexpr std::chrono::milliseconds kBusyTimeout{1000};

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

// A reader's snapshot keeps every pass from copying the whole WAL, as
// commits arriving during each pass do under load; SQLite then leaves the
// database file unsynced to the pass that completes, which is the one
// holding the write lock. The checkpointer syncs it before taking the lock.
TEST(WalCheckpointerTest, SyncsTheBulkOfTheCopyWithoutTheWriteLock) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "ca.db";
  std::unique_ptr<Connection> writer = OpenThroughFaultVfs(path);
  std::unique_ptr<Connection> reader = OpenThroughFaultVfs(path);
  std::unique_ptr<Connection> own = OpenThroughFaultVfs(path);
  ASSERT_TRUE(writer && reader && own);
  ASSERT_TRUE(writer
                  ->Exec("PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; "
                         "PRAGMA synchronous = NORMAL; CREATE TABLE t (x BLOB)",
                         "set up")
                  .ok());
  ASSERT_TRUE(own->Exec("PRAGMA synchronous = NORMAL", "set synchronous").ok());
  ASSERT_TRUE(InsertRows(*writer, 20).ok());
  ASSERT_TRUE(reader->Exec("BEGIN; SELECT count(*) FROM t", "hold a snapshot").ok());

  std::mutex write_mu;
  std::unique_lock writing(write_mu);
  Status failure;
  const int synced = FaultVfs::DatabaseSyncs();
  {
    WalCheckpointer checkpointer(*writer, std::move(own), write_mu, /*frames=*/1,
                                 [&failure](const Status& s) { failure = s; });
    ASSERT_TRUE(InsertRows(*writer, 20).ok());  // wakes the checkpointer
    EXPECT_TRUE(FaultVfs::WaitForDatabaseSyncs(synced + 1, std::chrono::seconds(10)))
        << "the database file was not synced before the write lock";
    writing.unlock();
    ASSERT_TRUE(reader->Exec("COMMIT", "end the snapshot").ok());
  }
  EXPECT_TRUE(failure.ok()) << failure.ToString();
}

}  // namespace
}  // namespace openadcs::db
