// Makes committed WAL transactions durable with one fdatasync for many
// commits, outside the database's write lock.
#ifndef OPENADCS_SRC_DB_WAL_SYNCER_H_
#define OPENADCS_SRC_DB_WAL_SYNCER_H_

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "openadcs/util/gate.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

// The write connection commits with synchronous=NORMAL, which in WAL mode
// writes the transaction's frames to the -wal file without an fsync. A
// writer then asks, with the number NoteCommit gave its commit, to be told
// (WhenDurable) once an fdatasync of the -wal file that started after that
// commit has finished. The syncer's own thread runs the fdatasyncs, one at a
// time, each for every commit noted before it started, while others are
// asked for: so the next transaction can be written while the last one is
// being synced, which synchronous=FULL (the fsync inside COMMIT, under the
// write lock) forbids, and no writer's thread is held through the sync.
//
// Linux syncs a file's data whichever descriptor asks, so the syncer keeps
// its own descriptor of the -wal file, reopened if the file was replaced.
//
// After a failed fdatasync nothing is durable any more (the kernel may have
// dropped the dirty pages): every later request fails too, with a
// DiskFailure naming the file and the errno.
class WalSyncer {
 public:
  // What syncs the -wal file's data: ::fdatasync, or a stand-in that fails
  // for the tests of what follows a failed sync. Returns 0 or -1 with errno.
  using SyncFunction = int (*)(int fd);

  // `wal` is the database path with "-wal" appended. Opens it (the file
  // exists once the database is in WAL mode and has been read) and syncs
  // its directory once, so that the file itself survives a power loss.
  // Starts the syncing thread.
  // `fsync_seconds`, if not null, observes each fdatasync's duration.
  static Result<std::unique_ptr<WalSyncer>> Open(const std::filesystem::path& wal,
                                                 SyncFunction sync = ::fdatasync,
                                                 metrics::Histogram* fsync_seconds = nullptr);
  // Runs the callbacks still waiting (after a last sync) and joins the
  // thread. REQUIRES: no call of NoteCommit or WhenDurable in progress.
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Call right after a COMMIT returned, still under the write lock; returns
  // that commit's number.
  std::uint64_t NoteCommit();
  // Runs `done` once commit `number` is on disk (Ok) or can no longer be
  // (the sticky failure): at once on the caller's thread if that is already
  // known, else on the syncing thread, which it must not hold up (see
  // Gate). Thread-safe.
  void WhenDurable(std::uint64_t number, Gate::Callback done);
  // Blocks until commit `number` is on disk; thread-safe.
  Status WaitDurable(std::uint64_t number);

  // Whether no fdatasync runs and no commit waits for one. A commit made
  // while the syncer is busy waits for the next fdatasync anyway, so a
  // writer can gather the writes that reach it meanwhile into one
  // transaction, committed once the syncer is idle: each page the writes
  // share (the tables' last pages, the indexes') is then written once.
  // Thread-safe.
  bool idle();
  // `listener` runs, on the syncing thread and without the syncer's lock,
  // each time the syncer becomes idle. REQUIRES: before the first
  // NoteCommit.
  void SetIdleListener(std::function<void()> listener);

 private:
  struct Waiter {
    std::uint64_t number;
    Gate::Callback done;
  };

  WalSyncer(std::filesystem::path wal, int fd, const struct statx& fd_id, SyncFunction sync,
            metrics::Histogram* fsync_seconds)
      : wal_(std::move(wal)), fd_(fd), fd_id_(fd_id), sync_(sync), fsync_seconds_(fsync_seconds) {}
  // The syncing thread: syncs while someone waits, then answers them.
  void Run();
  // fdatasync of the -wal file, reopening it first if its inode changed.
  // REQUIRES: on the syncing thread, mu_ not held.
  Status SyncFile();

  const std::filesystem::path wal_;
  int fd_;              // used only by the syncing thread
  struct statx fd_id_;  // fd_'s inode and device; used only by the syncing thread
  const SyncFunction sync_;
  metrics::Histogram* const fsync_seconds_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t committed_ = 0;          // guarded by mu_
  std::uint64_t durable_ = 0;            // guarded by mu_
  Status failed_;                        // guarded by mu_; sticky
  std::vector<Waiter> waiters_;          // guarded by mu_; none of them durable yet
  bool syncing_ = false;                 // guarded by mu_: an fdatasync is running
  std::function<void()> idle_listener_;  // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  std::thread thread_;                   // last: starts once the rest is set
};

}  // namespace openadcs::db

#endif  // OPENADCS_SRC_DB_WAL_SYNCER_H_
