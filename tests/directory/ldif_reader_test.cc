#include "directory/ldif_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "testing/pki.h"

namespace openadcs::directory {
namespace {

using ::testing::ElementsAre;

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::string AsString(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// The dns of the entries ReadLdifFile reads from a file holding `text`, or
// the error it returns.
std::vector<std::string> DnsRead(const std::string& text) {
  openadcs::testing::TempDir dir;
  const auto path = dir.path() / "records.ldif";
  WriteFile(path, text);
  Result<std::vector<DirectoryEntry>> entries = ReadLdifFile(path);
  if (!entries.ok()) return {"error: " + entries.status().ToString()};
  std::vector<std::string> dns;
  for (const DirectoryEntry& entry : *entries) dns.push_back(entry.dn());
  return dns;
}

TEST(ReadLdifFileTest, DecodesBase64FoldingCommentsAndCase) {
  openadcs::testing::TempDir dir;
  const auto path = dir.path() / "a.ldif";
  WriteFile(path,
            "# leading comment\n"
            "version: 1\n"
            "\n"
            "dn: CN=One,DC=example,DC=com\n"
            "objectClass: top\n"
            "# a comment inside the record\n"
            "OBJECTCLASS: pKICertificateTemplate\n"
            "pKIKeyUsage:: hgA=\n"
            "pKIExpirationPeriod:: AEA5hy7h/v8=\n"
            "displayName: a long\n"
            "  folded value\n"
            "cn:: T25l\n"
            "\n"
            "dn: CN=Two,DC=example,DC=com\n"
            "changetype: add\n"
            "cn: Two\n");
  Result<std::vector<DirectoryEntry>> entries = ReadLdifFile(path);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2U);
  const DirectoryEntry& one = (*entries)[0];
  EXPECT_EQ(one.dn(), "CN=One,DC=example,DC=com");
  EXPECT_THAT(one.Values("objectclass"),
              ElementsAre(Bytes{'t', 'o', 'p'},
                          Bytes(kTemplateObjectClass.begin(), kTemplateObjectClass.end())));
  EXPECT_THAT(one.Values("pKIKeyUsage"), ElementsAre(Bytes{0x86, 0x00}));
  EXPECT_THAT(one.Values("pKIExpirationPeriod"),
              ElementsAre(Bytes{0x00, 0x40, 0x39, 0x87, 0x2E, 0xE1, 0xFE, 0xFF}));
  ASSERT_EQ(one.Values("displayName").size(), 1U);
  EXPECT_EQ(AsString(one.Values("displayName")[0]), "a long folded value");
  EXPECT_EQ(AsString(one.Values("cn")[0]), "One");
  EXPECT_EQ((*entries)[1].dn(), "CN=Two,DC=example,DC=com");
}

TEST(ReadLdifFileTest, SkipsChangeRecordsAndRecordsThatDoNotParse) {
  EXPECT_THAT(DnsRead("dn: CN=Bad,DC=example,DC=com\n"
                      "cn: Bad\n"
                      "pKIKeyUsage:: !!!notbase64\n"
                      "\n"
                      "dn: CN=Change,DC=example,DC=com\n"
                      "changetype: modify\n"
                      "replace: cn\n"
                      "cn: Changed\n"
                      "-\n"
                      "\n"
                      "dn: CN=Good,DC=example,DC=com\n"
                      "cn: Good\n"),
              ElementsAre("CN=Good,DC=example,DC=com"));
}

// Found with the snapshot round trip of fuzz/template_entry_fuzz.cc: libldap
// 2.5 crashes (a null pointer in ldap_parse_ldif_record) on a line without
// an attribute name right after the dn.
TEST(ReadLdifFileTest, SkipsRecordsWithAnUnnamedAttribute) {
  EXPECT_THAT(DnsRead("dn: CN=First,DC=example,DC=com\n"
                      ": no name\n"
                      "cn: First\n"
                      "\n"
                      "dn: CN=Later,DC=example,DC=com\n"
                      "cn: Later\n"
                      ":: bm8gbmFtZQ==\n"
                      "\n"
                      // Found by fuzz/ldif_template_fuzz.cc: libldap trims the name
                      // to nothing, and crashes the same way.
                      "dn: CN=Blank,DC=example,DC=com\n"
                      "\r:blank name\n"
                      "\n"
                      "dn: CN=Tab,DC=example,DC=com\n"
                      "cn: Tab\n"
                      "\t \f:blank name\n"
                      "\n"
                      "dn: CN=Good,DC=example,DC=com\n"
                      "cn: Good\n"
                      "description: folded\n"
                      "  \r:is a value\n"),
              ElementsAre("CN=Good,DC=example,DC=com"));
}

// Found by fuzz/ldif_template_fuzz.cc: libldap 2.5 crashes (a null pointer
// in ldap_parse_ldif_record) on a "-" line right after the dn.
TEST(ReadLdifFileTest, SkipsRecordsWithAModifySeparator) {
  EXPECT_THAT(DnsRead("dn: CN=First,DC=example,DC=com\n"
                      "-\n"
                      "cn: First\n"
                      "\n"
                      "dn: CN=Crlf,DC=example,DC=com\r\n"
                      "# a comment\r\n"
                      "-\r\n"
                      "\n"
                      "dn: CN=Later,DC=example,DC=com\n"
                      "cn: Later\n"
                      "-\n"
                      "\n"
                      "dn: CN=Good,DC=example,DC=com\n"
                      "cn: Good\n"
                      "description: -\n"),
              ElementsAre("CN=Good,DC=example,DC=com"));
}

TEST(ReadLdifFileTest, UnreadableFilesAreIoErrors) {
  openadcs::testing::TempDir dir;
  Result<std::vector<DirectoryEntry>> missing = ReadLdifFile(dir.path() / "absent.ldif");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);

