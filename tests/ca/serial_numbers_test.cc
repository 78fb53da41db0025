#include "ca/serial_numbers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace openadcs::ca {
namespace {

// 2026-12-04T00:00:00Z in microseconds: 0x0661c38ea5a000 in 7 bytes.
constexpr std::uint64_t kDec2026 = 1'796'342'400'000'000;

std::uint64_t PrefixOf(const Bytes& serial) {
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < kSerialTimeBytes; ++i) prefix = (prefix << 8) | serial[i];
  return prefix;
}

TEST(SerialNumbersTest, LeadsWithTheTimeAndEndsRandom) {
  SerialNumbers serials;
  Result<Bytes> a = serials.Next(19, kDec2026);
  Result<Bytes> b = serials.Next(19, kDec2026 + 5);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->size(), 19u);
  EXPECT_EQ(PrefixOf(*a), kDec2026);
  EXPECT_EQ(PrefixOf(*b), kDec2026 + 5);
  EXPECT_EQ((*a)[0], 0x06);  // positive, no leading zero: DER keeps all 19 bytes
  EXPECT_FALSE(std::equal(a->begin() + kSerialTimeBytes, a->end(), b->begin() + kSerialTimeBytes));
}

TEST(SerialNumbersTest, PrefixesIncreaseWhateverTheClockDoes) {
  SerialNumbers serials;
  std::uint64_t last = 0;
  for (std::uint64_t now : {kDec2026, kDec2026, kDec2026 - 1'000'000, kDec2026 + 1}) {
    Result<Bytes> s = serials.Next(16, now);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_GT(PrefixOf(*s), last) << "at " << now;
    last = PrefixOf(*s);
  }
  EXPECT_EQ(last, kDec2026 + 3);
}

TEST(SerialNumbersTest, ThreadsNeverShareAPrefix) {
  SerialNumbers serials;
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  std::vector<std::vector<std::uint64_t>> prefixes(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Result<Bytes> s = serials.Next(20, kDec2026);
        if (s.ok()) prefixes[t].push_back(PrefixOf(*s));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::uint64_t> all;
  for (const auto& p : prefixes) {
    ASSERT_EQ(p.size(), static_cast<std::size_t>(kEach));
    EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
    all.insert(p.begin(), p.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(SerialNumbersTest, StaysPositiveOutsideTheClocksRange) {
  SerialNumbers early;
  Result<Bytes> zero = early.Next(16, 0);  // a prefix whose first byte is 0
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ((*zero)[0], 0x01);
  SerialNumbers late;
  Result<Bytes> high = late.Next(16, std::uint64_t{0xFF} << 48);  // past the year 3111
  ASSERT_TRUE(high.ok());
  EXPECT_EQ((*high)[0], 0x7F);
}

TEST(SerialNumbersTest, RefusesLengthsOutsideSixteenToTwenty) {
  SerialNumbers serials;
  EXPECT_EQ(serials.Next(15, kDec2026).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(serials.Next(21, kDec2026).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::ca
