// Makes committed WAL transactions durable with one fdatasync for many
// commits, outside the database's write lock.
#ifndef OPENADCS_SRC_DB_WAL_SYNCER_H_
#define OPENADCS_SRC_DB_WAL_SYNCER_H_

#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>

#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

// The write connection commits with synchronous=NORMAL, which in WAL mode
// writes the transaction's frames to the -wal file without an fsync. A
// writer then calls WaitDurable with the number NoteCommit gave its commit:
// it returns once an fdatasync of the -wal file that started after that
// commit has finished. One caller at a time runs the fdatasync, for every
// commit noted before it started; the others wait for it. So the next
// transaction can be written while the last one is being synced, which
// synchronous=FULL (the fsync inside COMMIT, under the write lock) forbids.
//
// Linux syncs a file's data whichever descriptor asks, so the syncer keeps
// its own descriptor of the -wal file, reopened if the file was replaced.
//
// After a failed fdatasync nothing is durable any more (the kernel may have
// dropped the dirty pages): every later WaitDurable fails too, with a
// DiskFailure naming the file and the errno.
class WalSyncer {
 public:
  // What syncs the -wal file's data: ::fdatasync, or a stand-in that fails
  // for the tests of what follows a failed sync. Returns 0 or -1 with errno.
  using SyncFunction = int (*)(int fd);

  // `wal` is the database path with "-wal" appended. Opens it (the file
  // exists once the database is in WAL mode and has been read) and syncs
  // its directory once, so that the file itself survives a power loss.
  // `fsync_seconds`, if not null, observes each fdatasync's duration.
  static Result<std::unique_ptr<WalSyncer>> Open(const std::filesystem::path& wal,
                                                 SyncFunction sync = ::fdatasync,
                                                 metrics::Histogram* fsync_seconds = nullptr);
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Call right after a COMMIT returned, still under the write lock; returns
  // that commit's number.
  std::uint64_t NoteCommit();
  // Blocks until commit `number` is on disk; thread-safe.
  Status WaitDurable(std::uint64_t number);

 private:
  WalSyncer(std::filesystem::path wal, int fd, SyncFunction sync, metrics::Histogram* fsync_seconds)
      : wal_(std::move(wal)), fd_(fd), sync_(sync), fsync_seconds_(fsync_seconds) {}
  // fdatasync of the -wal file, reopening it first if its inode changed.
  // REQUIRES: syncing_ set by the caller, mu_ not held.
  Status SyncFile();

  const std::filesystem::path wal_;
  int fd_;  // used only by the caller that set syncing_
  const SyncFunction sync_;
  metrics::Histogram* const fsync_seconds_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t committed_ = 0;  // guarded by mu_
  std::uint64_t durable_ = 0;    // guarded by mu_
  bool syncing_ = false;         // guarded by mu_
  Status failed_;                // guarded by mu_; sticky
};

}  // namespace openadcs::db

#endif  // OPENADCS_SRC_DB_WAL_SYNCER_H_
