// WorkerPool: every posted job runs, including jobs posted by jobs and
// move-only ones; Join waits for them; every thread can hold a blocking job
// at once; a job goes to the thread that went idle last; each thread runs
// the start hook before its first job.
#include "openadcs/util/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace openadcs::util {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

// Waits (yielding, up to kTimeout) until `pool` has `n` idle threads.
bool WaitForIdle(const WorkerPool& pool, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (pool.IdleThreads() != n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(WorkerPoolTest, RunsEveryJobPostedFromManyThreadsByJoin) {
  std::atomic<int> ran{0};
  WorkerPool pool(4, nullptr);
  std::vector<std::thread> posters;
  posters.reserve(4);
  for (int p = 0; p < 4; ++p) {
    posters.emplace_back([&] {
      for (int i = 0; i < 2500; ++i) pool.Post([&] { ran.fetch_add(1); });
    });
  }
  for (auto& t : posters) t.join();
  pool.Join();
  EXPECT_EQ(ran.load(), 10000);
}

TEST(WorkerPoolTest, JoinWaitsForJobsThatJobsPost) {
  std::atomic<int> ran{0};
  WorkerPool pool(2, nullptr);
  // A chain: each job posts the next, so at Join's start most are not yet
  // posted. The job owns a move-only value, as the RPC runtime's calls do.
  std::function<void(int)> post_chain = [&](int left) {
    auto token = std::make_unique<int>(left);
    pool.Post([&, token = std::move(token)] {
      ran.fetch_add(1);
      if (*token > 1) post_chain(*token - 1);
    });
  };
  post_chain(200);
  pool.Join();
  EXPECT_EQ(ran.load(), 200);
  pool.Join();  // a second Join returns at once
}

TEST(WorkerPoolTest, EveryThreadCanHoldABlockingJobAtOnce) {
  constexpr int kThreads = 6;
  WorkerPool pool(kThreads, nullptr);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool all_started = true;
  for (int i = 0; i < kThreads; ++i) {
    pool.Post([&] {
      std::unique_lock lock(mu);
      ++started;
      cv.notify_all();
      // Blocks until every job has started: with fewer threads running jobs
      // at once than posted jobs, this times out.
      if (!cv.wait_for(lock, kTimeout, [&] { return started == kThreads; })) all_started = false;
    });
  }
  pool.Join();
  EXPECT_TRUE(all_started) << started << " of " << kThreads << " jobs ran at once";
}

TEST(WorkerPoolTest, AJobGoesToTheThreadThatWentIdleLast) {
  constexpr std::size_t kThreads = 8;
  WorkerPool pool(kThreads, nullptr);
  std::set<std::thread::id> ran_on;
  std::mutex mu;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(WaitForIdle(pool, kThreads)) << "job " << i;
    pool.Post([&] {
      std::lock_guard lock(mu);
      ran_on.insert(std::this_thread::get_id());
    });
  }
  pool.Join();
  // The thread that ran a job goes idle last, so it runs the next one too
  // (asio::thread_pool would spread them over its threads).
  EXPECT_EQ(ran_on.size(), 1u);
}

TEST(WorkerPoolTest, EachThreadRunsTheStartHookBeforeItsFirstJob) {
  std::atomic<int> hooks{0};
  thread_local bool started = false;
  std::atomic<bool> job_before_hook{false};
  {
    WorkerPool pool(3, [&] {
      started = true;
      hooks.fetch_add(1);
    });
    for (int i = 0; i < 100; ++i) {
      pool.Post([&] {
        if (!started) job_before_hook = true;
      });
    }
  }  // the destructor joins
  EXPECT_EQ(hooks.load(), 3);
  EXPECT_FALSE(job_before_hook.load());
}

}  // namespace
}  // namespace openadcs::util
