// ICertRequestD / ICertRequestD2 stubs: decoding what impacket sends (golden
// bytes), round trips through both sides, and the IDL's range bounds.
#include "openadcs/ndr/icert_request.h"

#include <gtest/gtest.h>

#include <string>

#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::icert_request {
namespace {

Bytes Hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Golden stubs from Debian's python3-impacket 0.10.0, which has no WCCE
// module: the methods declared from proto-idl/ms-wcce.idl with its NDR
// classes (impacket numbers referents at random and pads with 0xbf / 0xab,
// which the decoders must accept):
//
//   class CERTTRANSBLOB(NDRSTRUCT):
//       structure = (('cb', ULONG), ('pb', PBYTE))
//   class Request2(NDRCALL):
//       opnum = 6
//       structure = (('ORPCthis', ORPCTHIS), ('pwszAuthority', LPWSTR), ('dwFlags', DWORD),
//                    ('pwszSerialNumber', LPWSTR), ('pdwRequestId', DWORD),
//                    ('pwszAttributes', LPWSTR), ('pctbRequest', CERTTRANSBLOB))
//   class GetCAProperty(NDRCALL):
//       opnum = 7
//       structure = (('ORPCthis', ORPCTHIS), ('pwszAuthority', LPWSTR), ('PropID', LONG),
//                    ('PropIndex', LONG), ('PropType', LONG))
//   class RequestResponse(NDRCALL):
//       structure = (('ORPCthat', ORPCTHAT), ('pdwRequestId', DWORD), ('pdwDisposition', ULONG),
//                    ('pctbCertChain', CERTTRANSBLOB), ('pctbEncodedCert', CERTTRANSBLOB),
//                    ('pctbDispositionMessage', CERTTRANSBLOB), ('ErrorCode', ULONG))
//   ORPCTHIS: version 5.7, cid 01020304-0506-0708-090a-0b0c0d0e0f10, extensions NULL
//   Request2: pwszAuthority 'CA\x00', dwFlags 0x40000, pwszSerialNumber NULL,
//             pdwRequestId 0, pwszAttributes 'a:b\x00', pctbRequest b'\x30\x00'
//   GetCAProperty: pwszAuthority 'CA\x00', PropID 0x1d, PropIndex 0, PropType 4
//   RequestResponse: ORPCthat flags 0 extensions NULL, id 7, disposition 3,
//             chain empty, encoded cert b'\x30\x00', message 'Issued\x00' UTF-16LE
//   print(x.getData().hex())
constexpr const char* kImpacketRequest2 =
    "0500070000000000000000000403020106050807090a0b0c0d0e0f100000000066b300000300000000000000"
    "03000000430041000000bfbf00000400000000000000000077e800000400000000000000040000006100"
    "3a00620000000200000026d30000020000003000";
constexpr const char* kImpacketGetCaProperty =
    "0500070000000000000000000403020106050807090a0b0c0d0e0f10000000009a8800000300000000000000"
    "03000000430041000000bfbf1d0000000000000004000000";
constexpr const char* kImpacketRequestResponse =
    "00000000000000000700000003000000000000000000000002000000f17e0000020000003000abab0e000000"
    "6f4400000e0000004900730073007500650064000000bfbf00000000";

TEST(ICertRequestTest, DecodesImpacketRequest2) {
  auto in = DecodeRequest2Request(Hex(kImpacketRequest2));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->orpcthis.version_major, 5);
  EXPECT_EQ(in->orpcthis.version_minor, 7);
  EXPECT_EQ(in->orpcthis.cid.ToString(), "01020304-0506-0708-090a-0b0c0d0e0f10");
  EXPECT_EQ(in->authority, std::u16string(u"CA"));
  EXPECT_EQ(in->flags, 0x40000u);
  EXPECT_FALSE(in->serial_number.has_value());
  EXPECT_EQ(in->request_id, 0u);
  EXPECT_EQ(in->attributes, std::u16string(u"a:b"));
  EXPECT_EQ(in->request, (Bytes{0x30, 0x00}));
}

TEST(ICertRequestTest, DecodesImpacketGetCaProperty) {
  auto in = DecodeGetCaPropertyRequest(Hex(kImpacketGetCaProperty));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->authority, std::u16string(u"CA"));
  EXPECT_EQ(in->prop_id, 0x1d);
  EXPECT_EQ(in->prop_index, 0);
  EXPECT_EQ(in->prop_type, 4);
}

TEST(ICertRequestTest, DecodesImpacketResponseAndEncodesTheSameValues) {
  auto out = DecodeRequestResponse(Hex(kImpacketRequestResponse));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->request_id, 7u);
  EXPECT_EQ(out->disposition, 3u);
  EXPECT_TRUE(out->cert_chain.empty());
  EXPECT_EQ(out->encoded_cert, (Bytes{0x30, 0x00}));
  EXPECT_EQ(out->disposition_message.size(), 14u);
  EXPECT_EQ(out->hresult, 0u);
  // Ours differs from impacket's only in referent ids and padding bytes:
  // same length, and the values decode back.
  Bytes ours = EncodeRequestResponse(*out);
  EXPECT_EQ(ours.size(), Hex(kImpacketRequestResponse).size());
  auto again = DecodeRequestResponse(ours);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->disposition_message, out->disposition_message);
  EXPECT_EQ(again->encoded_cert, out->encoded_cert);
}

RequestIn SampleRequest() {
  RequestIn in;
  in.orpcthis.cid = *Uuid::Parse("11111111-2222-3333-4444-555555555555");
  in.flags = 0x100;
  in.authority = u"openadcs-CA";
  in.request_id = 42;
  in.attributes = u"CertificateTemplate:User";
  in.request = Bytes{0x30, 0x03, 0x02, 0x01, 0x05};
  return in;
}

