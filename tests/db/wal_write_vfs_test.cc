// WalWriteVfs: a -wal file's contiguous writes reach the file when a commit
// frame's page has been written, or before any other call on the file; a
// commit through a connection is a few writes below instead of two per page,
// is visible to another connection when it returns, and fails when its
// write fails.
#include "db/wal_write_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "db/sqlite_connection.h"
#include "testing/fault_vfs.h"
#include "testing/pki.h"
#include "testing/vfs_file.h"

namespace openadcs::db {
namespace {

using testing::FaultOp;
using testing::FaultVfs;

constexpr std::chrono::milliseconds kBusyTimeout{1000};
constexpr int kPageBytes = 8192;
constexpr int kHeaderBytes = 24;
constexpr int kFrameBytes = kHeaderBytes + kPageBytes;
constexpr sqlite3_int64 kFirstFrame = 32;  // after the WAL header

sqlite3_vfs* Layer() {
  Result<std::string> name = WalWriteVfs("");
  EXPECT_TRUE(name.ok()) << name.status().ToString();
  return name.ok() ? sqlite3_vfs_find(name->c_str()) : nullptr;
}

// A frame header: its database size is non-zero for the frame that ends a
// commit. The rest (page number, salts, checksums) is filler here.
std::array<unsigned char, kHeaderBytes> Header(std::uint32_t db_pages, unsigned char fill) {
  std::array<unsigned char, kHeaderBytes> h{};
  h.fill(fill);
  h[4] = static_cast<unsigned char>(db_pages >> 24);
  h[5] = static_cast<unsigned char>(db_pages >> 16);
  h[6] = static_cast<unsigned char>(db_pages >> 8);
  h[7] = static_cast<unsigned char>(db_pages);
  return h;
}

// A WAL file opened through the layer, and what its writes should leave.
class WalFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vfs_ = Layer();
    ASSERT_NE(vfs_, nullptr);
    // SQLite's unix VFS gives a -wal file its database file's mode.
    std::ofstream(dir_.path() / "t.db").flush();
    wal_ = std::make_unique<testing::VfsFile>(vfs_);
    ASSERT_EQ(vfs_->xOpen(vfs_, path_.c_str(), file(),
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL, nullptr),
              SQLITE_OK);
  }

  sqlite3_file* file() { return wal_->file(); }
  const sqlite3_io_methods* m() { return file()->pMethods; }

  // Writes one frame as SQLite does (header, then page) at frame `index`,
  // and keeps what the file should hold.
  int WriteFrame(int index, std::uint32_t db_pages, unsigned char fill) {
    const auto header = Header(db_pages, fill);
    const std::vector<unsigned char> page(kPageBytes, fill);
    const sqlite3_int64 offset = kFirstFrame + sqlite3_int64{index} * kFrameBytes;
    if (const int rc = m()->xWrite(file(), header.data(), kHeaderBytes, offset); rc != SQLITE_OK) {
      return rc;
    }
    const auto at = static_cast<std::size_t>(offset);
    if (expected_.size() < at + kFrameBytes) expected_.resize(at + kFrameBytes);
    std::copy(header.begin(), header.end(), expected_.begin() + static_cast<std::ptrdiff_t>(at));
    std::copy(page.begin(), page.end(),
              expected_.begin() + static_cast<std::ptrdiff_t>(at + kHeaderBytes));
    return m()->xWrite(file(), page.data(), kPageBytes, offset + kHeaderBytes);
  }

  // What the file holds, read past the layer.
  std::vector<unsigned char> OnDisk() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  testing::TempDir dir_;
  std::string path_ = (dir_.path() / "t.db-wal").string();
  sqlite3_vfs* vfs_ = nullptr;
  std::unique_ptr<testing::VfsFile> wal_;
  std::vector<unsigned char> expected_;
};

TEST_F(WalFileTest, ACommitReachesTheFileWithItsLastPage) {
  ASSERT_EQ(WriteFrame(0, 0, 'a'), SQLITE_OK);
  ASSERT_EQ(WriteFrame(1, 0, 'b'), SQLITE_OK);
  EXPECT_TRUE(OnDisk().empty()) << "frames that end no commit wait";

  ASSERT_EQ(WriteFrame(2, 7, 'c'), SQLITE_OK);
  EXPECT_EQ(OnDisk(), expected_);

  // The next commit follows on.
  ASSERT_EQ(WriteFrame(3, 0, 'd'), SQLITE_OK);
  ASSERT_EQ(WriteFrame(4, 9, 'e'), SQLITE_OK);
  EXPECT_EQ(OnDisk(), expected_);
}

