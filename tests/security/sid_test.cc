// SIDs (MS-DTYP 2.4.2): the string form's grammar, the binary form, and every
// way either can be malformed.
#include "openadcs/security/sid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

namespace openadcs::security {
namespace {

Bytes Hex(const char* hex) {
  return HexDecode(hex).value();
}

TEST(SidTest, WellKnownConstantsHaveTheirStringForms) {
  EXPECT_EQ(well_known::kEveryone.ToString(), "S-1-1-0");
  EXPECT_EQ(well_known::kCreatorOwner.ToString(), "S-1-3-0");
  EXPECT_EQ(well_known::kAuthenticatedUsers.ToString(), "S-1-5-11");
  EXPECT_EQ(well_known::kLocalSystem.ToString(), "S-1-5-18");
  EXPECT_EQ(well_known::kBuiltinAdministrators.ToString(), "S-1-5-32-544");
}

// MS-DTYP 2.4.2.4: S-1-5-21-<domain>-513 for the domain 1-2-3.
TEST(SidTest, SpecDomainExampleParsesAndFormats) {
  Result<Sid> sid = Sid::Parse("S-1-5-21-1-2-3-513");
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  EXPECT_EQ(sid->authority(), 5u);
  EXPECT_EQ(
      std::vector<std::uint32_t>(sid->sub_authorities().begin(), sid->sub_authorities().end()),
      (std::vector<std::uint32_t>{21, 1, 2, 3, 513}));
  EXPECT_EQ(sid->ToString(), "S-1-5-21-1-2-3-513");
}

// The owner and SACL trustee of the self-relative example in MS-DTYP 2.5.1.4.
TEST(SidTest, BinaryFormMatchesTheSpecExample) {
  const Bytes administrators = Hex("01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");
  const Bytes everyone = Hex("01 01 00 00 00 00 00 01 00 00 00 00");
  EXPECT_EQ(well_known::kBuiltinAdministrators.Encode(), administrators);
  EXPECT_EQ(well_known::kEveryone.Encode(), everyone);
  Result<Sid> decoded = Sid::Decode(administrators);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, well_known::kBuiltinAdministrators);
  EXPECT_EQ(decoded->EncodedSize(), administrators.size());
}

TEST(SidTest, AuthorityIsBigEndianAndSubAuthoritiesLittleEndian) {
  const std::array<std::uint32_t, 1> sub = {0x11223344};
  Result<Sid> sid = Sid::FromParts(0x010203040506, sub);
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(sid->Encode(), Hex("01 01 01 02 03 04 05 06 44 33 22 11"));
  EXPECT_EQ(sid->ToString(), "S-1-0x010203040506-287454020");
}

TEST(SidTest, AuthorityFrom2To32IsHexAndRoundTrips) {
  Result<Sid> sid = Sid::Parse("S-1-0x00ffffffff00-7");  // lower case accepted
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  EXPECT_EQ(sid->authority(), 0xFFFFFFFF00u);
  EXPECT_EQ(sid->ToString(), "S-1-0x00FFFFFFFF00-7");
  EXPECT_EQ(Sid::Parse(sid->ToString()).value(), *sid);

  Result<Sid> max = Sid::Parse("S-1-0xFFFFFFFFFFFF-1");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->authority(), Sid::kMaxAuthority);
}

TEST(SidTest, LargestDecimalAuthorityIsBelow2To32) {
  Result<Sid> sid = Sid::Parse("S-1-4294967295-1");
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(sid->ToString(), "S-1-4294967295-1");
  EXPECT_FALSE(Sid::Parse("S-1-4294967296-1").ok());
}

// A small authority written in hex is the same SID; it formats in decimal.
TEST(SidTest, SmallAuthorityInHexParses) {
  Result<Sid> sid = Sid::Parse("S-1-0X000000000005-32-544");
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, well_known::kBuiltinAdministrators);
}

TEST(SidTest, LiteralsAreCaseInsensitive) {
  Result<Sid> sid = Sid::Parse("s-1-5-18");
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, well_known::kLocalSystem);
}

// Windows prints "S-1-5" (NT AUTHORITY); what ToString gives, Parse takes.
TEST(SidTest, NoSubAuthorityRoundTrips) {
  Result<Sid> sid = Sid::Parse("S-1-5");
  ASSERT_TRUE(sid.ok());
  EXPECT_TRUE(sid->sub_authorities().empty());
  EXPECT_EQ(sid->ToString(), "S-1-5");
  EXPECT_EQ(sid->Encode(), Hex("01 00 00 00 00 00 00 05"));
  EXPECT_EQ(Sid::Decode(sid->Encode()).value(), *sid);
}

