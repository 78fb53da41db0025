// The CERTTRANSBLOB payloads of the view methods: hand-built layouts, round
// trips, the end-of-enumeration marker, and bounds on every offset.
#include "openadcs/ndr/cert_view.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs::ndr::cert_view {
namespace {

Bytes Hex(const std::string& hex) {
  Bytes out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits.push_back(c);
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

ResultRows SampleRows() {
  ResultRows rows;
  rows.rows = {
      {7,
       {{kTypeLong | kTypeIndexed, 0x00, MakeLongValue(7)},
        {kTypeDate, 0x0e, MakeDateValue(0x01d9'1234'5678'9abc)},
        {kTypeBinary, 0x0f, Bytes{0x30, 0x03, 0x02, 0x01, 0x05}},
        {kTypeString, 0x2b, MakeStringValue(u"CN=x")},
        {kTypeString, 0x2c, Bytes{}}}},
      {8, {}},
  };
  return rows;
}

TEST(CertViewTest, TypedValues) {
  EXPECT_EQ(MakeLongValue(-2), (Bytes{0xfe, 0xff, 0xff, 0xff}));
  EXPECT_EQ(MakeDateValue(0x0102030405060708), (Bytes{8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(MakeStringValue(u"A"), (Bytes{0x41, 0, 0, 0}));
}

TEST(CertViewTest, ResultRowBytes) {
  ResultRows rows;
  rows.rows = {{3, {{kTypeBinary, 0x10, Bytes{0xaa}}, {kTypeString, 0x11, Bytes{}}}}};
  const Bytes expected =
      Hex("03000000 02000000 30000000"           // rowid 3, ccol 2, cbrow 48
          "03000000 10000000 2c000000 01000000"  // BINARY, index 0x10, obValue 44, cbValue 1
          "04000000 11000000 00000000 00000000"  // STRING, index 0x11, no value
          "aa000000");                           // offset 44: the byte, padded to 48
  EXPECT_EQ(HexLower(EncodeResultRows(rows)), HexLower(expected));
  auto got = DecodeResultRows(expected);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, rows);
}

TEST(CertViewTest, EndMarkerAlone) {
  // An enumeration past its end: only the marker, rowid = total, ccol = ~rowid.
  ResultRows rows;
  rows.end_total = 0;
  EXPECT_EQ(HexLower(EncodeResultRows(rows)), "00000000ffffffff0c000000");
  auto got = DecodeResultRows(Hex("00000000 ffffffff 0c000000 deadbeef"));  // trailing ignored
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->rows.empty());
  EXPECT_EQ(got->end_total, 0u);
}

TEST(CertViewTest, ResultRowsRoundTrip) {
  ResultRows rows = SampleRows();
  Bytes blob = EncodeResultRows(rows);
  EXPECT_EQ(blob.size() % 4, 0u);
  auto got = DecodeResultRows(blob);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, rows);
  rows.end_total = 2;
  got = DecodeResultRows(EncodeResultRows(rows));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, rows);
}

TEST(CertViewTest, ResultRowsTruncatedInsideARowFail) {
  ResultRows rows = SampleRows();
  rows.end_total = 2;
  Bytes blob = EncodeResultRows(rows);
  const std::size_t first_row_end = blob.size() - 12 - 12;  // second row and marker are headers
  for (std::size_t n = 0; n < blob.size(); ++n) {
    auto got = DecodeResultRows(std::span(blob).first(n));
    if (n == 0 || n == first_row_end || n == first_row_end + 12) {
      // Row boundaries: fewer rows and no marker.
      ASSERT_TRUE(got.ok()) << n;
      EXPECT_FALSE(got->end_total.has_value());
    } else {
      EXPECT_FALSE(got.ok()) << "prefix of " << n << " bytes";
    }
  }
}

TEST(CertViewTest, ResultRowsBoundsAreChecked) {
  // cbrow beyond the blob.
  EXPECT_FALSE(DecodeResultRows(Hex("01000000 00000000 10000000")).ok());
  // cbrow below the header size.
  EXPECT_FALSE(DecodeResultRows(Hex("01000000 00000000 08000000")).ok());
  // ccol headers beyond cbrow.
  EXPECT_FALSE(DecodeResultRows(Hex("01000000 01000000 0c000000")).ok());
  // A value past the row's end (obValue 28 + cbValue 8 > cbrow 32).
  EXPECT_FALSE(
      DecodeResultRows(Hex("01000000 01000000 20000000 01000000 00000000 1c000000 08000000 "
                           "00000000"))
          .ok());
  // An offset near 2^32 does not wrap.
  EXPECT_FALSE(
      DecodeResultRows(Hex("01000000 01000000 20000000 01000000 00000000 fcffffff 08000000 "
                           "00000000"))
          .ok());
}

TEST(CertViewTest, ColumnInfoBytes) {
  std::vector<ColumnInfo> columns = {{kTypeLong | kTypeIndexed, 0, 4, u"Id", u"Request ID"}};
  const Bytes expected =
      Hex("01000100 00000000 04000000 14000000 1c000000"  // Type, Index, cbMax, obwszName 20, 28
          "4900 6400 0000 0000"                           // offset 20: "Id" NUL, padding
          "5200 6500 7100 7500 6500 7300 7400 2000 4900 4400 0000");  // offset 28: "Request ID"
  EXPECT_EQ(HexLower(EncodeColumnInfos(columns)), HexLower(expected));
  auto got = DecodeColumnInfos(expected, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, columns);
  for (std::size_t n = 0; n < expected.size(); ++n) {
    EXPECT_FALSE(DecodeColumnInfos(std::span(expected).first(n), 1).ok()) << n;
  }
  EXPECT_FALSE(DecodeColumnInfos(expected, 2).ok());           // headers beyond the blob
  EXPECT_FALSE(DecodeColumnInfos(expected, 0xffffffff).ok());  // no overflow
}

TEST(CertViewTest, ColumnInfosRoundTrip) {
  std::vector<ColumnInfo> columns = {
      {kTypeLong | kTypeIndexed, 0, 4, u"RequestID", u"Request ID"},
      {kTypeBinary, 0x0f, 16384, u"RawRequest", u"Binary Request"},
      {kTypeString, 0x2b, 2048, u"", u""},
  };
  Bytes blob = EncodeColumnInfos(columns);
  auto got = DecodeColumnInfos(blob, 3);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, columns);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodeColumnInfos(std::span(blob).first(n), 3).ok()) << n;
  }
  // A name offset outside the blob, and a string without its NUL.
  Bytes bad = blob;
  bad[12] = 0xff;
  EXPECT_FALSE(DecodeColumnInfos(bad, 3).ok());
}

