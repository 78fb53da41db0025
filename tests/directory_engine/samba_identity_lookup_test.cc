// The LDAP identity lookup against a real Samba AD DC (shared_samba.h):
// users, computers, nested groups through tokenGroups, unknown accounts, and
// the cache on an injected clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "directory_engine/shared_samba.h"
#include "openadcs/directory/ldap_identity_lookup.h"
#include "openadcs/util/bytes.h"
#include "testing/ldap_template_edits.h"

namespace openadcs::directory {
namespace {

using ::testing::Contains;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

class SambaIdentityLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SharedSamba(&error);
    ASSERT_NE(server_, nullptr) << error;
  }

  void TearDown() override {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      server_->Modify(testing::DeleteEntry(*it));
    }
  }

  LdapIdentityLookupOptions Options() {
    LdapIdentityLookupOptions options;
    options.connection.uris = {testing::SambaServer::uri()};
    // The Samba fixture serves LDAP without TLS (ldap_samba.h).
    options.connection.allow_cleartext = true;
    options.connection.bind = LdapBind::kSimple;
    options.connection.bind_dn = testing::SambaServer::admin_dn();
    options.connection.password_file = server_->password_file();
    options.clock = [this] { return now_; };
    return options;
  }

  std::unique_ptr<IdentityLookup> Open(LdapIdentityLookupOptions options) {
    auto lookup = OpenLdapIdentityLookup(std::move(options));
    EXPECT_TRUE(lookup.ok()) << lookup.status().ToString();
    return lookup.ok() ? std::move(lookup).value() : nullptr;
  }

  // Creates the entry (via `create`) and deletes it at the end of the test.
  void Create(const std::string& dn, const std::string& outcome) {
    ASSERT_EQ(outcome, "") << dn;
    created_.push_back(dn);
  }

  testing::SambaServer* server_ = nullptr;
  std::vector<std::string> created_;
  Clock::time_point now_ = Clock::time_point() + std::chrono::hours(1);
};

TEST_F(SambaIdentityLookupTest, UserIsFoundWithItsAttributesByEveryNameForm) {
  const std::string dn = testing::SambaServer::UserDn("idlUserA");
  ASSERT_NO_FATAL_FAILURE(
      Create(dn, server_->CreateUser("idlUserA", {{"mail", "user.a@example.com"},
                                                  {"userPrincipalName", "ua@example.com"},
                                                  {"displayName", "User A"}})));
  auto lookup = Open(Options());
  ASSERT_NE(lookup, nullptr);

  Result<DirectoryIdentity> id = lookup->Lookup("EXAMPLE\\idlUserA");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(EqualsIgnoreCaseAscii(id->distinguished_name, dn)) << id->distinguished_name;
  EXPECT_EQ(id->sam_account_name, "idlUserA");
  EXPECT_EQ(id->common_name, "idlUserA");
  EXPECT_EQ(id->display_name, "User A");
  EXPECT_EQ(id->email, "user.a@example.com");
  EXPECT_EQ(id->user_principal_name, "ua@example.com");
  EXPECT_EQ(id->dns_host_name, "");
  EXPECT_FALSE(id->is_computer());
  const std::string sid = server_->ObjectSid(dn);
  ASSERT_FALSE(sid.empty());
  EXPECT_EQ(id->object_sid, sid);
  EXPECT_EQ(id->object_guid.size(), 36u) << id->object_guid;
  EXPECT_TRUE(EqualsIgnoreCaseAscii(id->domain_dns_name, "example.com")) << id->domain_dns_name;
  EXPECT_EQ(id->domain_netbios_name, "EXAMPLE");
  // The primary group, Domain Users (RID 513), is in tokenGroups.
  EXPECT_THAT(id->group_sids, Contains(sid.substr(0, sid.rfind('-')) + "-513"));

  for (const char* name : {"example\\IDLUSERA", "example.com\\idlUserA", "idlUserA@EXAMPLE.COM",
                           "idlUserA", "ua@example.com"}) {
    Result<DirectoryIdentity> same = lookup->Lookup(name);
    ASSERT_TRUE(same.ok()) << name << ": " << same.status().ToString();
    EXPECT_EQ(same->object_sid, sid) << name;
  }
}

