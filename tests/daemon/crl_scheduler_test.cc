#include "openadcs/daemon/crl_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace openadcs::daemon {
namespace {

using std::chrono::seconds;

constexpr seconds kHour{3600};

// Long enough for any machine; the waits end as soon as what they wait for
// happens.
constexpr auto kPatience = std::chrono::seconds(30);

// Counts a job's runs, and lets the test wait until there have been `n`.
class Runs {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
    threads_.push_back(std::this_thread::get_id());
    cv_.notify_all();
  }
  bool WaitFor(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard lock(mu_);
    return threads_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  std::vector<std::thread::id> threads_;
};

TEST(CrlSchedulerTest, PublishesOffTheCallersThreadWhenItsDelayEnds) {
  Runs runs;
  // A delay of 0 from the job makes it run again at once, up to the third
  // run, which asks for an hour.
  CrlScheduler scheduler({{[&]() -> Result<seconds> {
                             runs.Add();
                             return runs.count() < 3 ? seconds(0) : kHour;
                           },
                           seconds(0), kHour}});
  ASSERT_TRUE(runs.WaitFor(3));
  for (std::thread::id id : runs.threads()) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(CrlSchedulerTest, AFailedPublicationRunsAgainAfterItsRetryDelay) {
  Runs runs;
  CrlScheduler scheduler({{[&]() -> Result<seconds> {
                             runs.Add();
                             if (runs.count() == 1) return Status::IOError("disk full");
                             return kHour;
                           },
                           seconds(0), seconds(0)}});
  ASSERT_TRUE(runs.WaitFor(2));
}

TEST(CrlSchedulerTest, JobsRunOnOneThreadEachOnItsOwnTimer) {
  Runs base;
  Runs delta;
  CrlScheduler scheduler({{[&]() -> Result<seconds> {
                             base.Add();
                             return kHour;
                           },
                           seconds(0), kHour},
                          {[&]() -> Result<seconds> {
                             delta.Add();
                             return delta.count() < 2 ? seconds(0) : kHour;
                           },
                           seconds(0), kHour}});
  ASSERT_TRUE(base.WaitFor(1));
  ASSERT_TRUE(delta.WaitFor(2));
  EXPECT_EQ(base.count(), 1);
  EXPECT_EQ(base.threads().front(), delta.threads().front());
}

TEST(CrlSchedulerTest, NoJobStartsAfterStopAndTheOneRunningFinishes) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  std::atomic<bool> finished{false};
  auto scheduler = std::make_unique<CrlScheduler>(std::vector<CrlScheduler::Job>{
      {[&]() -> Result<seconds> {
         if (started.fetch_add(1) == 0) entered.set_value();
         EXPECT_EQ(released.wait_for(kPatience), std::future_status::ready);
         finished = true;
         return seconds(0);  // again at once, but for the stop
       },
       seconds(0), kHour}});
  ASSERT_EQ(entered.get_future().wait_for(kPatience), std::future_status::ready);
  scheduler->Stop();  // returns while the job is held
  EXPECT_FALSE(finished);
  release.set_value();
  scheduler.reset();  // waits for the job
  EXPECT_TRUE(finished);
  EXPECT_EQ(started, 1);
}

TEST(CrlSchedulerTest, DestroyedBeforeAnyJobIsDueRunsNone) {
  Runs runs;
  {
    CrlScheduler scheduler({{[&]() -> Result<seconds> {
                               runs.Add();
                               return kHour;
                             },
                             kHour, kHour}});
  }
  EXPECT_EQ(runs.count(), 0);
}

}  // namespace
}  // namespace openadcs::daemon