TEST(CertViewTest, ColumnIds) {
  std::vector<std::uint32_t> ids = {1, 0x0b, 0x3000};
  Bytes blob = EncodeColumnIds(ids);
  EXPECT_EQ(HexLower(blob), "010000000b00000000300000");
  auto got = DecodeColumnIds(blob);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, ids);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_EQ(DecodeColumnIds(std::span(blob).first(n)).ok(), n % 4 == 0) << n;
  }
}

TEST(CertViewTest, AttributeBytes) {
  std::vector<Attribute> attributes = {{u"a", u"bc"}};
  const Bytes expected =
      Hex("08000000 0c000000"  // obwszName 8, obwszValue 12
          "6100 0000"          // offset 8: "a" NUL
          "6200 6300 0000");   // offset 12: "bc" NUL
  EXPECT_EQ(HexLower(EncodeAttributes(attributes)), HexLower(expected));
  auto got = DecodeAttributes(expected, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, attributes);
}

TEST(CertViewTest, AttributesRoundTripAndTruncation) {
  std::vector<Attribute> attributes = {{u"CertificateTemplate", u"User"}, {u"ccm", u"host"}};
  Bytes blob = EncodeAttributes(attributes);
  auto got = DecodeAttributes(blob, 2);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, attributes);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodeAttributes(std::span(blob).first(n), 2).ok()) << n;
  }
  EXPECT_FALSE(DecodeAttributes(blob, 0x20000000).ok());
}

TEST(CertViewTest, ExtensionBytes) {
  std::vector<Extension> extensions = {{u"1.2", 1, Bytes{0x05, 0x00}}};
  const Bytes expected =
      Hex("10000000 01000000 02000000 18000000"  // obwszName 16, ExtFlags 1, cbValue 2, obValue 24
          "3100 2e00 3200 0000"                  // offset 16: "1.2" NUL
          "0500");                               // offset 24: the DER value
  EXPECT_EQ(HexLower(EncodeExtensions(extensions)), HexLower(expected));
  auto got = DecodeExtensions(expected, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, extensions);
}

TEST(CertViewTest, ExtensionsRoundTripAndTruncation) {
  std::vector<Extension> extensions = {
      {u"2.5.29.15", 0x00008001, Bytes{0x03, 0x02, 0x05, 0xa0}},
      {u"1.3.6.1.4.1.311.21.7", 0x00020002, Bytes{}},
      {u"2.5.29.17", 0, Bytes{0x30, 0x03, 0x82, 0x01, 0x78}},
  };
  Bytes blob = EncodeExtensions(extensions);
  auto got = DecodeExtensions(blob, 3);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, extensions);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodeExtensions(std::span(blob).first(n), 3).ok()) << n;
  }
  // A value running past the blob.
  Bytes bad = blob;
  bad[8] = 0xff;
  EXPECT_FALSE(DecodeExtensions(bad, 3).ok());
}

}  // namespace
}  // namespace openadcs::ndr::cert_view
