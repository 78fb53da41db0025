#include "openadcs/ndr/epm.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs::ndr::epm {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

const Uuid kPassage = *Uuid::Parse("91ae6020-9e3c-11cf-8d7c-00aa00c091be");
const Uuid kNdr20 = *Uuid::Parse("8a885d04-1ceb-11c9-9fe8-08002b104860");

// The five floors of an ncacn_ip_tcp tower for ICertPassage v0.0 over NDR
// 2.0, port 0, address 0.0.0.0, by hand from C706 Appendix L: floor count,
// then per floor lhs length, lhs, rhs length, rhs (lengths u16 LE).
const char kTowerFloors[] =
    "0500"
    "1300"
    "0d"
    "2060ae913c9ecf118d7c00aa00c091be"
    "0000"
    "0200"
    "0000"  // interface v0.0
    "1300"
    "0d"
    "045d888aeb1cc9119fe808002b104860"
    "0200"
    "0200"
    "0000"  // NDR v2.0
    "0100"
    "0b"
    "0200"
    "0000"  // ncacn
    "0100"
    "07"
    "0200"
    "0000"  // TCP port, big-endian
    "0100"
    "09"
    "0400"
    "00000000";  // IPv4, big-endian

TcpTower SampleTower(std::uint16_t port, std::array<std::uint8_t, 4> ip) {
  TcpTower t;
  t.interface = {kPassage, 0, 0};
  t.transfer_syntax = {kNdr20, 2, 0};
  t.port = port;
  t.ipv4 = ip;
  return t;
}

TEST(EpmTowerTest, EncodesTheFiveFloors) {
  Bytes octets = EncodeTcpTower(SampleTower(0, {0, 0, 0, 0}));
  EXPECT_EQ(HexLower(octets), kTowerFloors);
  EXPECT_EQ(octets.size(), 75u);
  auto back = DecodeTcpTower(octets);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, SampleTower(0, {0, 0, 0, 0}));
}

TEST(EpmTowerTest, PortAndAddressAreBigEndian) {
  Bytes octets = EncodeTcpTower(SampleTower(50000, {10, 0, 0, 5}));
  auto floors = ParseTowerFloors(octets);
  ASSERT_TRUE(floors.ok());
  ASSERT_EQ(floors->size(), 5u);
  EXPECT_EQ((*floors)[3].rhs, (Bytes{0xc3, 0x50}));
  EXPECT_EQ((*floors)[4].rhs, (Bytes{10, 0, 0, 5}));
  EXPECT_EQ(SerializeTowerFloors(*floors), octets);
}

TEST(EpmTowerTest, RejectsOtherProtocolsAndTruncation) {
  Bytes octets = Hex(kTowerFloors);
  for (std::size_t n = 0; n < octets.size(); ++n) {
    EXPECT_FALSE(DecodeTcpTower(std::span(octets).first(n)).ok()) << n;
  }
  Bytes udp = octets;
  udp[52 + 2] = 0x0a;  // floor 3: connectionless
  EXPECT_FALSE(DecodeTcpTower(udp).ok());
  Bytes lying = {0xff, 0xff, 0x01, 0x00};
  EXPECT_FALSE(ParseTowerFloors(lying).ok());
}

EptMapRequest SampleMapRequest() {
  EptMapRequest in;
  in.object = Uuid{};
  in.tower = Hex(kTowerFloors);
  in.max_towers = 1;
  return in;
}

// Made with Debian's python3-impacket 0.10.0 (/usr/bin/python3): the
// epm.ept_map request exactly as impacket.dcerpc.v5.epm.hept_map builds it
// for ICertPassage over ncacn_ip_tcp (object referent id 1, tower referent
// id 2, max_towers 1), dumped with getData().hex().
const char kImpacketEptMap[] =
    "01000000"
    "00000000000000000000000000000000"  // obj: referent 1, nil UUID
    "02000000"
    "4b000000"
    "4b000000"  // map_tower: referent 2, max_count, length
    "050013000d2060ae913c9ecf118d7c00aa00c091be00000200000013000d045d888aeb1cc9119fe808002b1048"
    "6002000200000001000b0200000001000702000000010009040000000000"
    "ab"                                        // padding
    "0000000000000000000000000000000000000000"  // entry_handle
    "01000000";                                 // max_towers

