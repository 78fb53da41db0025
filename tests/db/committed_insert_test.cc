// InsertRequestCommitted: the writer's thread returns once the insert is
// committed, while the fdatasync that makes it durable is still running;
// its gate opens after that sync, or with the store's failure when the
// sync fails. The sync is held back by a stand-in for fdatasync.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

constexpr auto kWait = std::chrono::seconds(10);  // bound on every wait

std::mutex g_mu;
std::condition_variable g_cv;
bool g_hold = false;  // guarded by g_mu: syncs wait while set
int g_held = 0;       // guarded by g_mu: syncs waiting now
std::atomic<bool> g_fail{false};

int HeldFdatasync(int fd) {
  {
    std::unique_lock lock(g_mu);
    ++g_held;
    g_cv.notify_all();
    g_cv.wait_for(lock, kWait, [] { return !g_hold; });
    --g_held;
  }
  if (g_fail) {
    errno = EIO;
    return -1;
  }
  return ::fdatasync(fd);
}

void Hold(bool hold) {
  std::lock_guard lock(g_mu);
  g_hold = hold;
  g_cv.notify_all();
}

bool WaitForHeldSync() {
  std::unique_lock lock(g_mu);
  return g_cv.wait_for(lock, kWait, [] { return g_held > 0; });
}

class CommittedInsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = dir_.path() / "ca.db";
    options.wal_sync = HeldFdatasync;
    options.on_disk_failure = [this](const Status&) { ++reports_; };
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    Hold(false);
    store_.reset();
    g_fail = false;
  }

  Result<CommittedInsert> Insert(int n) {
    RequestRecord r;
    r.raw_request.assign(256, static_cast<std::uint8_t>(n));
    r.disposition = Disposition::kPending;
    r.requester_name = "CORP\\user" + std::to_string(n);
    return store_->InsertRequestCommitted(r, {}, {}, {});
  }

  testing::TempDir dir_;
  std::unique_ptr<CaStore> store_;
  std::atomic<int> reports_{0};
};

TEST_F(CommittedInsertTest, ReturnsBeforeTheSyncAndOpensAfterIt) {
  Hold(true);
  Result<CommittedInsert> first = Insert(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_NE(first->durable, nullptr);
  ASSERT_TRUE(WaitForHeldSync());
  std::atomic<bool> opened{false};
  Gate seen;  // opened by the callback, after `opened`
  first->durable->WhenOpen([&](const Status& s) {
    opened = true;
    seen.Open(s);
  });
  EXPECT_FALSE(opened) << "the gate opened while its sync was held back";
  // The writer's thread is free: a second insert commits behind the held sync.
  Result<CommittedInsert> second = Insert(2);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_NE(second->durable, nullptr);
  EXPECT_NE(second->request_id, first->request_id);
  EXPECT_FALSE(opened);
  Hold(false);
  EXPECT_TRUE(first->durable->Wait().ok());
  EXPECT_TRUE(seen.Wait().ok());
  EXPECT_TRUE(opened);
  EXPECT_TRUE(second->durable->Wait().ok());
  EXPECT_TRUE(store_->GetRequest(second->request_id).ok());
  EXPECT_EQ(reports_, 0);
}

TEST_F(CommittedInsertTest, AFailedSyncOpensTheGateWithTheStoresFailure) {
  Hold(true);
  g_fail = true;
  Result<CommittedInsert> committed = Insert(1);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  ASSERT_NE(committed->durable, nullptr);
  Hold(false);
  const Status failed = committed->durable->Wait();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.hresult(), kIoDeviceHresult);
  EXPECT_NE(failed.message().find("CA database "), std::string::npos) << failed.message();
  EXPECT_EQ(reports_, 1);
  // Latched: the next write fails at once, and the blocking call the same way.
  EXPECT_EQ(Insert(2).status().message(), failed.message());
  RequestRecord r;
  r.disposition = Disposition::kPending;
  EXPECT_EQ(store_->InsertRequest(r, {}, {}, {}).status().message(), failed.message());
  EXPECT_EQ(reports_, 1);
}

}  // namespace
}  // namespace openadcs::db
