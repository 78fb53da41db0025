#include "openadcs/util/log_limiter.h"

#include <utility>

#include "openadcs/util/filetime.h"

namespace openadcs {
LogLimiter::LogLimiter(std::chrono::seconds interval, Clock clock)
    : interval_(interval.count()), clock_(clock ? std::move(clock) : Clock(UnixSecondsNow)) {}

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

std::string HeldBackNote(std::uint64_t suppressed) {
  return suppressed == 0
             ? std::string()
             : " (" + std::to_string(suppressed) + " more such lines since the last one)";
}

}  // namespace openadcs
