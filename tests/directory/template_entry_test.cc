#include "openadcs/directory/template_entry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace openadcs::directory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTemplateDn[] =
    "CN=Test,CN=Certificate Templates,CN=Public Key Services,CN=Services,CN=Configuration,"
    "DC=example,DC=com";

// A v2 template entry as an LDAP search of Samba AD returns it: signed
// integers, binary periods and key usage, names in whatever case.
DirectoryEntry V2Entry() {
  DirectoryEntry e(kTemplateDn);
  e.AddText("objectClass", "top");
  e.AddText("objectClass", "pKICertificateTemplate");
  e.AddText("cn", "Test");
  e.AddText("displayName", "Test Template");
  e.AddText("flags", "131584");
  e.AddText("revision", "100");
  e.AddText("msPKI-Template-Schema-Version", "2");
  e.AddText("msPKI-Template-Minor-Revision", "7");
  e.AddText("msPKI-Cert-Template-OID", "1.3.6.1.4.1.311.21.8.1.2.3");
  e.AddText("msPKI-Enrollment-Flag", "2");
  e.AddText("msPKI-Certificate-Name-Flag", "-2147483647");
  e.AddText("msPKI-Private-Key-Flag", "16842768");
  e.AddText("msPKI-Minimal-Key-Size", "3072");
  e.AddText("msPKI-RA-Signature", "1");
  e.AddText("pKIDefaultKeySpec", "2");
  e.AddText("pKIMaxIssuingDepth", "3");
  e.Add("pKIKeyUsage", {0x86, 0x00});
  e.Add("pKIExpirationPeriod", {0x00, 0x40, 0x39, 0x87, 0x2E, 0xE1, 0xFE, 0xFF});
  e.Add("pKIOverlapPeriod", {0x00, 0x80, 0x37, 0xAE, 0xFF, 0xF4, 0xFF, 0xFF});  // 2 weeks
  e.AddText("pKIExtendedKeyUsage", "1.3.6.1.5.5.7.3.2");
  e.AddText("pKIExtendedKeyUsage", "1.3.6.1.5.5.7.3.1");
  e.AddText("msPKI-Certificate-Application-Policy", "1.3.6.1.5.5.7.3.1");
  e.AddText("msPKI-Certificate-Policy", "1.2.3.4");
  e.AddText("msPKI-RA-Policies", "1.2.3.5");
  e.AddText("msPKI-RA-Application-Policies", "1.3.6.1.4.1.311.20.2.1");
  e.AddText("pKICriticalExtensions", "2.5.29.15");
  e.AddText("pKICriticalExtensions", "2.5.29.19");
  e.AddText("msPKI-Supersede-Templates", "User");
  e.AddText("pKIDefaultCSPs", "1,Microsoft RSA SChannel Cryptographic Provider");
  return e;
}

// `base` with the values of `name` replaced by `values` (none: removed).
DirectoryEntry Replaced(const DirectoryEntry& base, std::string_view name,
                        std::vector<Bytes> values) {
  DirectoryEntry out(base.dn());
  for (const auto& [attr, vals] : base.attributes()) {
    if (AttributeNameLess{}(attr, name) || AttributeNameLess{}(name, attr)) {
      for (const Bytes& v : vals) out.Add(attr, v);
    }
  }
  for (Bytes& v : values) out.Add(name, std::move(v));
  return out;
}

