#include "openadcs/ndr/activation.h"

#include <gtest/gtest.h>

#include <string>

#include "openadcs/ndr/remote_scm_activator.h"

namespace openadcs::ndr::activation {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

const Uuid kClsid = *Uuid::Parse("d99e6e74-fc88-11d0-b498-00a0c90312f3");
const Uuid kIid = *Uuid::Parse("d99e6e70-fc88-11d0-b498-00a0c90312f3");
const Uuid kCid = *Uuid::Parse("11223344-5566-7788-99aa-bbccddeeff00");
const Uuid kIpid = *Uuid::Parse("aabbccdd-1111-2222-3333-444455556666");
const Uuid kIpidRemUnknown = *Uuid::Parse("00112233-4455-6677-8899-aabbccddeeff");

Uuid ComId(std::uint32_t data1) {
  Uuid u;
  u.data1 = data1;
  u.data4 = {0xc0, 0, 0, 0, 0, 0, 0, 0x46};
  return u;
}

// The RemoteCreateInstance request stub impacket sends: /usr/bin/python3
// running impacket.dcerpc.v5.dcomrt.IRemoteSCMActivator.RemoteCreateInstance(
// clsid=kClsid, iid=kIid) with its portmap's request() replaced by one that
// captures the request, dcomrt.generate patched to return kCid, and
// request.getData().hex(). (Referent ids are impacket's random ones.)
const char kImpacketRemoteCreateInstance[] =
    "050007000100000000000000443322116655887799aabbccddeeff00000000000000000047350000a0010000a00100"
    "00"
    "4d454f5704000000a201000000000000c0000000000000463803000000000000c00000000000004600000000780100"
    "00"
    "680100000000000001100800cccccccc88000000cccccccc6801000098000000000000000200000004000000000000"
    "00"
    "0000000000000000000000002d9c000009fa00000000000004000000ab01000000000000c000000000000046a50100"
    "00"
    "00000000c000000000000046a401000000000000c000000000000046aa01000000000000c000000000000046040000"
    "00"
    "5800000028000000200000003000000001100800cccccccc44000000cccccccc746e9ed988fcd011b49800a0c90312"
    "f3"
    "0000000000000000000000000100000000000000fdb50000000000000500070001000000706e9ed988fcd011b49800"
    "a0"
    "c90312f3fafafafa01100800cccccccc18000000cccccccc0000000000000000000000000000000000000000000000"
    "00"
    "01100800cccccccc10000000cccccccc0000000000000000000000000000000001100800cccccccc1a000000cccccc"
    "cc"
    "000000004a230000000000000100aaaa7d960000010000000700fafafafafafa";

Bytes ImpacketActivationProperties() {
  auto request =
      remote_scm_activator::DecodeRemoteCreateInstanceRequest(Hex(kImpacketRemoteCreateInstance));
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  return request.ok() ? request->activation_properties : Bytes{};
}

TEST(ActivationTest, DecodesImpacketRemoteCreateInstance) {
  auto request =
      remote_scm_activator::DecodeRemoteCreateInstanceRequest(Hex(kImpacketRemoteCreateInstance));
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->orpcthis.flags, 1u);
  EXPECT_EQ(request->orpcthis.cid, kCid);
  EXPECT_FALSE(request->unk_outer_present);
  EXPECT_EQ(request->activation_properties.size(), 416u);

  auto in = DecodeActivationIn(request->activation_properties);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->clsid, kClsid);
  EXPECT_EQ(in->iids, std::vector<Uuid>{kIid});
  EXPECT_EQ(in->class_context, 0u);
  EXPECT_EQ(in->client_version_major, 5);
  EXPECT_EQ(in->client_version_minor, 7);
  EXPECT_TRUE(in->scm_request_present);
  EXPECT_EQ(in->requested_protseqs, std::vector<std::uint16_t>{kProtseqTcp});
  EXPECT_FALSE(in->server_name.has_value());
  EXPECT_FALSE(in->instance_info_present);
  EXPECT_EQ(in->destination_context, 2u);
  EXPECT_EQ(in->property_classes,
            (std::vector<Uuid>{ComId(0x1ab), ComId(0x1a5), ComId(0x1a4), ComId(0x1aa)}));
}

TEST(ActivationTest, EveryTruncationOfTheImpacketBlobFailsCleanly) {
  Bytes blob = ImpacketActivationProperties();
  ASSERT_FALSE(blob.empty());
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodeActivationIn(std::span<const std::uint8_t>(blob).first(n)).ok()) << n;
  }
}

