// The embedded CA database: one SQLite file in WAL mode.
#ifndef OPENADCS_DB_SQLITE_STORE_H_
#define OPENADCS_DB_SQLITE_STORE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "openadcs/db/ca_store.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

// The HRESULTs a client is given for a write the disk failed:
// HRESULT_FROM_WIN32(ERROR_DISK_FULL) and HRESULT_FROM_WIN32(ERROR_IO_DEVICE).
inline constexpr std::uint32_t kDiskFullHresult = 0x80070070;
inline constexpr std::uint32_t kIoDeviceHresult = 0x8007045D;

struct SqliteStoreOptions {
  std::filesystem::path path;  // created (0600) with its schema if missing
  // true: no write returns before its commit is on disk (an fdatasync of
  // the WAL, shared by the writes committed meanwhile): the durability the
  // CaStore contract promises. false (NORMAL) is for benchmarks that say so.
  bool synchronous_full = true;
  // The WAL is copied into the database file, off the write path, once it
  // holds this many pages (SQLite's automatic checkpoint does it at 1000,
  // inside a writer's COMMIT).
  std::uint32_t wal_checkpoint_frames = 4000;
  // How long a writer waits for the database lock before Unavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Called once, with the first disk failure: a failed fdatasync of the
  // WAL, a write that SQLite reports as an I/O error or a full disk, or a
  // checkpoint that fails so. From then on every write fails with that
  // Status (an IOError, "CA database <path>: <operation>: <errno text>",
  // whose HRESULT is kDiskFullHresult or kIoDeviceHresult), the writes in
  // flight included; only a restart, which recovers the file from what is
  // on disk, clears it. Runs on the thread that met the failure, which may
  // be a writer's: it must return quickly and not call into the store.
  // Null: the failure is only returned.
  std::function<void(const Status&)> on_disk_failure{};
  // For tests of the above, which inject faults: the registered sqlite3_vfs
  // the connections use (empty: SQLite's default), and what syncs the WAL
  // (null: fdatasync).
  std::string vfs{};
  int (*wal_sync)(int fd) = nullptr;
  // openadcs_db_commit_fsync_seconds (each group commit's fdatasync),
  // openadcs_db_commit_writes (the writes it carries) and
  // openadcs_db_commit_writer_cpu_seconds (the writer thread's CPU for it);
  // null: none. Must outlive the store.
  metrics::Registry* metrics = nullptr;
};

// The schema version this build writes; older files are migrated on open,
// newer ones are refused (FailedPrecondition). 2 added the ca_security table,
// 3 the audit table (openadcs/db/audit.h), 4 the ca_setting table, 5 the
// index of the per-requester quotas.
inline constexpr int kSchemaVersion = 6;

Result<std::unique_ptr<CaStore>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_SQLITE_STORE_H_
