#include "openadcs/daemon/crl_scheduler.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <utility>

#include "openadcs/util/thread_name.h"

namespace openadcs::daemon {

CrlScheduler::CrlScheduler(std::vector<Job> jobs) : jobs_(std::move(jobs)) {
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
    Arm(i, jobs_[i].first_delay);
  }
  thread_ = std::thread([this] {
    util::NameThisThread("crl-publish");
    io_.run();
  });
}

CrlScheduler::~CrlScheduler() {
  Stop();
  thread_.join();
}

void CrlScheduler::Stop() {
  stopped_ = true;
  // The timers belong to the thread; with them cancelled it has no work left.
  boost::asio::post(io_, [this] {
    for (auto& timer : timers_) timer->cancel();
  });
}

void CrlScheduler::Arm(std::size_t job, std::chrono::seconds delay) {
  boost::asio::steady_timer& timer = *timers_[job];
  timer.expires_after(delay);
  timer.async_wait([this, job](const boost::system::error_code& ec) {
    if (ec || stopped_) return;  // cancelled: stopping
    Result<std::chrono::seconds> next = jobs_[job].publish();
    if (!next.ok()) {
      spdlog::error("{}; retrying in {} s", next.status().ToString(), jobs_[job].retry.count());
      Arm(job, jobs_[job].retry);
      return;
    }
    Arm(job, *next);
  });
}

}  // namespace openadcs::daemon
