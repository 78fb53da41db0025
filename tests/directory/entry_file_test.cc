#include "directory/entry_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "directory/ldif_reader.h"
#include "testing/pki.h"

namespace openadcs::directory {
namespace {

Bytes B(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// What the LDAP source writes as its snapshot comes back from ReadLdifFile
// as it was, whatever bytes the directory put in DNs and values.
TEST(EntriesToLdifTest, ValuesAndDnRoundTripAsAnyBytes) {
  DirectoryEntry entry(std::string("CN=A\nchangetype: delete,DC=x", 28));
  entry.Add("cn", B("A"));
  entry.Add("pKIKeyUsage", Bytes{0x00, 0x0a, 0xff});
  entry.Add("description", B(" leading space\ninclude: /etc/passwd\n"));
  entry.Add("1.2.840.113556.1.4.1", B("by OID"));
  // Found by fuzz/template_entry_fuzz.cc: "name:: " with an empty value made
  // libldap refuse the whole record, so the entry was lost at the next start.
  entry.Add("showInAdvancedViewOnly", Bytes{});
  openadcs::testing::TempDir dir;
  const auto path = dir.path() / "snapshot.ldif";
  std::ofstream(path, std::ios::binary) << EntriesToLdif({entry}, "test");
  Result<std::vector<DirectoryEntry>> back = ReadLdifFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 1U);
  EXPECT_EQ(back->front().dn(), entry.dn());
  EXPECT_EQ(back->front().attributes(), entry.attributes());
}

// Found while writing the snapshot round trip of fuzz/template_entry_fuzz.cc:
// attribute names were written as the directory sent them, so a name holding
// a line break, or one of LDIF's own words, rewrote the snapshot read at the
// next start, and an empty one crashed libldap reading it.
TEST(EntriesToLdifTest, LeavesOutNamesLdifCannotCarry) {
  DirectoryEntry entry("CN=A,DC=x");
  entry.Add("cn", B("A"));
  entry.Add("changetype", B("delete"));
  entry.Add("include", B("file:///etc/shadow"));
  entry.Add("x:: AAAA\nflags", B("1"));
  entry.Add("-dash", B("1"));
  entry.Add("01.2", B("leading zero"));
  entry.Add("", B("empty"));
  openadcs::testing::TempDir dir;
  const auto path = dir.path() / "snapshot.ldif";
  std::ofstream(path, std::ios::binary) << EntriesToLdif({entry}, "test");
  Result<std::vector<DirectoryEntry>> back = ReadLdifFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 1U);
  DirectoryEntry expected("CN=A,DC=x");
  expected.Add("cn", B("A"));
  EXPECT_EQ(back->front().attributes(), expected.attributes());
}

TEST(SnapshotKeepsTest, AttributeTypesOnly) {
  for (const char* name :
       {"cn", "msPKI-Cert-Template-OID", "nTSecurityDescriptor", "a1", "2.5.4.3"}) {
    EXPECT_TRUE(SnapshotKeeps(name)) << name;
  }
  for (const char* name : {"", "1cn", "c n", "cn:", "a\nb", "2..5", "2.5.", "01", "DN",
                           "ChangeType", "control", "include", "version", "_x"}) {
    EXPECT_FALSE(SnapshotKeeps(name)) << name;
  }
}

}  // namespace
}  // namespace openadcs::directory
