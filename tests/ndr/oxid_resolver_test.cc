#include "openadcs/ndr/oxid_resolver.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs::ndr::oxid_resolver {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

const Uuid kIpidRemUnknown = *Uuid::Parse("00112233-4455-6677-8899-aabbccddeeff");

// /usr/bin/python3, impacket.dcerpc.v5.dcomrt, as IObjectExporter.ComplexPing
// builds it: req = ComplexPing(); req['pSetId'] = 0; req['SequenceNum'] = 1
//   req['cAddToSet'] = 2; req['cDelFromSet'] = 0; two OID()s appended to
//   req['AddToSet']; req['DelFromSet'] = NULL; req.getData().hex()
const char kImpacketComplexPing[] =
    "0000000000000000"  // set id
    "0100"              // sequence
    "0200"              // cAddToSet
    "0000"              // cDelFromSet
    "aaaa"              // padding
    "8a7a0000"          // AddToSet
    "02000000"
    "8877665544332211"
    "0807060504030201"
    "00000000";  // DelFromSet: NULL

// req = ResolveOxid2(); req['pOxid'] = 0x1122334455667788
//   req['cRequestedProtseqs'] = 1; req['arRequestedProtseqs'].append(7)
const char kImpacketResolveOxid2[] = "88776655443322110100cece010000000700";

TEST(OxidResolverTest, DecodesImpacketComplexPing) {
  auto in = DecodeComplexPingRequest(Hex(kImpacketComplexPing));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->set_id, 0u);
  EXPECT_EQ(in->sequence, 1);
  EXPECT_EQ(in->add, (std::vector<std::uint64_t>{0x1122334455667788, 0x0102030405060708}));
  EXPECT_TRUE(in->remove.empty());
  std::string ours = HexLower(EncodeComplexPingRequest(*in));
  std::string theirs = kImpacketComplexPing;
  theirs.replace(28, 12, "000000000200");  // padding and referent id
  EXPECT_EQ(ours, theirs);
}

TEST(OxidResolverTest, DecodesImpacketResolveOxid2) {
  auto in = DecodeResolveOxidRequest(Hex(kImpacketResolveOxid2));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->oxid, 0x1122334455667788u);
  EXPECT_EQ(in->requested_protseqs, std::vector<std::uint16_t>{7});
  auto again = DecodeResolveOxidRequest(EncodeResolveOxidRequest(*in));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *in);
}

ResolveOxidResponse SampleResolve() {
  ResolveOxidResponse out;
  out.bindings.string_bindings.push_back({objref::kTowerTcp, u"10.0.0.5[49731]"});
  out.bindings.security_bindings.push_back({objref::kAuthnWinNt, objref::kAuthzNone, u""});
  out.ipid_rem_unknown = kIpidRemUnknown;
  out.authn_hint = 6;
  return out;
}

// Our ResolveOxid2 response for SampleResolve(). /usr/bin/python3 with
// impacket: ResolveOxid2Response(bytes) reads ppdsaOxidBindings with 22
// entries, security offset 18, STRINGBINDING 7 "10.0.0.5[49731]";
// pipidRemUnknown kIpidRemUnknown, pAuthnHint 6, pComVersion 5.7,
// ErrorCode 0.
const char kOurResolveOxid2Response[] =
    "00000200"  // ppdsaOxidBindings
    "16000000"  // max_count
    "1600"
    "1200"
    "0700310030002e0030002e0030002e0035005b00340039003700330031005d000000"
    "0000"
    "0a00ffff0000"
    "0000"
    "33221100554477668899aabbccddeeff"  // ipidRemUnknown
    "06000000"                          // authn hint
    "05000700"                          // COMVERSION
    "00000000";

TEST(OxidResolverTest, ResolveOxid2ResponseIsWhatImpacketDecoded) {
  Bytes stub = EncodeResolveOxid2Response(SampleResolve());
  EXPECT_EQ(HexLower(stub), kOurResolveOxid2Response);
  auto back = DecodeResolveOxid2Response(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, SampleResolve());
}

TEST(OxidResolverTest, FailedResolveHasNullBindings) {
  ResolveOxidResponse out;
  out.status = kObjectNotFound;
  Bytes stub = EncodeResolveOxid2Response(out);
  EXPECT_EQ(stub.size(), 4u + 16 + 4 + 4 + 4);
  auto back = DecodeResolveOxid2Response(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);
  // ResolveOxid (opnum 0) has no COMVERSION.
  EXPECT_EQ(EncodeResolveOxidResponse(out).size(), stub.size() - 4);
}

TEST(OxidResolverTest, OtherMethodsRoundTrip) {
  auto ping = DecodeSimplePingRequest(EncodeSimplePingRequest({0x42}));
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->set_id, 0x42u);
  ComplexPingRequest cp{7, 3, {1, 2, 3}, {4}};
  auto cp_back = DecodeComplexPingRequest(EncodeComplexPingRequest(cp));
  ASSERT_TRUE(cp_back.ok());
  EXPECT_EQ(*cp_back, cp);
  ComplexPingResponse cpr{7, 2, kInvalidSet};
  auto cpr_back = DecodeComplexPingResponse(EncodeComplexPingResponse(cpr));
  ASSERT_TRUE(cpr_back.ok());
  EXPECT_EQ(*cpr_back, cpr);
  auto status = DecodeStatusResponse(EncodeStatusResponse(kOutOfResources));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, kOutOfResources);
  ServerAlive2Response alive;
  alive.bindings = SampleResolve().bindings;
  auto alive_back = DecodeServerAlive2Response(EncodeServerAlive2Response(alive));
  ASSERT_TRUE(alive_back.ok());
  EXPECT_EQ(*alive_back, alive);
}

TEST(OxidResolverTest, RejectsTruncationsAndLyingCounts) {
  Bytes stub = Hex(kImpacketComplexPing);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeComplexPingRequest(std::span<const std::uint8_t>(stub).first(n)).ok()) << n;
  }
  stub[10] = 3;  // cAddToSet 3, array of 2
  EXPECT_FALSE(DecodeComplexPingRequest(stub).ok());
  stub = Hex(kImpacketComplexPing);
  stub[12] = 1;  // cDelFromSet 1 with a NULL array
  EXPECT_FALSE(DecodeComplexPingRequest(stub).ok());

  stub = Hex(kImpacketResolveOxid2);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeResolveOxidRequest(std::span<const std::uint8_t>(stub).first(n)).ok()) << n;
  }
  stub[8] = 0;  // no protseqs
  EXPECT_FALSE(DecodeResolveOxidRequest(stub).ok());

  ComplexPingRequest many;
  many.add.assign(kMaxPingOids + 1, 1);
  EXPECT_FALSE(DecodeComplexPingRequest(EncodeComplexPingRequest(many)).ok());

  Bytes response = EncodeResolveOxid2Response(SampleResolve());
  for (std::size_t n = 0; n < response.size(); ++n) {
    EXPECT_FALSE(DecodeResolveOxid2Response(std::span<const std::uint8_t>(response).first(n)).ok());
  }
}

}  // namespace
}  // namespace openadcs::ndr::oxid_resolver
