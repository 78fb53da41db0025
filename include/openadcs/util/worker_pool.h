// A fixed set of threads that run posted jobs.
#ifndef OPENADCS_UTIL_WORKER_POOL_H_
#define OPENADCS_UTIL_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

namespace openadcs::util {

// Runs posted jobs on `threads` threads, for work that may block (the RPC
// runtime's calls, which can wait on a directory). A job goes to the thread
// that went idle last, and a thread is woken only to be handed a job. So at
// light load the same one or two threads run every job, with warm caches,
// and no thread wakes to find nothing to do. asio::thread_pool parks its
// threads on one condition variable and wakes whichever the C library
// picks; measured in docs/performance.md ("the workers' wake-ups").
//
// Thread-safe. Jobs run in no particular order once more than one thread is
// free; jobs that wait for a thread start in the order they were posted.
class WorkerPool {
 public:
  // Starts max(threads, 1) threads, each running `on_start` (if set) before
  // its first job.
  WorkerPool(std::size_t threads, std::function<void()> on_start);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Join().
  ~WorkerPool();

  // Runs `job()` on a thread of the pool. `job` may be move-only. A job
  // that throws ends the process (as a std::thread's function does).
  template <class F>
  void Post(F&& job) {
    Enqueue(std::make_unique<JobOf<std::decay_t<F>>>(std::forward<F>(job)));
  }

  // Waits until every job posted so far, and every job those post, has run;
  // then the threads end. Jobs posted after that never run. Not from a job.
  void Join();

  // Threads waiting for a job. For tests.
  std::size_t IdleThreads() const;

 private:
  struct Job {
    virtual ~Job() = default;
    virtual void Run() = 0;
  };
  template <class F>
  struct JobOf final : Job {
    explicit JobOf(F f) : fn(std::move(f)) {}
    void Run() override { fn(); }
    F fn;
  };
  struct Thread;

  void Enqueue(std::unique_ptr<Job> job);
  void Loop(Thread* self);

  mutable std::mutex mu_;
  std::deque<std::unique_ptr<Job>> queued_;  // GUARDED_BY(mu_)
  std::vector<Thread*> idle_;                // GUARDED_BY(mu_); the last went idle last
  bool joining_ = false;                     // GUARDED_BY(mu_)
  std::vector<std::unique_ptr<Thread>> threads_;
  std::function<void()> on_start_;
  std::once_flag joined_;
};

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_WORKER_POOL_H_
