#include "db/subjournal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>

#include "db/sqlite_connection.h"
#include "db/vfs_layer.h"

namespace openadcs::db {
namespace {

// A sub-journal's bytes. The capacity only grows, and outlives the journal
// (TakeBuffer): SQLite rewrites a journal from offset 0 after each savepoint
// it releases, so a buffer sized by one write serves the next ones.
class Buffer {
 public:
  std::int64_t size() const { return size_; }
  void Truncate(std::int64_t size) { size_ = std::min(size_, size); }
  void Clear() { size_ = 0; }
  std::size_t capacity() const { return capacity_; }

  // false when memory runs out; the buffer is then unchanged.
  bool Write(const void* data, std::size_t n, std::size_t offset) {
    const std::size_t end = offset + n;
    if (end > capacity_ && !Reserve(end)) return false;
    if (offset > static_cast<std::size_t>(size_)) {
      std::memset(bytes_.get() + size_, 0, offset - static_cast<std::size_t>(size_));
    }
    std::memcpy(bytes_.get() + offset, data, n);
    size_ = std::max<std::int64_t>(size_, static_cast<std::int64_t>(end));
    return true;
  }

  // Copies what lies in [offset, offset + n) and zeroes the rest of `out`;
  // false when the range goes past the end.
  bool Read(void* out, std::size_t n, std::size_t offset) const {
    const std::size_t have = offset < static_cast<std::size_t>(size_)
                                 ? std::min(n, static_cast<std::size_t>(size_) - offset)
                                 : 0;
    if (have > 0) std::memcpy(out, bytes_.get() + offset, have);
    if (have < n) std::memset(static_cast<unsigned char*>(out) + have, 0, n - have);
    return have == n;
  }

 private:
  bool Reserve(std::size_t wanted) {
    const std::size_t capacity = std::max(wanted, capacity_ * 2);
    std::unique_ptr<unsigned char[]> bigger(new (std::nothrow) unsigned char[capacity]);
    if (bigger == nullptr) return false;
    if (size_ > 0) std::memcpy(bigger.get(), bytes_.get(), static_cast<std::size_t>(size_));
    bytes_ = std::move(bigger);
    capacity_ = capacity;
    return true;
  }

  std::unique_ptr<unsigned char[]> bytes_;
  std::size_t capacity_ = 0;
  std::int64_t size_ = 0;
};

// Buffers of closed journals, for the next ones: a journal lives for one
// transaction, and the writer runs one transaction per group commit. A
// buffer grown past kMaxKeptBytes (a write that changed thousands of pages)
// is freed rather than kept.
constexpr std::size_t kMaxSpareBuffers = 4;
constexpr std::size_t kMaxKeptBytes = std::size_t{4} << 20;

// Nothing here throws: these run inside SQLite's calls.
std::mutex g_spare_mu;
std::array<std::unique_ptr<Buffer>, kMaxSpareBuffers> g_spare;  // guarded by g_spare_mu
std::size_t g_spare_count = 0;                                  // guarded by g_spare_mu

// Null when memory runs out.
std::unique_ptr<Buffer> TakeBuffer() {
  {
    std::lock_guard lock(g_spare_mu);
    if (g_spare_count > 0) return std::move(g_spare[--g_spare_count]);
  }
  return std::unique_ptr<Buffer>(new (std::nothrow) Buffer());
}

void GiveBack(std::unique_ptr<Buffer> buffer) {
  if (buffer->capacity() > kMaxKeptBytes) return;
  buffer->Clear();
  std::lock_guard lock(g_spare_mu);
  if (g_spare_count < kMaxSpareBuffers) g_spare[g_spare_count++] = std::move(buffer);
}

struct MemoryFile {
  sqlite3_file base;
  Buffer* buffer;
};
static_assert(std::is_standard_layout_v<MemoryFile>);

MemoryFile* Of(sqlite3_file* f) {
  return reinterpret_cast<MemoryFile*>(f);
}

int Close(sqlite3_file* f) {
  GiveBack(std::unique_ptr<Buffer>(Of(f)->buffer));
  Of(f)->buffer = nullptr;
  return SQLITE_OK;
}
int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
  if (n < 0 || offset < 0) return SQLITE_IOERR_READ;
  return Of(f)->buffer->Read(out, static_cast<std::size_t>(n), static_cast<std::size_t>(offset))
             ? SQLITE_OK
             : SQLITE_IOERR_SHORT_READ;
}
int Write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  if (n < 0 || offset < 0) return SQLITE_IOERR_WRITE;
  return Of(f)->buffer->Write(data, static_cast<std::size_t>(n), static_cast<std::size_t>(offset))
             ? SQLITE_OK
             : SQLITE_IOERR_NOMEM;
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  Of(f)->buffer->Truncate(std::max<sqlite3_int64>(size, 0));
  return SQLITE_OK;
}
int Sync(sqlite3_file* /*f*/, int /*flags*/) {
  return SQLITE_OK;
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  *size = Of(f)->buffer->size();
  return SQLITE_OK;
}
int Lock(sqlite3_file* /*f*/, int /*level*/) {
  return SQLITE_OK;
}
int Unlock(sqlite3_file* /*f*/, int /*level*/) {
  return SQLITE_OK;
}
int CheckReservedLock(sqlite3_file* /*f*/, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int FileControl(sqlite3_file* /*f*/, int /*op*/, void* /*arg*/) {
  return SQLITE_NOTFOUND;
}
int SectorSize(sqlite3_file* /*f*/) {
  return 4096;
}
int DeviceCharacteristics(sqlite3_file* /*f*/) {
  return 0;
}

// Version 1: no shared memory and no memory mapping.
const sqlite3_io_methods kMemoryMethods = {
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
  sqlite3_vfs* below = VfsBelow(vfs);
  if ((flags & SQLITE_OPEN_SUBJOURNAL) == 0) return below->xOpen(below, name, f, flags, out_flags);
  std::unique_ptr<Buffer> buffer = TakeBuffer();
  if (buffer == nullptr) {
    f->pMethods = nullptr;  // SQLite closes only a file whose pMethods is set
    return SQLITE_NOMEM;
  }
  auto* file = new (f) MemoryFile{};
  file->buffer = buffer.release();
  file->base.pMethods = &kMemoryMethods;
  if (out_flags != nullptr) *out_flags = flags;
  return SQLITE_OK;
}

int OsFileSize(const sqlite3_vfs* below) {
  return std::max(below->szOsFile, static_cast<int>(sizeof(MemoryFile)));
}

}  // namespace

Result<std::string> SubjournalVfs(const std::string& base) {
  // Before sqlite3_vfs_find, which initialises SQLite.
  ConfigureSqlite();
  return RegisterVfsLayer({.prefix = "openadcs-subjournal-", .open = Open, .file_size = OsFileSize},
                          base);
}

}  // namespace openadcs::db
