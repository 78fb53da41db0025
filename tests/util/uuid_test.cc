#include "openadcs/util/uuid.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace openadcs {
namespace {

constexpr Uuid kPassage{
    0x91ae6020, 0x9e3c, 0x11cf, {0x8d, 0x7c, 0x00, 0xaa, 0x00, 0xc0, 0x91, 0xbe}};

TEST(UuidTest, ParsesAndFormats) {
  auto u = Uuid::Parse("91AE6020-9e3c-11cf-8d7c-00aa00c091be");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(*u, kPassage);
  EXPECT_EQ(u->ToString(), "91ae6020-9e3c-11cf-8d7c-00aa00c091be");
}

TEST(UuidTest, WireFormIsMixedEndian) {
  // MS-DTYP 2.3.4.2: Data1..Data3 little-endian, Data4 in order.
  std::array<std::uint8_t, 16> wire{};
  kPassage.ToWire(wire);
  const std::array<std::uint8_t, 16> expected{0x20, 0x60, 0xae, 0x91, 0x3c, 0x9e, 0xcf, 0x11,
                                              0x8d, 0x7c, 0x00, 0xaa, 0x00, 0xc0, 0x91, 0xbe};
  EXPECT_EQ(wire, expected);
  EXPECT_EQ(Uuid::FromWire(wire), kPassage);
}

TEST(UuidTest, RejectsMalformedText) {
  for (const char* bad :
       {"", "91ae6020-9e3c-11cf-8d7c-00aa00c091b", "91ae6020-9e3c-11cf-8d7c-00aa00c091bee",
        "91ae6020x9e3c-11cf-8d7c-00aa00c091be", "91ae6020-9e3c-11cf-8d7c-00aa00c091bg",
        "91ae60209e3c11cf8d7c00aa00c091be0000", "{91ae6020-9e3c-11cf-8d7c-00aa00c091b}",
        "91ae6020-9e3c-11cf-8d7c-00aa00c0-1be"}) {
    EXPECT_FALSE(Uuid::Parse(bad).has_value()) << bad;
  }
}

TEST(UuidTest, NilAndOrdering) {
  EXPECT_TRUE(Uuid{}.IsNil());
  EXPECT_FALSE(kPassage.IsNil());
  EXPECT_EQ(Uuid::Parse("00000000-0000-0000-0000-000000000000"), Uuid{});
  EXPECT_LT(Uuid{}, kPassage);
}

TEST(UuidTest, RandomIsVersion4Variant1AndRoundTrips) {
  std::set<Uuid> seen;
  for (int i = 0; i < 16; ++i) {
    Uuid u = Uuid::Random();
    EXPECT_EQ(u.data3 >> 12, 4);
    EXPECT_EQ(u.data4[0] & 0xc0, 0x80);
    EXPECT_EQ(Uuid::Parse(u.ToString()), u);
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 16u);
}

}  // namespace
}  // namespace openadcs
