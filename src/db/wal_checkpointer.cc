#include "db/wal_checkpointer.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "openadcs/util/thread_name.h"

namespace openadcs::db {

WalCheckpointer::WalCheckpointer(Connection& writer, std::unique_ptr<Connection> own,
                                 std::mutex& write_mu, std::uint32_t frames,
                                 DiskFailureFn on_disk_failure)
    : writer_(writer),
      own_(std::move(own)),
      write_mu_(write_mu),
      frames_(frames),
      on_disk_failure_(std::move(on_disk_failure)) {
  thread_ = std::thread([this] { Run(); });
  // Replaces SQLite's automatic checkpoint on the writer.
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::OnCommit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (frames >= 0 && static_cast<std::uint32_t>(frames) >= c->frames_) {
    {
      std::lock_guard lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  util::NameThisThread("db-checkpoint");
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return wanted_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    Checkpoint();
    lock.lock();
    // The commits made while it ran asked for the checkpoint that has just
    // completed (its last pass copied their frames); a commit after it that
    // still leaves `frames_` in the WAL asks again.
    wanted_ = false;
  }
}

int WalCheckpointer::Pass(int& in_wal, int& copied) {
  return sqlite3_wal_checkpoint_v2(own_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &in_wal,
                                   &copied);
}

int WalCheckpointer::SyncDatabase() {
  sqlite3_file* file = nullptr;
  const int rc = sqlite3_file_control(own_->handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc != SQLITE_OK) return rc;
  if (file == nullptr || file->pMethods == nullptr) return SQLITE_MISUSE;
  return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

void WalCheckpointer::Report(int rc, const Status& failed) {
  if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL) {
    on_disk_failure_(DiskFailure(failed.message(), (rc & 0xff) == SQLITE_FULL));
  } else {
    spdlog::warn("CA database checkpoint: {}", failed.ToString());
  }
}

void WalCheckpointer::Checkpoint() {
  int in_wal = 0;
  int copied = 0;
  int fresh = 0;  // frames the last pass copied
  // The bulk of the copy, then what was committed meanwhile, with writers
  // going on, until little is left for the locked pass.
  int rc = SQLITE_OK;
  for (int pass = 0, before = 0; pass < kMaxOpenPasses; ++pass, before = copied) {
    rc = Pass(in_wal, copied);
    if (rc != SQLITE_OK) break;
    // A WAL started over since the pass before counts from zero again.
    fresh = copied >= before ? copied - before : copied;
    if (pass > 0 && fresh <= kFewFrames) break;
  }
  // SQLite syncs the database file only in a pass that copies the whole WAL,
  // which under load is only the locked one: synced here, what the passes
  // copied is not left to it. A last pass that found the WAL copied and
  // nothing new follows one that copied it whole, which synced.
  if (rc == SQLITE_OK && (fresh > 0 || in_wal > copied)) {
    if (const int synced = SyncDatabase(); synced != SQLITE_OK) {
      // Described here: the connection's last error and errno belong to
      // SQLite's own calls, not to this one.
      const char* path = sqlite3_db_filename(own_->handle(), "main");
      Report(synced, Status::IOError(std::string("checkpoint: syncing ") +
                                     (path != nullptr ? path : "the database") + ": " +
                                     sqlite3_errstr(synced)));
      return;
    }
  }
  if (rc == SQLITE_OK) {
    // The frames committed meanwhile, with none being written: SQLite starts
    // the WAL over only for a writer that began after a complete checkpoint,
    // and under steady load one always began during the passes above.
    std::lock_guard no_writer(write_mu_);
    rc = Pass(in_wal, copied);
  }
  // BUSY: another process is checkpointing; the next commit asks again.
  if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY) return;
  Report(rc, own_->Error(rc, "checkpoint"));
}

}  // namespace openadcs::db
