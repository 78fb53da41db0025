#include "openadcs/util/log_limiter.h"

#include <algorithm>
#include <utility>

#include "openadcs/util/filetime.h"

namespace openadcs {
namespace {

// Whether an occurrence at `now` is held back, the last one logged being at
// `last`: within the interval after it (a clock gone back is not).
bool HeldBack(std::int64_t last, std::int64_t now, std::int64_t interval) {
  return now >= last && now - last < interval;
}

}  // namespace

LogLimiter::LogLimiter(std::chrono::seconds interval, Clock clock)
    : interval_(interval.count()), clock_(clock ? std::move(clock) : Clock(UnixSecondsNow)) {}

bool LogLimiter::Allow(std::uint64_t* suppressed) {
  const std::int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ && HeldBack(*last_, now, interval_)) {
    ++held_back_;
    return false;
  }
  last_ = now;
  *suppressed = std::exchange(held_back_, 0);
  return true;
}

KeyedLogLimiter::KeyedLogLimiter(std::chrono::seconds interval, std::size_t max_keys, Clock clock)
    : interval_(interval.count()),
      max_keys_(std::max<std::size_t>(max_keys, 1)),
      clock_(clock ? std::move(clock) : Clock(UnixSecondsNow)) {}

bool KeyedLogLimiter::Allow(std::string_view key, std::uint64_t* suppressed) {
  const std::int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) Evict(now);
    entries_.emplace(std::string(key), Entry{now, 0});
    *suppressed = 0;
    return true;
  }
  Entry& e = it->second;
  if (HeldBack(e.last, now, interval_)) {
    ++e.held_back;
    return false;
  }
  e.last = now;
  *suppressed = std::exchange(e.held_back, 0);
  return true;
}

void KeyedLogLimiter::Evict(std::int64_t now) {
  std::erase_if(entries_,
                [&](const auto& kv) { return !HeldBack(kv.second.last, now, interval_); });
  if (entries_.size() < max_keys_) return;
  entries_.erase(
      std::min_element(entries_.begin(), entries_.end(),
                       [](const auto& a, const auto& b) { return a.second.last < b.second.last; }));
}

std::string HeldBackNote(std::uint64_t suppressed) {
  return suppressed == 0
             ? std::string()
             : " (" + std::to_string(suppressed) + " more such lines since the last one)";
}

}  // namespace openadcs
