#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/util/utf16.h"

namespace openadcs::ndr {
namespace {

TEST(NdrCodecTest, PrimitivesAlignRelativeToTheStubStart) {
  NdrWriter w;
  w.WriteU8(0x11);
  w.WriteU16(0x2233);
  w.WriteU32(0x44556677);
  w.WriteU8(0x88);
  w.WriteU64(0x0102030405060708ull);
  w.WriteI32(-2);
  const Bytes expected{0x11, 0x00, 0x33, 0x22, 0x77, 0x66, 0x55, 0x44, 0x88, 0,
                       0,    0,    0,    0,    0,    0,    0x08, 0x07, 0x06, 0x05,
                       0x04, 0x03, 0x02, 0x01, 0xfe, 0xff, 0xff, 0xff};
  EXPECT_EQ(w.bytes(), expected);

  NdrReader r(w.bytes());
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint8_t d = 0;
  std::uint64_t e = 0;
  std::int32_t f = 0;
  ASSERT_TRUE(r.ReadU8(&a).ok());
  ASSERT_TRUE(r.ReadU16(&b).ok());
  ASSERT_TRUE(r.ReadU32(&c).ok());
  ASSERT_TRUE(r.ReadU8(&d).ok());
  ASSERT_TRUE(r.ReadU64(&e).ok());
  ASSERT_TRUE(r.ReadI32(&f).ok());
  EXPECT_EQ(a, 0x11);
  EXPECT_EQ(b, 0x2233);
  EXPECT_EQ(c, 0x44556677u);
  EXPECT_EQ(d, 0x88);
  EXPECT_EQ(e, 0x0102030405060708ull);
  EXPECT_EQ(f, -2);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_FALSE(r.ReadU8(&a).ok());
}

TEST(NdrCodecTest, UuidRoundTrip) {
  const Uuid u{0x91ae6020, 0x9e3c, 0x11cf, {0x8d, 0x7c, 0x00, 0xaa, 0x00, 0xc0, 0x91, 0xbe}};
  NdrWriter w;
  w.WriteU8(1);
  w.WriteUuid(u);
  ASSERT_EQ(w.bytes().size(), 20u);  // 3 bytes of padding
  EXPECT_EQ(w.bytes()[4], 0x20);
  NdrReader r(w.bytes());
  std::uint8_t x = 0;
  Uuid back;
  ASSERT_TRUE(r.ReadU8(&x).ok());
  ASSERT_TRUE(r.ReadUuid(&back).ok());
  EXPECT_EQ(back, u);
}

TEST(NdrCodecTest, PaddingValueIsIgnored) {
  const Bytes stub{0x01, 0xab, 0xab, 0xab, 0x05, 0x00, 0x00, 0x00};
  NdrReader r(stub);
  std::uint8_t a = 0;
  std::uint32_t b = 0;
  ASSERT_TRUE(r.ReadU8(&a).ok());
  ASSERT_TRUE(r.ReadU32(&b).ok());
  EXPECT_EQ(b, 5u);
}

TEST(NdrCodecTest, ConformantVaryingStringRoundTrip) {
  NdrWriter w;
  w.WriteConformantVaryingString(u"CA\u00e9");
  const Bytes expected{4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'C', 0, 'A', 0, 0xe9, 0, 0, 0};
  EXPECT_EQ(w.bytes(), expected);
  NdrReader r(w.bytes());
  std::u16string s;
  bool terminated = false;
  ASSERT_TRUE(r.ReadConformantVaryingString(&s, &terminated).ok());
  EXPECT_EQ(s, u"CA\u00e9");
  EXPECT_TRUE(terminated);
}

TEST(NdrCodecTest, StringWithoutNulIsRejectedUnlessAllCountsAreZero) {
  const Bytes no_nul{2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'A', 0, 'B', 0};
  NdrReader r(no_nul);
  std::u16string s;
  EXPECT_FALSE(r.ReadConformantVaryingString(&s).ok());

  // The quirk: MaxCount 0, Offset 0, ActualCount 0 means absent.
  const Bytes quirk{0x00, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  NdrReader q(quirk);
  std::optional<std::u16string> value = u"x";
  ASSERT_TRUE(q.ReadUniqueString(&value).ok());
  EXPECT_FALSE(value.has_value());

  const Bytes null_ptr{0, 0, 0, 0};
  NdrReader n(null_ptr);
  ASSERT_TRUE(n.ReadUniqueString(&value).ok());
  EXPECT_FALSE(value.has_value());
}

TEST(NdrCodecTest, VarianceBeyondConformanceIsRejected) {
  const Bytes stub{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'A', 0, 0, 0};
  NdrReader r(stub);
  std::u16string s;
  EXPECT_FALSE(r.ReadConformantVaryingString(&s).ok());
  const Bytes offset{2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 'A', 0, 0, 0};
  NdrReader r2(offset);
  EXPECT_FALSE(r2.ReadConformantVaryingString(&s).ok());
}

TEST(NdrCodecTest, UniqueStringRoundTrip) {
  for (const std::optional<std::u16string>& v :
       {std::optional<std::u16string>{}, std::optional<std::u16string>{u""},
        std::optional<std::u16string>{u"ca.example.test\\Issuing CA"}}) {
    NdrWriter w;
    w.WriteUniqueString(v);
    NdrReader r(w.bytes());
    std::optional<std::u16string> back;
    ASSERT_TRUE(r.ReadUniqueString(&back).ok());
    EXPECT_EQ(back, v);
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(NdrCodecTest, AbsurdConformanceFailsWithoutAllocating) {
  // max_count 0xffffffff with four bytes behind it: rejected before any
  // allocation (ASan would report a 4 GiB request otherwise).
  const Bytes stub{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4};
  NdrReader r(stub);
  Bytes out;
  EXPECT_FALSE(r.ReadConformantBytes(&out).ok());
  EXPECT_TRUE(out.empty());

  // Within the bytes left but over the configured cap.
  Bytes big{100, 0, 0, 0};
  big.resize(104);
  NdrLimits limits;
  limits.max_element_count = 99;
  NdrReader capped(big, limits);
  EXPECT_FALSE(capped.ReadConformantBytes(&out).ok());
  NdrReader fine(big);
  ASSERT_TRUE(fine.ReadConformantBytes(&out).ok());
  EXPECT_EQ(out.size(), 100u);

  // A huge string actual_count.
  const Bytes str{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 'A', 0};
  NdrReader s(str);
  std::u16string text;
  EXPECT_FALSE(s.ReadConformantVaryingString(&text).ok());
}

TEST(NdrCodecTest, DeferredPointeesFollowTheEnclosingConstructDepthFirst) {
  // struct { unique u32* a; unique struct { unique u32* c; }* b; } then a
  // trailing u32: pointees of a, then b, then b's c, then the trailer.
  NdrWriter w;
  w.WriteUniquePointer(true, [](NdrWriter& ww) { ww.WriteU32(0xaaaa); });
  w.WriteUniquePointer(true, [](NdrWriter& ww) {
    ww.WriteUniquePointer(true, [](NdrWriter& w3) { w3.WriteU32(0xcccc); });
  });
  w.WriteUniquePointer(false, nullptr);
  w.FlushDeferred();
  w.WriteU32(0xeeee);
  const Bytes expected{0, 0, 2, 0, 4, 0, 2,    0,    0, 0, 0,    0,    0xaa, 0xaa,
                       0, 0, 8, 0, 2, 0, 0xcc, 0xcc, 0, 0, 0xee, 0xee, 0,    0};
  ASSERT_EQ(w.bytes(), expected);

  NdrReader r(w.bytes());
  std::uint32_t a = 0;
  std::uint32_t c = 0;
  std::uint32_t trailer = 0;
  bool pa = false;
  bool pb = false;
  bool pn = true;
  ASSERT_TRUE(r.ReadUniquePointer(&pa, [&](NdrReader& rr) { return rr.ReadU32(&a); }).ok());
  ASSERT_TRUE(r.ReadUniquePointer(&pb, [&](NdrReader& rr) {
                 bool pc = false;
                 return rr.ReadUniquePointer(&pc, [&](NdrReader& r3) { return r3.ReadU32(&c); });
               }).ok());
  ASSERT_TRUE(r.ReadUniquePointer(&pn, nullptr).ok());
  ASSERT_TRUE(r.FlushDeferred().ok());
  ASSERT_TRUE(r.ReadU32(&trailer).ok());
  EXPECT_TRUE(pa && pb && !pn);
  EXPECT_EQ(a, 0xaaaau);
  EXPECT_EQ(c, 0xccccu);
  EXPECT_EQ(trailer, 0xeeeeu);
}

TEST(NdrCodecTest, FullPointersShareReferents) {
  std::uint32_t value = 0x1234;
  NdrWriter w;
  w.WriteFullPointer(&value, [&](NdrWriter& ww) { ww.WriteU32(value); });
  w.WriteFullPointer(&value, [&](NdrWriter& ww) { ww.WriteU32(value); });
  w.WriteFullPointer(nullptr, nullptr);
  w.FlushDeferred();
  const Bytes expected{0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x34, 0x12, 0, 0};
  ASSERT_EQ(w.bytes(), expected);

  NdrReader r(w.bytes());
  int reads = 0;
  std::uint32_t ids[3] = {};
  bool present[3] = {};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(r.ReadFullPointer(&present[i], &ids[i], [&](NdrReader& rr) {
                   ++reads;
                   std::uint32_t v = 0;
                   return rr.ReadU32(&v);
                 }).ok());
  }
  ASSERT_TRUE(r.FlushDeferred().ok());
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_TRUE(present[0] && present[1] && !present[2]);
}

TEST(NdrCodecTest, EmbeddedRefPointerMustNotBeNull) {
  const Bytes stub{0, 0, 0, 0};
  NdrReader r(stub);
  EXPECT_FALSE(r.ReadEmbeddedRefPointer([](NdrReader&) { return Status::Ok(); }).ok());
}

TEST(NdrCodecTest, PointerNestingIsCapped) {
  // A chain of unique pointers, each pointee holding the next pointer.
  constexpr int kDepth = 40;
  NdrWriter w;
  std::function<void(NdrWriter&, int)> chain = [&](NdrWriter& ww, int left) {
    ww.WriteUniquePointer(left > 0, [&chain, left](NdrWriter& w2) { chain(w2, left - 1); });
  };
  chain(w, kDepth);
  w.FlushDeferred();

  std::function<Status(NdrReader&)> read = [&](NdrReader& rr) {
    bool present = false;
    return rr.ReadUniquePointer(&present, read);
  };
  NdrReader deep(w.bytes());
  ASSERT_TRUE(read(deep).ok());
  EXPECT_FALSE(deep.FlushDeferred().ok());

  NdrLimits limits;
  limits.max_pointer_depth = kDepth + 1;
  NdrReader allowed(w.bytes(), limits);
  ASSERT_TRUE(read(allowed).ok());
  EXPECT_TRUE(allowed.FlushDeferred().ok());
}

TEST(NdrCodecTest, VaryingArrayRoundTrip) {
  NdrWriter w;
  w.WriteConformance(10);
  w.WriteVariance(0, 3);
  for (std::uint16_t v : {std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{3}}) w.WriteU16(v);
  NdrReader r(w.bytes());
  std::uint32_t max = 0;
  std::uint32_t offset = 0;
  std::uint32_t actual = 0;
  ASSERT_TRUE(r.ReadConformance(&max, 0).ok());
  ASSERT_TRUE(r.ReadVariance(max, &offset, &actual, 2).ok());
  EXPECT_EQ(max, 10u);
  EXPECT_EQ(actual, 3u);
  // element_size 2 would not fit 10 elements in the 6 bytes left.
  NdrReader strict(w.bytes());
  EXPECT_FALSE(strict.ReadConformance(&max, 2).ok());
}

TEST(Utf16Test, ConvertsBothWays) {
  const std::u16string text = u"Zertifikat \u00e9\u4e2d \U0001F512";
  auto utf8 = Utf16ToUtf8(text);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(*utf8, "Zertifikat \xc3\xa9\xe4\xb8\xad \xf0\x9f\x94\x92");
  auto back = Utf8ToUtf16(*utf8);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
}

TEST(Utf16Test, RejectsUnpairedSurrogatesAndBadUtf8) {
  EXPECT_FALSE(Utf16ToUtf8(std::u16string(1, char16_t{0xd800})).ok());
  EXPECT_FALSE(Utf16ToUtf8(std::u16string{char16_t{0xd800}, u'A'}).ok());
  EXPECT_FALSE(Utf16ToUtf8(std::u16string(1, char16_t{0xdc00})).ok());
  for (const char* bad :
       {"\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xc3", "\xff"}) {
    EXPECT_FALSE(Utf8ToUtf16(bad).ok()) << bad;
  }
}

TEST(Utf16Test, BlobText) {
  Bytes blob = StringToUtf16LeBytes(u"A:B");
  EXPECT_EQ(blob, (Bytes{'A', 0, ':', 0, 'B', 0, 0, 0}));
  auto s = Utf16LeBytesToString(blob);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, u"A:B");
  EXPECT_FALSE(Utf16LeBytesToString(Bytes{'A'}).ok());
}

}  // namespace
}  // namespace openadcs::ndr
