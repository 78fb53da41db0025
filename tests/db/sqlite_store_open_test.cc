// Opening the SQLite store: file permissions, schema version checks, files
// that are not ours, a busy database, id reuse and concurrent callers.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <thread>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"
#include "testing/thread_names.h"

namespace openadcs::db {
namespace {

// Runs SQL on the file through a connection of its own.
void RawExec(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

RequestRecord Pending() {
  RequestRecord r;
  r.disposition = Disposition::kPending;
  r.raw_request = {0x30, 0x00};
  r.requester_name = "CORP\\bob";
  return r;
}

class SqliteStoreOpenTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<CaStore>> Open() {
    SqliteStoreOptions options;
    options.path = path_;
    return OpenSqliteStore(options);
  }

  testing::TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "ca.db";
};

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST_F(SqliteStoreOpenTest, FilesAreCreatedOwnerOnlyWhateverTheUmask) {
  mode_t old = ::umask(0);  // would leave SQLite's default 0644 untouched
  auto store = Open();
  ::umask(old);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->InsertRequest(Pending(), {}, {}, {}).ok());  // the WAL now exists
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_EQ(ModeOf(path_.string() + "-wal"), 0600u);
  EXPECT_EQ(ModeOf(path_.string() + "-shm"), 0600u);
}

TEST_F(SqliteStoreOpenTest, ItsThreadsAreNamed) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // A durable insert has been through the writer and the WAL syncer, which
  // name themselves before their first write or sync.
  ASSERT_TRUE((*store)->InsertRequest(Pending(), {}, {}, {}).ok());
  const auto names = testing::ThreadNames();
  EXPECT_EQ(names.count("db-writer"), 1U);
  EXPECT_EQ(names.count("db-wal-sync"), 1U);
}

TEST_F(SqliteStoreOpenTest, NewerSchemaVersionIsRefusedUntouched) {
  ASSERT_TRUE(Open().ok());
  RawExec(path_, "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  auto store = Open();
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
}

TEST_F(SqliteStoreOpenTest, NewerSchemaInRollbackJournalModeIsNotSwitchedToWal) {
  RawExec(path_,
          "CREATE TABLE future (x); PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  EXPECT_EQ(Open().status().code(), StatusCode::kFailedPrecondition);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "delete");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(SqliteStoreOpenTest, ForeignSqliteDatabasesAreRefused) {
  RawExec(path_, "CREATE TABLE unrelated (x)");
  EXPECT_EQ(Open().status().code(), StatusCode::kFailedPrecondition);
  // A version of ours, but no application_id.
  RawExec(path_, "PRAGMA user_version = " + std::to_string(kSchemaVersion));
  EXPECT_EQ(Open().status().code(), StatusCode::kFailedPrecondition);
}

// systemd's DynamicUser= makes /var/lib/openadcs a symbolic link to
// /var/lib/private/openadcs, the state directory of the shipped unit.
TEST_F(SqliteStoreOpenTest, ADirectoryReachedThroughASymbolicLinkOpens) {
  std::filesystem::create_directory(dir_.path() / "private");
  std::filesystem::create_directory_symlink("private", dir_.path() / "state");
  SqliteStoreOptions options;
  options.path = dir_.path() / "state" / "ca.db";
  for (int open = 0; open < 2; ++open) {  // creating the file, then finding it
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->InsertRequest(Pending(), {}, {}, {}).ok());
  }
  EXPECT_EQ(ModeOf(dir_.path() / "private" / "ca.db"), 0600u);
}

// The file itself is never a link: whoever could place one could point the
// CA's writes at any file the daemon may write.
TEST_F(SqliteStoreOpenTest, ADatabaseFileThatIsASymbolicLinkIsRefused) {
  ASSERT_TRUE(Open().ok());
  const std::filesystem::path link = dir_.path() / "link.db";
  std::filesystem::create_symlink(path_, link);
  SqliteStoreOptions options;
  options.path = link;
  EXPECT_EQ(OpenSqliteStore(options).status().code(), StatusCode::kIOError);
}

TEST_F(SqliteStoreOpenTest, GarbageFileIsCorruption) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(4096, 'x');
  }
  auto store = Open();
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << store.status().ToString();
}

TEST_F(SqliteStoreOpenTest, MissingDirectoryIsIOError) {
  SqliteStoreOptions options;
  options.path = dir_.path() / "absent" / "ca.db";
  EXPECT_EQ(OpenSqliteStore(options).status().code(), StatusCode::kIOError);
}

TEST_F(SqliteStoreOpenTest, BusyPastTheTimeoutIsUnavailable) {
  SqliteStoreOptions options;
  options.path = path_;
  options.busy_timeout = std::chrono::milliseconds(20);
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto id = (*store)->InsertRequest(Pending(), {}, {}, {});
  EXPECT_EQ(id.status().code(), StatusCode::kUnavailable) << id.status().ToString();
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_TRUE((*store)->ListRequests({}).ok());
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE((*store)->InsertRequest(Pending(), {}, {}, {}).ok());
}

TEST_F(SqliteStoreOpenTest, RequestIdsAreNeverReused) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto first = (*store)->InsertRequest(Pending(), {}, {}, {});
  auto second = (*store)->InsertRequest(Pending(), {}, {}, {});
  ASSERT_TRUE(first.ok() && second.ok());
  store->reset();
  // An operator deletes the newest row; its id must still not come back.
  RawExec(path_, "DELETE FROM request WHERE request_id = " + std::to_string(*second));
  store = Open();
  ASSERT_TRUE(store.ok());
  auto third = (*store)->InsertRequest(Pending(), {}, {}, {});
  ASSERT_TRUE(third.ok());
  EXPECT_GT(*third, *second);
}

TEST_F(SqliteStoreOpenTest, ConcurrentCallersGetDistinctIds) {
  SqliteStoreOptions options;
  options.path = path_;
  options.synchronous_full = false;  // the point is the locking, not fsync
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<std::uint32_t>> ids(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto id = (*store)->InsertRequest(Pending(), {{0, "n", "v"}}, {}, {});
        if (id.ok()) ids[static_cast<std::size_t>(t)].push_back(*id);
        (void)(*store)->ListRequests({});
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint32_t> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint32_t>(kThreads * kEach));
}

}  // namespace
}  // namespace openadcs::db
