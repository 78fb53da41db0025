// The officer-rights and audit-filter arguments of the CLI, without a CA.
#include "cli/settings_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "openadcs/auth/user_file.h"

namespace openadcs::cli {
namespace {

security::Sid S(const std::string& text) {
  return security::Sid::Parse(text).value();
}

TEST(SettingsArgsTest, PairsGroupByOfficerWithDenyEntriesFirst) {
  const std::string alice = auth::UserFileAccountSid("EXAMPLE", "alice");
  const std::vector<std::string> allow = {"EXAMPLE\\officer:EXAMPLE\\alice",
                                          "EXAMPLE\\officer:S-1-5-21-1-2-3-9",
                                          "EXAMPLE\\officer:EXAMPLE\\alice", "S-1-5-21-7:S-1-1-0"};
  const std::vector<std::string> deny = {"s-1-5-21-7:S-1-5-21-1-2-3-9"};
  auto entries = OfficerRightsEntries(allow, deny);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_FALSE((*entries)[0].allow);
  EXPECT_EQ((*entries)[0].officer, S("S-1-5-21-7"));
  EXPECT_TRUE((*entries)[1].allow);
  EXPECT_EQ((*entries)[1].officer, S(auth::UserFileAccountSid("EXAMPLE", "officer")));
  EXPECT_EQ((*entries)[1].requesters,
            (std::vector<security::Sid>{S(alice), S("S-1-5-21-1-2-3-9")}));
  EXPECT_EQ((*entries)[2].requesters, std::vector<security::Sid>{security::well_known::kEveryone});
  const std::vector<std::string> lines = DescribeOfficerRights(*entries);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "deny S-1-5-21-7: S-1-5-21-1-2-3-9");
  EXPECT_EQ(lines[2], "allow S-1-5-21-7: S-1-1-0");
}

TEST(SettingsArgsTest, MalformedPairsAreRefused) {
  for (const std::string bad :
       {"officer", ":S-1-1-0", "S-1-1-0:", "nobody:S-1-1-0", "S-1-x:S-1-1-0"}) {
    const std::vector<std::string> allow = {bad};
    EXPECT_FALSE(OfficerRightsEntries(allow, {}).ok()) << bad;
  }
}

TEST(SettingsArgsTest, AuditFilterByNumberOrNames) {
  EXPECT_EQ(ParseAuditFilter("0x14").value(), 0x14u);
  EXPECT_EQ(ParseAuditFilter("127").value(), 0x7Fu);
  EXPECT_EQ(ParseAuditFilter("issuance, Security").value(), 0x14u);
  EXPECT_EQ(ParseAuditFilter("none").value(), 0u);
  EXPECT_FALSE(ParseAuditFilter("0x80").ok());
  EXPECT_FALSE(ParseAuditFilter("everything").ok());
  EXPECT_FALSE(ParseAuditFilter("").ok());
  EXPECT_FALSE(ParseAuditFilter("12abc").ok());
  EXPECT_EQ(AuditFilterText(0x14), "0x00000014 (issuance, security)");
  EXPECT_EQ(AuditFilterText(0), "0x00000000 (none)");
}

}  // namespace
}  // namespace openadcs::cli
