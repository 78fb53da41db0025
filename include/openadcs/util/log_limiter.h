// Rate limit for a log line that a recurring condition (a directory outage
// seen by every call) would otherwise write on every occurrence.
#ifndef OPENADCS_UTIL_LOG_LIMITER_H_
#define OPENADCS_UTIL_LOG_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace openadcs {

// Lets one occurrence per `interval` be logged and counts the ones held back
// in between, for the next line to report. Thread-safe.
class LogLimiter {
 public:
  using Clock = std::function<std::int64_t()>;  // seconds

  // `clock` null: the system clock.
  explicit LogLimiter(std::chrono::seconds interval, Clock clock = nullptr);

  // Whether to log this occurrence: the first, and the first at least
  // `interval` after the last one logged (or after the clock went back).
  // When it returns true, *suppressed is the number of occurrences held back
  // since the last one logged.
  bool Allow(std::uint64_t* suppressed);

 private:
  const std::int64_t interval_;
  const Clock clock_;
  std::mutex mu_;
  std::optional<std::int64_t> last_;  // guarded by mu_
  std::uint64_t held_back_ = 0;       // guarded by mu_
};

// LogLimiter per key (an account, a peer): one occurrence per key per
// `interval`. At most `max_keys` keys are remembered; a new key beyond them
// first drops the keys whose interval has passed, then the one logged
// longest ago, so memory stays bounded and a flood of keys costs at most
// extra lines (and the held-back counts of dropped keys), never a lost
// first one. Thread-safe.
class KeyedLogLimiter {
 public:
  using Clock = LogLimiter::Clock;

  // `clock` null: the system clock.
  KeyedLogLimiter(std::chrono::seconds interval, std::size_t max_keys, Clock clock = nullptr);

  // As LogLimiter::Allow, for `key` (compared as given: callers fold case
  // where it does not count).
  bool Allow(std::string_view key, std::uint64_t* suppressed);

 private:
  struct Entry {
    std::int64_t last = 0;
    std::uint64_t held_back = 0;
  };
  // Makes room for one more key. REQUIRES: mu_ held.
  void Evict(std::int64_t now);

  const std::int64_t interval_;
  const std::size_t max_keys_;
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};
// What a line a limiter allowed appends to say how many were held back
// before it: "" when none, else " (N more such lines since the last one)".
std::string HeldBackNote(std::uint64_t suppressed);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_LOG_LIMITER_H_
