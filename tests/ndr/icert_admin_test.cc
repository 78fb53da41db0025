// ICertAdminD / ICertAdminD2 stubs: hand-built vectors from the NDR rules,
// a round trip for every method through both sides, truncation, tolerance
// and the decoders' limits.
#include "openadcs/ndr/icert_admin.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "openadcs/ndr/cert_view.h"
#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::icert_admin {
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

orpc::OrpcThis SampleThis() {
  orpc::OrpcThis t;
  t.cid = *Uuid::Parse("01020304-0506-0708-090a-0b0c0d0e0f10");
  return t;
}

// ORPCTHIS {version 5.7, flags 0, reserved1 0, cid above, extensions NULL}.
constexpr const char* kOrpcThis =
    "0500 0700 00000000 00000000 0403020106050807090a0b0c0d0e0f10 00000000";
// ORPCTHAT {flags 0, extensions NULL}.
constexpr const char* kOrpcThat = "00000000 00000000";
// pwszAuthority "CA": referent 0x00020000; max 3, offset 0, actual 3;
// 'C' 'A' NUL; 2 bytes of padding to the next DWORD.
constexpr const char* kAuthorityCa = "00000200 03000000 00000000 03000000 4300 4100 0000 0000";

using Decoder = std::function<bool(std::span<const std::uint8_t>)>;

// Every strict prefix of a stub fails to decode.
void ExpectPrefixesFail(const Bytes& stub, const Decoder& decodes) {
  ASSERT_TRUE(decodes(stub));
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(decodes(std::span(stub).first(n))) << "prefix of " << n << " bytes";
  }
}

template <typename T, typename Encode, typename Decode>
void ExpectRoundTrip(const T& value, Encode encode, Decode decode) {
  Bytes stub = encode(value);
  auto got = decode(stub, NdrLimits{});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, value);
  ExpectPrefixesFail(stub, [&](std::span<const std::uint8_t> s) { return decode(s, {}).ok(); });
  // Bytes after the last parameter are ignored.
  Bytes longer = stub;
  longer.insert(longer.end(), {0xab, 0xbf, 0x01, 0x02, 0x03});
  auto again = decode(longer, NdrLimits{});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, value);
}

OpenViewIn SampleOpenView() {
  OpenViewIn in;
  in.orpcthis = SampleThis();
  in.authority = u"CA";
  // Disposition == 20 (issued), and RequestID descending with no value.
  in.restrictions = {{0x0b, 1, 0, Bytes{0x14, 0x00, 0x00, 0x00}}, {0x01, 8, 2, std::nullopt}};
  in.columns = {0x01, 0x0b, 0x0c};
  in.ielt = 1;
  in.celt = 50;
  return in;
}

TEST(ICertAdminTest, OpenViewRequestBytes) {
  const Bytes expected = Hex(std::string(kOrpcThis) + kAuthorityCa +
                             "02000000"  // ccvr
                             "02000000"  // acvr ([ref]): max_count 2
                             // acvr[0]: ColumnIndex 0x0b, SeekOperator EQ, SortOrder none,
                             // pbValue referent 0x00020004, cbValue 4
                             "0b000000 01000000 00000000 04000200 04000000"
                             // acvr[1]: ColumnIndex 1, SeekOperator GE, SortOrder
                             // descending, pbValue NULL, cbValue 0
                             "01000000 08000000 02000000 00000000 00000000"
                             "04000000 14000000"  // acvr[0].pbValue: max_count 4, the bytes
                             "03000000"           // ccolOut
                             "03000000 01000000 0b000000 0c000000"  // acolOut ([ref])
                             "01000000"                             // ielt
                             "32000000");                           // celt
  EXPECT_EQ(HexLower(EncodeOpenViewRequest(SampleOpenView())), HexLower(expected));
  auto in = DecodeOpenViewRequest(expected);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(*in, SampleOpenView());
}