TEST(ICertRequestTest, RequestRoundTrips) {
  RequestIn in = SampleRequest();
  auto got = DecodeRequestRequest(EncodeRequestRequest(in));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->orpcthis, in.orpcthis);
  EXPECT_EQ(got->flags, in.flags);
  EXPECT_EQ(got->authority, in.authority);
  EXPECT_EQ(got->request_id, in.request_id);
  EXPECT_EQ(got->attributes, in.attributes);
  EXPECT_EQ(got->request, in.request);
  EXPECT_FALSE(got->serial_number.has_value());
}

TEST(ICertRequestTest, Request2RoundTripsWithSerial) {
  RequestIn in = SampleRequest();
  in.request.clear();
  in.request_id = 0;
  in.serial_number = u"0a1b2c";
  in.attributes.reset();
  auto got = DecodeRequest2Request(EncodeRequest2Request(in));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->serial_number, in.serial_number);
  EXPECT_EQ(got->authority, in.authority);
  EXPECT_FALSE(got->attributes.has_value());
  EXPECT_TRUE(got->request.empty());
}

TEST(ICertRequestTest, OtherMethodsRoundTrip) {
  GetCaCertIn cert_in;
  cert_in.fchain = 0x6374'0000;
  cert_in.authority = u"CA";
  auto cert_got = DecodeGetCaCertRequest(EncodeGetCaCertRequest(cert_in));
  ASSERT_TRUE(cert_got.ok());
  EXPECT_EQ(cert_got->fchain, cert_in.fchain);
  EXPECT_EQ(cert_got->authority, cert_in.authority);

  BlobOut blob{{}, Bytes{1, 2, 3}, 0x80070057};
  auto blob_got = DecodeBlobResponse(EncodeBlobResponse(blob));
  ASSERT_TRUE(blob_got.ok());
  EXPECT_EQ(blob_got->blob, blob.blob);
  EXPECT_EQ(blob_got->hresult, blob.hresult);

  AuthorityIn auth_in;
  auth_in.authority = u"CA";
  auto auth_got = DecodeAuthorityRequest(EncodeAuthorityRequest(auth_in));
  ASSERT_TRUE(auth_got.ok());
  EXPECT_EQ(auth_got->authority, auth_in.authority);

  GetCaPropertyIn prop_in;
  prop_in.authority = u"CA";
  prop_in.prop_id = 0xc;
  prop_in.prop_index = -1;
  prop_in.prop_type = 3;
  auto prop_got = DecodeGetCaPropertyRequest(EncodeGetCaPropertyRequest(prop_in));
  ASSERT_TRUE(prop_got.ok());
  EXPECT_EQ(prop_got->prop_index, -1);
  EXPECT_EQ(prop_got->prop_type, 3);

  GetCaPropertyInfoOut info{{}, 2, Bytes{9, 9}, 0};
  auto info_got = DecodeGetCaPropertyInfoResponse(EncodeGetCaPropertyInfoResponse(info));
  ASSERT_TRUE(info_got.ok());
  EXPECT_EQ(info_got->property_count, 2);
  EXPECT_EQ(info_got->prop_info, info.prop_info);
}

TEST(ICertRequestTest, StringsAreBoundedByTheirRange) {
  RequestIn in = SampleRequest();
  in.attributes = std::u16string(kMaxStringUnits - 1, u'x');  // with its NUL: exactly the range
  EXPECT_TRUE(DecodeRequestRequest(EncodeRequestRequest(in)).ok());
  in.attributes = std::u16string(kMaxStringUnits, u'x');
  EXPECT_FALSE(DecodeRequestRequest(EncodeRequestRequest(in)).ok());

  RequestIn r2 = SampleRequest();
  r2.serial_number = std::u16string(kMaxSerialUnits - 1, u'0');
  EXPECT_TRUE(DecodeRequest2Request(EncodeRequest2Request(r2)).ok());
  r2.serial_number = std::u16string(kMaxSerialUnits, u'0');
  EXPECT_FALSE(DecodeRequest2Request(EncodeRequest2Request(r2)).ok());
}

TEST(ICertRequestTest, ZeroCountAttributesDecodeAsAbsent) {
  // The client-interop quirk: a non-null pointer to max 0, offset 0, count 0.
  NdrWriter w;
  orpc::WriteOrpcThis(w, {});
  w.WriteU32(0);
  w.WriteUniqueString(u"CA");
  w.WriteU32(5);
  w.WriteUniquePointer(true, [](NdrWriter& ww) {
    ww.WriteConformance(0);
    ww.WriteVariance(0, 0);
  });
  w.FlushDeferred();
  w.WriteU32(0);  // pctbRequest: cb 0, pb NULL
  w.WriteU32(0);
  auto in = DecodeRequestRequest(std::move(w).Take());
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_FALSE(in->attributes.has_value());
  EXPECT_EQ(in->request_id, 5u);
}

TEST(ICertRequestTest, TruncatedStubsFail) {
  Bytes stub = EncodeRequest2Request(SampleRequest());
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, stub.size() / 2, stub.size() - 1}) {
    EXPECT_FALSE(DecodeRequest2Request(std::span(stub).first(n)).ok()) << n;
  }
  Bytes prop = Hex(kImpacketGetCaProperty);
  EXPECT_FALSE(DecodeGetCaPropertyRequest(std::span(prop).first(prop.size() - 2)).ok());
}

}  // namespace
}  // namespace openadcs::ndr::icert_request