TEST_F(SambaIdentityLookupTest, ComputerAccountCarriesItsDnsHostName) {
  const std::string dn = testing::SambaServer::ComputerDn("IDLPC1");
  ASSERT_NO_FATAL_FAILURE(Create(dn, server_->CreateComputer("IDLPC1", "idlpc1.example.com")));
  auto lookup = Open(Options());
  ASSERT_NE(lookup, nullptr);

  Result<DirectoryIdentity> id = lookup->Lookup("EXAMPLE\\IDLPC1$");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(id->is_computer());
  EXPECT_EQ(id->sam_account_name, "IDLPC1$");
  EXPECT_EQ(id->dns_host_name, "idlpc1.example.com");
  EXPECT_EQ(id->object_sid, server_->ObjectSid(dn));
  // Without the '$' it is another (unknown) account.
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\IDLPC1").status().code(), StatusCode::kNotFound);
}

TEST_F(SambaIdentityLookupTest, NestedGroupMembershipIsInTokenGroups) {
  const std::string outer = testing::SambaServer::UserDn("idlOuter");
  const std::string inner = testing::SambaServer::UserDn("idlInner");
  const std::string other = testing::SambaServer::UserDn("idlOther");
  const std::string user = testing::SambaServer::UserDn("idlNested");
  ASSERT_NO_FATAL_FAILURE(Create(outer, server_->CreateGroup("idlOuter")));
  ASSERT_NO_FATAL_FAILURE(Create(inner, server_->CreateGroup("idlInner")));
  ASSERT_NO_FATAL_FAILURE(Create(other, server_->CreateGroup("idlOther")));
  ASSERT_NO_FATAL_FAILURE(Create(user, server_->CreateUser("idlNested")));
  ASSERT_EQ(server_->AddMember(outer, inner), "");
  ASSERT_EQ(server_->AddMember(inner, user), "");

  auto lookup = Open(Options());
  ASSERT_NE(lookup, nullptr);
  Result<DirectoryIdentity> id = lookup->Lookup("EXAMPLE\\idlNested");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_THAT(id->group_sids, Contains(server_->ObjectSid(inner)));
  EXPECT_THAT(id->group_sids, Contains(server_->ObjectSid(outer)));
  EXPECT_THAT(id->group_sids, Not(Contains(server_->ObjectSid(other))));
  EXPECT_THAT(id->group_sids, Not(Contains(id->object_sid)));
}

