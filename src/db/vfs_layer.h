// A SQLite VFS registered over another one: every call is the one below's
// but xOpen, so a layer changes how some files are served and passes the
// rest on. The store's connections open through two layers
// (db/subjournal_vfs.h, db/wal_write_vfs.h).
#ifndef OPENADCS_DB_VFS_LAYER_H_
#define OPENADCS_DB_VFS_LAYER_H_

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "openadcs/util/status.h"

namespace openadcs::db {

struct VfsLayerSpec {
  // Prefixed to the name of the VFS below to name the layer.
  std::string_view prefix;
  // The layer's xOpen; VfsBelow(vfs) finds the VFS to pass files on to.
  int (*open)(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
              int* out_flags);
  // The layer's szOsFile, given the VFS below.
  int (*file_size)(const sqlite3_vfs* below);
};

// The name of `spec`'s layer over `base` (a registered VFS; empty: SQLite's
// default). Registered, not as the default, on first use for each prefix and
// base, and kept for the life of the process. Call ConfigureSqlite first:
// finding `base` initialises SQLite. NotFound when `base` is not registered.
// Thread-safe.
Result<std::string> RegisterVfsLayer(const VfsLayerSpec& spec, const std::string& base);

// The VFS below `layer`, which RegisterVfsLayer registered.
sqlite3_vfs* VfsBelow(sqlite3_vfs* layer);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_VFS_LAYER_H_