  const auto include = dir.path() / "include.ldif";
  WriteFile(include, "include: file://" + (dir.path() / "absent.ldif").string() + "\n");
  Result<std::vector<DirectoryEntry>> bad_include = ReadLdifFile(include);
  ASSERT_FALSE(bad_include.ok());
  EXPECT_EQ(bad_include.status().code(), StatusCode::kIOError);

  const auto big = dir.path() / "big.ldif";
  WriteFile(big, "");
  std::filesystem::resize_file(big, kMaxLdifFileBytes + 1);
  Result<std::vector<DirectoryEntry>> too_big = ReadLdifFile(big);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kIOError);
}

// The fuzzers read LDIF from memory: the same entries and errors as from a
// file holding the text.
TEST(ReadLdifTextTest, ReadsLikeAFile) {
  const std::string text =
      "dn: CN=One,DC=example,DC=com\n"
      "cn:: T25l\n"
      "displayName: a long\n"
      "  folded value\n"
      "\n"
      "dn: CN=Bad,DC=example,DC=com\n"
      ": no name\n"
      "\n"
      "dn: CN=Two,DC=example,DC=com\n"
      "cn: Two";
  Result<std::vector<DirectoryEntry>> entries = ReadLdifText(text, "memory.ldif");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2U);
  EXPECT_EQ((*entries)[0].dn(), "CN=One,DC=example,DC=com");
  EXPECT_EQ(AsString((*entries)[0].Values("cn")[0]), "One");
  EXPECT_EQ(AsString((*entries)[0].Values("displayName")[0]), "a long folded value");
  EXPECT_EQ((*entries)[1].dn(), "CN=Two,DC=example,DC=com");

  Result<std::vector<DirectoryEntry>> empty = ReadLdifText("", "empty.ldif");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  openadcs::testing::TempDir dir;
  Result<std::vector<DirectoryEntry>> bad_include = ReadLdifText(
      "include: file://" + (dir.path() / "absent.ldif").string() + "\n", "include.ldif");
  ASSERT_FALSE(bad_include.ok());
  EXPECT_EQ(bad_include.status().code(), StatusCode::kIOError);
  EXPECT_THAT(bad_include.status().message(), ::testing::StartsWith("include.ldif:"));

  Result<std::vector<DirectoryEntry>> too_big =
      ReadLdifText(std::string(kMaxLdifFileBytes + 1, '#'), "big.ldif");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace openadcs::directory
