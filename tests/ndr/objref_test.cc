#include "openadcs/ndr/objref.h"

#include <gtest/gtest.h>

#include <string>

namespace openadcs::ndr::objref {
namespace {

Bytes Hex(const std::string& s) {
  return HexDecode(s).value();
}

const Uuid kIid = *Uuid::Parse("d99e6e70-fc88-11d0-b498-00a0c90312f3");
const Uuid kIpid = *Uuid::Parse("aabbccdd-1111-2222-3333-444455556666");

// impacket (/usr/bin/python3, impacket.dcerpc.v5.dcomrt):
//   o = OBJREF_STANDARD(); o['iid'] = kIid; o['std']['cPublicRefs'] = 5
//   o['std']['oxid'] = 0x1122334455667788; o['std']['oid'] = 0x0102030405060708
//   o['std']['ipid'] = kIpid
//   sb = STRINGBINDING(); sb['wTowerId'] = 7; sb['aNetworkAddr'] = '10.0.0.5[49731]\x00'
//   sec = SECURITYBINDING(); sec['wAuthnSvc'] = 10; sec['Reserved'] = 0xffff
//   sec['aPrincName'] = '\x00'
//   saResAddr = DUALSTRINGARRAYPACKED of sb + 0000 + sec + 0000; o.getData().hex()
const char kImpacketStandardObjRef[] =
    "4d454f57"                          // MEOW
    "01000000"                          // standard
    "706e9ed988fcd011b49800a0c90312f3"  // iid
    "00000000"                          // flags
    "05000000"                          // public refs
    "8877665544332211"                  // oxid
    "0807060504030201"                  // oid
    "ddccbbaa111122223333444455556666"  // ipid
    "1600"                              // 22 words
    "1200"                              // security offset 18
    "0700310030002e0030002e0030002e0035005b00340039003700330031005d000000"
    "0000"
    "0a00ffff0000"
    "0000";

ObjRef Standard() {
  ObjRef o;
  o.flags = kFlagsStandard;
  o.iid = kIid;
  o.std = {0, 5, 0x1122334455667788, 0x0102030405060708, kIpid};
  o.resolver_address.string_bindings.push_back({kTowerTcp, u"10.0.0.5[49731]"});
  o.resolver_address.security_bindings.push_back({kAuthnWinNt, kAuthzNone, u""});
  return o;
}

TEST(ObjRefTest, StandardMatchesImpacket) {
  EXPECT_EQ(HexLower(EncodeObjRef(Standard())), kImpacketStandardObjRef);
  auto back = DecodeObjRef(Hex(kImpacketStandardObjRef));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Standard());
}

TEST(ObjRefTest, CustomRoundTrips) {
  ObjRef o;
  o.flags = kFlagsCustom;
  o.iid = kIid;
  o.clsid = kIpid;
  o.object_data = {1, 2, 3, 4, 5};
  Bytes bytes = EncodeObjRef(o);
  ASSERT_EQ(bytes.size(), 48u + 5u);
  EXPECT_EQ(bytes[44], 5 + 8);  // reserved size, as Windows and impacket fill it
  auto back = DecodeObjRef(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, o);
}

TEST(ObjRefTest, RejectsWrongSignature) {
  Bytes bytes = Hex(kImpacketStandardObjRef);
  bytes[0] = 'm';
  EXPECT_FALSE(DecodeObjRef(bytes).ok());
}

TEST(ObjRefTest, RejectsHandlerAndExtended) {
  for (std::uint32_t flags : {kFlagsHandler, kFlagsExtended, std::uint32_t{0}}) {
    Bytes bytes = Hex(kImpacketStandardObjRef);
    bytes[4] = static_cast<std::uint8_t>(flags);
    EXPECT_FALSE(DecodeObjRef(bytes).ok()) << flags;
  }
}

TEST(ObjRefTest, RejectsEveryTruncationOfAStandardObjRef) {
  Bytes bytes = Hex(kImpacketStandardObjRef);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeObjRef(std::span(bytes).first(n)).ok()) << n;
  }
}