TEST_F(WalFileTest, EveryOtherCallFindsTheFileWritten) {
  // A read of what is gathered.
  ASSERT_EQ(WriteFrame(0, 0, 'a'), SQLITE_OK);
  std::vector<unsigned char> got(kFrameBytes);
  ASSERT_EQ(m()->xRead(file(), got.data(), kFrameBytes, kFirstFrame), SQLITE_OK);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), expected_.begin() + kFirstFrame));
  EXPECT_EQ(OnDisk(), expected_);

  // Its size.
  ASSERT_EQ(WriteFrame(1, 0, 'b'), SQLITE_OK);
  sqlite3_int64 size = 0;
  ASSERT_EQ(m()->xFileSize(file(), &size), SQLITE_OK);
  EXPECT_EQ(size, static_cast<sqlite3_int64>(expected_.size()));

  // A write elsewhere (a frame written again) lands after what came before.
  ASSERT_EQ(WriteFrame(2, 0, 'c'), SQLITE_OK);
  ASSERT_EQ(WriteFrame(0, 0, 'z'), SQLITE_OK);
  ASSERT_EQ(m()->xSync(file(), SQLITE_SYNC_NORMAL), SQLITE_OK);
  EXPECT_EQ(OnDisk(), expected_);

  // A truncation, and close.
  ASSERT_EQ(WriteFrame(3, 0, 'd'), SQLITE_OK);
  ASSERT_EQ(m()->xTruncate(file(), kFirstFrame + kFrameBytes), SQLITE_OK);
  expected_.resize(kFirstFrame + kFrameBytes);
  EXPECT_EQ(OnDisk(), expected_);
  ASSERT_EQ(WriteFrame(1, 0, 'e'), SQLITE_OK);
  wal_.reset();
  EXPECT_EQ(OnDisk(), expected_);
}

TEST_F(WalFileTest, ALargeCommitIsWrittenWhole) {
  // 1.3 MiB: past what one write below may carry (under 128 KiB) and past
  // what the layer gathers (kMaxGatheredWalBytes).
  constexpr int kFrames = 170;
  static_assert(std::size_t{kFrames} * kFrameBytes > kMaxGatheredWalBytes);
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_EQ(WriteFrame(i, i + 1 == kFrames ? 170 : 0, static_cast<unsigned char>(i)), SQLITE_OK)
        << "frame " << i;
  }
  EXPECT_EQ(OnDisk(), expected_);
}

// A database opened as the store opens it, over the fault VFS, which counts
// the writes that reach it.
class WalWriteCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = Connection::Open(path_, kBusyTimeout, FaultVfs::Name());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(conn_
                    ->Exec("PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; "
                           "PRAGMA synchronous = NORMAL; CREATE TABLE t (id INTEGER PRIMARY KEY, "
                           "x BLOB); CREATE INDEX t_x ON t (substr(x, 1, 64))",
                           "create")
                    .ok());
  }
  void TearDown() override { FaultVfs::Heal(); }

  // Rows in `t` as a connection opened now sees them.
  std::int64_t RowsSeenByAnother() {
    auto other = Connection::Open(path_, kBusyTimeout);
    EXPECT_TRUE(other.ok());
    if (!other.ok()) return -1;
    Result<Statement> st = (*other)->Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(st.ok());
    std::int64_t n = -1;
    if (st.ok()) {
      Result<bool> row = st->Step();
      EXPECT_TRUE(row.ok() && *row && st->Column(0).Get(n).ok());
    }
    return n;
  }

  testing::TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "t.db";
  std::unique_ptr<Connection> conn_;
};

TEST_F(WalWriteCommitTest, ACommitIsAFewWritesAndVisibleWhenItReturns) {
  // 40 rows of 4 KiB and their index entries: over 20 pages, so over 40
  // writes if each frame's header and page went down apart.
  const int before = FaultVfs::WalWrites();
  ASSERT_TRUE(conn_
                  ->Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                         "i < 40) INSERT INTO t SELECT i, randomblob(4000) FROM n",
                         "insert")
                  .ok());
  const int writes = FaultVfs::WalWrites() - before;
  sqlite3_int64 wal_bytes = 0;
  std::error_code ec;
  wal_bytes = static_cast<sqlite3_int64>(std::filesystem::file_size(path_.string() + "-wal", ec));
  ASSERT_FALSE(ec);
  ASSERT_GT(wal_bytes, 20 * kFrameBytes);
  // Pieces of at most 64 KiB, and the WAL header, written apart on a new log.
  EXPECT_LE(writes, wal_bytes / (64 << 10) + 2) << wal_bytes << " bytes";
  EXPECT_EQ(RowsSeenByAnother(), 40);
}

TEST_F(WalWriteCommitTest, AFailedWriteFailsTheCommitAndLeavesItUndone) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO t VALUES (1, randomblob(100))", "insert").ok());
  FaultVfs::Fail(FaultOp::kWrite, SQLITE_FULL, "-wal");
  const Status failed =
      conn_->Exec("INSERT INTO t SELECT 2, randomblob(30000)", "insert on a full disk");
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.ToString().find("full"), std::string::npos) << failed.ToString();
  EXPECT_GE(FaultVfs::Failed(), 1);
  FaultVfs::Heal();
  EXPECT_EQ(RowsSeenByAnother(), 1);
  ASSERT_TRUE(conn_->Exec("INSERT INTO t VALUES (3, randomblob(100))", "insert").ok());
  EXPECT_EQ(RowsSeenByAnother(), 2);
}

TEST(WalWriteVfsTest, OneLayerPerVfsBelow) {
  Result<std::string> by_default = WalWriteVfs("");
  Result<std::string> by_name = WalWriteVfs(sqlite3_vfs_find(nullptr)->zName);
  ASSERT_TRUE(by_default.ok() && by_name.ok());
  EXPECT_EQ(*by_default, *by_name);
  EXPECT_EQ(WalWriteVfs("no-such-vfs").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace openadcs::db
