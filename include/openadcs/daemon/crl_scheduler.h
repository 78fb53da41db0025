// Runs openadcsd's scheduled CRL publications on a thread of its own, so that
// building and storing a CRL (most of a second with 100,000 revocations,
// docs/performance.md) never holds the loop that serves the RPC endpoints.
// Each job has its own timer; the jobs run one at a time, in the order their
// timers expire, on that one thread.
#ifndef OPENADCS_DAEMON_CRL_SCHEDULER_H_
#define OPENADCS_DAEMON_CRL_SCHEDULER_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "openadcs/util/status.h"

namespace openadcs::daemon {

class CrlScheduler {
 public:
  struct Job {
    // Publishes, and returns the delay until the job's next run. After an
    // error (logged here, with the retry delay) it runs again after `retry`.
    std::function<Result<std::chrono::seconds>()> publish;
    std::chrono::seconds first_delay{0};
    std::chrono::seconds retry{0};
  };

  // Starts the thread, with each job due after its first delay.
  explicit CrlScheduler(std::vector<Job> jobs);
  // Stop(), then waits for a publication in progress to finish.
  ~CrlScheduler();
  CrlScheduler(const CrlScheduler&) = delete;
  CrlScheduler& operator=(const CrlScheduler&) = delete;

  // No publication starts after this; one in progress finishes. Returns at
  // once; any thread.
  void Stop();

 private:
  // On the thread (or before it starts): `job` runs after `delay`.
  void Arm(std::size_t job, std::chrono::seconds delay);

  std::vector<Job> jobs_;
  boost::asio::io_context io_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;  // last: runs io_ over the members above
};

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_CRL_SCHEDULER_H_
