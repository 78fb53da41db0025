#include "openadcs/ndr/rem_unknown.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs::ndr::rem_unknown {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

const Uuid kCid = *Uuid::Parse("11223344-5566-7788-99aa-bbccddeeff00");
const Uuid kIpid = *Uuid::Parse("aabbccdd-1111-2222-3333-444455556666");
const Uuid kIidRemUnknown = *Uuid::Parse("00000131-0000-0000-c000-000000000046");

// /usr/bin/python3, impacket.dcerpc.v5.dcomrt, as IRemUnknown.RemRelease
// builds it: t = ORPCTHIS(); t['cid'] = kCid; t['extensions'] = NULL
//   req = RemRelease(); req['ORPCthis'] = t; req['cInterfaceRefs'] = 1
//   e = REMINTERFACEREF(); e['ipid'] = kIpid; e['cPublicRefs'] = 1
//   e['cPrivateRefs'] = 0; req['InterfaceRefs'].append(e); req.getData().hex()
const char kImpacketRemRelease[] =
    "050007000000000000000000443322116655887799aabbccddeeff0000000000"
    "0100cece"  // cInterfaceRefs 1, padding
    "01000000"  // max_count
    "ddccbbaa111122223333444455556666"
    "01000000"
    "00000000";

// As IRemUnknown.RemQueryInterface builds it: req = RemQueryInterface();
//   req['ORPCthis'] = t; req['ripid'] = kIpid; req['cRefs'] = 1
//   req['cIids'] = 1; req['iids'].append(IID_IRemUnknown); req.getData().hex()
const char kImpacketRemQueryInterface[] =
    "050007000000000000000000443322116655887799aabbccddeeff0000000000"
    "ddccbbaa111122223333444455556666"
    "01000000"  // cRefs
    "0100cece"  // cIids, padding
    "01000000"
    "3101000000000000c000000000000046";

TEST(RemUnknownTest, DecodesImpacketRemRelease) {
  auto in = DecodeRemReleaseRequest(Hex(kImpacketRemRelease));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->orpcthis.cid, kCid);
  ASSERT_EQ(in->refs.size(), 1u);
  EXPECT_EQ(in->refs[0].ipid, kIpid);
  EXPECT_EQ(in->refs[0].public_refs, 1u);
  EXPECT_EQ(in->refs[0].private_refs, 0u);
  // Ours differs only in the padding impacket fills with 0xce.
  std::string ours = HexLower(EncodeRemReleaseRequest(*in));
  std::string theirs = kImpacketRemRelease;
  theirs.replace(68, 4, "0000");
  EXPECT_EQ(ours, theirs);
}

TEST(RemUnknownTest, DecodesImpacketRemQueryInterface) {
  auto in = DecodeRemQueryInterfaceRequest(Hex(kImpacketRemQueryInterface));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->ipid, kIpid);
  EXPECT_EQ(in->refs, 1u);
  EXPECT_EQ(in->iids, std::vector<Uuid>{kIidRemUnknown});
  auto again = DecodeRemQueryInterfaceRequest(EncodeRemQueryInterfaceRequest(*in));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *in);
}

QueryInterfaceResponse SampleQi() {
  QueryInterfaceResponse out;
  out.results.push_back({0, {0, 5, 0x1122334455667788, 0x0102030405060708, kIpid}});
  return out;
}

// Our RemQueryInterface response for SampleQi(). /usr/bin/python3 with
// impacket: RemQueryInterfaceResponse(bytes)['ppQIResults'] reads hResult 0,
// std {flags 0, cPublicRefs 5, oxid 0x1122334455667788, oid
// 0x0102030405060708, ipid kIpid}; ErrorCode 0. (impacket models the
// pointee as one REMQIRESULT: the max_count sits where it expects the
// alignment padding, so only single-IID answers parse there, which is all
// impacket asks for.)
const char kOurRemQueryInterfaceResponse[] =
    "0000000000000000"                  // ORPCTHAT
    "00000200"                          // ppQIResults
    "01000000"                          // max_count
    "0000000000000000"                  // hResult, padding
    "0000000005000000"                  // flags, cPublicRefs
    "8877665544332211"                  // oxid
    "0807060504030201"                  // oid
    "ddccbbaa111122223333444455556666"  // ipid
    "00000000";

TEST(RemUnknownTest, QueryInterfaceResponseIsWhatImpacketDecoded) {
  Bytes stub = EncodeRemQueryInterfaceResponse(SampleQi());
  EXPECT_EQ(HexLower(stub), kOurRemQueryInterfaceResponse);
  auto back = DecodeRemQueryInterfaceResponse(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, SampleQi());
}

