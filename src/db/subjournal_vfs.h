// A SQLite VFS that keeps sub-journals in memory, in one buffer each.
//
// A sub-journal holds the original of every page a savepoint or a statement
// transaction changes, so that either can be undone alone; the writer runs
// each write in a savepoint and its inserts fire triggers, so every page a
// write touches is copied there first. SQLite keeps an in-memory sub-journal
// (temp_store = MEMORY) in 1 KiB chunks, each a malloc and a free: about 150
// per write with 8 KiB pages. Handed to the VFS instead (ConfigureSqlite),
// it would be a temporary file. This VFS serves it from a buffer that grows
// once and is reused by the next journal; every other file and call goes to
// the VFS below.
#ifndef OPENADCS_DB_SUBJOURNAL_VFS_H_
#define OPENADCS_DB_SUBJOURNAL_VFS_H_

#include <string>

#include "openadcs/util/status.h"

namespace openadcs::db {

// The name of the VFS to open a database with: `base` (a registered VFS;
// empty: SQLite's default) with sub-journals in memory. Registered, not as
// the default, on first use for each base, and kept for the life of the
// process. NotFound when `base` is not registered. Thread-safe.
Result<std::string> SubjournalVfs(const std::string& base);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_SUBJOURNAL_VFS_H_
