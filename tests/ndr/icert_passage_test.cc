#include "openadcs/ndr/icert_passage.h"

#include <gtest/gtest.h>

#include <string>

#include "openadcs/util/utf16.h"

namespace openadcs::ndr::icert_passage {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

CertServerRequestIn SampleRequest() {
  CertServerRequestIn in;
  in.flags = 0;
  in.authority = u"CA";
  in.request_id = 7;
  in.attributes = StringToUtf16LeBytes(u"CertificateTemplate:User");
  in.request = {0x30, 0x01, 0x00};
  return in;
}

// Made with Debian's python3-impacket 0.10.0 (/usr/bin/python3): an NDRCALL
// with structure (dwFlags DWORD, pwszAuthority LPWSTR, pdwRequestId DWORD,
// pctbAttribs and pctbRequest as NDRSTRUCT {cb ULONG, pb PBYTE}) filled with
// SampleRequest() ('CA\x00', 7, the UTF-16LE attributes with NUL, 30 01 00),
// dumped with getData().hex(). impacket picks random referent ids and pads
// with 0xab/0xbf, both of which a decoder must accept.
const char kImpacketRequest[] =
    "00000000"                  // dwFlags
    "5c7f0000"                  // pwszAuthority referent id
    "030000000000000003000000"  // max_count, offset, actual_count
    "430041000000bfbf"          // "CA\0", padding
    "07000000"                  // *pdwRequestId
    "32000000dd0d0000"          // pctbAttribs: cb 50, pb referent id
    "32000000"                  // pb's max_count
    "43006500720074006900660069006300610074006500540065006d0070006c006100740065003a00"  // "CertificateTemplate:"
    "55007300650072000000abab"         // "User\0", padding
    "030000009a70000003000000300100";  // pctbRequest: cb, pb referent id, max_count, bytes

TEST(CertServerRequestTest, DecodesImpacketRequest) {
  auto in = DecodeCertServerRequestRequest(Hex(kImpacketRequest));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(*in, SampleRequest());
}

// Built by hand from the NDR rules: top-level [ref] parameters inline, the
// unique string's referent id then its pointee, each CERTTRANSBLOB's pb
// deferred to the end of its parameter; referent ids as MIDL numbers them.
const char kHandRequest[] =
    "00000000"
    "00000200"
    "03000000"
    "00000000"
    "03000000"
    "430041000000"
    "0000"
    "07000000"
    "32000000"
    "04000200"
    "32000000"
    "43006500720074006900660069006300610074006500540065006d0070006c006100740065003a00"
    "550073006500720000000000"
    "03000000"
    "08000200"
    "03000000"
    "300100";

TEST(CertServerRequestTest, EncodesRequestAsTheSpecSays) {
  EXPECT_EQ(HexLower(EncodeCertServerRequestRequest(SampleRequest())), kHandRequest);
  auto back = DecodeCertServerRequestRequest(Hex(kHandRequest));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, SampleRequest());
}

const char kHandResponse[] =
    "07000000"
    "03000000"  // request id, disposition
    "02000000"
    "00000200"
    "02000000"
    "0102"
    "0000"  // pctbCert
    "00000000"
    "00000000"  // pctbEncodedCert: empty
    "06000000"
    "04000200"
    "06000000"
    "4f004b000000"
    "0000"       // "OK\0"
    "00000000";  // return value

TEST(CertServerRequestTest, ResponseRoundTrip) {
  CertServerRequestOut out;
  out.request_id = 7;
  out.disposition = 3;
  out.cert = {1, 2};
  out.disposition_message = StringToUtf16LeBytes(u"OK");
  Bytes stub = EncodeCertServerRequestResponse(out);
  EXPECT_EQ(HexLower(stub), kHandResponse);
  auto back = DecodeCertServerRequestResponse(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);
}

TEST(CertServerRequestTest, RoundTripsVariants) {
  CertServerRequestIn in;
  in.flags = 0x40100;
  in.request_id = 0xffffffff;
  in.request = Bytes(1000, 0x5a);
  for (auto authority : {std::optional<std::u16string>{}, std::optional<std::u16string>{u"x"}}) {
    in.authority = authority;
    auto back = DecodeCertServerRequestRequest(EncodeCertServerRequestRequest(in));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, in);
  }
}

TEST(CertServerRequestTest, TruncatedInputFailsAtEveryLength) {
  for (const Bytes& full : {Hex(kImpacketRequest), Hex(kHandRequest)}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_FALSE(DecodeCertServerRequestRequest(cut).ok()) << n;
    }
  }
  Bytes response = Hex(kHandResponse);
  for (std::size_t n = 0; n < response.size(); ++n) {
    Bytes cut(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(DecodeCertServerRequestResponse(cut).ok()) << n;
  }
}

TEST(CertServerRequestTest, TrailingBytesAreIgnored) {
  Bytes stub = Hex(kHandRequest);
  stub.insert(stub.end(), {0xde, 0xad, 0xbe, 0xef, 0x00});
  auto in = DecodeCertServerRequestRequest(stub);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(*in, SampleRequest());
}

TEST(CertServerRequestTest, ZeroCountAuthorityMeansAbsent) {
  // pwszAuthority: non-NULL, MaxCount 0, Offset 0, ActualCount 0, no NUL.
  auto in =
      DecodeCertServerRequestRequest(Hex("00000000"
                                         "00000200"
                                         "00000000"
                                         "00000000"
                                         "00000000"
                                         "07000000"
                                         "00000000"
                                         "00000000"
                                         "00000000"
                                         "00000000"));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_FALSE(in->authority.has_value());
  EXPECT_EQ(in->request_id, 7u);
  EXPECT_TRUE(in->attributes.empty());
  EXPECT_TRUE(in->request.empty());
}

TEST(CertServerRequestTest, RejectsBlobWhoseCountDisagreesWithCb) {
  auto in =
      DecodeCertServerRequestRequest(Hex("00000000"
                                         "00000000"
                                         "07000000"
                                         "00000000"
                                         "00000000"
                                         "04000000"
                                         "08000200"
                                         "03000000"
                                         "300100"));
  EXPECT_FALSE(in.ok());
}

TEST(CertServerRequestTest, AbsurdBlobSizeFailsWithoutAllocating) {
  auto in =
      DecodeCertServerRequestRequest(Hex("00000000"
                                         "00000000"
                                         "07000000"
                                         "00000000"
                                         "00000000"
                                         "ffffffff"
                                         "08000200"
                                         "ffffffff"
                                         "300100"));
  EXPECT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::ndr::icert_passage