TEST(ICertAdminTest, SetExtensionRequestBytes) {
  SetExtensionIn in;
  in.orpcthis = SampleThis();
  in.authority = u"CA";
  in.request_id = 7;
  in.extension_name = u"1.2";
  in.type = 3;   // PROPTYPE_BINARY
  in.flags = 1;  // critical
  in.value = Bytes{0x04, 0x01, 0xff};
  const Bytes expected = Hex(std::string(kOrpcThis) + kAuthorityCa +
                             "07000000"  // dwRequestId
                             // pwszExtensionName: referent 0x00020004; max 4, offset 0,
                             // actual 4; "1.2" NUL
                             "04000200 04000000 00000000 04000000 3100 2e00 3200 0000"
                             "03000000"  // dwType
                             "01000000"  // dwFlags
                             // pctbValue ([ref]): cb 3, pb referent 0x00020008, then
                             // pb's max_count 3 and bytes
                             "03000000 08000200 03000000 0401ff");
  EXPECT_EQ(HexLower(EncodeSetExtensionRequest(in)), HexLower(expected));
  auto got = DecodeSetExtensionRequest(expected);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, in);
}

TEST(ICertAdminTest, ResubmitRequestResponseBytes) {
  const Bytes expected = Hex(std::string(kOrpcThat) +
                             "03000000"    // pdwDisposition: issued
                             "00000000");  // HRESULT
  EXPECT_EQ(EncodeDwordResponse({{}, 3, 0}), expected);
  auto out = DecodeDwordResponse(expected);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->value, 3u);
  EXPECT_EQ(out->hresult, 0u);
}

TEST(ICertAdminTest, EnumViewResponseBytes) {
  cert_view::ResultRows rows;
  rows.rows = {{5,
                {{cert_view::kTypeLong, 0x0a, cert_view::MakeLongValue(5)},
                 {cert_view::kTypeString | cert_view::kTypeIndexed, 0x2b,
                  cert_view::MakeStringValue(u"ab")}}}};
  rows.end_total = 1;
  const Bytes expected = Hex(std::string(kOrpcThat) +
                             "01000000"  // pceltFetched
                             // pctbResultRows: cb 0x44, pb referent 0x00020000, max 0x44
                             "44000000 00000200 44000000"
                             // row: rowid 5, ccol 2, cbrow 56
                             "05000000 02000000 38000000"
                             // column: LONG, index 0x0a, obValue 44, cbValue 4
                             "01000000 0a000000 2c000000 04000000"
                             // column: STRING|indexed, index 0x2b, obValue 48, cbValue 6
                             "04000100 2b000000 30000000 06000000"
                             "05000000"        // offset 44: LONG 5
                             "6100 6200 0000"  // offset 48: "ab" NUL
                             "0000"            // padding to 56
                             // end of the enumeration: rowid 1 (total), ccol ~1, cbrow 12
                             "01000000 feffffff 0c000000"
                             "00000000");  // HRESULT
  DwordBlobOut out{{}, 1, cert_view::EncodeResultRows(rows), 0};
  EXPECT_EQ(HexLower(EncodeDwordBlobResponse(out)), HexLower(expected));
  auto got = DecodeDwordBlobResponse(expected);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  auto decoded = cert_view::DecodeResultRows(got->blob);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, rows);
}

// GetConfigEntry's response with a VT_BSTR.
constexpr const char* kVariantBstr =
    "00000200"  // VARIANT: [unique] _wireVARIANT*, referent 0x00020000
    "00000000"  // padding: _wireVARIANT is 8-byte aligned
    "05000000"  // clSize: 40 bytes (header 20, BSTR pointer 4, FLAGGED_WORD_BLOB 16) in quads
    "00000000"  // rpcReserved
    "0800 0000 0000 0000"  // vt VT_BSTR, wReserved1-3
    "08000000"             // union discriminant: vt again, as a ULONG
    "04000200"             // bstrVal: [unique] FLAGGED_WORD_BLOB*, referent 0x00020004
    "02000000"             // asData's max_count (conformant structure: first)
    "04000000"             // cBytes
    "02000000"             // clSize
    "6100 6200";           // "ab", no NUL

