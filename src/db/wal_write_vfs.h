// A SQLite VFS that hands the kernel each commit's WAL frames at once.
//
// SQLite appends a WAL frame as two writes, its 24-byte header and then its
// page, so a commit that changed 30 pages costs 60 pwrite calls; on the VMs
// we measure a system call costs a microsecond or two, and the 60 calls
// about ten times what one write of the same bytes does (docs/performance.md,
// "a commit's WAL frames at once"). This VFS gathers the contiguous writes to
// a -wal file in memory and writes them when the frame that ends a commit has
// been gathered (its header holds the database size, which only a commit
// frame's does; SQLite's WAL format). So a commit returns with its frames in
// the kernel, as before, for the other connections to read through their own
// descriptors and for the syncer to sync, and a failed write fails the
// commit. The bytes go down in pieces of at most 64 KiB (wal_write_vfs.cc
// says why). Before any other call on the file (a read, a write elsewhere, a
// sync, a truncation, its size, a file control, close) what is gathered is
// written first, so the file reads as if every write had gone straight
// through. Every other file is the VFS below's.
#ifndef OPENADCS_DB_WAL_WRITE_VFS_H_
#define OPENADCS_DB_WAL_WRITE_VFS_H_

#include <cstddef>
#include <string>

#include "openadcs/util/status.h"

namespace openadcs::db {

// What one -wal file gathers at most: a larger commit reaches the file a
// part of this size at a time, as SQLite writes it.
inline constexpr std::size_t kMaxGatheredWalBytes = std::size_t{1} << 20;

// The name of the VFS to open a database with: `base` (a registered VFS;
// empty: SQLite's default) with WAL writes gathered. Registered, not as the
// default, on first use for each base, and kept for the life of the
// process. NotFound when `base` is not registered. Thread-safe.
Result<std::string> WalWriteVfs(const std::string& base);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_WAL_WRITE_VFS_H_
