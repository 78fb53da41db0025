// What the CA takes from the requester's directory entry, on a fake lookup:
// the subject and SAN of msPKI-Certificate-Name-Flag (MS-WCCE
// 3.2.2.6.2.1.4.5.9) with Windows' error codes, and the caller's SIDs for
// access checks (directory_caller.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ca/policy_stages.h"
#include "openadcs/ca/directory_caller.h"
#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/hresult.h"
#include "testing/fake_identity_lookup.h"
#include "testing/template_inspection.h"

namespace openadcs::ca {
namespace {

namespace nf = directory::name_flag;
namespace st = policy_stages;
using directory::CertificateTemplate;
using directory::DirectoryIdentity;

using FakeLookup = testing::FakeIdentityLookup;

DirectoryIdentity Computer() {
  DirectoryIdentity id;
  id.distinguished_name = "CN=WS1,CN=Computers,DC=example,DC=com";
  id.sam_account_name = "WS1$";
  id.common_name = "WS1";
  id.dns_host_name = "ws1.example.com";
  id.object_sid = "S-1-5-21-1-2-3-1200";
  id.object_guid = "01234567-89ab-cdef-0123-456789abcdef";
  id.domain_dns_name = "example.com";
  id.domain_netbios_name = "EXAMPLE";
  return id;
}

CertificateTemplate MachineTemplate(std::uint32_t name_flags) {
  CertificateTemplate t;
  t.name = "Machine";
  t.general_flags = directory::general_flag::kMachineType;
  t.name_flags = name_flags;
  return t;
}

Bytes San(std::initializer_list<std::pair<std::string, std::string>> names) {
  std::vector<std::pair<std::string, std::string>> list(names);
  return pki::ext::SubjectAltName(list).value();
}

TEST(DirectoryNameFlagsTest, DomainDnsAndDirectoryGuidGoIntoTheSan) {
  FakeLookup lookup;
  lookup.accounts["EXAMPLE\\WS1$"] = Computer();
  const CertificateTemplate t =
      MachineTemplate(nf::kSubjectRequireDnsAsCn | nf::kAltRequireDns | nf::kAltRequireDomainDns |
                      nf::kAltRequireDirectoryGuid);
  st::SubjectAndSan out;
  ASSERT_FALSE(st::SubjectFromDirectory(t, {&lookup, "EXAMPLE\\WS1$"}, &out));
  EXPECT_EQ(pki::FormatDistinguishedName(out.subject.get()), "CN=ws1.example.com");
  ASSERT_TRUE(out.san);
  EXPECT_EQ(*out.san, San({{"dns", "ws1.example.com"},
                           {"dns", "example.com"},
                           {"dns", "EXAMPLE"},
                           {"guid", "01234567-89ab-cdef-0123-456789abcdef"}}));
}

TEST(DirectoryNameFlagsTest, SpnFlagAddsTheUpnAsTheSpecsSay) {
  FakeLookup lookup;
  DirectoryIdentity id = Computer();
  id.user_principal_name = "host/ws1.example.com@EXAMPLE.COM";
  lookup.accounts["EXAMPLE\\WS1$"] = id;
  st::SubjectAndSan out;
  ASSERT_FALSE(st::SubjectFromDirectory(MachineTemplate(nf::kAltRequireSpn),
                                        {&lookup, "EXAMPLE\\WS1$"}, &out));
  ASSERT_TRUE(out.san);
  EXPECT_EQ(*out.san, San({{"upn", "host/ws1.example.com@EXAMPLE.COM"}}));
}

TEST(DirectoryNameFlagsTest, MissingAttributesGiveWindowsCodes) {
  FakeLookup lookup;
  DirectoryIdentity bare = Computer();
  bare.dns_host_name.clear();
  bare.object_guid.clear();
  lookup.accounts["EXAMPLE\\bare$"] = bare;
  struct Case {
    CertificateTemplate t;
    std::string account;
    std::uint32_t status;
  };
  CertificateTemplate user = MachineTemplate(nf::kSubjectRequireEmail);
  user.general_flags = 0;
  const Case cases[] = {
      {MachineTemplate(nf::kSubjectRequireDnsAsCn), "EXAMPLE\\bare$", hr::kSubjectDnsRequired},
      {MachineTemplate(nf::kSubjectRequireCommonName), "EXAMPLE\\bare$", hr::kSubjectDnsRequired},
      {MachineTemplate(nf::kAltRequireDns), "EXAMPLE\\bare$", hr::kSubjectDnsRequired},
      {MachineTemplate(nf::kAltRequireUpn), "EXAMPLE\\bare$", hr::kSubjectUpnRequired},
      {MachineTemplate(nf::kAltRequireEmail), "EXAMPLE\\bare$", hr::kSubjectEmailRequired},
      {MachineTemplate(nf::kAltRequireDirectoryGuid), "EXAMPLE\\bare$",
       hr::kSubjectDirectoryGuidRequired},
      {user, "EXAMPLE\\bare$", hr::kSubjectEmailRequired},
      // No computer object at all for a machine template.
      {MachineTemplate(nf::kSubjectRequireDnsAsCn), "EXAMPLE\\gone$", hr::kSubjectDnsRequired},
      // A user template for an unknown account: no such code in Windows.
      {user, "EXAMPLE\\gone", hr::kBadRequestSubject},
  };
  for (const Case& c : cases) {
    st::SubjectAndSan out;
    auto denial = st::SubjectFromDirectory(c.t, {&lookup, c.account}, &out);
    ASSERT_TRUE(denial) << c.t.name_flags;
    EXPECT_EQ(denial->status, c.status) << std::hex << c.t.name_flags << " " << denial->message;
  }
}

TEST(DirectoryNameFlagsTest, AnUnreachableDirectoryIsAServerDownError) {
  FakeLookup lookup;
  lookup.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  st::SubjectAndSan out;
  auto denial = st::SubjectFromDirectory(MachineTemplate(nf::kSubjectRequireDnsAsCn),
                                         {&lookup, "EXAMPLE\\WS1$"}, &out);
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->status, hr::kDsServerDown) << denial->message;
}

TEST(DirectoryCallerTest, KnownAccountsGetTheDirectorysSidsUnknownOnesKeepTheirs) {
  FakeLookup lookup;
  LogLimiter log_limit(std::chrono::seconds(60));
  DirectoryIdentity alice;
  alice.object_sid = "S-1-5-21-1-2-3-1104";
  alice.group_sids = {"S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-2001", "S-1-5-11"};
  lookup.accounts["EXAMPLE\\alice"] = alice;
  const Caller authenticated{"EXAMPLE\\alice", "S-1-5-21-9-9-9-1104", {"S-1-1-0", "S-1-5-11"}};

  const Caller resolved = WithDirectorySids(authenticated, &lookup, log_limit);
  EXPECT_EQ(resolved.name, "EXAMPLE\\alice");
  EXPECT_EQ(resolved.sid, "S-1-5-21-1-2-3-1104");
  EXPECT_THAT(
      resolved.group_sids,
      ::testing::ElementsAre("S-1-1-0", "S-1-5-11", "S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-2001"));
  ASSERT_NE(resolved.directory_entry, nullptr) << "kept for the policy";
  EXPECT_EQ((*resolved.directory_entry)->object_sid, alice.object_sid);

  const Caller local{"EXAMPLE\\local", "S-1-5-21-9-9-9-1000", {"S-1-1-0", "S-1-5-11"}};
  const Caller kept = WithDirectorySids(local, &lookup, log_limit);
  EXPECT_EQ(kept.sid, local.sid);
  EXPECT_EQ(kept.group_sids, local.group_sids);
  ASSERT_NE(kept.directory_entry, nullptr);
  EXPECT_EQ(kept.directory_entry->status().code(), StatusCode::kNotFound);

  EXPECT_EQ(WithDirectorySids(local, nullptr, log_limit).sid, local.sid);
  const int calls = lookup.calls;
  EXPECT_TRUE(WithDirectorySids(Caller{}, &lookup, log_limit).sid.empty());
  EXPECT_EQ(lookup.calls, calls) << "an unauthenticated caller is not looked up";
}

// What Windows gives a DC's token: Enterprise Domain Controllers, which the
// DomainController and KerberosAuthentication templates let enroll. Only
// for its own domain's Domain Controllers group.
TEST(DirectoryCallerTest, DomainControllersGetEnterpriseDomainControllers) {
  FakeLookup lookup;
  DirectoryIdentity dc;
  dc.object_sid = "S-1-5-21-1-2-3-1000";
  dc.group_sids = {"S-1-5-21-1-2-3-516"};
  lookup.accounts["EXAMPLE\\DC1$"] = dc;
  DirectoryIdentity other = dc;
  other.group_sids = {"S-1-5-21-7-7-7-516", "S-1-5-21-1-2-3-515"};
  lookup.accounts["EXAMPLE\\WS1$"] = other;
  LogLimiter log_limit(std::chrono::seconds(60));

  EXPECT_THAT(WithDirectorySids(Caller{"EXAMPLE\\DC1$", "", {}}, &lookup, log_limit).group_sids,
              ::testing::ElementsAre("S-1-1-0", "S-1-5-11", "S-1-5-21-1-2-3-516", "S-1-5-9"));
  EXPECT_THAT(
      WithDirectorySids(Caller{"EXAMPLE\\WS1$", "", {}}, &lookup, log_limit).group_sids,
      ::testing::ElementsAre("S-1-1-0", "S-1-5-11", "S-1-5-21-7-7-7-516", "S-1-5-21-1-2-3-515"));
}

TEST(DirectoryCallerTest, SidsFromAVerifiedPacAreKept) {
  FakeLookup lookup;
  DirectoryIdentity alice;
  alice.object_sid = "S-1-5-21-1-2-3-1104";
  lookup.accounts["EXAMPLE\\alice"] = alice;
  LogLimiter log_limit(std::chrono::seconds(60));
  const Caller from_pac{"EXAMPLE\\alice",
                        "S-1-5-21-1-2-3-1104",
                        {"S-1-1-0", "S-1-5-11", "S-1-5-21-1-2-3-3001"},
                        nullptr,
                        true};
  const Caller resolved = WithDirectorySids(from_pac, &lookup, log_limit);
  EXPECT_EQ(resolved.sid, from_pac.sid);
  EXPECT_EQ(resolved.group_sids, from_pac.group_sids);
  EXPECT_EQ(lookup.calls, 0);
}

TEST(DirectoryCallerTest, AnUnreachableDirectoryLeavesTheCallerWithoutSids) {
  FakeLookup lookup;
  lookup.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  LogLimiter log_limit(std::chrono::seconds(60));
  const Caller authenticated{"EXAMPLE\\alice", "S-1-5-21-9-9-9-1104", {"S-1-1-0", "S-1-5-11"}};
  const Caller resolved = WithDirectorySids(authenticated, &lookup, log_limit);
  EXPECT_EQ(resolved.name, "EXAMPLE\\alice");
  EXPECT_TRUE(resolved.sid.empty());
  EXPECT_TRUE(resolved.group_sids.empty());
  ASSERT_NE(resolved.directory_entry, nullptr);
  EXPECT_EQ(resolved.directory_entry->status().code(), StatusCode::kUnavailable);
}

// A requester's groups for officer and enrollment agent rights: the entry's
// tokenGroups when it is the requester's; none when the directory does not
// know the name or the name now has another SID; an outage is marked.
TEST(DirectoryRequesterTest, GroupsOnlyFromTheRequestersOwnEntry) {
  DirectoryIdentity alice;
  alice.object_sid = "S-1-5-21-1-2-3-1104";
  alice.group_sids = {"S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-3001"};
  const Requester recorded{"EXAMPLE\\alice", "S-1-5-21-1-2-3-1104"};

  const Requester known = WithDirectoryGroups(recorded, alice);
  EXPECT_EQ(known.group_sids, alice.group_sids);
  EXPECT_FALSE(known.groups_unavailable);
  const Requester no_sid_recorded = WithDirectoryGroups({"EXAMPLE\\alice", ""}, alice);
  EXPECT_EQ(no_sid_recorded.group_sids, alice.group_sids);

  DirectoryIdentity renamed = alice;
  renamed.object_sid = "S-1-5-21-1-2-3-9999";
  const Requester other = WithDirectoryGroups(recorded, renamed);
  EXPECT_TRUE(other.group_sids.empty());
  EXPECT_FALSE(other.groups_unavailable);

  const Requester unknown = WithDirectoryGroups(recorded, Status::NotFound("no such account"));
  EXPECT_TRUE(unknown.group_sids.empty());
  EXPECT_FALSE(unknown.groups_unavailable);
  EXPECT_EQ(unknown.sid, recorded.sid);

  const Requester outage =
      WithDirectoryGroups(recorded, Status::Unavailable("ldap://dc1: Can't contact LDAP server"));
  EXPECT_TRUE(outage.group_sids.empty());
  EXPECT_TRUE(outage.groups_unavailable);
}

TEST(DirectoryCallerTest, OutageWarningsAreAtMostOneAMinuteWithTheCountHeldBack) {
  FakeLookup lookup;
  lookup.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  std::int64_t now = 1000;
  LogLimiter log_limit(std::chrono::seconds(60), [&now] { return now; });
  const Caller authenticated{"EXAMPLE\\alice", "S-1-5-21-9-9-9-1104", {"S-1-1-0", "S-1-5-11"}};
  auto warnings = [&](const testing::LogCapture& log) {
    const std::string text = log.Text();
    std::size_t n = 0;
    for (std::size_t at = text.find("cannot tell its groups"); at != std::string::npos;
         at = text.find("cannot tell its groups", at + 1)) {
      ++n;
    }
    return n;
  };
  testing::LogCapture log;
  for (std::int64_t t : {1000, 1000, 1030, 1059}) {
    now = t;
    EXPECT_TRUE(WithDirectorySids(authenticated, &lookup, log_limit).sid.empty());
  }
  EXPECT_EQ(warnings(log), 1u) << log.Text();
  EXPECT_EQ(log.Text().find("more such lines"), std::string::npos);
  now = 1060;
  EXPECT_TRUE(WithDirectorySids(authenticated, &lookup, log_limit).sid.empty());
  EXPECT_EQ(warnings(log), 2u) << log.Text();
  EXPECT_NE(log.Text().find("(3 more such lines since the last one)"), std::string::npos)
      << log.Text();
  EXPECT_EQ(lookup.calls, 5) << "every caller is still looked up";
}

}  // namespace
}  // namespace openadcs::ca