TEST(ICertAdminTest, VariantBstrBytes) {
  const Bytes expected = Hex(std::string(kOrpcThat) + kVariantBstr + "00000000");
  VariantOut out{{}, std::u16string(u"ab"), 0};
  EXPECT_EQ(HexLower(EncodeVariantResponse(out)), HexLower(expected));
  auto got = DecodeVariantResponse(expected);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->value, Variant(std::u16string(u"ab")));

  // Receivers ignore clSize and the reserved words (impacket sends clSize 5
  // for any string).
  Bytes odd = expected;
  odd[16] = 0x99;
  odd[20] = 0x01;
  odd[26] = 0x07;
  auto tolerated = DecodeVariantResponse(odd);
  ASSERT_TRUE(tolerated.ok()) << tolerated.status().ToString();
  EXPECT_EQ(tolerated->value, got->value);
}

TEST(ICertAdminTest, VariantI4AndEmptyBytes) {
  // VT_I4 42: header, discriminant 3, lVal; clSize 24 bytes = 3 quads.
  EXPECT_EQ(HexLower(EncodeVariantResponse({{}, std::int32_t{42}, 0})),
            HexLower(Hex(std::string(kOrpcThat) +
                         "00000200 00000000 03000000 00000000 0300 0000 0000 0000 03000000 "
                         "2a000000 00000000")));
  // VT_EMPTY: no arm; 20 bytes = 3 quads.
  EXPECT_EQ(HexLower(EncodeVariantResponse({{}, std::monostate{}, 0})),
            HexLower(Hex(std::string(kOrpcThat) +
                         "00000200 00000000 03000000 00000000 0000 0000 0000 0000 00000000 "
                         "00000000")));
}

TEST(ICertAdminTest, VariantNullFormsDecodeAsEmpty) {
  // A NULL _wireVARIANT pointer.
  auto null_variant = DecodeVariantResponse(Hex(std::string(kOrpcThat) + "00000000 00000000"));
  ASSERT_TRUE(null_variant.ok());
  EXPECT_EQ(null_variant->value, Variant());
  // A NULL BSTR (cBytes 0xFFFFFFFF) and a NULL bstrVal pointer.
  auto null_bstr = DecodeVariantResponse(
      Hex(std::string(kOrpcThat) +
          "00000200 00000000 05000000 00000000 0800 0000 0000 0000 08000000 04000200 "
          "00000000 ffffffff 00000000 00000000"));
  ASSERT_TRUE(null_bstr.ok()) << null_bstr.status().ToString();
  EXPECT_EQ(null_bstr->value, Variant(std::u16string()));
  auto null_pointer = DecodeVariantResponse(
      Hex(std::string(kOrpcThat) +
          "00000200 00000000 05000000 00000000 0800 0000 0000 0000 08000000 00000000 00000000"));
  ASSERT_TRUE(null_pointer.ok()) << null_pointer.status().ToString();
  EXPECT_EQ(null_pointer->value, Variant(std::u16string()));
}

TEST(ICertAdminTest, VariantRefusesOtherTypes) {
  // VT_ARRAY|VT_BSTR (REG_MULTI_SZ): refused with a clear error.
  auto array = DecodeVariantResponse(
      Hex(std::string(kOrpcThat) +
          "00000200 00000000 05000000 00000000 0820 0000 0000 0000 08200000 00000000 00000000"));
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(array.status().message().find("VT_ARRAY"), std::string::npos);
  // VT_UI4.
  EXPECT_FALSE(
      DecodeVariantResponse(Hex(std::string(kOrpcThat) +
                                "00000200 00000000 03000000 00000000 1300 0000 0000 0000 13000000 "
                                "2a000000 00000000"))
          .ok());
  // The discriminant disagrees with vt.
  EXPECT_FALSE(
      DecodeVariantResponse(Hex(std::string(kOrpcThat) +
                                "00000200 00000000 03000000 00000000 0300 0000 0000 0000 08000000 "
                                "2a000000 00000000"))
          .ok());
  // An odd cBytes is binary, not a string.
  EXPECT_FALSE(
      DecodeVariantResponse(Hex(std::string(kOrpcThat) +
                                "00000200 00000000 05000000 00000000 0800 0000 0000 0000 08000000 "
                                "04000200 02000000 03000000 02000000 6100 6200 00000000"))
          .ok());
}

