#include "db/wal_syncer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "db/sqlite_connection.h"
#include "openadcs/util/log_batch.h"
#include "openadcs/util/thread_name.h"

namespace openadcs::db {
namespace {

struct OpenedFile {
  int fd;
  struct statx id;  // its inode and device, asked for alone (see SyncFile)
};

// Opens the -wal file for syncing and reads which file it is. `verb` ("open",
// "reopen") names the step in an error.
Result<OpenedFile> OpenWal(const std::filesystem::path& wal, const char* verb) {
  OpenedFile file{::open(wal.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW), {}};
  if (file.fd < 0) return Status::IOErrorFromErrno(std::string(verb) + " " + wal.string());
  if (::statx(file.fd, "", AT_EMPTY_PATH, STATX_INO, &file.id) != 0) {
    Status failed = Status::IOErrorFromErrno("stat " + wal.string());
    ::close(file.fd);
    return failed;
  }
  return file;
}

bool SameFile(const struct statx& a, const struct statx& b) {
  return a.stx_ino == b.stx_ino && a.stx_dev_major == b.stx_dev_major &&
         a.stx_dev_minor == b.stx_dev_minor;
}

}  // namespace

Result<std::unique_ptr<WalSyncer>> WalSyncer::Open(const std::filesystem::path& wal,
                                                   SyncFunction sync,
                                                   metrics::Histogram* fsync_seconds) {
  Result<OpenedFile> file = OpenWal(wal, "open");
  if (!file.ok()) return file.status();
  std::unique_ptr<WalSyncer> syncer(new WalSyncer(wal, file->fd, file->id, sync, fsync_seconds));
  syncer->thread_ = std::thread([s = syncer.get()] { s->Run(); });
  int dir = ::open(wal.parent_path().empty() ? "." : wal.parent_path().c_str(),
                   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Status::IOErrorFromErrno("open " + wal.parent_path().string());
  const int rc = ::fsync(dir);
  const int err = errno;
  ::close(dir);
  if (rc != 0) {
    errno = err;
    return Status::IOErrorFromErrno("fsync " + wal.parent_path().string());
  }
  return syncer;
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  ::close(fd_);
}

std::uint64_t WalSyncer::NoteCommit() {
  std::lock_guard lock(mu_);
  return ++committed_;
}

void WalSyncer::WhenDurable(std::uint64_t number, Gate::Callback done) {
  std::unique_lock lock(mu_);
  if (durable_ >= number || !failed_.ok()) {
    const Status status = failed_;
    lock.unlock();
    done(status);
    return;
  }
  waiters_.push_back({number, std::move(done)});
  lock.unlock();
  cv_.notify_all();
}

Status WalSyncer::WaitDurable(std::uint64_t number) {
  Gate durable;
  WhenDurable(number, [&durable](const Status& s) { durable.Open(s); });
  return durable.Wait();
}

bool WalSyncer::idle() {
  std::lock_guard lock(mu_);
  return !syncing_ && waiters_.empty();
}

void WalSyncer::SetIdleListener(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  idle_listener_ = std::move(listener);
}

void WalSyncer::Run() {
  util::NameThisThread("db-wal-sync");
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !waiters_.empty(); });
    // Stopping, the waiters left are answered first: they were promised.
    if (waiters_.empty()) return;
    // Every commit noted so far has written its frames: this sync covers them.
    const std::uint64_t covered = committed_;
    syncing_ = true;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    Status synced = SyncFile();
    if (fsync_seconds_ != nullptr) fsync_seconds_->ObserveSince(start);
    lock.lock();
    syncing_ = false;
    if (synced.ok()) {
      durable_ = covered;
    } else {
      failed_ = synced;
    }
    std::vector<Waiter> answered;
    std::vector<Waiter> still;
    for (Waiter& w : waiters_) {
      (w.number <= durable_ || !failed_.ok() ? answered : still).push_back(std::move(w));
    }
    waiters_ = std::move(still);
    const Status status = failed_;
    const std::function<void()> listener = waiters_.empty() ? idle_listener_ : nullptr;
    lock.unlock();
    // The writer first: its commit need not wait for the answers.
    if (listener) listener();
    {
      // The lines the answers log (three for each new request) go to the
      // log together, once every reply is on its way.
      LogBatch lines;
      for (Waiter& w : answered) w.done(status);
    }
    lock.lock();
  }
}

Status WalSyncer::SyncFile() {
  // SQLite keeps the -wal file while any connection is open, so a change of
  // inode means someone else removed it; what was written went to the new one.
  // Only the inode number is asked for: a stat that reports the file's times
  // makes the kernel (Linux 6.13 on, ext4, XFS, Btrfs) give the next write a
  // fine-grained ctime and mtime, which dirties the inode at every commit;
  // on ext4 without a journal every fdatasync then also writes the inode
  // table's block before its flush.
  // The descriptor's own inode cannot change: it was read when it was opened.
  struct statx by_path {};
  if (::statx(AT_FDCWD, wal_.c_str(), 0, STATX_INO, &by_path) == 0 && !SameFile(by_path, fd_id_)) {
    Result<OpenedFile> file = OpenWal(wal_, "reopen");
    if (!file.ok()) return file.status();
    ::close(fd_);
    fd_ = file->fd;
    fd_id_ = file->id;
  }
  if (sync_(fd_) == 0) return Status::Ok();
  const int err = errno;
  return DiskFailure("fdatasync " + wal_.string() + ": " + std::strerror(err),
                     err == ENOSPC || err == EDQUOT);
}

}  // namespace openadcs::db
