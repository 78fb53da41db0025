#include "openadcs/util/oid.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs {
namespace {

TEST(OidContentTest, EncodesArcsInBase128) {
  // sha256WithRSAEncryption and subjectKeyIdentifier, as every certificate carries them.
  EXPECT_EQ(OidContent("1.2.840.113549.1.1.11"),
            (Bytes{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}));
  EXPECT_EQ(OidContent("2.5.29.14"), (Bytes{0x55, 0x1d, 0x0e}));
  // X.690 8.19.5's example: the first two arcs of 2.999 share one subidentifier.
  EXPECT_EQ(OidContent("2.999.3"), (Bytes{0x88, 0x37, 0x03}));
  EXPECT_EQ(OidContent("0.0"), (Bytes{0x00}));
}

TEST(OidContentTest, RefusesWhatIsNotADottedOid) {
  for (const std::string bad : {"", "1", "1.", ".1.2", "1..2", "1.2.", "3.1", "0.40", "1.39.x",
                                "CN", "1.2.-3", "1.2.72057594037927936"}) {
    EXPECT_TRUE(OidContent(bad).empty()) << bad;
  }
  EXPECT_FALSE(OidContent("2.40").empty());  // below 2 only, the second arc is under 40
  EXPECT_FALSE(OidContent("1.2.720575940379279").empty());
  std::string longest = "1.2";
  while (longest.size() < 255) longest += ".3";
  EXPECT_FALSE(OidContent(longest).empty()) << longest.size();
  EXPECT_TRUE(OidContent(longest + ".3").empty()) << longest.size() + 2;
}

}  // namespace
}  // namespace openadcs