// The same request by hand from the NDR rules, with MIDL's referent ids and
// zero padding: what EncodeEptMapRequest must produce.
const std::string kHandEptMap = std::string("00000200") + "00000000000000000000000000000000" +
                                "04000200" + "4b000000" + "4b000000" + kTowerFloors + "00" +
                                "0000000000000000000000000000000000000000" + "01000000";

TEST(EptMapTest, DecodesImpacketRequest) {
  auto in = DecodeEptMapRequest(Hex(kImpacketEptMap));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(*in, SampleMapRequest());
  auto tower = DecodeTcpTower(*in->tower);
  ASSERT_TRUE(tower.ok());
  EXPECT_EQ(tower->interface.uuid, kPassage);
  EXPECT_EQ(tower->port, 0);
}

TEST(EptMapTest, EncodesRequestAsTheSpecSays) {
  EXPECT_EQ(HexLower(EncodeEptMapRequest(SampleMapRequest())), kHandEptMap);
  EptMapRequest bare;
  bare.max_towers = 4;
  auto back = DecodeEptMapRequest(EncodeEptMapRequest(bare));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bare);
}

// Made with python3-impacket: epm.ept_mapResponse with num_towers 1 and one
// twr_p_t holding SampleTower(50000, 10.0.0.5); impacket reads port 50000
// back from it. impacket sizes the array by the towers it holds (max_count 1)
// and used referent id 0x769d and padding byte 0xbf.
const char kImpacketEptMapResponse[] =
    "0000000000000000000000000000000000000000"  // entry_handle
    "01000000"                                  // num_towers
    "01000000"
    "00000000"
    "01000000"  // max_count, offset, actual_count
    "9d760000"  // ITowers[0] referent
    "4b000000"
    "4b000000"
    "050013000d2060ae913c9ecf118d7c00aa00c091be00000200000013000d045d888aeb1cc9119fe808002b1048"
    "6002000200000001000b020000000100070200c35001000904000a000005"
    "bf"
    "00000000";  // status

TEST(EptMapTest, ResponseMatchesImpacket) {
  EptMapResponse out;
  out.max_towers = 1;
  out.towers.push_back(EncodeTcpTower(SampleTower(50000, {10, 0, 0, 5})));
  auto decoded = DecodeEptMapResponse(Hex(kImpacketEptMapResponse));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, out);

  // Ours differs only in the referent id and the padding byte.
  std::string expected = kImpacketEptMapResponse;
  expected.replace(expected.find("9d760000"), 8, "00000200");
  expected.replace(expected.rfind("bf"), 2, "00");
  EXPECT_EQ(HexLower(EncodeEptMapResponse(out)), expected);
}

TEST(EptMapTest, ResponseRoundTrips) {
  EptMapResponse out;
  out.entry_handle = {0, Uuid::Random()};
  out.max_towers = 4;
  out.towers = {EncodeTcpTower(SampleTower(1, {127, 0, 0, 1})),
                EncodeTcpTower(SampleTower(2, {127, 0, 0, 2}))};
  out.status = kStatusOk;
  auto back = DecodeEptMapResponse(EncodeEptMapResponse(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);

  EptMapResponse none;
  none.max_towers = 4;
  none.status = kStatusNotRegistered;
  back = DecodeEptMapResponse(EncodeEptMapResponse(none));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, none);
}

TEST(EptMapTest, TruncatedInputFailsAtEveryLength) {
  for (const Bytes& full : {Hex(kImpacketEptMap), Hex(kHandEptMap)}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      EXPECT_FALSE(DecodeEptMapRequest(std::span(full).first(n)).ok()) << n;
    }
  }
  Bytes response = Hex(kImpacketEptMapResponse);
  for (std::size_t n = 0; n < response.size(); ++n) {
    EXPECT_FALSE(DecodeEptMapResponse(std::span(response).first(n)).ok()) << n;
  }
}

TEST(EptMapTest, EnforcesTheIdlRanges) {
  EptMapRequest in = SampleMapRequest();
  in.max_towers = kMaxEntries + 1;
  EXPECT_FALSE(DecodeEptMapRequest(EncodeEptMapRequest(in)).ok());
  in.max_towers = 1;
  in.tower = Bytes(kMaxTowerLength + 1, 0);
  EXPECT_FALSE(DecodeEptMapRequest(EncodeEptMapRequest(in)).ok());
  // The same referent id for obj and map_tower.
  std::string aliased = kHandEptMap;
  aliased.replace(aliased.find("04000200"), 8, "00000200");
  EXPECT_FALSE(DecodeEptMapRequest(Hex(aliased)).ok());
  // An absurd tower array size.
  EXPECT_FALSE(DecodeEptMapResponse(Hex("0000000000000000000000000000000000000000"
                                        "ffffff7f"
                                        "ffffff7f"
                                        "00000000"
                                        "ffffff7f"))
                   .ok());
}

