// How the officer and administrator commands read their arguments and show
// values (cli/admin_args.h).
#include "cli/admin_args.h"

#include <gtest/gtest.h>

#include "cli/exit_codes.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/hresult.h"

namespace openadcs::cli {
namespace {

namespace cv = ndr::cert_view;

TEST(RevocationReasonTest, ByNameOrNumber) {
  EXPECT_EQ(*ParseRevocationReason("unspecified"), 0u);
  EXPECT_EQ(*ParseRevocationReason("Key-Compromise"), 1u);
  EXPECT_EQ(*ParseRevocationReason("ca-compromise"), 2u);
  EXPECT_EQ(*ParseRevocationReason("affiliation-changed"), 3u);
  EXPECT_EQ(*ParseRevocationReason("superseded"), 4u);
  EXPECT_EQ(*ParseRevocationReason("cessation-of-operation"), 5u);
  EXPECT_EQ(*ParseRevocationReason("certificate-hold"), 6u);
  EXPECT_EQ(*ParseRevocationReason("remove-from-crl"), 8u);
  EXPECT_EQ(*ParseRevocationReason("6"), 6u);
  EXPECT_FALSE(ParseRevocationReason("7").ok());  // unused in RFC 5280
  EXPECT_FALSE(ParseRevocationReason("stolen").ok());
  EXPECT_FALSE(ParseRevocationReason("").ok());
}

TEST(Iso8601Test, ParsesUtcDatesAndTimes) {
  // 1704067200 s after 1970 = 133485408000000000 ticks after 1601.
  EXPECT_EQ(ParseIso8601("2024-01-01")->ticks, 133485408000000000u);
  EXPECT_EQ(ParseIso8601("2024-01-01T00:00:00Z")->ticks, 133485408000000000u);
  EXPECT_EQ(ParseIso8601("2024-01-01T00:01")->ticks, 133485408000000000u + 600'000'000u);
  EXPECT_EQ(ParseIso8601("1601-01-01T00:00:00Z")->ticks, 0u);
  EXPECT_EQ(FileTimeIso8601(*ParseIso8601("2028-02-29T23:59:58Z")), "2028-02-29T23:59:58Z");
  EXPECT_EQ(FileTimeIso8601(client::FileTime{0}), "1601-01-01T00:00:00Z");
}

TEST(Iso8601Test, RejectsWhatIsNotADate) {
  for (const char* bad :
       {"", "2024", "2024-13-01", "2023-02-29", "2024-01-01T24:00", "2024-01-01T10:00+02:00",
        "2024-01-01T10:0", "1600-12-31", "2024/01/01", "2024-01-01T10:00:00.5Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).ok()) << bad;
  }
}

TEST(DispositionTest, NamesAndNumbers) {
  EXPECT_EQ(*ParseDisposition("pending"), 9);
  EXPECT_EQ(*ParseDisposition("ISSUED"), 20);
  EXPECT_EQ(*ParseDisposition("revoked"), 21);
  EXPECT_EQ(*ParseDisposition("failed"), 30);
  EXPECT_EQ(*ParseDisposition("denied"), 31);
  EXPECT_EQ(*ParseDisposition("12"), 12);
  EXPECT_FALSE(ParseDisposition("approved").ok());
  EXPECT_EQ(DispositionName(9), "pending");
  EXPECT_EQ(DispositionName(12), "");
}

TEST(RestrictionTest, SplitsColumnOperatorAndValue) {
  using client::SeekOperator;
  EXPECT_EQ(*ParseRestriction("Disposition=pending"),
            (RestrictionText{"Disposition", SeekOperator::kEq, "pending"}));
  EXPECT_EQ(*ParseRestriction("RequestID>=10"),
            (RestrictionText{"RequestID", SeekOperator::kGe, "10"}));
  EXPECT_EQ(*ParseRestriction(" RequestID <= 10 "),
            (RestrictionText{"RequestID", SeekOperator::kLe, "10"}));
  EXPECT_EQ(*ParseRestriction("RequestID<3"),
            (RestrictionText{"RequestID", SeekOperator::kLt, "3"}));
  EXPECT_EQ(*ParseRestriction("RequestID>3"),
            (RestrictionText{"RequestID", SeekOperator::kGt, "3"}));
  EXPECT_EQ(*ParseRestriction("CommonName==a=b"),
            (RestrictionText{"CommonName", SeekOperator::kEq, "a=b"}));
  for (const char* bad : {"RequestID", "=5", "RequestID=", "RequestID=>5"}) {
    EXPECT_FALSE(ParseRestriction(bad).ok()) << bad;
  }
}

TEST(TypedValueTest, ParsesByColumnType) {
  EXPECT_EQ(*ParseTypedValue(cv::kTypeLong, "42", false), client::TypedValue(std::int32_t{42}));
  EXPECT_EQ(*ParseTypedValue(cv::kTypeLong | cv::kTypeIndexed, "0x10", false),
            client::TypedValue(std::int32_t{16}));
  EXPECT_EQ(*ParseTypedValue(cv::kTypeLong, "-1", false), client::TypedValue(std::int32_t{-1}));
  EXPECT_EQ(*ParseTypedValue(cv::kTypeLong, "0xffffffff", false),
            client::TypedValue(std::int32_t{-1}));
  EXPECT_EQ(*ParseTypedValue(cv::kTypeLong, "pending", true), client::TypedValue(std::int32_t{9}));
  EXPECT_FALSE(ParseTypedValue(cv::kTypeLong, "pending", false).ok());
  EXPECT_FALSE(ParseTypedValue(cv::kTypeLong, "0x100000000", false).ok());
  EXPECT_EQ(*ParseTypedValue(cv::kTypeDate, "2024-01-01", false),
            client::TypedValue(client::FileTime{133485408000000000}));
  EXPECT_EQ(*ParseTypedValue(cv::kTypeString, "CN=x", false),
            client::TypedValue(std::string("CN=x")));
  EXPECT_EQ(*ParseTypedValue(cv::kTypeBinary, "3000", false), client::TypedValue(Bytes{0x30, 0}));
  EXPECT_FALSE(ParseTypedValue(cv::kTypeBinary, "zz", false).ok());
}

TEST(TypedValueTest, TypeNames) {
  EXPECT_EQ(*ParseValueType("long"), cv::kTypeLong);
  EXPECT_EQ(*ParseValueType("Date"), cv::kTypeDate);
  EXPECT_EQ(*ParseValueType("string"), cv::kTypeString);
  EXPECT_EQ(*ParseValueType("binary"), cv::kTypeBinary);
  EXPECT_FALSE(ParseValueType("int").ok());
}

TEST(TypedValueTest, ShowsValues) {
  EXPECT_EQ(TypedValueText(std::nullopt), "");
  EXPECT_EQ(TypedValueText(client::TypedValue(std::int32_t{-3})), "-3");
  EXPECT_EQ(TypedValueText(client::TypedValue(client::FileTime{133485408000000000})),
            "2024-01-01T00:00:00Z");
  EXPECT_EQ(TypedValueText(client::TypedValue(std::string("x"))), "x");
  EXPECT_EQ(TypedValueText(client::TypedValue(Bytes{0xab, 0x01})), "ab01");
}

TEST(TableTest, ByName) {
  EXPECT_EQ(*ParseTable("request"), client::kTableRequest);
  EXPECT_EQ(*ParseTable("extension"), client::kTableExtension);
  EXPECT_EQ(*ParseTable("attribute"), client::kTableAttribute);
  EXPECT_EQ(*ParseTable("CRL"), client::kTableCrl);
  EXPECT_FALSE(ParseTable("certificate").ok());
}

TEST(RoleNamesTest, NamesEachBit) {
  EXPECT_EQ(RoleNames(0), "none");
  EXPECT_EQ(RoleNames(client::kRoleOfficer | client::kRoleRead | client::kRoleEnroll),
            "Officer Read Enroll");
  EXPECT_EQ(RoleNames(0x30f), "Admin Officer Auditor Operator Read Enroll");
  EXPECT_EQ(RoleNames(client::kRoleAdmin | 0x10000), "Admin 0x10000");
}

TEST(SerialTest, NormalizesToPlainLowercaseHex) {
  EXPECT_EQ(*NormalizeSerial("1A2B"), "1a2b");
  EXPECT_EQ(*NormalizeSerial("0x1A:2B 3c"), "1a2b3c");
  EXPECT_FALSE(NormalizeSerial("12g4").ok());
  EXPECT_FALSE(NormalizeSerial("").ok());
  EXPECT_FALSE(NormalizeSerial("0x").ok());
}

TEST(AccountSidTest, SidLiteralOrUserFileAccount) {
  EXPECT_EQ(*AccountSid("S-1-5-21-1-2-3-1104"), "S-1-5-21-1-2-3-1104");
  EXPECT_EQ(*AccountSid("s-1-5-11"), "S-1-5-11");
  EXPECT_EQ(*AccountSid("CORP\\alice"), auth::UserFileAccountSid("CORP", "alice"));
  EXPECT_FALSE(AccountSid("alice").ok());
}

TEST(ExitCodeTest, RefusedCallsHaveTheirOwnCode) {
  EXPECT_EQ(ExitCodeFor(Status::PermissionDenied("x", hr::kAccessDenied)), kExitAccessDenied);
  EXPECT_EQ(ExitCodeFor(Status::PermissionDenied("x", rpc::fault::kAccessDenied)),
            kExitAccessDenied);
  // A refused bind (bad password) carries no HRESULT: an authentication
  // failure, as for every command.
  EXPECT_EQ(ExitCodeFor(Status::PermissionDenied("bind_nak reason 2")), kExitFailure);
  EXPECT_EQ(ExitCodeFor(Status::NotFound("x", hr::kPropertyEmpty)), kExitFailure);
  EXPECT_EQ(ExitCodeFor(Status::Unavailable("x")), kExitFailure);
}

}  // namespace
}  // namespace openadcs::cli