Bytes B(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(DirectoryEntryTest, NamesAreCaseInsensitiveAndOptionsDropped) {
  DirectoryEntry e("CN=x");
  e.AddText("PKIEXTENDEDKEYUSAGE", "1.2.3");
  e.AddText("pkiextendedkeyusage", "1.2.4");
  e.Add("pKIKeyUsage;binary", {0xA0, 0x00});
  EXPECT_EQ(e.Values("pKIExtendedKeyUsage").size(), 2U);
  EXPECT_EQ(e.Values("pkikeyusage").size(), 1U);
  EXPECT_TRUE(e.Values("absent").empty());
  e.AddText("objectclass", "PKICERTIFICATETEMPLATE");
  EXPECT_TRUE(e.HasObjectClass(kTemplateObjectClass));
  EXPECT_FALSE(e.HasObjectClass(kEnrollmentServiceObjectClass));
}

TEST(ParseTemplateEntryTest, EveryAttributeIsTyped) {
  Result<CertificateTemplate> parsed = ParseTemplateEntry(V2Entry());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const CertificateTemplate& t = *parsed;
  EXPECT_EQ(t.name, "Test");
  EXPECT_EQ(t.display_name, "Test Template");
  EXPECT_EQ(t.oid, "1.3.6.1.4.1.311.21.8.1.2.3");
  EXPECT_EQ(t.schema_version, 2U);
  EXPECT_EQ(t.major_revision, 100U);
  EXPECT_EQ(t.minor_revision, 7U);
  EXPECT_EQ(t.general_flags, 0x20200U);
  EXPECT_EQ(t.enrollment_flags, 2U);
  EXPECT_TRUE(t.pend_all_requests());
  EXPECT_EQ(t.name_flags, 0x80000001U);
  EXPECT_TRUE(t.enrollee_supplies_subject());
  EXPECT_EQ(t.private_key_flags, 0x01010010U);
  EXPECT_EQ(t.minimal_key_size, 3072U);
  EXPECT_EQ(t.ra_signature, 1U);
  EXPECT_EQ(t.default_key_spec, 2U);
  EXPECT_EQ(t.max_issuing_depth, 3);
  EXPECT_EQ(t.key_usage, std::optional<std::uint16_t>(0x61));
  EXPECT_EQ(t.validity_seconds, 31536000);
  EXPECT_EQ(t.overlap_seconds, 14 * 86400);
  EXPECT_THAT(t.extended_key_usage, ElementsAre("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"));
  EXPECT_THAT(t.application_policies, ElementsAre("1.3.6.1.5.5.7.3.1"));
  EXPECT_THAT(t.effective_ekus(), ElementsAre("1.3.6.1.5.5.7.3.1"));
  EXPECT_THAT(t.certificate_policies, ElementsAre("1.2.3.4"));
  EXPECT_THAT(t.ra_policies, ElementsAre("1.2.3.5"));
  EXPECT_THAT(t.ra_application_policies, ElementsAre("1.3.6.1.4.1.311.20.2.1"));
  EXPECT_THAT(t.critical_extensions, ElementsAre("2.5.29.15", "2.5.29.19"));
  EXPECT_THAT(t.supersede_templates, ElementsAre("User"));
  EXPECT_THAT(t.default_csps, ElementsAre("1,Microsoft RSA SChannel Cryptographic Provider"));
}

TEST(ParseTemplateEntryTest, AbsentAttributesKeepDefaults) {
  DirectoryEntry e("CN=Bare");
  e.AddText("cn", "Bare");
  Result<CertificateTemplate> parsed = ParseTemplateEntry(e);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->schema_version, 1U);
  EXPECT_EQ(parsed->max_issuing_depth, -1);
  EXPECT_FALSE(parsed->key_usage.has_value());
  EXPECT_EQ(parsed->validity_seconds, 0);
  EXPECT_TRUE(parsed->oid.empty());
}

TEST(ParseTemplateEntryTest, AttributeNameCaseDoesNotMatter) {
  DirectoryEntry e("CN=Upper");
  e.AddText("CN", "Upper");
  e.AddText("MSPKI-CERTIFICATE-NAME-FLAG", "-1509949440");
  e.Add("pkiexpirationperiod", {0x00, 0x80, 0xA6, 0x0A, 0xFF, 0xDE, 0xFF, 0xFF});
  Result<CertificateTemplate> parsed = ParseTemplateEntry(e);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "Upper");
  EXPECT_EQ(parsed->name_flags, 0xA6000000U);
  EXPECT_EQ(parsed->validity_seconds, 3628800);
}

