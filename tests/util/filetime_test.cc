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

}  // namespace
}  // namespace openadcs