TEST(EptMapTest, AliasedTowersShareTheirPointee) {
  EptMapResponse out;
  out.max_towers = 2;
  out.towers = {EncodeTcpTower(SampleTower(7, {1, 2, 3, 4}))};
  Bytes stub = EncodeEptMapResponse(out);
  // Rewrite as two entries whose referent ids are equal: num 2, actual 2,
  // the same id twice, one pointee.
  std::string hex = HexLower(stub);
  hex.replace(40, 8, "02000000");
  hex.replace(64, 8, "02000000");
  hex.insert(80, "00000200");
  auto back = DecodeEptMapResponse(Hex(hex));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->towers.size(), 2u);
  EXPECT_EQ(back->towers[0], out.towers[0]);
  EXPECT_EQ(back->towers[1], out.towers[0]);
}

EptLookupResponse SampleLookupResponse() {
  EptLookupResponse out;
  out.entry_handle = {0, *Uuid::Parse("01234567-89ab-cdef-0123-456789abcdef")};
  out.max_ents = 500;
  out.entries.push_back({Uuid{}, EncodeTcpTower(SampleTower(50000, {10, 0, 0, 5})), "openadcs"});
  out.entries.push_back({kPassage, std::nullopt, ""});
  return out;
}

TEST(EptLookupTest, RequestRoundTrip) {
  EptLookupRequest in;
  in.inquiry_type = 1;
  in.interface_id = InterfaceId{kPassage, 0, 0};
  in.vers_option = 1;
  in.max_ents = 500;
  Bytes stub = EncodeEptLookupRequest(in);
  // inquiry_type, object NULL, Ifid referent + {UUID, 0, 0}, vers_option,
  // handle, max_ents.
  EXPECT_EQ(HexLower(stub), std::string("01000000") + "00000000" + "00000200" +
                                "2060ae913c9ecf118d7c00aa00c091be" + "00000000" + "01000000" +
                                std::string(40, '0') + "f4010000");
  auto back = DecodeEptLookupRequest(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, in);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeEptLookupRequest(std::span(stub).first(n)).ok()) << n;
  }
}

TEST(EptLookupTest, ResponseLayout) {
  Bytes stub = EncodeEptLookupResponse(SampleLookupResponse());
  const std::string hex = HexLower(stub);
  // handle, num_ents 2, max 500, offset 0, actual 2, then entry 0 inline:
  // object, tower referent, annotation (offset 0, count 9, "openadcs\0").
  const std::string head =
      "00000000"
      "67452301ab89efcd0123456789abcdef"
      "02000000"
      "f4010000"
      "00000000"
      "02000000" +
      std::string(32, '0') + "00000200" +
      "00000000"
      "09000000"
      "6f70656e61646373"
      "00";
  EXPECT_EQ(hex.substr(0, head.size()), head);
  auto back = DecodeEptLookupResponse(stub);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, SampleLookupResponse());
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeEptLookupResponse(std::span(stub).first(n)).ok()) << n;
  }
}

TEST(EptLookupTest, AnnotationIsCappedAndMayLackItsNul) {
  EptLookupResponse out;
  out.max_ents = 1;
  out.entries.push_back({Uuid{}, std::nullopt, std::string(100, 'a')});
  auto back = DecodeEptLookupResponse(EncodeEptLookupResponse(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->entries[0].annotation, std::string(kMaxAnnotationSize - 1, 'a'));

  // Count 2, "ab", no NUL; then a count over 64.
  const std::string prefix = std::string(40, '0') +
                             "01000000"
                             "01000000"
                             "00000000"
                             "01000000" +
                             std::string(32, '0') + "00000000";
  auto lax = DecodeEptLookupResponse(Hex(prefix + "00000000"
                                                  "02000000"
                                                  "6162"
                                                  "0000"
                                                  "00000000"));
  ASSERT_TRUE(lax.ok()) << lax.status().ToString();
  EXPECT_EQ(lax->entries[0].annotation, "ab");
  EXPECT_FALSE(DecodeEptLookupResponse(Hex(prefix +
                                           "00000000"
                                           "41000000" +
                                           std::string(130, 'a')))
                   .ok());
}

}  // namespace
}  // namespace openadcs::ndr::epm