TEST_F(SambaIdentityLookupTest, UnknownAccountsAndOtherDomainsAreNotFound) {
  auto lookup = Open(Options());
  ASSERT_NE(lookup, nullptr);
  for (const char* name :
       {"EXAMPLE\\idlNoSuchUser", "OTHER\\Administrator", "other.example.com\\Administrator",
        "nobody@other.example.com", "EXAMPLE\\*", "EXAMPLE\\Admin*", "EXAMPLE\\*)(cn=*"}) {
    EXPECT_EQ(lookup->Lookup(name).status().code(), StatusCode::kNotFound) << name;
  }
  // The same account in its own domain is there (the filter is not what failed).
  EXPECT_TRUE(lookup->Lookup("EXAMPLE\\Administrator").ok());
  EXPECT_EQ(lookup->Lookup("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(lookup->Lookup(std::string(2000, 'a')).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SambaIdentityLookupTest, CacheServesUntilTheTtlPassesWithoutSleeping) {
  const std::string dn = testing::SambaServer::UserDn("idlCached");
  ASSERT_NO_FATAL_FAILURE(
      Create(dn, server_->CreateUser("idlCached", {{"mail", "before@example.com"}})));
  LdapIdentityLookupOptions options = Options();
  options.cache_ttl = std::chrono::seconds(60);
  auto lookup = Open(options);
  ASSERT_NE(lookup, nullptr);

  ASSERT_EQ(lookup->Lookup("EXAMPLE\\idlCached")->email, "before@example.com");
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\idlLater").status().code(), StatusCode::kNotFound);
  ASSERT_EQ(server_->SetAttribute(dn, "mail", "after@example.com"), "");
  ASSERT_NO_FATAL_FAILURE(
      Create(testing::SambaServer::UserDn("idlLater"), server_->CreateUser("idlLater")));

  now_ += std::chrono::seconds(59);
  EXPECT_EQ(lookup->Lookup("example\\IDLCACHED")->email, "before@example.com") << "cached";
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\idlLater").status().code(), StatusCode::kNotFound)
      << "the absence is cached too";

  now_ += std::chrono::seconds(1);
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\idlCached")->email, "after@example.com") << "expired";
  EXPECT_TRUE(lookup->Lookup("EXAMPLE\\idlLater").ok());

  // No cache: every lookup asks.
  options.cache_entries = 0;
  auto uncached = Open(options);
  ASSERT_NE(uncached, nullptr);
  ASSERT_EQ(uncached->Lookup("EXAMPLE\\idlCached")->email, "after@example.com");
  ASSERT_EQ(server_->SetAttribute(dn, "mail", "again@example.com"), "");
  EXPECT_EQ(uncached->Lookup("EXAMPLE\\idlCached")->email, "again@example.com");
}

TEST_F(SambaIdentityLookupTest, CacheKeepsAtMostItsSizeDroppingTheLeastRecentlyUsed) {
  const std::string a = testing::SambaServer::UserDn("idlLruA");
  const std::string b = testing::SambaServer::UserDn("idlLruB");
  ASSERT_NO_FATAL_FAILURE(Create(a, server_->CreateUser("idlLruA", {{"mail", "a1@example.com"}})));
  ASSERT_NO_FATAL_FAILURE(Create(b, server_->CreateUser("idlLruB", {{"mail", "b1@example.com"}})));
  LdapIdentityLookupOptions options = Options();
  options.cache_entries = 1;
  auto lookup = Open(options);
  ASSERT_NE(lookup, nullptr);

  ASSERT_EQ(lookup->Lookup("EXAMPLE\\idlLruA")->email, "a1@example.com");
  ASSERT_EQ(server_->SetAttribute(a, "mail", "a2@example.com"), "");
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\idlLruA")->email, "a1@example.com") << "cached";
  ASSERT_EQ(lookup->Lookup("EXAMPLE\\idlLruB")->email, "b1@example.com");  // evicts A
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\idlLruA")->email, "a2@example.com");
}

TEST_F(SambaIdentityLookupTest, TooManyValuesFailRatherThanCutShort) {
  const std::string g1 = testing::SambaServer::UserDn("idlCapG1");
  const std::string g2 = testing::SambaServer::UserDn("idlCapG2");
  const std::string user = testing::SambaServer::UserDn("idlCapped");
  ASSERT_NO_FATAL_FAILURE(Create(g1, server_->CreateGroup("idlCapG1")));
  ASSERT_NO_FATAL_FAILURE(Create(g2, server_->CreateGroup("idlCapG2")));
  ASSERT_NO_FATAL_FAILURE(Create(user, server_->CreateUser("idlCapped")));
  ASSERT_EQ(server_->AddMember(g1, user), "");
  ASSERT_EQ(server_->AddMember(g2, user), "");
  LdapIdentityLookupOptions options = Options();
  options.max_values = 2;  // Domain Users and the two groups make three
  auto lookup = Open(options);
  ASSERT_NE(lookup, nullptr);
  Result<DirectoryIdentity> id = lookup->Lookup("EXAMPLE\\idlCapped");
  EXPECT_EQ(id.status().code(), StatusCode::kFailedPrecondition) << id.status().ToString();

  options.max_values = 4096;
  options.max_value_bytes = 4;
  auto short_values = Open(options);
  ASSERT_NE(short_values, nullptr);
  EXPECT_EQ(short_values->Lookup("EXAMPLE\\idlCapped").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(SambaIdentityLookupTest, UnreachableDirectoryIsUnavailableAndNotCached) {
  LdapIdentityLookupOptions options = Options();
  options.connection.uris = {"ldap://127.0.0.1:1"};
  options.connection.operation_timeout = std::chrono::milliseconds(2000);
  auto lookup = Open(options);
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\Administrator").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\Administrator").status().code(), StatusCode::kUnavailable);

  options.connection.uris.clear();
  EXPECT_EQ(OpenLdapIdentityLookup(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SambaIdentityLookupTest, ReconnectsAfterTheServerRestarts) {
  auto lookup = Open(Options());
  ASSERT_NE(lookup, nullptr);
  ASSERT_TRUE(lookup->Lookup("EXAMPLE\\Administrator").ok());
  ASSERT_TRUE(server_->Stop());
  now_ += std::chrono::hours(1);  // past the cache
  EXPECT_EQ(lookup->Lookup("EXAMPLE\\Administrator").status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart());
  EXPECT_TRUE(lookup->Lookup("EXAMPLE\\Administrator").ok());
}

}  // namespace
}  // namespace openadcs::directory
