// The PAC's logon information: decoded (ndr/pac_logon_info.h) and turned
// into the client's SIDs (auth/pac.h). The buffers are built here field by
// field as MS-PAC 2.5 lays them out (with names, so the skipped strings'
// pointees are exercised); tests/interop/dcom_kerberos_interop_test.cc
// checks a real Samba ticket's PAC end to end.
#include "openadcs/auth/pac.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/ndr/pac_logon_info.h"

namespace openadcs::auth {
namespace {

// RPC_SID's binary form for S-1-5-21-a-b-c (+ extra sub-authorities).
Bytes DomainSid(std::vector<std::uint32_t> sub) {
  Bytes sid = {1, static_cast<std::uint8_t>(sub.size()), 0, 0, 0, 0, 0, 5};
  for (std::uint32_t v : sub) {
    for (int i = 0; i < 4; ++i) sid.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  return sid;
}

struct PacSpec {
  std::uint32_t user_id = 1104;
  std::uint32_t primary_group_id = 513;
  std::vector<std::uint32_t> group_rids = {513, 3001};
  std::optional<std::uint32_t> group_count;  // when it should disagree
  Bytes logon_domain_id = DomainSid({21, 1, 2, 3});
  std::vector<Bytes> extra_sids = {DomainSid({21, 7, 8, 9, 1111})};
  Bytes resource_domain;
  std::vector<std::uint32_t> resource_rids;
};

void WriteSid(ndr::NdrWriter& w, const Bytes& sid) {
  w.WriteConformance(sid[1]);
  w.WriteBytes(sid);
}

void WriteString(ndr::NdrWriter& w, std::u16string_view s) {
  w.WriteU16(static_cast<std::uint16_t>(s.size() * 2));
  w.WriteU16(static_cast<std::uint16_t>(s.size() * 2));
  const std::u16string copy(s);
  w.WriteUniquePointer(!s.empty(), [copy](ndr::NdrWriter& pw) {
    pw.WriteConformance(static_cast<std::uint32_t>(copy.size()));
    pw.WriteVariance(0, static_cast<std::uint32_t>(copy.size()));
    for (char16_t c : copy) pw.WriteU16(c);
  });
}

void WriteGroups(ndr::NdrWriter& w, const std::vector<std::uint32_t>& rids) {
  w.WriteUniquePointer(!rids.empty(), [rids](ndr::NdrWriter& pw) {
    pw.WriteConformance(static_cast<std::uint32_t>(rids.size()));
    for (std::uint32_t rid : rids) {
      pw.WriteU32(rid);
      pw.WriteU32(7);  // SE_GROUP_MANDATORY | ENABLED_BY_DEFAULT | ENABLED
    }
  });
}

Bytes BuildLogonInfo(const PacSpec& spec) {
  ndr::NdrWriter body;
  body.WriteUniquePointer(true, [&spec](ndr::NdrWriter& w) {
    // FILETIMEs: {low, high}, 4-byte aligned.
    for (std::uint32_t i = 0; i < 6; ++i) {
      w.WriteU32(i);
      w.WriteU32(0x01d90000);
    }
    WriteString(w, u"alice");
    WriteString(w, u"Alice Example");
    for (int i = 0; i < 4; ++i) WriteString(w, u"");
    w.WriteU16(3);  // LogonCount
    w.WriteU16(0);
    w.WriteU32(spec.user_id);
    w.WriteU32(spec.primary_group_id);
    w.WriteU32(spec.group_count.value_or(static_cast<std::uint32_t>(spec.group_rids.size())));
    WriteGroups(w, spec.group_rids);
    w.WriteU32(0x20);  // UserFlags: LOGON_EXTRA_SIDS
    for (int i = 0; i < 16; ++i) w.WriteU8(0);
    WriteString(w, u"DC1");
    WriteString(w, u"EXAMPLE");
    w.WriteUniquePointer(!spec.logon_domain_id.empty(),
                         [&spec](ndr::NdrWriter& pw) { WriteSid(pw, spec.logon_domain_id); });
    for (int i = 0; i < 4; ++i) w.WriteU32(0);  // Reserved1, UserAccountControl, SubAuthStatus
    for (int i = 0; i < 6; ++i) w.WriteU32(0);  // two FILETIMEs, FailedILogonCount, Reserved3
    w.WriteU32(static_cast<std::uint32_t>(spec.extra_sids.size()));
    w.WriteUniquePointer(!spec.extra_sids.empty(), [&spec](ndr::NdrWriter& pw) {
      pw.WriteConformance(static_cast<std::uint32_t>(spec.extra_sids.size()));
      for (const Bytes& sid : spec.extra_sids) {
        pw.WriteEmbeddedRefPointer([sid](ndr::NdrWriter& sw) { WriteSid(sw, sid); });
        pw.WriteU32(7);
      }
    });
    w.WriteUniquePointer(!spec.resource_domain.empty(),
                         [&spec](ndr::NdrWriter& pw) { WriteSid(pw, spec.resource_domain); });
    w.WriteU32(static_cast<std::uint32_t>(spec.resource_rids.size()));
    WriteGroups(w, spec.resource_rids);
  });
  body.FlushDeferred();
  body.Align(8);
  ndr::NdrWriter out;
  out.WriteBytes(Bytes{0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc});
  out.WriteU32(static_cast<std::uint32_t>(body.position()));
  out.WriteU32(0);
  out.WriteBytes(body.bytes());
  return std::move(out).Take();
}

// The PAC_LOGON_INFO of a service ticket Samba 4.17's KDC issued to alice,
// a member of one group of her own (RID 1105) besides Domain Users, as MIT
// hands it over (urn:mspac:logon-info). Also the fuzz target's seed.
const char kSambaLogonInfo[] =
    "01100800ccccccccb001000000000000000002004804846c6a83dd01ffffffffffffff7fffffffffffffff7f861aff"
    "6a"
    "6a83dd0186da68953384dd01869a58606ba4dd010a000a00040002000000000008000200000000000c000200000000"
    "00"
    "1000020000000000140002000000000018000200010000004e04000001020000020000001c00020020000000000000"
    "00"
    "00000000000000000000000006000800200002000e0010002400020028000200000000000000000010000000000000"
    "00"
    "000000000000000000000000000000000000000000000000010000002c000200000000000000000000000000050000"
    "00"
    "000000000500000061006c006900630065000000000000000000000000000000000000000000000000000000000000"
    "00"
    "0000000000000000000000000000000000000000000000000000000000000000020000000102000007000000510400"
    "00"
    "0700000004000000000000000300000044004300310000000800000000000000070000004500580041004d0050004c"
    "00"
    "4500000004000000010400000000000515000000e4bba5108af1decc38fe0c13010000003000020007000000010000"
    "00"
    "01010000000000120100000000000000";

TEST(PacTest, DecodesALogonInformationSambaIssued) {
  Identity identity{"EXAMPLE", "alice", "S-1-5-21-9-9-9-1", {"S-1-1-0"}};
  const Status st = SetSidsFromPac(HexDecode(kSambaLogonInfo).value(), &identity);
  ASSERT_TRUE(st.ok()) << st.message();
  const std::string domain = "S-1-5-21-279296996-3437162890-319618616";
  EXPECT_EQ(identity.sid, domain + "-1102");
  // S-1-18-1: "authentication authority asserted identity", an ExtraSid.
  EXPECT_THAT(identity.group_sids, ::testing::ElementsAre("S-1-1-0", "S-1-5-11", domain + "-513",
                                                          domain + "-1105", "S-1-18-1"));
}

TEST(PacTest, DecodesTheLogonInformation) {
  PacSpec spec;
  spec.resource_domain = DomainSid({21, 4, 5, 6});
  spec.resource_rids = {4001, 4002};
  Result<ndr::KerbValidationInfo> info = ndr::DecodePacLogonInfo(BuildLogonInfo(spec));
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->user_id, 1104u);
  EXPECT_EQ(info->primary_group_id, 513u);
  ASSERT_EQ(info->group_ids.size(), 2u);
  EXPECT_EQ(info->group_ids[1].relative_id, 3001u);
  EXPECT_EQ(info->group_ids[1].attributes, 7u);
  EXPECT_EQ(info->user_flags, 0x20u);
  EXPECT_EQ(info->logon_domain_id, spec.logon_domain_id);
  ASSERT_EQ(info->extra_sids.size(), 1u);
  EXPECT_EQ(info->extra_sids[0].sid, spec.extra_sids[0]);
  EXPECT_EQ(info->resource_group_domain_sid, spec.resource_domain);
  ASSERT_EQ(info->resource_group_ids.size(), 2u);
  EXPECT_EQ(info->resource_group_ids[0].relative_id, 4001u);
}

TEST(PacTest, TheSidsAreThoseOfAWindowsAccessToken) {
  PacSpec spec;
  spec.resource_domain = DomainSid({21, 4, 5, 6});
  spec.resource_rids = {4001};
  Identity identity{"EXAMPLE", "alice", "S-1-5-21-9-9-9-1", {"S-1-1-0"}};
  ASSERT_TRUE(SetSidsFromPac(BuildLogonInfo(spec), &identity).ok());
  EXPECT_TRUE(identity.sids_from_pac);
  EXPECT_EQ(identity.sid, "S-1-5-21-1-2-3-1104");
  EXPECT_THAT(
      identity.group_sids,
      ::testing::ElementsAre("S-1-1-0", "S-1-5-11", "S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-3001",
                             "S-1-5-21-7-8-9-1111", "S-1-5-21-4-5-6-4001"));
}

TEST(PacTest, MalformedLogonInformationIsRefusedAndLeavesTheIdentity) {
  const Identity before{"EXAMPLE", "alice", "S-1-5-21-9-9-9-1", {"S-1-1-0"}};
  auto refused = [&before](const Bytes& buffer) {
    Identity identity = before;
    const Status st = SetSidsFromPac(buffer, &identity);
    EXPECT_EQ(identity.sid, before.sid);
    EXPECT_FALSE(identity.sids_from_pac);
    return st.code() == StatusCode::kInvalidArgument;
  };
  const Bytes good = BuildLogonInfo(PacSpec{});
  for (std::size_t n = 0; n < good.size(); n += 7) {
    EXPECT_TRUE(refused(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)))) << n;
  }
  PacSpec mismatch;
  mismatch.group_count = 3;
  EXPECT_TRUE(refused(BuildLogonInfo(mismatch)));
  PacSpec no_domain;
  no_domain.logon_domain_id.clear();
  EXPECT_TRUE(refused(BuildLogonInfo(no_domain)));
  PacSpec too_many;
  too_many.group_rids.assign(ndr::kMaxPacGroups + 1, 513);
  EXPECT_TRUE(refused(BuildLogonInfo(too_many)));
  PacSpec full_domain;  // 15 sub-authorities leave no room for a RID
  full_domain.logon_domain_id = DomainSid({21, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
  EXPECT_TRUE(refused(BuildLogonInfo(full_domain)));
  PacSpec orphan_resources;
  orphan_resources.resource_rids = {4001};
  EXPECT_TRUE(refused(BuildLogonInfo(orphan_resources)));
  Bytes wrong_version = good;
  wrong_version[0] = 2;
  EXPECT_TRUE(refused(wrong_version));
}

}  // namespace
}  // namespace openadcs::auth