TEST(ICertAdminTest, ZeroCountStringsDecodeAsAbsent) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, SampleThis());
  w.WriteUniqueString(u"CA");
  w.WriteU32(9);
  w.WriteUniquePointer(true, [](NdrWriter& ww) {
    ww.WriteConformance(0);
    ww.WriteVariance(0, 0);
  });
  w.FlushDeferred();
  auto in = DecodeSetAttributesRequest(std::move(w).Take());
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->request_id, 9u);
  EXPECT_FALSE(in->attributes.has_value());
}

TEST(ICertAdminTest, EveryRequestRoundTrips) {
  auto dec = [](auto fn) {
    return [fn](std::span<const std::uint8_t> s, const NdrLimits& l) { return fn(s, l); };
  };
  const orpc::OrpcThis t = SampleThis();
  ExpectRoundTrip(EmptyIn{t}, EncodeEmptyRequest, dec(DecodeEmptyRequest));
  ExpectRoundTrip(AuthorityIn{t, u"CA"}, EncodeAuthorityRequest, dec(DecodeAuthorityRequest));
  ExpectRoundTrip(AuthorityIn{t, std::nullopt}, EncodeAuthorityRequest,
                  dec(DecodeAuthorityRequest));
  ExpectRoundTrip(AuthorityDwordIn{t, u"CA", 0xfffffffe}, EncodeAuthorityDwordRequest,
                  dec(DecodeAuthorityDwordRequest));
  ExpectRoundTrip(AuthorityBlobIn{t, u"CA", Bytes{1, 0, 4, 0x80}}, EncodeAuthorityBlobRequest,
                  dec(DecodeAuthorityBlobRequest));
  ExpectRoundTrip(SetExtensionIn{t, u"CA", 3, u"2.5.29.17", 3, 0, Bytes{0x30, 0x00}},
                  EncodeSetExtensionRequest, dec(DecodeSetExtensionRequest));
  ExpectRoundTrip(SetAttributesIn{t, u"CA", 4, u"a:b\nc:d"}, EncodeSetAttributesRequest,
                  dec(DecodeSetAttributesRequest));
  ExpectRoundTrip(IsValidCertificateIn{t, u"CA", u"1a2b"}, EncodeIsValidCertificateRequest,
                  dec(DecodeIsValidCertificateRequest));
  ExpectRoundTrip(PublishCrlIn{t, u"CA", 0x01d9'0000'1234'5678, 0}, EncodePublishCrlRequest,
                  dec(DecodePublishCrlRequest));
  ExpectRoundTrip(PublishCrlIn{t, u"CA", 0x01d9'0000'1234'5678, 0x11}, EncodePublishCrlsRequest,
                  dec(DecodePublishCrlsRequest));
  ExpectRoundTrip(RevokeCertificateIn{t, u"CA", u"1a2b", 1, 0x01d9'0000'0000'0001},
                  EncodeRevokeCertificateRequest, dec(DecodeRevokeCertificateRequest));
  ExpectRoundTrip(EnumViewColumnIn{t, u"CA", 0, 5, 10}, EncodeEnumViewColumnRequest,
                  dec(DecodeEnumViewColumnRequest));
  ExpectRoundTrip(EnumViewColumnIn{t, u"CA", 0x3000, 5, 10}, EncodeEnumViewColumnTableRequest,
                  dec(DecodeEnumViewColumnTableRequest));
  ExpectRoundTrip(EnumAttributesOrExtensionsIn{t, u"CA", 12, 1, u"2.5.29.15", 20},
                  EncodeEnumAttributesOrExtensionsRequest,
                  dec(DecodeEnumAttributesOrExtensionsRequest));
  ExpectRoundTrip(SampleOpenView(), EncodeOpenViewRequest, dec(DecodeOpenViewRequest));
  ExpectRoundTrip(OpenViewIn{t, u"CA", {}, {}, 0, 0}, EncodeOpenViewRequest,
                  dec(DecodeOpenViewRequest));
  ExpectRoundTrip(OpenViewIn{t, u"CA", {{1, 1, 0, Bytes{}}}, {1}, 0, 0}, EncodeOpenViewRequest,
                  dec(DecodeOpenViewRequest));
  ExpectRoundTrip(EnumViewIn{t, u"CA", 51, 50}, EncodeEnumViewRequest, dec(DecodeEnumViewRequest));
  ExpectRoundTrip(BackupPrepareIn{t, u"CA", 1, 0, u'x', 0}, EncodeBackupPrepareRequest,
                  dec(DecodeBackupPrepareRequest));
  ExpectRoundTrip(BackupOpenFileIn{t, u"\\\\h\\s\\f.edb"}, EncodeBackupOpenFileRequest,
                  dec(DecodeBackupOpenFileRequest));
  ExpectRoundTrip(BackupReadFileIn{t, 4096}, EncodeBackupReadFileRequest,
                  dec(DecodeBackupReadFileRequest));
  ExpectRoundTrip(ImportCertificateIn{t, u"CA", Bytes{0x30, 0x01, 0x00}, 0x1},
                  EncodeImportCertificateRequest, dec(DecodeImportCertificateRequest));
  ExpectRoundTrip(GetCaPropertyIn{t, u"CA", 0x1d, 0, 4}, EncodeGetCaPropertyRequest,
                  dec(DecodeGetCaPropertyRequest));
  ExpectRoundTrip(SetCaPropertyIn{t, u"CA", 0x1d, 0, 4, Bytes{'U', 0, '\n', 0}},
                  EncodeSetCaPropertyRequest, dec(DecodeSetCaPropertyRequest));
  ExpectRoundTrip(SetOfficerRightsIn{t, u"CA", 1, Bytes{1, 0, 4, 0x80}},
                  EncodeSetOfficerRightsRequest, dec(DecodeSetOfficerRightsRequest));
  ExpectRoundTrip(ConfigEntryIn{t, u"CA", u"PolicyModules", u"EditFlags", {}},
                  EncodeGetConfigEntryRequest, dec(DecodeGetConfigEntryRequest));
  ExpectRoundTrip(ConfigEntryIn{t, u"CA", std::nullopt, u"", {}}, EncodeGetConfigEntryRequest,
                  dec(DecodeGetConfigEntryRequest));
  ExpectRoundTrip(ConfigEntryIn{t, u"CA", u"", u"ValidityPeriodUnits", std::int32_t{-2}},
                  EncodeSetConfigEntryRequest, dec(DecodeSetConfigEntryRequest));
  ExpectRoundTrip(ConfigEntryIn{t, u"CA", u"", u"CRLPeriod", std::u16string(u"Weeks")},
                  EncodeSetConfigEntryRequest, dec(DecodeSetConfigEntryRequest));
  ExpectRoundTrip(ConfigEntryIn{t, u"CA", u"", u"X", std::u16string()}, EncodeSetConfigEntryRequest,
                  dec(DecodeSetConfigEntryRequest));
  ExpectRoundTrip(ConfigEntryIn{t, u"CA", u"", u"X", std::monostate{}}, EncodeSetConfigEntryRequest,
                  dec(DecodeSetConfigEntryRequest));
  ExpectRoundTrip(ImportKeyIn{t, u"CA", 8, u"00ff", 0, Bytes{0x30, 0x00}}, EncodeImportKeyRequest,
                  dec(DecodeImportKeyRequest));
  ExpectRoundTrip(DeleteRowIn{t, u"CA", 1, 0x01d9'0000'0000'0001, 0x3000, 0},
                  EncodeDeleteRowRequest, dec(DecodeDeleteRowRequest));
}

TEST(ICertAdminTest, EveryResponseRoundTrips) {
  orpc::OrpcThat that;
  that.extensions.push_back({*Uuid::Parse("f1f19680-4d2a-11ce-a66a-0020af6e72f4"), Bytes{1, 2}});
  ExpectRoundTrip(orpc::HresultOut{that, 0x80070057}, orpc::EncodeHresultResponse,
                  orpc::DecodeHresultResponse);
  ExpectRoundTrip(DwordOut{{}, 0x80094004, 0}, EncodeDwordResponse, DecodeDwordResponse);
  ExpectRoundTrip(BlobOut{{}, Bytes{0x30, 0x82}, 0}, EncodeBlobResponse, DecodeBlobResponse);
  ExpectRoundTrip(BlobOut{{}, Bytes{}, 0x80004001}, EncodeBlobResponse, DecodeBlobResponse);
  ExpectRoundTrip(DwordBlobOut{{}, 2, Bytes{1, 2, 3, 4}, 0}, EncodeDwordBlobResponse,
                  DecodeDwordBlobResponse);
  ExpectRoundTrip(IsValidCertificateOut{{}, 1, 4, 0}, EncodeIsValidCertificateResponse,
                  DecodeIsValidCertificateResponse);
  ExpectRoundTrip(NameListOut{{}, std::u16string(u"D\\\\h\\db.edb\0\0", 13), 0},
                  EncodeNameListResponse, DecodeNameListResponse);
  ExpectRoundTrip(NameListOut{{}, u"", 0x80004001}, EncodeNameListResponse, DecodeNameListResponse);
  ExpectRoundTrip(BackupOpenFileOut{{}, 0x1'0000'0001, 0}, EncodeBackupOpenFileResponse,
                  DecodeBackupOpenFileResponse);
  ExpectRoundTrip(BackupReadFileOut{{}, Bytes(8, 0), 0, 0x80004001}, EncodeBackupReadFileResponse,
                  DecodeBackupReadFileResponse);
  ExpectRoundTrip(VariantOut{{}, std::u16string(u"ldap:///CN=x"), 0}, EncodeVariantResponse,
                  DecodeVariantResponse);
  ExpectRoundTrip(VariantOut{{}, std::int32_t{7}, 0}, EncodeVariantResponse, DecodeVariantResponse);
  ExpectRoundTrip(VariantOut{{}, std::monostate{}, 0x80070002}, EncodeVariantResponse,
                  DecodeVariantResponse);
}

TEST(ICertAdminTest, BackupOpenFileLengthIsEightByteAligned) {
  // ORPCTHAT (8 bytes) leaves the hyper aligned; after it the HRESULT.
  EXPECT_EQ(HexLower(EncodeBackupOpenFileResponse({{}, 0x0102030405060708, 1})),
            "0000000000000000"
            "0807060504030201"
            "01000000");
}

TEST(ICertAdminTest, NameListCountMustMatch) {
  // Pointer NULL but a count of 2.
  EXPECT_FALSE(
      DecodeNameListResponse(Hex(std::string(kOrpcThat) + "00000000 02000000 00000000")).ok());
  // Two units but a count of 3.
  EXPECT_FALSE(DecodeNameListResponse(
                   Hex(std::string(kOrpcThat) + "00000200 02000000 4400 0000 03000000 00000000"))
                   .ok());
}

TEST(ICertAdminTest, OpenViewCountsMustMatchTheirArrays) {
  Bytes stub = EncodeOpenViewRequest(SampleOpenView());
  Bytes bad_ccvr = stub;
  bad_ccvr[56] = 3;  // ccvr 3, acvr's max_count 2
  EXPECT_FALSE(DecodeOpenViewRequest(bad_ccvr).ok());
  Bytes bad_cb = stub;
  bad_cb[80] = 5;  // acvr[0].cbValue 5, pbValue's max_count 4
  EXPECT_FALSE(DecodeOpenViewRequest(bad_cb).ok());
  Bytes bad_ccol = stub;
  bad_ccol[112] = 2;  // ccolOut 2, acolOut's max_count 3
  EXPECT_FALSE(DecodeOpenViewRequest(bad_ccol).ok());
}

TEST(ICertAdminTest, OpenViewNullValueIgnoresCbValue) {
  Bytes stub = EncodeOpenViewRequest(SampleOpenView());
  stub[100] = 9;  // acvr[1].cbValue 9 with pbValue NULL
  auto in = DecodeOpenViewRequest(stub);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_FALSE(in->restrictions[1].value.has_value());
}

TEST(ICertAdminTest, LimitsAreEnforced) {
  const orpc::OrpcThis t = SampleThis();
  OpenViewIn view{t, u"CA", {}, {}, 0, 0};
  view.restrictions.assign(kMaxRestrictions, Restriction{1, 1, 0, std::nullopt});
  EXPECT_TRUE(DecodeOpenViewRequest(EncodeOpenViewRequest(view)).ok());
  view.restrictions.push_back(Restriction{});
  EXPECT_FALSE(DecodeOpenViewRequest(EncodeOpenViewRequest(view)).ok());

  view.restrictions = {Restriction{1, 1, 0, Bytes(kMaxRestrictionValueBytes, 0)}};
  EXPECT_TRUE(DecodeOpenViewRequest(EncodeOpenViewRequest(view)).ok());
  view.restrictions[0].value->push_back(0);
  EXPECT_FALSE(DecodeOpenViewRequest(EncodeOpenViewRequest(view)).ok());

  view.restrictions.clear();
  view.columns.assign(kMaxOutputColumns, 1);
  EXPECT_TRUE(DecodeOpenViewRequest(EncodeOpenViewRequest(view)).ok());
  view.columns.push_back(1);
  EXPECT_FALSE(DecodeOpenViewRequest(EncodeOpenViewRequest(view)).ok());

  AuthorityIn auth{t, std::u16string(kMaxStringUnits - 1, u'x')};
  EXPECT_TRUE(DecodeAuthorityRequest(EncodeAuthorityRequest(auth)).ok());
  auth.authority->push_back(u'x');
  EXPECT_FALSE(DecodeAuthorityRequest(EncodeAuthorityRequest(auth)).ok());

  ConfigEntryIn entry{t, u"CA", u"", std::u16string(kMaxStringUnits, u'e'), {}};
  EXPECT_FALSE(DecodeGetConfigEntryRequest(EncodeGetConfigEntryRequest(entry)).ok());
  entry.entry = u"e";
  entry.value = std::u16string(kMaxBstrUnits, u'v');
  EXPECT_TRUE(DecodeSetConfigEntryRequest(EncodeSetConfigEntryRequest(entry)).ok());
  std::get<std::u16string>(entry.value).push_back(u'v');
  EXPECT_FALSE(DecodeSetConfigEntryRequest(EncodeSetConfigEntryRequest(entry)).ok());

  AuthorityBlobIn blob{t, u"CA", Bytes(kMaxRequestBlobBytes, 1)};
  EXPECT_TRUE(DecodeAuthorityBlobRequest(EncodeAuthorityBlobRequest(blob)).ok());
  blob.blob.push_back(1);
  EXPECT_FALSE(DecodeAuthorityBlobRequest(EncodeAuthorityBlobRequest(blob)).ok());

  EXPECT_TRUE(
      DecodeBackupReadFileRequest(EncodeBackupReadFileRequest({t, kMaxBackupReadBytes})).ok());
  EXPECT_FALSE(
      DecodeBackupReadFileRequest(EncodeBackupReadFileRequest({t, kMaxBackupReadBytes + 1})).ok());
  EXPECT_FALSE(DecodeBackupReadFileRequest(EncodeBackupReadFileRequest({t, -1})).ok());

  // NdrLimits still apply under the named limits.
  NdrLimits tight;
  tight.max_element_count = 2;
  EXPECT_FALSE(DecodeOpenViewRequest(EncodeOpenViewRequest(SampleOpenView()), tight).ok());
}

}  // namespace
}  // namespace openadcs::ndr::icert_admin