TEST(ActivationTest, EveryTruncationOfTheRequestStubFailsCleanly) {
  Bytes stub = Hex(kImpacketRemoteCreateInstance);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(remote_scm_activator::DecodeRemoteCreateInstanceRequest(
                     std::span<const std::uint8_t>(stub).first(n))
                     .ok())
        << n;
  }
}

// Offsets into impacket's blob (the abData): OBJREF header 48 bytes, then
// {dwSize, dwReserved}, then the CustomHeader's serialization headers.
constexpr std::size_t kIidOffset = 8;
constexpr std::size_t kClsidOffset = 24;
constexpr std::size_t kDwSize = 48;
constexpr std::size_t kHeaderBody = 56 + 16;
constexpr std::size_t kHeaderSize = kHeaderBody + 4;
constexpr std::size_t kCount = kHeaderBody + 16;
constexpr std::size_t kFirstSize = kHeaderBody + 120;  // pSizes[0]: past 4 CLSIDs

TEST(ActivationTest, RejectsWrongObjRefClass) {
  Bytes blob = ImpacketActivationProperties();
  blob[kIidOffset] = 0xa3;  // IActivationPropertiesOut
  EXPECT_FALSE(DecodeActivationIn(blob).ok());
  blob = ImpacketActivationProperties();
  blob[kClsidOffset] = 0x39;  // CLSID_ActivationPropertiesOut
  EXPECT_FALSE(DecodeActivationIn(blob).ok());
  blob = ImpacketActivationProperties();
  blob[0] ^= 1;  // signature
  EXPECT_FALSE(DecodeActivationIn(blob).ok());
}

TEST(ActivationTest, RejectsCustomHeaderSizesThatLie) {
  Bytes blob = ImpacketActivationProperties();
  ASSERT_EQ(blob[kFirstSize], 0x58);  // InstantiationInfo: 88 bytes
  blob[kFirstSize] = 0x60;            // 8 more than there are
  EXPECT_FALSE(DecodeActivationIn(blob).ok());

  blob = ImpacketActivationProperties();
  blob[kFirstSize] = 0x50;  // too short: the property's own length overruns
  EXPECT_FALSE(DecodeActivationIn(blob).ok());

  blob = ImpacketActivationProperties();
  blob[kDwSize + 1] = 0x02;  // dwSize beyond the data
  EXPECT_FALSE(DecodeActivationIn(blob).ok());

  blob = ImpacketActivationProperties();
  ASSERT_EQ(blob[kHeaderSize], 0x98);
  blob[kHeaderSize] = 0x80;  // headerSize shorter than the header
  EXPECT_FALSE(DecodeActivationIn(blob).ok());

  blob = ImpacketActivationProperties();
  blob[kCount] = kMaxProperties + 1;
  EXPECT_FALSE(DecodeActivationIn(blob).ok());
  blob[kCount] = 0;
  EXPECT_FALSE(DecodeActivationIn(blob).ok());
  blob[kCount] = 5;  // more than the arrays hold
  EXPECT_FALSE(DecodeActivationIn(blob).ok());
}

TEST(ActivationTest, RequiresInstantiationInfoAndNothingElse) {
  ActivationIn in;
  in.clsid = kClsid;
  in.iids = {kIid};
  Bytes blob = EncodeActivationIn(in);
  auto back = DecodeActivationIn(blob);
  ASSERT_TRUE(back.ok());

  Bytes renamed = ImpacketActivationProperties();
  const std::size_t first_clsid = kHeaderBody + 52;  // pclsid[0] after its max_count
  ASSERT_EQ(renamed[first_clsid], 0xab);
  renamed[first_clsid] = 0xb9;  // now an unknown (special properties) entry
  EXPECT_FALSE(DecodeActivationIn(renamed).ok());

  Bytes twice = ImpacketActivationProperties();
  twice[first_clsid + 16] = 0xab;  // ActivationContextInfo relabelled
  EXPECT_FALSE(DecodeActivationIn(twice).ok());
}

TEST(ActivationTest, ActivationInRoundTrips) {
  ActivationIn in;
  in.clsid = kClsid;
  in.class_context = 0x14;
  in.activation_flags = 0;
  in.instantiation_flags = 0;
  in.iids = {kIid, ComId(0x131)};
  in.client_version_major = 5;
  in.client_version_minor = 7;
  in.scm_request_present = true;
  in.client_impersonation_level = 2;
  in.requested_protseqs = {7, 0x1f};
  in.server_name = u"ca.example.test";
  in.destination_context = 2;
  in.property_classes = {ComId(0x1ab), ComId(0x1a5), ComId(0x1a4), ComId(0x1aa), ComId(0x1a6)};
  Bytes blob = EncodeActivationIn(in);
  auto back = DecodeActivationIn(blob);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, in);
}

