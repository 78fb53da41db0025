// A SQLite VFS that passes every call to the default ("unix") VFS, except
// the writes or syncs it has been told to fail: the disk failures the store
// must survive, on demand. (File controls are passed on: in WAL mode SQLite
// ignores the result of those that announce writes.)
#ifndef OPENADCS_TESTS_TESTING_FAULT_VFS_H_
#define OPENADCS_TESTS_TESTING_FAULT_VFS_H_

#include <chrono>
#include <string>

namespace openadcs::testing {

// The calls FaultVfs can fail, on every file it opens.
enum class FaultOp { kWrite, kSync };

class FaultVfs {
 public:
  // The name to open a database with (SqliteStoreOptions::vfs); registered
  // (not as the default) on first use. Thread-safe.
  static const std::string& Name();
  // From now on every `op` returns `rc` (an SQLite result code such as
  // SQLITE_FULL or SQLITE_IOERR_WRITE) without reaching the disk, on files
  // whose name ends with `suffix` ("" for all: "-wal" for the log alone).
  // Thread-safe.
  static void Fail(FaultOp op, int rc, const std::string& suffix = "");
  // Ends every failure set with Fail.
  static void Heal();
  // How many calls were failed since the last Heal.
  static int Failed();
  // Writes of WAL files (names ending with "-wal") that reached the disk,
  // since the process started.
  static int WalWrites();
  // Syncs of database files (not of a WAL) that reached the disk, since the
  // process started: a checkpoint ends with one, so a test can tell that a
  // checkpoint running on another thread is done with the disk.
  static int DatabaseSyncs();
  // Waits until DatabaseSyncs() is at least `count`; false after `timeout`.
  static bool WaitForDatabaseSyncs(int count, std::chrono::milliseconds timeout);
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_FAULT_VFS_H_