TEST(SidTest, FifteenSubAuthoritiesAreTheMost) {
  const char* fifteen = "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-4294967295";
  Result<Sid> sid = Sid::Parse(fifteen);
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(sid->sub_authorities().size(), 15u);
  EXPECT_EQ(sid->ToString(), fifteen);
  EXPECT_EQ(sid->EncodedSize(), Sid::kMaxEncodedBytes);
  EXPECT_EQ(Sid::Decode(sid->Encode()).value(), *sid);
  EXPECT_FALSE(Sid::Parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16").ok());
}

TEST(SidTest, MalformedStringsAreRefused) {
  for (const char* bad : {
           "",
           "S",
           "S-1",
           "S-1-",
           "S-2-5-32",              // revision
           "X-1-5-32",              // prefix
           "S-1-5-",                // empty sub-authority
           "S-1-5--1",              // empty sub-authority
           "S-1-05-1",              // leading zero in the authority
           "S-1-5-01",              // leading zero in a sub-authority
           "S-1-5-4294967296",      // sub-authority above 32 bits
           "S-1-5-12345678901",     // 11 digits
           "S-1-0x12345-1",         // hex authority not 12 digits
           "S-1-0x00000000000G-1",  // not hex
           "S-1-0x-1",
           "S-1-5-+1",
           "S-1-5- 1",
           "S-1-5-1 ",
           "S-1--5",
           " S-1-5-18",
       }) {
    EXPECT_FALSE(Sid::Parse(bad).ok()) << bad;
  }
}

TEST(SidTest, FromPartsChecksItsLimits) {
  const std::array<std::uint32_t, 16> sixteen{};
  EXPECT_FALSE(Sid::FromParts(5, sixteen).ok());
  EXPECT_TRUE(Sid::FromParts(5, std::span(sixteen).first(15)).ok());
  EXPECT_FALSE(Sid::FromParts(Sid::kMaxAuthority + 1, {}).ok());
  EXPECT_TRUE(Sid::FromParts(Sid::kMaxAuthority, {}).ok());
}

TEST(SidTest, DecodeReadsOnlyTheSidAtTheStart) {
  Bytes bytes = well_known::kLocalSystem.Encode();
  bytes.insert(bytes.end(), {0xde, 0xad, 0xbe, 0xef});
  Result<Sid> sid = Sid::Decode(bytes);
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, well_known::kLocalSystem);
  EXPECT_EQ(sid->EncodedSize(), 12u);
}

TEST(SidTest, MalformedBinaryIsRefused) {
  const Bytes good = Hex("01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");
  EXPECT_FALSE(Sid::Decode(Bytes{}).ok());
  EXPECT_FALSE(Sid::Decode(std::span(good).first(7)).ok());   // truncated header
  EXPECT_FALSE(Sid::Decode(std::span(good).first(15)).ok());  // truncated sub-authority
  Bytes revision = good;
  revision[0] = 2;
  EXPECT_FALSE(Sid::Decode(revision).ok());
  Bytes too_many = good;
  too_many[1] = 16;
  too_many.resize(8 + 4 * 16);
  EXPECT_FALSE(Sid::Decode(too_many).ok());
  too_many[1] = 15;
  EXPECT_TRUE(Sid::Decode(too_many).ok());
}

TEST(SidTest, EqualityAndOrderAreByValue) {
  EXPECT_EQ(Sid::Parse("S-1-5-32-544").value(), well_known::kBuiltinAdministrators);
  EXPECT_NE(well_known::kLocalSystem, well_known::kAuthenticatedUsers);
  EXPECT_NE(Sid::Parse("S-1-5-32").value(), Sid::Parse("S-1-5-32-0").value());
  std::vector<Sid> sids = {well_known::kLocalSystem, well_known::kEveryone,
                           well_known::kBuiltinAdministrators, well_known::kEveryone};
  std::sort(sids.begin(), sids.end());
  EXPECT_EQ(std::unique(sids.begin(), sids.end()) - sids.begin(), 3);
  EXPECT_LT(well_known::kEveryone, well_known::kLocalSystem);  // authority 1 before 5
}

}  // namespace
}  // namespace openadcs::security
