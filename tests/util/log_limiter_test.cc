// KeyedLogLimiter: one line per key per interval, the count held back, and
// the bound on remembered keys.
#include "openadcs/util/log_limiter.h"

#include <gtest/gtest.h>

namespace openadcs {
namespace {

TEST(KeyedLogLimiterTest, OnePerKeyPerIntervalWithTheCountHeldBack) {
  std::int64_t now = 1000;
  KeyedLogLimiter limiter(std::chrono::seconds(60), 16, [&now] { return now; });
  std::uint64_t held = 99;
  EXPECT_TRUE(limiter.Allow("alice", &held));
  EXPECT_EQ(held, 0u);
  EXPECT_FALSE(limiter.Allow("alice", &held));
  EXPECT_TRUE(limiter.Allow("bob", &held)) << "every key has its own interval";
  now = 1059;
  EXPECT_FALSE(limiter.Allow("alice", &held));
  now = 1060;
  EXPECT_TRUE(limiter.Allow("alice", &held));
  EXPECT_EQ(held, 2u);
  now = 1000;  // the clock went back
  EXPECT_TRUE(limiter.Allow("alice", &held));
}

TEST(KeyedLogLimiterTest, KeysBeyondTheBoundDropTheOldestFirst) {
  std::int64_t now = 0;
  KeyedLogLimiter limiter(std::chrono::seconds(60), 2, [&now] { return now; });
  std::uint64_t held = 0;
  EXPECT_TRUE(limiter.Allow("a", &held));
  now = 1;
  EXPECT_TRUE(limiter.Allow("b", &held));
  now = 2;
  EXPECT_TRUE(limiter.Allow("c", &held));   // drops a, logged longest ago
  EXPECT_FALSE(limiter.Allow("b", &held));  // b and c are remembered
  EXPECT_FALSE(limiter.Allow("c", &held));
  EXPECT_TRUE(limiter.Allow("a", &held)) << "a was forgotten, so it is logged again";
}

}  // namespace
}  // namespace openadcs
