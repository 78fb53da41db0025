#include "openadcs/ndr/orpc.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs::ndr::orpc {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

const Uuid kCid = *Uuid::Parse("11223344-5566-7788-99aa-bbccddeeff00");
const Uuid kExtId = *Uuid::Parse("00000001-0002-0003-0405-060708090a0b");

// impacket (/usr/bin/python3, impacket.dcerpc.v5.dcomrt):
//   t = ORPCTHIS(); t['flags'] = 1; t['cid'] = string_to_bin(kCid)
//   p = PORPC_EXTENT(); p['id'] = ...kExtId; p['size'] = 3
//   p['data'] = [1, 2, 3, 0, 0, 0, 0, 0]
//   t['extensions']['size'] = 1; t['extensions']['extent'].append(p)
//   t['extensions']['extent'].append(NULL)
//   (t.getData() + t.getDataReferents()).hex()
const char kImpacketOrpcThisWithExtension[] =
    "050007000100000000000000443322116655887799aabbccddeeff00"
    "58710000"                          // extensions pointer
    "01000000"                          // size
    "00000000"                          // reserved
    "36730000"                          // extent pointer
    "02000000"                          // (size + 1) & ~1 pointers
    "acbc0000"                          // [0]
    "00000000"                          // [1]: NULL
    "08000000"                          // data max_count, hoisted
    "01000000020003000405060708090a0b"  // id
    "03000000"                          // size
    "0102030000000000";

// impacket's IRemoteSCMActivator.RemoteCreateInstance ORPCTHIS: flags 1, no
// extensions (the first 32 bytes of the request stub it sends).
const char kImpacketOrpcThisPlain[] =
    "050007000100000000000000443322116655887799aabbccddeeff0000000000";

TEST(OrpcTest, DecodesImpacketOrpcThisWithExtension) {
  Bytes stub = Hex(kImpacketOrpcThisWithExtension);
  NdrReader r(stub);
  OrpcThis t;
  ASSERT_TRUE(ReadOrpcThis(r, &t).ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(t.version_major, 5);
  EXPECT_EQ(t.version_minor, 7);
  EXPECT_EQ(t.flags, 1u);
  EXPECT_EQ(t.cid, kCid);
  ASSERT_EQ(t.extensions.size(), 1u);
  EXPECT_EQ(t.extensions[0].id, kExtId);
  EXPECT_EQ(t.extensions[0].data, (Bytes{1, 2, 3}));
}

TEST(OrpcTest, EncodesAsImpacketDoesModuloReferentIds) {
  OrpcThis t;
  t.flags = 1;
  t.cid = kCid;
  t.extensions.push_back({kExtId, {1, 2, 3}});
  NdrWriter w;
  WriteOrpcThis(w, t);
  Bytes ours = std::move(w).Take();
  Bytes theirs = Hex(kImpacketOrpcThisWithExtension);
  ASSERT_EQ(ours.size(), theirs.size());
  // Referent ids differ (impacket numbers them at random); everything else
  // is byte for byte the same.
  for (std::size_t off : {28u, 40u, 48u}) {
    for (std::size_t i = 0; i < 4; ++i) ours[off + i] = theirs[off + i];
  }
  EXPECT_EQ(HexLower(ours), HexLower(theirs));
}

TEST(OrpcTest, PlainOrpcThisMatchesImpacket) {
  OrpcThis t;
  t.flags = 1;
  t.cid = kCid;
  NdrWriter w;
  WriteOrpcThis(w, t);
  EXPECT_EQ(HexLower(w.bytes()), kImpacketOrpcThisPlain);
  Bytes stub = Hex(kImpacketOrpcThisPlain);
  NdrReader r(stub);
  OrpcThis back;
  ASSERT_TRUE(ReadOrpcThis(r, &back).ok());
  EXPECT_EQ(back, t);
}

TEST(OrpcTest, OrpcThatRoundTrips) {
  OrpcThat t;
  t.flags = 0;
  t.extensions.push_back({kExtId, Bytes(9, 0xab)});
  t.extensions.push_back({kCid, {}});
  t.extensions.push_back({kExtId, {7}});
  NdrWriter w;
  WriteOrpcThat(w, t);
  w.WriteU32(0xdeadbeef);  // the next parameter follows the flushed pointees
  Bytes stub = std::move(w).Take();
  NdrReader r(stub);
  OrpcThat back;
  ASSERT_TRUE(ReadOrpcThat(r, &back).ok());
  std::uint32_t next = 0;
  ASSERT_TRUE(r.ReadU32(&next).ok());
  EXPECT_EQ(next, 0xdeadbeefu);
  EXPECT_EQ(back, t);
}

TEST(OrpcTest, RejectsEveryTruncation) {
  Bytes stub = Hex(kImpacketOrpcThisWithExtension);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    NdrReader r(std::span<const std::uint8_t>(stub).first(n));
    OrpcThis t;
    EXPECT_FALSE(ReadOrpcThis(r, &t).ok()) << n;
  }
}

TEST(OrpcTest, RejectsTooManyExtensions) {
  Bytes stub = Hex(kImpacketOrpcThisWithExtension);
  stub[32] = kMaxExtensions + 1;  // size
  NdrReader r(stub);
  OrpcThis t;
  EXPECT_FALSE(ReadOrpcThis(r, &t).ok());
}

TEST(OrpcTest, RejectsPointerCountNotMatchingSize) {
  Bytes stub = Hex(kImpacketOrpcThisWithExtension);
  stub[44] = 4;  // pointer array claims 4 entries for size 1
  NdrReader r(stub);
  OrpcThis t;
  EXPECT_FALSE(ReadOrpcThis(r, &t).ok());
}

TEST(OrpcTest, RejectsExtentSizeBeyondItsData) {
  Bytes stub = Hex(kImpacketOrpcThisWithExtension);
  stub[76] = 9;  // size 9 with 8 data bytes
  NdrReader r(stub);
  OrpcThis t;
  EXPECT_FALSE(ReadOrpcThis(r, &t).ok());
}

}  // namespace
TEST(OrpcTest, HresultResponseRoundTripsAndRejectsTruncation) {
  HresultOut out;
  out.hresult = 0x80004005;
  Bytes stub = EncodeHresultResponse(out);
  // ORPCTHAT: flags and a NULL extensions pointer; then the HRESULT.
  EXPECT_EQ(stub, (Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x40, 0x00, 0x80}));
  Result<HresultOut> back = DecodeHresultResponse(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeHresultResponse(std::span(stub).first(n)).ok()) << n;
  }
}

}  // namespace openadcs::ndr::orpc
