// WalSyncer: a commit is acknowledged only after an fdatasync that started
// after it, and concurrent waiters share syncs.
#include "db/wal_syncer.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/db/sqlite_store.h"
#include "openadcs/util/gate.h"
#include "openadcs/util/log_batch.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

TEST(WalSyncerTest, MissingFileIsIOError) {
  testing::TempDir dir;
  auto syncer = WalSyncer::Open(dir.path() / "ca.db-wal");
  ASSERT_FALSE(syncer.ok());
  EXPECT_EQ(syncer.status().code(), StatusCode::kIOError);
}

TEST(WalSyncerTest, CommitsNumberInOrderAndBecomeDurable) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "ca.db-wal") << "frames";
  auto syncer = WalSyncer::Open(dir.path() / "ca.db-wal");
  ASSERT_TRUE(syncer.ok()) << syncer.status().ToString();
  EXPECT_EQ((*syncer)->NoteCommit(), 1u);
  EXPECT_EQ((*syncer)->NoteCommit(), 2u);
  EXPECT_TRUE((*syncer)->WaitDurable(2).ok());
  // Already covered: returns without waiting for another sync.
  EXPECT_TRUE((*syncer)->WaitDurable(1).ok());
}

TEST(WalSyncerTest, ConcurrentWaitersAllReturnDurable) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "ca.db-wal") << "frames";
  auto syncer = WalSyncer::Open(dir.path() / "ca.db-wal");
  ASSERT_TRUE(syncer.ok());
  WalSyncer& s = **syncer;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!s.WaitDurable(s.NoteCommit()).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(s.NoteCommit(), 401u);
}

// A replaced -wal file is reopened, so the sync reaches the file that holds
// the frames.
TEST(WalSyncerTest, ReplacedFileIsReopened) {
  testing::TempDir dir;
  const auto wal = dir.path() / "ca.db-wal";
  std::ofstream(wal) << "old";
  auto syncer = WalSyncer::Open(wal);
  ASSERT_TRUE(syncer.ok());
  std::filesystem::remove(wal);
  std::ofstream(wal) << "new";
  EXPECT_TRUE((*syncer)->WaitDurable((*syncer)->NoteCommit()).ok());
  std::filesystem::remove(wal);
  // Gone altogether: the old descriptor still syncs what it holds.
  EXPECT_TRUE((*syncer)->WaitDurable((*syncer)->NoteCommit()).ok());
}

int FailWithEio(int /*fd*/) {
  errno = EIO;
  return -1;
}

// After a failed fdatasync the kernel may have dropped the dirty pages:
// nothing noted before or after is durable, and the error names the file.
TEST(WalSyncerTest, FailedSyncIsStickyAndNamesTheFile) {
  testing::TempDir dir;
  const auto wal = dir.path() / "ca.db-wal";
  std::ofstream(wal) << "frames";
  auto syncer = WalSyncer::Open(wal, FailWithEio);
  ASSERT_TRUE(syncer.ok());
  const Status failed = (*syncer)->WaitDurable((*syncer)->NoteCommit());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_EQ(failed.hresult(), kIoDeviceHresult);
  EXPECT_EQ(failed.message(), "fdatasync " + wal.string() + ": " + std::strerror(EIO));
  EXPECT_EQ((*syncer)->WaitDurable((*syncer)->NoteCommit()).message(), failed.message());
}

int FailWithEnospc(int /*fd*/) {
  errno = ENOSPC;
  return -1;
}

std::mutex g_mu;
std::condition_variable g_cv;
bool g_syncing = false;  // guarded by g_mu: HeldSync has begun
bool g_release = false;  // guarded by g_mu: HeldSync may return

int HeldSync(int /*fd*/) {
  std::unique_lock lock(g_mu);
  g_syncing = true;
  g_cv.notify_all();
  g_cv.wait_for(lock, std::chrono::seconds(10), [] { return g_release; });
  return 0;
}

// A writer gathers writes while the syncer is busy: idle() is false from a
// commit's wait until its sync has ended, and the listener hears the end.
TEST(WalSyncerTest, IdleNeitherWhileACommitWaitsNorWhileItsSyncRuns) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "ca.db-wal") << "frames";
  auto syncer = WalSyncer::Open(dir.path() / "ca.db-wal", HeldSync);
  ASSERT_TRUE(syncer.ok());
  WalSyncer& s = **syncer;
  Gate idle_again;
  s.SetIdleListener([&] { idle_again.Open(Status::Ok()); });
  EXPECT_TRUE(s.idle());
  Gate durable;
  s.WhenDurable(s.NoteCommit(), [&](const Status& status) { durable.Open(status); });
  EXPECT_FALSE(s.idle());
  {
    std::unique_lock lock(g_mu);
    ASSERT_TRUE(g_cv.wait_for(lock, std::chrono::seconds(10), [] { return g_syncing; }));
  }
  EXPECT_FALSE(s.idle());
  {
    std::lock_guard lock(g_mu);
    g_release = true;
    g_cv.notify_all();
  }
  EXPECT_TRUE(idle_again.Wait().ok());
  EXPECT_TRUE(s.idle());
  EXPECT_TRUE(durable.Wait().ok());
}

// The lines the answers to one sync log reach the log sink in one write.
TEST(WalSyncerTest, TheLinesOfOneSyncsAnswersAreWrittenTogether) {
  std::array<int, 2> fds{};  // each write(2) is one record
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds.data()), 0);
  const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", MakeBatchingLogSink(fds[1])));
  spdlog::set_pattern("%v");
  {
    std::lock_guard lock(g_mu);
    g_syncing = false;
    g_release = false;
  }
  {
    testing::TempDir dir;
    std::ofstream(dir.path() / "ca.db-wal") << "frames";
    auto syncer = WalSyncer::Open(dir.path() / "ca.db-wal", HeldSync);
    ASSERT_TRUE(syncer.ok());
    WalSyncer& s = **syncer;
    std::vector<std::shared_ptr<Gate>> answered;
    const auto commit = [&](const char* name) {
      auto gate = std::make_shared<Gate>();
      answered.push_back(gate);
      s.WhenDurable(s.NoteCommit(), [name, gate](const Status& status) {
        spdlog::info("{} durable", name);
        gate->Open(status);
      });
    };
    commit("first");
    {
      std::unique_lock lock(g_mu);
      ASSERT_TRUE(g_cv.wait_for(lock, std::chrono::seconds(10), [] { return g_syncing; }));
    }
    // Noted while the first sync runs: the next sync answers both.
    commit("second");
    commit("third");
    {
      std::lock_guard lock(g_mu);
      g_release = true;
      g_cv.notify_all();
    }
    for (const auto& gate : answered) EXPECT_TRUE(gate->Wait().ok());
  }
  spdlog::set_default_logger(previous);
  std::vector<std::string> writes;
  std::array<char, 256> buffer{};
  for (ssize_t n; (n = ::recv(fds[0], buffer.data(), buffer.size(), 0)) > 0;) {
    writes.emplace_back(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(writes,
            (std::vector<std::string>{"first durable\n", "second durable\nthird durable\n"}));
}

TEST(WalSyncerTest, SyncOnAFullDiskIsDiskFull) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "ca.db-wal") << "frames";
  auto syncer = WalSyncer::Open(dir.path() / "ca.db-wal", FailWithEnospc);
  ASSERT_TRUE(syncer.ok());
  EXPECT_EQ((*syncer)->WaitDurable((*syncer)->NoteCommit()).hresult(), kDiskFullHresult);
}

}  // namespace
}  // namespace openadcs::db
