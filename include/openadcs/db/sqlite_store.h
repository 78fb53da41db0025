// The embedded CA database: one SQLite file in WAL mode.
#ifndef OPENADCS_DB_SQLITE_STORE_H_
#define OPENADCS_DB_SQLITE_STORE_H_

#include <chrono>
#include <filesystem>
#include <memory>

#include "openadcs/db/ca_store.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

struct SqliteStoreOptions {
  std::filesystem::path path;  // created (0600) with its schema if missing
  // FULL: every commit is fsynced before the call returns; the durability
  // the CaStore contract promises. NORMAL is for benchmarks that say so.
  bool synchronous_full = true;
  // How long a writer waits for the database lock before Unavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

// The schema version this build writes; older files are migrated on open,
// newer ones are refused (FailedPrecondition).
inline constexpr int kSchemaVersion = 1;

Result<std::unique_ptr<CaStore>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_SQLITE_STORE_H_
