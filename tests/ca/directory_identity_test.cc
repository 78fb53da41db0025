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
  ASSERT_FALSE(st::SubjectFromDirectory(t, "EXAMPLE\\WS1$", &lookup, &out));
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
  ASSERT_FALSE(st::SubjectFromDirectory(MachineTemplate(nf::kAltRequireSpn), "EXAMPLE\\WS1$",
                                        &lookup, &out));
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
    auto denial = st::SubjectFromDirectory(c.t, c.account, &lookup, &out);
    ASSERT_TRUE(denial) << c.t.name_flags;
    EXPECT_EQ(denial->status, c.status) << std::hex << c.t.name_flags << " " << denial->message;
  }
}

TEST(DirectoryNameFlagsTest, AnUnreachableDirectoryIsAServerDownError) {
  FakeLookup lookup;
  lookup.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  st::SubjectAndSan out;
  auto denial = st::SubjectFromDirectory(MachineTemplate(nf::kSubjectRequireDnsAsCn),
                                         "EXAMPLE\\WS1$", &lookup, &out);
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->status, hr::kDsServerDown) << denial->message;
}

TEST(DirectoryCallerTest, KnownAccountsGetTheDirectorysSidsUnknownOnesKeepTheirs) {
  FakeLookup lookup;
  DirectoryIdentity alice;
  alice.object_sid = "S-1-5-21-1-2-3-1104";
  alice.group_sids = {"S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-2001", "S-1-5-11"};
  lookup.accounts["EXAMPLE\\alice"] = alice;
  const Caller authenticated{"EXAMPLE\\alice", "S-1-5-21-9-9-9-1104", {"S-1-1-0", "S-1-5-11"}};

  const Caller resolved = WithDirectorySids(authenticated, &lookup);
  EXPECT_EQ(resolved.name, "EXAMPLE\\alice");
  EXPECT_EQ(resolved.sid, "S-1-5-21-1-2-3-1104");
  EXPECT_THAT(
      resolved.group_sids,
      ::testing::ElementsAre("S-1-1-0", "S-1-5-11", "S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-2001"));

  const Caller local{"EXAMPLE\\local", "S-1-5-21-9-9-9-1000", {"S-1-1-0", "S-1-5-11"}};
  const Caller kept = WithDirectorySids(local, &lookup);
  EXPECT_EQ(kept.sid, local.sid);
  EXPECT_EQ(kept.group_sids, local.group_sids);

  EXPECT_EQ(WithDirectorySids(local, nullptr).sid, local.sid);
  const int calls = lookup.calls;
  EXPECT_TRUE(WithDirectorySids(Caller{}, &lookup).sid.empty());
  EXPECT_EQ(lookup.calls, calls) << "an unauthenticated caller is not looked up";
}

TEST(DirectoryCallerTest, SidsFromAVerifiedPacAreKept) {
  FakeLookup lookup;
  DirectoryIdentity alice;
  alice.object_sid = "S-1-5-21-1-2-3-1104";
  lookup.accounts["EXAMPLE\\alice"] = alice;
  const Caller from_pac{"EXAMPLE\\alice",
                        "S-1-5-21-1-2-3-1104",
                        {"S-1-1-0", "S-1-5-11", "S-1-5-21-1-2-3-3001"},
                        true};
  const Caller resolved = WithDirectorySids(from_pac, &lookup);
  EXPECT_EQ(resolved.sid, from_pac.sid);
  EXPECT_EQ(resolved.group_sids, from_pac.group_sids);
  EXPECT_EQ(lookup.calls, 0);
}

TEST(DirectoryCallerTest, AnUnreachableDirectoryLeavesTheCallerWithoutSids) {
  FakeLookup lookup;
  lookup.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  const Caller authenticated{"EXAMPLE\\alice", "S-1-5-21-9-9-9-1104", {"S-1-1-0", "S-1-5-11"}};
  const Caller resolved = WithDirectorySids(authenticated, &lookup);
  EXPECT_EQ(resolved.name, "EXAMPLE\\alice");
  EXPECT_TRUE(resolved.sid.empty());
  EXPECT_TRUE(resolved.group_sids.empty());
}

}  // namespace
}  // namespace openadcs::ca
