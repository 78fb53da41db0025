#include "openadcs/util/log_limiter.h"

#include <utility>

namespace openadcs {
namespace {

std::int64_t SystemSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LogLimiter::LogLimiter(std::chrono::seconds interval, Clock clock)
    : interval_(interval.count()), clock_(clock ? std::move(clock) : Clock(SystemSeconds)) {}

bool LogLimiter::Allow(std::uint64_t* suppressed) {
  const std::int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ && now >= *last_ && now - *last_ < interval_) {
    ++held_back_;
    return false;
  }
  last_ = now;
  *suppressed = std::exchange(held_back_, 0);
  return true;
}

}  // namespace openadcs