TEST(ObjRefTest, RejectsCountsLargerThanTheData) {
  Bytes bytes = Hex(kImpacketStandardObjRef);
  bytes[64] = 0xff;  // wNumEntries 0x00ff: more words than present
  EXPECT_FALSE(DecodeObjRef(bytes).ok());
  bytes = Hex(kImpacketStandardObjRef);
  bytes[66] = 23;  // security offset beyond the entries
  EXPECT_FALSE(DecodeObjRef(bytes).ok());
}

TEST(DualStringArrayTest, EmptyListsStillTerminate) {
  std::uint16_t offset = 99;
  auto words = EncodeDualStringWords({}, &offset);
  EXPECT_EQ(words, (std::vector<std::uint16_t>{0, 0}));
  EXPECT_EQ(offset, 1);
  auto back = DecodeDualStringWords(words, offset);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, DualStringArray{});
}

TEST(DualStringArrayTest, RejectsMissingTerminators) {
  const std::vector<std::uint16_t> words = {7, 'a', 0, 0, 0};
  EXPECT_TRUE(DecodeDualStringWords(words, 4).ok());
  EXPECT_FALSE(DecodeDualStringWords(words, 2).ok());  // "a" has no NUL before the offset
  EXPECT_FALSE(DecodeDualStringWords(words, 3).ok());  // no end of the string bindings
  EXPECT_FALSE(DecodeDualStringWords(std::span(words).first(4), 4).ok());  // no security end
  std::vector<std::uint16_t> sec = {0, 10, 0xffff, 'n'};
  EXPECT_FALSE(DecodeDualStringWords(sec, 1).ok());
}

TEST(DualStringArrayTest, NdrFormRoundTripsAndChecksConformance) {
  DualStringArray a;
  a.string_bindings.push_back({kTowerTcp, u"10.1.2.3[135]"});
  a.string_bindings.push_back({kTowerTcp, u"host[135]"});
  a.security_bindings.push_back({kAuthnGssNegotiate, kAuthzNone, u"host$"});
  NdrWriter w;
  w.WriteU8(1);  // misalign: the array realigns its max_count
  WriteDualStringArray(w, a);
  Bytes stub = std::move(w).Take();
  NdrReader r(stub);
  std::uint8_t skip = 0;
  ASSERT_TRUE(r.ReadU8(&skip).ok());
  DualStringArray back;
  ASSERT_TRUE(ReadDualStringArray(r, &back).ok());
  EXPECT_EQ(back, a);
  EXPECT_EQ(r.remaining(), 0u);

  stub[4] += 1;  // max_count disagrees with wNumEntries
  NdrReader bad(stub);
  ASSERT_TRUE(bad.ReadU8(&skip).ok());
  EXPECT_FALSE(ReadDualStringArray(bad, &back).ok());
}

TEST(StdObjRefTest, NdrFormIsEightAligned) {
  StdObjRef s{0x1000, 1, 2, 3, kIpid};
  NdrWriter w;
  w.WriteU32(0xffffffff);
  WriteStdObjRef(w, s);
  EXPECT_EQ(w.position(), 8u + kStdObjRefSize);
  Bytes stub = std::move(w).Take();
  NdrReader r(stub);
  std::uint32_t skip = 0;
  ASSERT_TRUE(r.ReadU32(&skip).ok());
  StdObjRef back;
  ASSERT_TRUE(ReadStdObjRef(r, &back).ok());
  EXPECT_EQ(back, s);
}

TEST(InterfacePointerTest, RoundTripsAndChecksTheCount) {
  NdrWriter w;
  WriteInterfacePointer(w, Bytes{9, 8, 7});
  Bytes stub = std::move(w).Take();
  EXPECT_EQ(HexLower(stub), "0300000003000000090807");
  NdrReader r(stub);
  Bytes back;
  ASSERT_TRUE(ReadInterfacePointer(r, &back).ok());
  EXPECT_EQ(back, (Bytes{9, 8, 7}));
  stub[0] = 2;
  NdrReader bad(stub);
  EXPECT_FALSE(ReadInterfacePointer(bad, &back).ok());
}

}  // namespace
}  // namespace openadcs::ndr::objref
