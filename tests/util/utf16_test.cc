// Text as the protocols carry it in blobs: UTF-16LE with a terminating NUL.
#include "openadcs/util/utf16.h"

#include <gtest/gtest.h>

namespace openadcs {
namespace {

TEST(Utf16Test, Utf8TextBecomesANulTerminatedBlobAndBack) {
  Result<Bytes> blob = Utf8ToUtf16LeBytes("Is\xc3\xa4");  // "Isä"
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(*blob, (Bytes{'I', 0, 's', 0, 0xe4, 0, 0, 0}));
  Result<std::string> text = Utf16LeBytesToUtf8(*blob);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Is\xc3\xa4");
}

TEST(Utf16Test, EmptyBlobIsEmptyText) {
  Result<std::string> text = Utf16LeBytesToUtf8(Bytes{});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "");
}

TEST(Utf16Test, MalformedInputIsAnError) {
  EXPECT_FALSE(Utf8ToUtf16LeBytes("\xc3").ok());              // truncated UTF-8
  EXPECT_FALSE(Utf16LeBytesToUtf8(Bytes{'a', 0, 'b'}).ok());  // odd length
  EXPECT_FALSE(Utf16LeBytesToUtf8(Bytes{0x00, 0xd8}).ok());   // lone surrogate
}

}  // namespace
}  // namespace openadcs