TEST(ActivationTest, EncodesInLikeImpacket) {
  ActivationIn in;
  in.clsid = kClsid;
  in.iids = {kIid};
  in.client_version_major = 5;
  in.client_version_minor = 7;
  in.requested_protseqs = {kProtseqTcp};
  in.destination_context = 2;
  Bytes ours = EncodeActivationIn(in);
  Bytes theirs = ImpacketActivationProperties();
  // Same layout and sizes; impacket's padding bytes (0xfa), referent ids and
  // object buffer lengths (unpadded) differ from ours.
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(std::vector(ours.begin(), ours.begin() + 56),
            std::vector(theirs.begin(), theirs.begin() + 56));
}

ActivationOut SampleOut() {
  ActivationOut out;
  objref::ObjRef o;
  o.flags = objref::kFlagsStandard;
  o.iid = kIid;
  o.std = {0, 5, 0x1122334455667788, 0x0102030405060708, kIpid};
  o.resolver_address.string_bindings.push_back({objref::kTowerTcp, u"10.0.0.5[49731]"});
  o.resolver_address.security_bindings.push_back({objref::kAuthnWinNt, objref::kAuthzNone, u""});
  out.interfaces.push_back({kIid, 0, objref::EncodeObjRef(o)});
  out.oxid = 0x1122334455667788;
  out.oxid_bindings = o.resolver_address;
  out.ipid_rem_unknown = kIpidRemUnknown;
  out.authn_hint = 6;
  return out;
}

TEST(ActivationTest, ActivationOutRoundTrips) {
  ActivationOut out = SampleOut();
  out.interfaces.push_back({ComId(0x131), 0x80004002, {}});  // E_NOINTERFACE, NULL pointer
  auto back = DecodeActivationOut(EncodeActivationOut(out));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, out);
}

TEST(ActivationTest, ActivationOutTruncationsFail) {
  Bytes blob = EncodeActivationOut(SampleOut());
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodeActivationOut(std::span<const std::uint8_t>(blob).first(n)).ok()) << n;
  }
}

// Our RemoteCreateInstance response for SampleOut(). /usr/bin/python3 with
// impacket (RemoteCreateInstanceResponse(data), then exactly the parsing in
// IRemoteSCMActivator.RemoteCreateInstance: OBJREF_CUSTOM, ACTIVATION_BLOB,
// pSizes[0] bytes of PropsOutInfo then pSizes[1] of ScmReplyInfoData)
// reads: oxid 0x1122334455667788, ipidRemUnknown kIpidRemUnknown, authnHint
// 6, version 5.7, binding 7 "10.0.0.5[49731]", cIfs 1, hr 0, and an
// OBJREF_STANDARD with iid kIid, ipid kIpid, 5 public refs; ErrorCode 0.
const char kOurRemoteCreateInstanceResponse[] =
    "000000000000000000000200d8010000d80100004d454f5704000000a301000000000000c000000000000046390300"
    "00"
    "00000000c00000000000004600000000b0010000a00100000000000001100800cccccccc6000000000000000a00100"
    "00"
    "7000000000000000020000000200000000000000000000000000000000000000000002000400020000000000020000"
    "00"
    "3903000000000000c000000000000046b601000000000000c00000000000004602000000c000000070000000011008"
    "00"
    "ccccccccb0000000000000000100000000000200040002000800020001000000706e9ed988fcd011b49800a0c90312"
    "f3"
    "0100000000000000010000000c00020070000000700000004d454f5701000000706e9ed988fcd011b49800a0c90312"
    "f3"
    "000000000500000088776655443322110807060504030201ddccbbaa11112222333344445555666616001200070031"
    "00"
    "30002e0030002e0030002e0035005b00340039003700330031005d00000000000a00ffff0000000000000000011008"
    "00"
    "cccccccc6000000000000000000000000000020088776655443322110400020033221100554477668899aabbccddee"
    "ff"
    "060000000500070016000000160012000700310030002e0030002e0030002e0035005b00340039003700330031005d"
    "00"
    "000000000a00ffff0000000000000000";

TEST(ActivationTest, ResponseIsWhatImpacketDecoded) {
  remote_scm_activator::ActivationResponse r;
  r.activation_properties = EncodeActivationOut(SampleOut());
  Bytes stub = remote_scm_activator::EncodeActivationResponse(r);
  EXPECT_EQ(HexLower(stub), kOurRemoteCreateInstanceResponse);
  auto back = remote_scm_activator::DecodeActivationResponse(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  auto out = DecodeActivationOut(back->activation_properties);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, SampleOut());
}

}  // namespace
}  // namespace openadcs::ndr::activation
