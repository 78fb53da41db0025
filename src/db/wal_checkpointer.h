// Copies the WAL back into the database file on a thread of its own.
#ifndef OPENADCS_SRC_DB_WAL_CHECKPOINTER_H_
#define OPENADCS_SRC_DB_WAL_CHECKPOINTER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "db/sqlite_connection.h"

namespace openadcs::db {

// SQLite's automatic checkpoint runs inside the COMMIT that crosses its
// threshold: the copy into the database file and two fsyncs, under the write
// lock, while every other writer waits. This one replaces it: a commit that
// leaves at least `frames` frames in the WAL wakes a thread, which
// checkpoints on its own connection (PASSIVE: writers go on meanwhile), in
// passes: the first copies the bulk, each of the others what was committed
// during the one before, until a pass finds at most kFewFrames to copy or
// kMaxOpenPasses have run. The thread then syncs the database file, unless
// the last pass shows that SQLite has (it syncs in a pass that copies the
// whole WAL, which under load none of these does). A last pass copies the
// rest holding `write_mu` (the store's write lock), so that the checkpoint
// is complete when the next writer begins and that writer starts the WAL
// from its beginning: the file stays near `frames` pages. Writers wait only
// for that pass: a short copy and two fsyncs (the WAL's, and the database
// file's with only the pages it copied). A wake-up runs one checkpoint,
// however many commits crossed the threshold while the passes ran.
//
// A checkpoint that fails for the disk (an I/O error, a full disk) is
// handed to `on_disk_failure`, on the checkpointer's thread; the WAL would
// otherwise grow without bound. Other failures are logged as warnings.
class WalCheckpointer {
 public:
  using DiskFailureFn = std::function<void(const Status&)>;

  // Watches commits on `writer` (which must outlive this object) and
  // checkpoints through `own`.
  WalCheckpointer(Connection& writer, std::unique_ptr<Connection> own, std::mutex& write_mu,
                  std::uint32_t frames, DiskFailureFn on_disk_failure);
  // Stops watching, finishes a running pass, and joins the thread.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  // A pass that copies this many frames or fewer leaves the rest to the
  // locked pass: about what two commits write at 8-32 connections.
  static constexpr int kFewFrames = 64;
  static constexpr int kMaxOpenPasses = 4;
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Run();
  void Checkpoint();
  // One PASSIVE pass: `in_wal` is the number of frames in the WAL when it
  // began, `copied` the number copied into the database file so far.
  // Returns SQLite's result code.
  int Pass(int& in_wal, int& copied);
  // Syncs the database file through the connection's VFS. Returns SQLite's
  // result code.
  int SyncDatabase();
  // A failed checkpoint with result code `rc`: for an I/O error or a full
  // disk, a disk failure with `failed`'s message; else a warning.
  void Report(int rc, const Status& failed);

  Connection& writer_;
  const std::unique_ptr<Connection> own_;
  std::mutex& write_mu_;
  const std::uint32_t frames_;
  const DiskFailureFn on_disk_failure_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;    // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;     // last: started once the rest is set
};

}  // namespace openadcs::db

#endif  // OPENADCS_SRC_DB_WAL_CHECKPOINTER_H_
