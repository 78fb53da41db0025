#include "openadcs/util/filetime.h"

#include <gtest/gtest.h>

namespace openadcs {
namespace {

TEST(FiletimeTest, NowIsAfter2024) {
  // 2024-01-01T00:00:00Z.
  EXPECT_GT(FiletimeNow(), 133485408000000000u);
}

TEST(FiletimeTest, UnixSecondsRoundTrip) {
  EXPECT_EQ(UnixToFiletime(0), kUnixEpochAsFiletime);
  EXPECT_EQ(FiletimeToUnix(UnixToFiletime(1704067200)), 1704067200);
  EXPECT_EQ(FiletimeToUnix(kUnixEpochAsFiletime - 1), 0);
}

TEST(FiletimeTest, UnixToIso8601) {
  EXPECT_EQ(UnixToIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(UnixToIso8601(1796871595), "2026-12-10T02:59:55Z");
  // Beyond any year gmtime can hold: the number.
  EXPECT_EQ(UnixToIso8601(INT64_MAX), "9223372036854775807");
}

}  // namespace
}  // namespace openadcs
