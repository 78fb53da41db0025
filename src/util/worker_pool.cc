#include "openadcs/util/worker_pool.h"

#include <algorithm>
#include <condition_variable>
#include <thread>

namespace openadcs::util {

// Each thread waits on a condition variable of its own, so that handing it
// a job wakes that thread and no other.
struct WorkerPool::Thread {
  std::condition_variable wake;
  std::unique_ptr<Job> handed;  // GUARDED_BY(WorkerPool::mu_)
  std::thread thread;
};

WorkerPool::WorkerPool(std::size_t threads, std::function<void()> on_start)
    : on_start_(std::move(on_start)) {
  threads = std::max<std::size_t>(threads, 1);
  idle_.reserve(threads);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.push_back(std::make_unique<Thread>());
  try {
    for (const auto& t : threads_) t->thread = std::thread([this, self = t.get()] { Loop(self); });
  } catch (...) {
    // Out of threads: those started end before the pool goes.
    Join();
    throw;
  }
}

WorkerPool::~WorkerPool() {
  Join();
}

void WorkerPool::Enqueue(std::unique_ptr<Job> job) {
  std::unique_lock lock(mu_);
  if (idle_.empty()) {
    queued_.push_back(std::move(job));
    return;
  }
  Thread* t = idle_.back();
  idle_.pop_back();
  t->handed = std::move(job);
  lock.unlock();
  t->wake.notify_one();
}

void WorkerPool::Loop(Thread* self) {
  if (on_start_) on_start_();
  std::unique_lock lock(mu_);
  for (;;) {
    std::unique_ptr<Job> job;
    if (!queued_.empty()) {
      job = std::move(queued_.front());
      queued_.pop_front();
    } else {
      if (joining_) return;
      idle_.push_back(self);
      // Join takes every idle thread off idle_ before it wakes them, so
      // none is handed a job after it.
      self->wake.wait(lock, [&] { return self->handed != nullptr || joining_; });
      if (self->handed == nullptr) return;
      job = std::move(self->handed);
    }
    lock.unlock();
    job->Run();
    // Destroyed here, unlocked: what the job holds may post again.
    job.reset();
    lock.lock();
  }
}

void WorkerPool::Join() {
  std::call_once(joined_, [this] {
    {
      std::lock_guard lock(mu_);
      joining_ = true;
      // The busy ones end once they find the queue empty.
      idle_.clear();
    }
    for (const auto& t : threads_) t->wake.notify_one();
    for (const auto& t : threads_) {
      if (t->thread.joinable()) t->thread.join();
    }
  });
}

std::size_t WorkerPool::IdleThreads() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace openadcs::util