TEST(ParseTemplateEntryTest, SchemaOneKeepsTheTemplateOid) {
  DirectoryEntry e = Replaced(V2Entry(), "msPKI-Template-Schema-Version", {B("1")});
  Result<CertificateTemplate> parsed = ParseTemplateEntry(e);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->schema_version, 1U);
  EXPECT_EQ(parsed->oid, "1.3.6.1.4.1.311.21.8.1.2.3");
  EXPECT_THAT(parsed->effective_ekus(), ElementsAre("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"));
}

struct BadValue {
  const char* attribute;
  std::vector<Bytes> values;
};

class BadAttributeTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadAttributeTest, FailsNamingTheAttribute) {
  const BadValue& bad = GetParam();
  Result<CertificateTemplate> parsed =
      ParseTemplateEntry(Replaced(V2Entry(), bad.attribute, bad.values));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr(bad.attribute));
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, BadAttributeTest,
    ::testing::Values(
        BadValue{"cn", {}}, BadValue{"cn", {B("a"), B("b")}}, BadValue{"flags", {B("12abc")}},
        BadValue{"msPKI-Enrollment-Flag", {B("4294967296")}},
        BadValue{"msPKI-Certificate-Name-Flag", {B("1"), B("2")}},
        BadValue{"msPKI-Minimal-Key-Size", {B("-1")}}, BadValue{"revision", {B("")}},
        BadValue{"msPKI-Template-Schema-Version", {B("5")}},
        BadValue{"msPKI-Template-Schema-Version", {B("0")}},
        BadValue{"msPKI-Cert-Template-OID", {}},
        BadValue{"msPKI-Cert-Template-OID", {B("1.3.6.x")}},
        BadValue{"pKIMaxIssuingDepth", {B("-2")}},
        BadValue{"pKIExpirationPeriod", {Bytes{0x00, 0x40, 0x39, 0x87, 0x2E, 0xE1, 0xFE}}},
        BadValue{"pKIOverlapPeriod", {B("6 weeks!")}},
        BadValue{"pKIKeyUsage", {Bytes{0xA0, 0x00, 0x00}}},
        BadValue{"pKIExtendedKeyUsage", {B("1.3.6.1.5.5.7.3.2"), B("serverAuth")}},
        BadValue{"pKICriticalExtensions", {B("2.5..29")}},
        BadValue{"msPKI-Certificate-Application-Policy", {B("")}},
        BadValue{"msPKI-Certificate-Policy", {B("9.1")}}, BadValue{"msPKI-RA-Policies", {B("1")}},
        BadValue{"msPKI-RA-Application-Policies", {B("msPKI-RA-Application-Policies`PZPWSTR`")}},
        BadValue{"msPKI-RA-Application-Policies",
                 {B("msPKI-RA-Application-Policies`PZPWSTR`1.2.x`")}},
        BadValue{"msPKI-RA-Application-Policies", {B("msPKI-Key-Usage`DWORD`lots`")}},
        BadValue{"msPKI-RA-Application-Policies", {B("msPKI-Key-Usage`QWORD`1`")}},
        BadValue{"pKIDefaultCSPs", {B("Microsoft RSA SChannel Cryptographic Provider")}},
        BadValue{"msPKI-Supersede-Templates", {B("")}},
        BadValue{"nTSecurityDescriptor", {B("D:(A;;CR;;;AU)")}},  // SDDL is not the syntax
        BadValue{"nTSecurityDescriptor", {Bytes{0x01, 0x00, 0x04, 0x80}}}));

