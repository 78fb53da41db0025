// SubjournalVfs: sub-journals are memory files with a file's semantics,
// every other file is the VFS below's, and what savepoints and statements
// undo through them comes back byte for byte.
#include "db/subjournal_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "db/sqlite_connection.h"
#include "testing/pki.h"
#include "testing/vfs_file.h"

namespace openadcs::db {
namespace {

constexpr std::chrono::milliseconds kBusyTimeout{1000};
constexpr int kOpenFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

sqlite3_vfs* Wrapped() {
  Result<std::string> name = SubjournalVfs("");
  EXPECT_TRUE(name.ok()) << name.status().ToString();
  return name.ok() ? sqlite3_vfs_find(name->c_str()) : nullptr;
}

TEST(SubjournalVfsTest, ASubJournalIsAFileInMemory) {
  sqlite3_vfs* vfs = Wrapped();
  ASSERT_NE(vfs, nullptr);
  testing::VfsFile journal(vfs);
  ASSERT_EQ(vfs->xOpen(vfs, nullptr, journal.file(),
                       kOpenFlags | SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_DELETEONCLOSE, nullptr),
            SQLITE_OK);
  sqlite3_file* f = journal.file();
  const sqlite3_io_methods* m = f->pMethods;
  ASSERT_NE(m, nullptr);

  // A write past the end leaves zeros before it, as a file would.
  ASSERT_EQ(m->xWrite(f, "abc", 3, 8192), SQLITE_OK);
  ASSERT_EQ(m->xWrite(f, "xy", 2, 0), SQLITE_OK);
  sqlite3_int64 size = 0;
  ASSERT_EQ(m->xFileSize(f, &size), SQLITE_OK);
  EXPECT_EQ(size, 8195);
  char got[8] = {};
  ASSERT_EQ(m->xRead(f, got, 3, 8192), SQLITE_OK);
  EXPECT_EQ(std::string(got, 3), "abc");
  ASSERT_EQ(m->xRead(f, got, 4, 0), SQLITE_OK);
  EXPECT_EQ(std::string(got, 4), std::string("xy\0\0", 4));

  // Past the end: what is there, zeros for the rest, and a short read.
  std::memset(got, 'q', sizeof got);
  EXPECT_EQ(m->xRead(f, got, 8, 8193), SQLITE_IOERR_SHORT_READ);
  EXPECT_EQ(std::string(got, 8), std::string("bc\0\0\0\0\0\0", 8));

  ASSERT_EQ(m->xTruncate(f, 1), SQLITE_OK);
  ASSERT_EQ(m->xFileSize(f, &size), SQLITE_OK);
  EXPECT_EQ(size, 1);
  EXPECT_EQ(m->xRead(f, got, 2, 0), SQLITE_IOERR_SHORT_READ);
  EXPECT_EQ(std::string(got, 2), std::string("x\0", 2));
}

TEST(SubjournalVfsTest, EveryOtherFileIsTheVfsBelows) {
  sqlite3_vfs* vfs = Wrapped();
  ASSERT_NE(vfs, nullptr);
  sqlite3_vfs* below = sqlite3_vfs_find(nullptr);
  testing::TempDir dir;
  const std::string path = (dir.path() / "main.db").string();

  testing::VfsFile through(vfs);
  ASSERT_EQ(
      vfs->xOpen(vfs, path.c_str(), through.file(), kOpenFlags | SQLITE_OPEN_MAIN_DB, nullptr),
      SQLITE_OK);
  testing::VfsFile direct(below);
  ASSERT_EQ(
      below->xOpen(below, path.c_str(), direct.file(), kOpenFlags | SQLITE_OPEN_MAIN_DB, nullptr),
      SQLITE_OK);
  EXPECT_EQ(through.file()->pMethods, direct.file()->pMethods);

  testing::VfsFile journal(vfs);
  ASSERT_EQ(vfs->xOpen(vfs, nullptr, journal.file(), kOpenFlags | SQLITE_OPEN_SUBJOURNAL, nullptr),
            SQLITE_OK);
  EXPECT_NE(journal.file()->pMethods, direct.file()->pMethods);
}

TEST(SubjournalVfsTest, OneVfsPerVfsBelow) {
  Result<std::string> by_default = SubjournalVfs("");
  Result<std::string> by_name = SubjournalVfs(sqlite3_vfs_find(nullptr)->zName);
  ASSERT_TRUE(by_default.ok() && by_name.ok());
  EXPECT_EQ(*by_default, *by_name);
  EXPECT_EQ(SubjournalVfs("no-such-vfs").status().code(), StatusCode::kNotFound);
}

// A database of `kRows` rows spread over many 8 KiB pages, with an index, as
// the store's connection opens it: sub-journals handed to the VFS.
class SubjournalRollbackTest : public ::testing::Test {
 protected:
  static constexpr int kRows = 300;

