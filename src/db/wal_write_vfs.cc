#include "db/wal_write_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "db/sqlite_connection.h"
#include "db/vfs_layer.h"

namespace openadcs::db {
namespace {

// SQLite's WAL format: a frame is a 24-byte header, then the page; bytes
// 4-7 of the header are the database's size in pages after the commit for
// the frame that ends one, zero for every other frame.
constexpr int kFrameHeaderBytes = 24;

bool IsCommitFrameHeader(const void* data, int n) {
  if (n != kFrameHeaderBytes) return false;
  const auto* bytes = static_cast<const unsigned char*>(data);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

constexpr std::size_t kFirstCapacity = std::size_t{64} << 10;

// Debian's SQLite (3.40) unix VFS passes a write's byte count to pwrite
// masked to 17 bits and reports a short write as a full disk, so a write of
// 128 KiB or more fails with SQLITE_FULL. Gathered bytes go down in pieces
// well under that.
constexpr std::size_t kMaxWriteBytes = std::size_t{64} << 10;

// Bytes waiting to be written at [start, start + size). Nothing here throws:
// it runs inside SQLite's calls.
class Gathered {
 public:
  std::size_t size() const { return size_; }
  const unsigned char* bytes() const { return bytes_.get(); }
  sqlite3_int64 start() const { return start_; }
  void Clear() { size_ = 0; }

  // Whether a write at `offset` continues what is gathered (or begins it).
  bool Follows(sqlite3_int64 offset) const {
    return size_ == 0 || offset == start_ + static_cast<sqlite3_int64>(size_);
  }

  // false, and nothing changed, when the bytes would not fit in
  // kMaxGatheredWalBytes or memory runs out.
  bool Append(const void* data, std::size_t n, sqlite3_int64 offset) {
    if (size_ + n > kMaxGatheredWalBytes) return false;
    if (size_ + n > capacity_ && !Grow(size_ + n)) return false;
    if (size_ == 0) start_ = offset;
    std::memcpy(bytes_.get() + size_, data, n);
    size_ += n;
    return true;
  }

 private:
  bool Grow(std::size_t wanted) {
    const std::size_t capacity =
        std::min(kMaxGatheredWalBytes, std::max({wanted, capacity_ * 2, kFirstCapacity}));
    std::unique_ptr<unsigned char[]> bigger(new (std::nothrow) unsigned char[capacity]);
    if (bigger == nullptr) return false;
    if (size_ > 0) std::memcpy(bigger.get(), bytes_.get(), size_);
    bytes_ = std::move(bigger);
    capacity_ = capacity;
    return true;
  }

  std::unique_ptr<unsigned char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  sqlite3_int64 start_ = 0;
};

// Our part of a -wal file, then the VFS below's file at kBelowOffset.
struct WalFile {
  sqlite3_file base;
  Gathered* gathered;  // owned
  // The last write was a commit frame's header: its page ends the commit.
  bool page_ends_commit;
};
static_assert(std::is_standard_layout_v<WalFile>);
constexpr std::size_t kBelowOffset = (sizeof(WalFile) + alignof(std::max_align_t) - 1) /
                                     alignof(std::max_align_t) * alignof(std::max_align_t);

WalFile* Of(sqlite3_file* f) {
  return reinterpret_cast<WalFile*>(f);
}
sqlite3_file* Below(sqlite3_file* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<unsigned char*>(f) + kBelowOffset);
}

// Writes what is gathered; what failed to be written is dropped with it, as
// SQLite undoes the transaction whose write fails.
int Flush(sqlite3_file* f) {
  Gathered& gathered = *Of(f)->gathered;
  sqlite3_file* below = Below(f);
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < gathered.size() && rc == SQLITE_OK;) {
    const std::size_t n = std::min(kMaxWriteBytes, gathered.size() - done);
    rc = below->pMethods->xWrite(below, gathered.bytes() + done, static_cast<int>(n),
                                 gathered.start() + static_cast<sqlite3_int64>(done));
    done += n;
  }
  gathered.Clear();
  return rc;
}

int Close(sqlite3_file* f) {
  const int flushed = Flush(f);
  sqlite3_file* below = Below(f);
  const int rc = below->pMethods->xClose(below);
  delete Of(f)->gathered;
  Of(f)->gathered = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}
int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  sqlite3_file* below = Below(f);
  return below->pMethods->xRead(below, out, n, offset);
}
int Write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  if (n < 0 || offset < 0) return SQLITE_IOERR_WRITE;
  WalFile* file = Of(f);
  const bool ends_commit = file->page_ends_commit;
  file->page_ends_commit = IsCommitFrameHeader(data, n);
  const auto bytes = static_cast<std::size_t>(n);
  Gathered& gathered = *file->gathered;
  if (gathered.Follows(offset) && gathered.Append(data, bytes, offset)) {
    return ends_commit ? Flush(f) : SQLITE_OK;
  }
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  if (gathered.Append(data, bytes, offset)) return ends_commit ? Flush(f) : SQLITE_OK;
  // Too large to gather, or no memory for it: straight through.
  sqlite3_file* below = Below(f);
  return below->pMethods->xWrite(below, data, n, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  sqlite3_file* below = Below(f);
  return below->pMethods->xTruncate(below, size);
}
int Sync(sqlite3_file* f, int flags) {
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  sqlite3_file* below = Below(f);
  return below->pMethods->xSync(below, flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  sqlite3_file* below = Below(f);
  return below->pMethods->xFileSize(below, size);
}
int Lock(sqlite3_file* f, int level) {
  sqlite3_file* below = Below(f);
  return below->pMethods->xLock(below, level);
}
int Unlock(sqlite3_file* f, int level) {
  sqlite3_file* below = Below(f);
  return below->pMethods->xUnlock(below, level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  sqlite3_file* below = Below(f);
  return below->pMethods->xCheckReservedLock(below, out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  sqlite3_file* below = Below(f);
  return below->pMethods->xFileControl(below, op, arg);
}
int SectorSize(sqlite3_file* f) {
  sqlite3_file* below = Below(f);
  return below->pMethods->xSectorSize(below);
}
int DeviceCharacteristics(sqlite3_file* f) {
  sqlite3_file* below = Below(f);
  return below->pMethods->xDeviceCharacteristics(below);
}

// Version 1: SQLite maps and locks the database file, never its WAL.
const sqlite3_io_methods kWalMethods = {
    .iVersion = 1,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = nullptr,
    .xShmLock = nullptr,
    .xShmBarrier = nullptr,
    .xShmUnmap = nullptr,
    .xFetch = nullptr,
    .xUnfetch = nullptr,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* below_vfs = VfsBelow(vfs);
  if ((flags & SQLITE_OPEN_WAL) == 0) return below_vfs->xOpen(below_vfs, name, f, flags, out_flags);
  f->pMethods = nullptr;  // SQLite closes only a file whose pMethods is set
  auto gathered = std::unique_ptr<Gathered>(new (std::nothrow) Gathered());
  if (gathered == nullptr) return SQLITE_NOMEM;
  sqlite3_file* below = Below(f);
  below->pMethods = nullptr;
  const int rc = below_vfs->xOpen(below_vfs, name, below, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (below->pMethods != nullptr) below->pMethods->xClose(below);
    return rc;
  }
  auto* file = new (f) WalFile{};
  file->gathered = gathered.release();
  file->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

int OsFileSize(const sqlite3_vfs* below) {
  return static_cast<int>(kBelowOffset) + below->szOsFile;
}

}  // namespace

Result<std::string> WalWriteVfs(const std::string& base) {
  // Before sqlite3_vfs_find, which initialises SQLite.
  ConfigureSqlite();
  return RegisterVfsLayer({.prefix = "openadcs-walwrite-", .open = Open, .file_size = OsFileSize},
                          base);
}

}  // namespace openadcs::db