TEST(RemUnknownTest, FailedQueryInterfaceHasNullResults) {
  QueryInterfaceResponse out;
  out.hresult = 0x80004002;
  EXPECT_EQ(HexLower(EncodeRemQueryInterfaceResponse(out)),
            "000000000000000000000000"
            "02400080");
  auto back = DecodeRemQueryInterfaceResponse(EncodeRemQueryInterfaceResponse(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);
}

TEST(RemUnknownTest, RequestsRoundTrip) {
  QueryInterfaceRequest qi;
  qi.orpcthis.cid = kCid;
  qi.orpcthis.extensions.push_back({kIpid, {1, 2, 3, 4, 5}});
  qi.ipid = kIpid;
  qi.refs = 5;
  qi.iids = {kIidRemUnknown, kCid};
  auto back = DecodeRemQueryInterfaceRequest(EncodeRemQueryInterfaceRequest(qi));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, qi);

  RefsRequest refs;
  refs.orpcthis.flags = 1;
  refs.refs = {{kIpid, 5, 0}, {kCid, 0, 2}};
  auto add = DecodeRemAddRefRequest(EncodeRemAddRefRequest(refs));
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(*add, refs);
  auto release = DecodeRemReleaseRequest(EncodeRemReleaseRequest(refs));
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(*release, refs);
}

// No client sends RemQueryInterface2 through our encoders; build it by hand
// from the IDL: ORPCTHIS, ripid, cIids, then the IIDs' conformant array.
TEST(RemUnknownTest, DecodesRemQueryInterface2) {
  NdrWriter w;
  orpc::WriteOrpcThis(w, {});
  w.WriteUuid(kIpid);
  w.WriteU16(2);
  w.WriteConformance(2);
  w.WriteUuid(kIidRemUnknown);
  w.WriteUuid(kCid);
  Bytes stub = std::move(w).Take();
  auto in = DecodeRemQueryInterface2Request(stub);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->ipid, kIpid);
  EXPECT_EQ(in->iids, (std::vector<Uuid>{kIidRemUnknown, kCid}));
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(
        DecodeRemQueryInterface2Request(std::span<const std::uint8_t>(stub).first(n)).ok());
  }
}

TEST(RemUnknownTest, QueryInterface2ResponseLayout) {
  QueryInterface2Response out;
  out.hresults = {0, 0x80004002};
  out.objrefs = {{1, 2, 3}, {}};
  Bytes stub = EncodeRemQueryInterface2Response(out);
  NdrReader r(stub);
  orpc::OrpcThat that;
  ASSERT_TRUE(orpc::ReadOrpcThat(r, &that).ok());
  std::uint32_t n = 0;
  std::uint32_t hr = 0;
  ASSERT_TRUE(r.ReadConformance(&n, 4).ok());
  ASSERT_EQ(n, 2u);
  ASSERT_TRUE(r.ReadU32(&hr).ok());
  EXPECT_EQ(hr, 0u);
  ASSERT_TRUE(r.ReadU32(&hr).ok());
  EXPECT_EQ(hr, 0x80004002u);
  ASSERT_TRUE(r.ReadConformance(&n, 4).ok());
  ASSERT_EQ(n, 2u);
  std::vector<Bytes> objrefs(2);
  for (auto& o : objrefs) {
    bool present = false;
    ASSERT_TRUE(r.ReadUniquePointer(&present, [&o](NdrReader& pr) {
                   return objref::ReadInterfacePointer(pr, &o);
                 }).ok());
  }
  ASSERT_TRUE(r.FlushDeferred().ok());
  EXPECT_EQ(objrefs, out.objrefs);
  ASSERT_TRUE(r.ReadU32(&hr).ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(RemUnknownTest, ResponsesRoundTrip) {
  AddRefResponse add;
  add.results = {0, 0x80070057};
  auto add_back = DecodeRemAddRefResponse(EncodeRemAddRefResponse(add));
  ASSERT_TRUE(add_back.ok());
  EXPECT_EQ(*add_back, add);
}

TEST(RemUnknownTest, RejectsTruncationsAndLyingCounts) {
  Bytes stub = Hex(kImpacketRemRelease);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeRemReleaseRequest(std::span<const std::uint8_t>(stub).first(n)).ok()) << n;
  }
  stub[32] = 2;  // cInterfaceRefs 2, array of 1
  EXPECT_FALSE(DecodeRemReleaseRequest(stub).ok());
  stub = Hex(kImpacketRemQueryInterface);
  stub[56] = 3;  // max_count 3 with one IID present
  EXPECT_FALSE(DecodeRemQueryInterfaceRequest(stub).ok());

  QueryInterfaceRequest many;
  many.iids.assign(kMaxEntries + 1, kCid);
  EXPECT_FALSE(DecodeRemQueryInterfaceRequest(EncodeRemQueryInterfaceRequest(many)).ok());

  QueryInterfaceResponse two = SampleQi();
  two.results.push_back({0x80004002, {}});
  Bytes qi = EncodeRemQueryInterfaceResponse(two);
  auto back = DecodeRemQueryInterfaceResponse(qi);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, two);
  for (std::size_t n = 0; n < qi.size(); ++n) {
    EXPECT_FALSE(DecodeRemQueryInterfaceResponse(std::span<const std::uint8_t>(qi).first(n)).ok());
  }
}

}  // namespace
}  // namespace openadcs::ndr::rem_unknown
