// What CertAdminClient decides without a server: the wire form of typed
// values, column lookup in a decoded catalogue, and how a method's HRESULT
// becomes a Status.
#include "openadcs/client/cert_admin_client.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <vector>

#include "openadcs/ndr/cert_view.h"
#include "openadcs/util/hresult.h"

namespace openadcs::client {
namespace {

namespace cv = ndr::cert_view;

TEST(TypedValueTest, EncodesEachTypeAsMsCsraSays) {
  EXPECT_EQ(*EncodeTypedValue(std::int32_t{0x01020304}), (Bytes{0x04, 0x03, 0x02, 0x01}));
  EXPECT_EQ(*EncodeTypedValue(std::int32_t{-1}), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(*EncodeTypedValue(FileTime{0x0102030405060708}),
            (Bytes{0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
  // SetExtension's PROPTYPE_STRING: UTF-16LE with its NUL (3.1.4.1.1).
  EXPECT_EQ(*EncodeTypedValue(std::string("a\xc3\xa9")), (Bytes{'a', 0, 0xe9, 0, 0, 0}));
  EXPECT_EQ(*EncodeTypedValue(Bytes{0x30, 0x00}), (Bytes{0x30, 0x00}));
}

TEST(TypedValueTest, PropTypeFollowsTheAlternative) {
  EXPECT_EQ(PropType(std::int32_t{1}), cv::kTypeLong);
  EXPECT_EQ(PropType(FileTime{1}), cv::kTypeDate);
  EXPECT_EQ(PropType(std::string("x")), cv::kTypeString);
  EXPECT_EQ(PropType(Bytes{1}), cv::kTypeBinary);
}

TEST(TypedValueTest, RejectsAStringThatIsNotUtf8) {
  EXPECT_EQ(EncodeTypedValue(std::string("\xff")).status().code(), StatusCode::kInvalidArgument);
}

TEST(TypedValueTest, DecodesWhatTheCodecEncodes) {
  const std::vector<TypedValue> values = {std::int32_t{-7}, FileTime{133485408000000000},
                                          std::string("CN=x"), Bytes{1, 2, 3}};
  for (const TypedValue& v : values) {
    Result<std::optional<TypedValue>> back =
        DecodeTypedValue(PropType(v) | cv::kTypeIndexed, *EncodeTypedValue(v));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_TRUE(back->has_value());
    EXPECT_EQ(**back, v);
  }
}

TEST(TypedValueTest, EmptyIsNoValueAndWrongSizesFail) {
  EXPECT_FALSE(DecodeTypedValue(cv::kTypeLong, {})->has_value());
  EXPECT_FALSE(DecodeTypedValue(cv::kTypeString, {})->has_value());
  EXPECT_FALSE(DecodeTypedValue(cv::kTypeLong, {1, 2, 3}).ok());
  EXPECT_FALSE(DecodeTypedValue(cv::kTypeDate, {1, 2, 3, 4}).ok());
  EXPECT_FALSE(DecodeTypedValue(cv::kTypeString, {'a'}).ok());
  EXPECT_FALSE(DecodeTypedValue(9, {1}).ok());
}

// The catalogue as EnumViewColumnTable's blob carries it.
std::vector<cv::ColumnInfo> Catalogue() {
  const std::vector<cv::ColumnInfo> columns = {
      {cv::kTypeLong | cv::kTypeIndexed, 0x1000, 4, u"Request.RequestID", u"Request ID"},
      {cv::kTypeLong | cv::kTypeIndexed, 0x1009, 4, u"Request.Disposition", u"Disposition"},
      {cv::kTypeString, 0x101a, 8192, u"Request.CommonName", u"Common Name"},
      {cv::kTypeLong | cv::kTypeIndexed, 0x2000, 4, u"RequestID", u"Request ID"},
      {cv::kTypeString | cv::kTypeIndexed, 0x2017, 8192, u"CommonName", u"Common Name"},
      {cv::kTypeString, 0x4001, 254, u"Extension.Name", u"Name"},
      {cv::kTypeString, 0x3001, 254, u"Attribute.Name", u"Name"},
  };
  const Bytes blob = cv::EncodeColumnInfos(columns);
  return *cv::DecodeColumnInfos(blob, static_cast<std::uint32_t>(columns.size()));
}

TEST(FindColumnTest, ExactNameWinsCaseInsensitively) {
  const std::vector<cv::ColumnInfo> c = Catalogue();
  EXPECT_EQ(FindColumn(c, "request.requestid")->index, 0x1000u);
  EXPECT_EQ(FindColumn(c, "REQUESTID")->index, 0x2000u);
  EXPECT_EQ(FindColumn(c, "CommonName")->index, 0x2017u);
}

TEST(FindColumnTest, ShortNameFindsTheOnlyQualifiedColumn) {
  const std::vector<cv::ColumnInfo> c = Catalogue();
  Result<cv::ColumnInfo> d = FindColumn(c, "disposition");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->index, 0x1009u);
  EXPECT_EQ(ColumnName(*d), "Request.Disposition");
}

TEST(FindColumnTest, AmbiguousAndMissingNamesFail) {
  const std::vector<cv::ColumnInfo> c = Catalogue();
  EXPECT_EQ(FindColumn(c, "Name").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FindColumn(c, "NotAfter").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FindColumn({}, "RequestID").status().code(), StatusCode::kNotFound);
}

TEST(MethodStatusTest, MapsTheHresultsCallersActOn) {
  struct Case {
    std::uint32_t hresult;
    StatusCode code;
    const char* name;
  };
  for (const Case& c :
       {Case{hr::kAccessDenied, StatusCode::kPermissionDenied, "E_ACCESSDENIED"},
        Case{hr::kPropertyEmpty, StatusCode::kNotFound, "CERTSRV_E_PROPERTY_EMPTY"},
        Case{hr::kBadRequestStatus, StatusCode::kFailedPrecondition, "CERTSRV_E_BAD_REQUESTSTATUS"},
        Case{hr::kInvalidArg, StatusCode::kInvalidArgument, "E_INVALIDARG"}}) {
    const Status s = MethodStatus(c.hresult, "DenyRequest");
    EXPECT_EQ(s.code(), c.code) << c.name;
    EXPECT_EQ(s.hresult(), c.hresult);
    EXPECT_NE(s.message().find(fmt::format("0x{:08x}", c.hresult)), std::string::npos);
    EXPECT_NE(s.message().find(c.name), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("DenyRequest"), std::string::npos);
  }
}

TEST(MethodStatusTest, AnUnknownHresultKeepsItsNumber) {
  const Status s = MethodStatus(0x8009ffff, "Ping2");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.hresult(), 0x8009ffffu);
  EXPECT_EQ(s.message(), "Ping2 returned 0x8009ffff");
  EXPECT_EQ(HresultName(0x8009ffff), "");
}

TEST(ViewTest, RowsAreNumberedFromOne) {
  EXPECT_EQ(kFirstViewRow, 1u);
}

}  // namespace
}  // namespace openadcs::client
