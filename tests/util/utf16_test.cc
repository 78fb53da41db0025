// Text as the protocols carry it: UTF-16LE blobs with a terminating NUL, and
// fields whose length is their own (NTLM's names).
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

TEST(Utf16Test, UnterminatedFieldsKeepEveryCharacter) {
  EXPECT_EQ(Utf8ToUtf16Le("A\xc3\xa4\xf0\x9f\x98\x80").value(),
            (Bytes{0x41, 0x00, 0xe4, 0x00, 0x3d, 0xd8, 0x00, 0xde}));  // U+1F600 as a pair
  EXPECT_EQ(Utf16LeToUtf8(Bytes{0x41, 0x00, 0xe4, 0x00, 0x3d, 0xd8, 0x00, 0xde}).value(),
            "A\xc3\xa4\xf0\x9f\x98\x80");
  // A NUL is text here, not a terminator: neither added nor dropped.
  EXPECT_EQ(Utf8ToUtf16Le("a").value(), (Bytes{'a', 0}));
  EXPECT_EQ(Utf16LeToUtf8(Bytes{'a', 0, 0, 0}).value(), std::string("a\0", 2));
  EXPECT_EQ(Utf8ToUtf16Le("").value(), Bytes{});
}

TEST(Utf16Test, MalformedUnterminatedFieldsAreErrors) {
  EXPECT_FALSE(Utf16LeToUtf8(Bytes{0x00, 0xd8}).ok());              // lone high surrogate
  EXPECT_FALSE(Utf16LeToUtf8(Bytes{0x00, 0xdc, 0x41, 0x00}).ok());  // lone low surrogate
  EXPECT_FALSE(Utf16LeToUtf8(Bytes{'a', 0, 'b'}).ok());             // odd length
  EXPECT_FALSE(Utf8ToUtf16Le("\xc3").ok());                         // truncated
  EXPECT_FALSE(Utf8ToUtf16Le("\xed\xa0\x80").ok());                 // an encoded surrogate
  EXPECT_FALSE(Utf8ToUtf16Le("\xc0\x80").ok());                     // overlong
}

}  // namespace
}  // namespace openadcs
