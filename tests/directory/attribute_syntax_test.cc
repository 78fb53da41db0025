#include "directory/attribute_syntax.h"

#include <gtest/gtest.h>

#include <string_view>

#include "openadcs/util/bytes.h"

namespace openadcs::directory::syntax {
namespace {

Bytes Text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
Bytes Hex(std::string_view s) {
  return HexDecode(s).value();
}

TEST(ParseFlagsTest, SignedNegativeIsTheBitPattern) {
  // msPKI-Certificate-Name-Flag of the default User template, as AD and
  // Samba write it.
  Result<std::uint32_t> flags = ParseFlags(Text("-1509949440"));
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(*flags, 0xA6000000U);
  EXPECT_EQ(*ParseFlags(Text("-2147483648")), 0x80000000U);
  EXPECT_EQ(*ParseFlags(Text("-1")), 0xFFFFFFFFU);
}

TEST(ParseFlagsTest, UnsignedAboveTwoToThe31IsAccepted) {
  EXPECT_EQ(*ParseFlags(Text("2785017856")), 0xA6000000U);
  EXPECT_EQ(*ParseFlags(Text("4294967295")), 0xFFFFFFFFU);
  EXPECT_EQ(*ParseFlags(Text("66106")), 66106U);
  EXPECT_EQ(*ParseFlags(Text(" 41 ")), 41U);
}

TEST(ParseFlagsTest, RejectsGarbageAndOutOfRange) {
  for (std::string_view bad : {"", "12x", "0x20", "+5", "4294967296", "-2147483649",
                               "99999999999999999999999", "1 2", "--1"}) {
    EXPECT_FALSE(ParseFlags(Text(bad)).ok()) << bad;
  }
  EXPECT_FALSE(ParseFlags(Bytes(kMaxIntegerText + 1, '1')).ok());
}

TEST(ParseInt32Test, HonoursTheMinimum) {
  EXPECT_EQ(*ParseInt32(Text("-1"), -1), -1);
  EXPECT_FALSE(ParseInt32(Text("-2"), -1).ok());
  EXPECT_FALSE(ParseInt32(Text("-1"), 0).ok());
  EXPECT_EQ(*ParseInt32(Text("2147483647"), 0), 2147483647);
  EXPECT_FALSE(ParseInt32(Text("2147483648"), 0).ok());
}

TEST(OidTest, AcceptsDottedOids) {
  for (std::string_view oid :
       {"1.3.6.1.5.5.7.3.2", "2.5.29.15", "0.0", "2.999.1",
        "1.3.6.1.4.1.311.21.8.11034890.834619.12601478.16236816.7255827.176.1.1"}) {
    EXPECT_TRUE(IsValidOid(oid)) << oid;
  }
}

TEST(OidTest, RejectsMalformedOids) {
  for (std::string_view oid : {"", "1", "3.1", "1.40", "1..2", "1.2.", ".1.2", "1.02", "1.2.abc",
                               "1.2 .3", "01.2", "1.-2"}) {
    EXPECT_FALSE(IsValidOid(oid)) << oid;
  }
  EXPECT_FALSE(IsValidOid("1.2." + std::string(kMaxOidLength, '1')));
}

TEST(OidTest, ParseOidTrimsBlanks) {
  Result<std::string> oid = ParseOid(Text(" 1.3.6.1.5.5.7.3.1 "));
  ASSERT_TRUE(oid.ok());
  EXPECT_EQ(*oid, "1.3.6.1.5.5.7.3.1");
  EXPECT_FALSE(ParseOid(Text("clientAuth")).ok());
}

TEST(PeriodTest, DecodesTheDefaultTemplatePeriods) {
  EXPECT_EQ(*ParsePeriodSeconds(Hex("004039872EE1FEFF")), 31536000);   // 1 year
  EXPECT_EQ(*ParsePeriodSeconds(Hex("0080A60AFFDEFFFF")), 3628800);    // 6 weeks
  EXPECT_EQ(*ParsePeriodSeconds(Hex("0080720E5DC2FDFF")), 63072000);   // 2 years
  EXPECT_EQ(*ParsePeriodSeconds(Hex("00401EA4E865FAFF")), 157680000);  // 5 years
  EXPECT_EQ(*ParsePeriodSeconds(Hex("0000000000000000")), 0);
}

TEST(PeriodTest, RejectsWrongLengthAndPositiveValues) {
  EXPECT_FALSE(ParsePeriodSeconds(Hex("004039872EE1FE")).ok());
  EXPECT_FALSE(ParsePeriodSeconds(Hex("004039872EE1FEFF00")).ok());
  EXPECT_FALSE(ParsePeriodSeconds({}).ok());
  EXPECT_FALSE(ParsePeriodSeconds(Hex("00C0C678D11E0100")).ok());  // +1 year
}

TEST(PeriodTest, MostNegativeValueDoesNotOverflow) {
  Result<std::int64_t> seconds = ParsePeriodSeconds(Hex("0000000000000080"));
  ASSERT_TRUE(seconds.ok());
  EXPECT_EQ(*seconds, 922337203685);
}

TEST(KeyUsageTest, MapsBitStringBytesToX509BitNumbers) {
  EXPECT_EQ(*ParseKeyUsage(Hex("a000")), 0x0005);  // digitalSignature | keyEncipherment
  EXPECT_EQ(*ParseKeyUsage(Hex("8600")), 0x0061);  // digitalSignature | keyCertSign | cRLSign
  EXPECT_EQ(*ParseKeyUsage(Hex("80")), 0x0001);    // one byte
  EXPECT_EQ(*ParseKeyUsage(Hex("01")), 0x0080);    // encipherOnly
  EXPECT_EQ(*ParseKeyUsage(Hex("0080")), 0x0100);  // decipherOnly
  EXPECT_EQ(*ParseKeyUsage(Hex("20")), 0x0004);    // keyEncipherment
}

TEST(KeyUsageTest, RejectsBadLengthsAndUndefinedBits) {
  EXPECT_FALSE(ParseKeyUsage({}).ok());
  EXPECT_FALSE(ParseKeyUsage(Hex("a00000")).ok());
  EXPECT_FALSE(ParseKeyUsage(Hex("a040")).ok());
}

}  // namespace
}  // namespace openadcs::directory::syntax