  void SetUp() override {
    ASSERT_TRUE(ConfigureSqlite()) << "SQLite was initialised before it could be configured";
    auto conn = Connection::Open(dir_.path() / "t.db", kBusyTimeout);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(
        Exec("PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; "
             "PRAGMA temp_store = FILE; "
             "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER UNIQUE, x BLOB); "
             "CREATE INDEX t_x ON t (x)"));
    ASSERT_TRUE(Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                     std::to_string(kRows) +
                     ") INSERT INTO t SELECT i, i, randomblob(2000) FROM n"));
  }

  bool Exec(const std::string& sql) {
    Status s = conn_->Exec(sql, "test statement");
    EXPECT_TRUE(s.ok()) << s.ToString();
    return s.ok();
  }

  // The one text value `sql` reads.
  std::string Text(std::string_view sql) {
    Result<Statement> st = conn_->Prepare(sql);
    EXPECT_TRUE(st.ok());
    if (!st.ok()) return "";
    Result<bool> row = st->Step();
    std::string out;
    EXPECT_TRUE(row.ok() && *row && st->Column(0).Get(out).ok());
    return out;
  }
  std::string Content() {
    return Text(
        "SELECT group_concat(id || ':' || v || ':' || hex(x)) "
        "FROM (SELECT * FROM t ORDER BY id)");
  }
  std::string IntegrityCheck() { return Text("PRAGMA integrity_check"); }

  testing::TempDir dir_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(SubjournalRollbackTest, ASavepointRolledBackGetsEveryPageItChangedBack) {
  const std::string before = Content();
  // Twice: the second journal reuses the first one's buffer.
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(
        Exec("BEGIN; SAVEPOINT w; UPDATE t SET x = randomblob(2500); "
             "DELETE FROM t WHERE id % 3 = 0; ROLLBACK TO w; RELEASE w; COMMIT"));
    EXPECT_EQ(Content(), before) << "round " << round;
  }
  EXPECT_EQ(IntegrityCheck(), "ok");
}

TEST_F(SubjournalRollbackTest, AStatementThatFailsHalfWayChangesNoRow) {
  const std::string before = Content();
  ASSERT_TRUE(Exec("BEGIN; INSERT INTO t VALUES (1000, 1000, x'00')"));
  // Rows 1-149 change before row 150 takes row 200's value.
  Status failed = conn_->Exec(
      "UPDATE t SET x = randomblob(2500), v = CASE WHEN id = 150 THEN 200 ELSE v + 10000 END "
      "WHERE id <= " +
          std::to_string(kRows),
      "update");
  EXPECT_FALSE(failed.ok());
  ASSERT_TRUE(Exec("DELETE FROM t WHERE id = 1000; COMMIT"));
  EXPECT_EQ(Content(), before);
  EXPECT_EQ(IntegrityCheck(), "ok");
}

}  // namespace
}  // namespace openadcs::db
