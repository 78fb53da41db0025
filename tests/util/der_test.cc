// DER TLV framing: the definite length in its shortest form (X.690 8.1.3.4,
// 8.1.3.5, 10.1) at each boundary between forms.
#include "openadcs/util/der.h"

#include <gtest/gtest.h>

namespace openadcs::der {
namespace {

TEST(DerTest, LengthsUseTheShortestForm) {
  EXPECT_EQ(Tlv(0x04, Bytes{}), (Bytes{0x04, 0x00}));
  EXPECT_EQ(Tlv(0x04, Bytes{0xab}), (Bytes{0x04, 0x01, 0xab}));

  const Bytes short_max(127, 0x5a);
  Bytes out = Tlv(0x04, short_max);
  ASSERT_EQ(out.size(), 2u + 127u);
  EXPECT_EQ(out[1], 127);

  out = Tlv(0x30, Bytes(128, 0));
  ASSERT_EQ(out.size(), 3u + 128u);
  EXPECT_EQ(out[1], 0x81);
  EXPECT_EQ(out[2], 0x80);

  out = Tlv(0x30, Bytes(255, 0));
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 3), (Bytes{0x30, 0x81, 0xff}));

  out = Tlv(0x30, Bytes(256, 0));
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 4), (Bytes{0x30, 0x82, 0x01, 0x00}));

  out = Tlv(0x30, Bytes(65536, 0));
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 5), (Bytes{0x30, 0x83, 0x01, 0x00, 0x00}));
  EXPECT_EQ(out.size(), 5u + 65536u);
}

TEST(DerTest, AppendKeepsWhatIsThere) {
  Bytes out{0x30};
  AppendTlv(out, 0x02, Bytes{0x01});
  AppendTlv(out, 0x05, Bytes{});
  EXPECT_EQ(out, (Bytes{0x30, 0x02, 0x01, 0x01, 0x05, 0x00}));
}

}  // namespace
}  // namespace openadcs::der