TEST(ParseTemplateEntryTest, SecurityDescriptorIsDecodedWhenPresent) {
  Result<CertificateTemplate> bare = ParseTemplateEntry(V2Entry());
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->security.has_value());
  // Owner BUILTIN\Administrators, a DACL granting Everyone 0x100.
  const Bytes sd = HexDecode(
                       "01000480 30000000 00000000 00000000 14000000"
                       "02001c00 01000000 00001400 00010000 01010000 00000001 00000000"
                       "01020000 00000005 20000000 20020000")
                       .value();
  Result<CertificateTemplate> parsed =
      ParseTemplateEntry(Replaced(V2Entry(), "nTSecurityDescriptor", {sd}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->security.has_value());
  EXPECT_EQ(parsed->security->owner, security::well_known::kBuiltinAdministrators);
  ASSERT_EQ(parsed->security->dacl->aces.size(), 1u);
  EXPECT_EQ(parsed->security->dacl->aces[0].mask, 0x100u);
}

TEST(ParseTemplateEntryTest, RaApplicationPolicyPropertyListOfSchemaThree) {
  DirectoryEntry e = Replaced(
      Replaced(V2Entry(), "msPKI-Template-Schema-Version", {B("3")}),
      "msPKI-RA-Application-Policies",
      {B("msPKI-Asymmetric-Algorithm`PZPWSTR`RSA`msPKI-Hash-Algorithm`PZPWSTR`SHA256`"
         "msPKI-Key-Usage`DWORD`16777215`msPKI-RA-Application-Policies`PZPWSTR`"
         "1.3.6.1.4.1.311.20.2.1, 1.3.6.1.5.5.7.3.2`msPKI-Symmetric-Key-Length`DWORD`168`")});
  Result<CertificateTemplate> parsed = ParseTemplateEntry(e);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->schema_version, 3U);
  EXPECT_THAT(parsed->ra_application_policies,
              ElementsAre("1.3.6.1.4.1.311.20.2.1", "1.3.6.1.5.5.7.3.2"));
}

TEST(ParseEnrollmentServiceEntryTest, ReadsTheServedList) {
  DirectoryEntry e("CN=ca,CN=Enrollment Services");
  e.AddText("cn", "ca");
  e.AddText("dNSHostName", "ca.example.com");
  e.AddText("certificateTemplates", "User");
  e.AddText("CERTIFICATETEMPLATES", "WebServer");
  Result<EnrollmentService> service = ParseEnrollmentServiceEntry(e);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  EXPECT_EQ(service->name, "ca");
  EXPECT_EQ(service->dn, "CN=ca,CN=Enrollment Services");
  EXPECT_EQ(service->dns_host_name, "ca.example.com");
  EXPECT_THAT(service->certificate_templates, ElementsAre("User", "WebServer"));

  DirectoryEntry nameless("CN=x");
  nameless.AddText("certificateTemplates", "User");
  Result<EnrollmentService> bad = ParseEnrollmentServiceEntry(nameless);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("cn"));
}

CertificateTemplate Named(std::string name, std::string oid = "") {
  CertificateTemplate t;
  t.name = std::move(name);
  t.oid = std::move(oid);
  return t;
}

std::vector<std::string> Names(const std::vector<CertificateTemplate>& templates) {
  std::vector<std::string> out;
  for (const CertificateTemplate& t : templates) out.push_back(t.name);
  return out;
}

TEST(SelectServedTemplatesTest, KeepsOnlyListedTemplatesOnceEach) {
  EnrollmentService service;
  service.name = "ca";
  service.certificate_templates = {"user", "WEBSERVER", "Missing", "Dup", "OidTwin"};
  std::vector<CertificateTemplate> all = {Named("User"),         Named("Machine"),
                                          Named("WebServer"),    Named("Dup", "1.2.3"),
                                          Named("dup", "1.2.4"), Named("OidTwin", "1.2.3")};
  EXPECT_THAT(Names(SelectServedTemplates(service, all)), ElementsAre("User", "WebServer", "Dup"));

  service.certificate_templates.clear();
  EXPECT_TRUE(SelectServedTemplates(service, all).empty());
}

}  // namespace
}  // namespace openadcs::directory
