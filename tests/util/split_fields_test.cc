// SplitFields: the one splitter of separated text (template lists, MS-CRTD
// property lists, CA property lines).
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "openadcs/util/bytes.h"

namespace openadcs {
namespace {

using Fields = std::vector<std::string_view>;

TEST(SplitFieldsTest, EmptyFieldsBetweenSeparatorsAreKept) {
  EXPECT_EQ(SplitFields("a,,b", ','), (Fields{"a", "", "b"}));
  EXPECT_EQ(SplitFields(",a", ','), (Fields{"", "a"}));
}

TEST(SplitFieldsTest, ATrailingSeparatorOpensNoField) {
  EXPECT_EQ(SplitFields("a\nb\n", '\n'), (Fields{"a", "b"}));
  EXPECT_EQ(SplitFields("a\nb\n\n", '\n'), (Fields{"a", "b", ""}));
  EXPECT_EQ(SplitFields("a", '\n'), (Fields{"a"}));
}

TEST(SplitFieldsTest, EmptyTextHasNoField) {
  EXPECT_TRUE(SplitFields("", '`').empty());
  EXPECT_EQ(SplitFields("`", '`'), (Fields{""}));
}

}  // namespace
}  // namespace openadcs
