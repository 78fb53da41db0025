// The embedded CA database: one SQLite file in WAL mode.
#ifndef OPENADCS_DB_SQLITE_STORE_H_
#define OPENADCS_DB_SQLITE_STORE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "openadcs/db/ca_store.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

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
  // openadcs_db_commit_fsync_seconds (each group commit's fdatasync); null:
  // none. Must outlive the store.
  metrics::Registry* metrics = nullptr;
};

// The schema version this build writes; older files are migrated on open,
// newer ones are refused (FailedPrecondition). 2 added the ca_security table,
// 3 the audit table (openadcs/db/audit.h), 4 the ca_setting table.
inline constexpr int kSchemaVersion = 4;

Result<std::unique_ptr<CaStore>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_SQLITE_STORE_H_
