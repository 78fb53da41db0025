#include "testing/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include "db/sqlite_connection.h"
#include "db/vfs_layer.h"

namespace openadcs::testing {
namespace {

std::atomic<int> g_write_rc{SQLITE_OK};
std::atomic<int> g_sync_rc{SQLITE_OK};
std::atomic<int> g_failed{0};
std::atomic<int> g_wal_writes{0};
std::mutex g_suffix_mu;
std::string g_write_suffix;  // guarded by g_suffix_mu
std::string g_sync_suffix;   // guarded by g_suffix_mu
std::mutex g_synced_mu;
std::condition_variable g_synced_cv;
int g_synced = 0;  // guarded by g_synced_mu

// Our file: the name it was opened with, then the real VFS's file.
struct FaultFile {
  sqlite3_file base;
  std::string_view name;
  sqlite3_file* Real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

FaultFile* Of(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f);
}

// The result to fail `rc_source` with, counting it; SQLITE_OK: pass on.
int Injected(const std::atomic<int>& rc_source) {
  const int rc = rc_source.load();
  if (rc != SQLITE_OK) ++g_failed;
  return rc;
}

bool SuffixMatches(std::string_view name, const std::string& suffix) {
  std::lock_guard lock(g_suffix_mu);
  return name.ends_with(suffix);
}

int Close(sqlite3_file* f) {
  sqlite3_file* real = Of(f)->Real();
  const int rc = real->pMethods->xClose(real);
  Of(f)->~FaultFile();
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xRead(real, buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (g_write_rc.load() != SQLITE_OK && SuffixMatches(Of(f)->name, g_write_suffix)) {
    if (const int rc = Injected(g_write_rc); rc != SQLITE_OK) return rc;
  }
  sqlite3_file* real = Of(f)->Real();
  const int rc = real->pMethods->xWrite(real, buf, n, off);
  if (rc == SQLITE_OK && Of(f)->name.ends_with("-wal")) ++g_wal_writes;
  return rc;
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xTruncate(real, size);
}
int Sync(sqlite3_file* f, int flags) {
  if (g_sync_rc.load() != SQLITE_OK && SuffixMatches(Of(f)->name, g_sync_suffix)) {
    if (const int rc = Injected(g_sync_rc); rc != SQLITE_OK) return rc;
  }
  sqlite3_file* real = Of(f)->Real();
  const int rc = real->pMethods->xSync(real, flags);
  if (rc == SQLITE_OK && !Of(f)->name.ends_with("-wal")) {
    std::lock_guard lock(g_synced_mu);
    ++g_synced;
    g_synced_cv.notify_all();
  }
  return rc;
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xFileSize(real, size);
}
int Lock(sqlite3_file* f, int level) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xLock(real, level);
}
int Unlock(sqlite3_file* f, int level) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xUnlock(real, level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xCheckReservedLock(real, out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xFileControl(real, op, arg);
}
int SectorSize(sqlite3_file* f) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xSectorSize(real);
}
int DeviceCharacteristics(sqlite3_file* f) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xDeviceCharacteristics(real);
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xShmMap(real, region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xShmLock(real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  sqlite3_file* real = Of(f)->Real();
  real->pMethods->xShmBarrier(real);
}
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xShmUnmap(real, delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xFetch(real, off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  sqlite3_file* real = Of(f)->Real();
  return real->pMethods->xUnfetch(real, off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = new (f) FaultFile{};
  file->name = name != nullptr ? std::string_view(name) : std::string_view();
  sqlite3_vfs* below = db::VfsBelow(vfs);
  const int rc = below->xOpen(below, name, file->Real(), flags, out_flags);
  // SQLite calls xClose only on a file whose pMethods is set.
  file->base.pMethods = file->Real()->pMethods != nullptr ? &kMethods : nullptr;
  if (file->base.pMethods == nullptr) file->~FaultFile();
  return rc;
}

int OsFileSize(const sqlite3_vfs* below) {
  return static_cast<int>(sizeof(FaultFile)) + below->szOsFile;
}

}  // namespace

const std::string& FaultVfs::Name() {
  static const std::string name = [] {
    // Finding a VFS initialises SQLite, after which it takes no settings.
    db::ConfigureSqlite();
    Result<std::string> layer = db::RegisterVfsLayer(
        {.prefix = "openadcs-fault-", .open = Open, .file_size = OsFileSize}, "");
    if (!layer.ok()) {
      std::fprintf(stderr, "fault VFS: %s\n", layer.status().ToString().c_str());
      std::abort();
    }
    return *layer;
  }();
  return name;
}

void FaultVfs::Fail(FaultOp op, int rc, const std::string& suffix) {
  Name();
  switch (op) {
    case FaultOp::kWrite: {
      std::lock_guard lock(g_suffix_mu);
      g_write_suffix = suffix;
      g_write_rc = rc;
      break;
    }
    case FaultOp::kSync: {
      std::lock_guard lock(g_suffix_mu);
      g_sync_suffix = suffix;
      g_sync_rc = rc;
      break;
    }
  }
}

void FaultVfs::Heal() {
  g_write_rc = SQLITE_OK;
  g_sync_rc = SQLITE_OK;
  g_failed = 0;
}

int FaultVfs::Failed() {
  return g_failed.load();
}

int FaultVfs::WalWrites() {
  return g_wal_writes.load();
}

int FaultVfs::DatabaseSyncs() {
  std::lock_guard lock(g_synced_mu);
  return g_synced;
}

bool FaultVfs::WaitForDatabaseSyncs(int count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(g_synced_mu);
  return g_synced_cv.wait_for(lock, timeout, [&] { return g_synced >= count; });
}

}  // namespace openadcs::testing
