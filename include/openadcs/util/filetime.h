// FILETIME (MS-DTYP 2.3.3: 100 ns ticks since 1601-01-01 UTC), as the
// protocols carry times, and Unix seconds, as the CA keeps them.
#ifndef OPENADCS_UTIL_FILETIME_H_
#define OPENADCS_UTIL_FILETIME_H_

#include <chrono>
#include <cstdint>
#include <ratio>
#include <string>

namespace openadcs {

// 1970-01-01 as a FILETIME, and FILETIME ticks per second.
inline constexpr std::uint64_t kUnixEpochAsFiletime = 116444736000000000ULL;
inline constexpr std::uint64_t kFiletimeTicksPerSecond = 10000000ULL;

// Whole seconds since 1970, rounded down; times before 1970 give 0.
constexpr std::int64_t FiletimeToUnix(std::uint64_t filetime) {
  if (filetime < kUnixEpochAsFiletime) return 0;
  return static_cast<std::int64_t>((filetime - kUnixEpochAsFiletime) / kFiletimeTicksPerSecond);
}

// Negative `unix_seconds` give 1970-01-01.
constexpr std::uint64_t UnixToFiletime(std::int64_t unix_seconds) {
  if (unix_seconds < 0) return kUnixEpochAsFiletime;
  return kUnixEpochAsFiletime + static_cast<std::uint64_t>(unix_seconds) * kFiletimeTicksPerSecond;
}

// The system clock's now as a FILETIME, to the tick.
inline std::uint64_t FiletimeNow() {
  using Ticks = std::chrono::duration<std::int64_t, std::ratio<1, kFiletimeTicksPerSecond>>;
  const Ticks since_1970 =
      std::chrono::duration_cast<Ticks>(std::chrono::system_clock::now().time_since_epoch());
  return kUnixEpochAsFiletime + static_cast<std::uint64_t>(since_1970.count());
}

// The system clock's now in whole Unix seconds.
inline std::int64_t UnixSecondsNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `unix_seconds` as ISO 8601 in UTC ("2026-12-08T02:59:55Z"), as the logs
// and listings show times; the number itself for a time gmtime cannot show.
std::string UnixToIso8601(std::int64_t unix_seconds);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_FILETIME_H_
