#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <functional>

#include "openadcs/pki/x509_builder.h"

namespace openadcs::pki {
namespace {

using SanList = std::vector<std::pair<std::string, std::string>>;

// A DER TLV with a short (< 128) definite length.
Bytes Tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out = {tag, static_cast<std::uint8_t>(content.size())};
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Ascii(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// OID 1.3.6.1.4.1.311.25.2.1, encoded by hand.
const Bytes kObjectSidOidDer = {0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04,
                                0x01, 0x82, 0x37, 0x19, 0x02, 0x01};

template <typename T, typename D2i>
T* Parse(D2i d2i, const Bytes& der) {
  const unsigned char* p = der.data();
  T* out = d2i(nullptr, &p, static_cast<long>(der.size()));
  if (out != nullptr && p != der.data() + der.size()) ADD_FAILURE() << "trailing bytes";
  return out;
}

std::string OidText(const ASN1_OBJECT* obj) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

// Every strict prefix and a one-byte extension of `der` must fail to decode.
template <typename Decoder>
void ExpectTruncationsFail(const Bytes& der, Decoder decode) {
  for (std::size_t n = 0; n < der.size(); ++n) {
    Bytes prefix(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(decode(prefix).has_value()) << "prefix of " << n << " bytes";
  }
  Bytes longer = der;
  longer.push_back(0x00);
  EXPECT_FALSE(decode(longer).has_value()) << "trailing byte";
}

const Bytes kGarbage[] = {{},
                          {0x00},
                          {0xFF, 0xFF, 0xFF},
                          {0x30, 0x80},
                          {0x04, 0x02, 0x01, 0x02},
                          {0x30, 0x03, 0x02, 0x01, 0x01}};

// ---- encoders checked against OpenSSL's own parsers ----

TEST(ExtensionCodecTest, BasicConstraints) {
  BASIC_CONSTRAINTS* bc =
      Parse<BASIC_CONSTRAINTS>(d2i_BASIC_CONSTRAINTS, ext::BasicConstraints(true, 2));
  ASSERT_NE(bc, nullptr);
  EXPECT_NE(bc->ca, 0);
  ASSERT_NE(bc->pathlen, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(bc->pathlen), 2);
  BASIC_CONSTRAINTS_free(bc);

  EXPECT_EQ(ext::BasicConstraints(true, std::nullopt), (Bytes{0x30, 0x03, 0x01, 0x01, 0xFF}));
  // cA FALSE is the DEFAULT and so absent; no pathLen without cA.
  EXPECT_EQ(ext::BasicConstraints(false, std::nullopt), (Bytes{0x30, 0x00}));
  EXPECT_EQ(ext::BasicConstraints(false, 3), (Bytes{0x30, 0x00}));
}

TEST(ExtensionCodecTest, KeyUsageUsesX509BitNumbering) {
  EXPECT_EQ(ext::KeyUsage(1 << 0 | 1 << 2), (Bytes{0x03, 0x02, 0x05, 0xA0}));
  EXPECT_EQ(ext::KeyUsage(1 << 5 | 1 << 6), (Bytes{0x03, 0x02, 0x01, 0x06}));
  EXPECT_EQ(ext::KeyUsage(1 << 8), (Bytes{0x03, 0x03, 0x07, 0x00, 0x80}));  // decipherOnly
  ASN1_BIT_STRING* bits = Parse<ASN1_BIT_STRING>(d2i_ASN1_BIT_STRING, ext::KeyUsage(1 << 7));
  ASSERT_NE(bits, nullptr);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(ASN1_BIT_STRING_get_bit(bits, i), i == 7 ? 1 : 0) << i;
  ASN1_BIT_STRING_free(bits);
}

TEST(ExtensionCodecTest, ExtendedKeyUsageRoundTrip) {
  const std::vector<std::string> oids = {"1.3.6.1.5.5.7.3.2", "1.3.6.1.4.1.311.20.2.2",
                                         "1.3.6.1.4.1.99999.1.2.3.4.5"};
  Bytes der = ext::ExtendedKeyUsage(oids);
  EXTENDED_KEY_USAGE* eku = Parse<EXTENDED_KEY_USAGE>(d2i_EXTENDED_KEY_USAGE, der);
  ASSERT_NE(eku, nullptr);
  ASSERT_EQ(sk_ASN1_OBJECT_num(eku), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(OidText(sk_ASN1_OBJECT_value(eku, i)), oids[i]);
  EXTENDED_KEY_USAGE_free(eku);
  EXPECT_EQ(ext_decode::ExtendedKeyUsage(der), oids);
  ExpectTruncationsFail(der, ext_decode::ExtendedKeyUsage);

  const std::vector<std::string> bad = {"1.3.6.1.5.5.7.3.2", "clientAuth"};
  EXPECT_TRUE(ext::ExtendedKeyUsage(bad).empty());
}

TEST(ExtensionCodecTest, PoliciesRoundTrip) {
  const std::vector<std::string> oids = {"1.3.6.1.5.5.7.3.2", "1.3.6.1.4.1.311.10.3.4"};
  for (const Bytes& der : {ext::ApplicationPolicies(oids), ext::CertificatePolicies(oids)}) {
    CERTIFICATEPOLICIES* policies = Parse<CERTIFICATEPOLICIES>(d2i_CERTIFICATEPOLICIES, der);
    ASSERT_NE(policies, nullptr);
    ASSERT_EQ(sk_POLICYINFO_num(policies), 2);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(OidText(sk_POLICYINFO_value(policies, i)->policyid), oids[i]);
      EXPECT_EQ(sk_POLICYINFO_value(policies, i)->qualifiers, nullptr);
    }
    CERTIFICATEPOLICIES_free(policies);
    EXPECT_EQ(ext_decode::ApplicationPolicies(der), oids);
    ExpectTruncationsFail(der, ext_decode::ApplicationPolicies);
  }
  // SEQUENCE { SEQUENCE { OID 1.2.3 } }, written by hand.
  EXPECT_EQ(ext::ApplicationPolicies(std::vector<std::string>{"1.2.3"}),
            (Bytes{0x30, 0x06, 0x30, 0x04, 0x06, 0x02, 0x2A, 0x03}));
}

TEST(ExtensionCodecTest, TemplateOidRoundTrip) {
  Bytes der = ext::TemplateOid("1.3.6.1.4.1.311.21.8.1.2", 100, 4294967295u);
  auto v = ext_decode::TemplateOid(der);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->oid, "1.3.6.1.4.1.311.21.8.1.2");
  EXPECT_EQ(v->major, 100u);
  EXPECT_EQ(v->minor, 4294967295u);
  ExpectTruncationsFail(der, ext_decode::TemplateOid);
  EXPECT_EQ(ext::TemplateOid("1.2.3.4", 1, 0),
            (Bytes{0x30, 0x0B, 0x06, 0x03, 0x2A, 0x03, 0x04, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00}));
  EXPECT_TRUE(ext::TemplateOid("User", 1, 0).empty());
}

TEST(ExtensionCodecTest, TemplateOidVersionsAreOptionalAndBounded) {
  const Bytes oid = {0x06, 0x03, 0x2A, 0x03, 0x04};
  auto bare = ext_decode::TemplateOid(Tlv(0x30, oid));
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->oid, "1.2.3.4");
  EXPECT_EQ(bare->major, 0u);
  EXPECT_EQ(bare->minor, 0u);
  EXPECT_FALSE(ext_decode::TemplateOid(
      Tlv(0x30, Cat({oid, Tlv(0x02, {0x01, 0x00, 0x00, 0x00, 0x00})}))));           // 2^32
  EXPECT_FALSE(ext_decode::TemplateOid(Tlv(0x30, Cat({oid, Tlv(0x02, {0xFF})}))));  // -1
}

TEST(ExtensionCodecTest, TemplateNameIsABareBmpString) {
  const Bytes user = {0x1E, 0x08, 0x00, 'U', 0x00, 's', 0x00, 'e', 0x00, 'r'};
  EXPECT_EQ(ext::TemplateName("User"), user);
  EXPECT_EQ(ext_decode::TemplateName(user), "User");
  ExpectTruncationsFail(user, ext_decode::TemplateName);
  const std::string umlaut = "Benutzer-\xC3\xA4";
  EXPECT_EQ(ext_decode::TemplateName(ext::TemplateName(umlaut)), umlaut);
  EXPECT_TRUE(ext::TemplateName("\xF0\x9F\x94\x92").empty());  // outside the BMP
}

TEST(ExtensionCodecTest, TemplateNameDecodesAllThreeForms) {
  const Bytes utf8 = Tlv(0x0C, Ascii("WebServer"));
  EXPECT_EQ(ext_decode::TemplateName(utf8), "WebServer");
  const Bytes seq = Tlv(0x30, utf8);  // MS-WCCE 2.2.2.7.7.1 as written in the spec
  EXPECT_EQ(ext_decode::TemplateName(seq), "WebServer");
  ExpectTruncationsFail(seq, ext_decode::TemplateName);
  EXPECT_FALSE(ext_decode::TemplateName(Tlv(0x30, Tlv(0x1E, {0x00, 'A'}))));
  EXPECT_FALSE(ext_decode::TemplateName(Tlv(0x1E, {0x00, 'A', 0x00})));  // odd length
  EXPECT_FALSE(ext_decode::TemplateName(Tlv(0x0C, {0xC3})));             // bad UTF-8
  EXPECT_FALSE(ext_decode::TemplateName(Tlv(0x16, Ascii("User"))));      // IA5String
}

TEST(ExtensionCodecTest, SidSecurityMatchesWhatWindowsWrites) {
  const std::string sid = "S-1-5-21-1-2-3-500";
  // SEQUENCE { [0] { OID 1.3.6.1.4.1.311.25.2.1, [0] { OCTET STRING "S-1-..." } } }
  const Bytes expected =
      Tlv(0x30, Tlv(0xA0, Cat({kObjectSidOidDer, Tlv(0xA0, Tlv(0x04, Ascii(sid)))})));
  Bytes der = ext::SidSecurity(sid);
  EXPECT_EQ(der, expected);
  EXPECT_EQ(ext_decode::SidSecurity(der), sid);
  ExpectTruncationsFail(der, ext_decode::SidSecurity);

  GENERAL_NAMES* names = Parse<GENERAL_NAMES>(d2i_GENERAL_NAMES, der);
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
  const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, 0);
  ASSERT_EQ(gen->type, GEN_OTHERNAME);
  EXPECT_EQ(OidText(gen->d.otherName->type_id), "1.3.6.1.4.1.311.25.2.1");
  GENERAL_NAMES_free(names);
}

TEST(ExtensionCodecTest, SidSecurityDecodesABareOtherName) {
  const std::string sid = "S-1-5-21-7-8-9-1104";
  const Bytes bare = Tlv(0x30, Cat({kObjectSidOidDer, Tlv(0xA0, Tlv(0x04, Ascii(sid)))}));
  EXPECT_EQ(ext_decode::SidSecurity(bare), sid);
  ExpectTruncationsFail(bare, ext_decode::SidSecurity);
  // Another otherName type, a non-printable SID, a SAN without otherName.
  const Bytes upn_oid = {0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03};
  EXPECT_FALSE(ext_decode::SidSecurity(
      Tlv(0x30, Tlv(0xA0, Cat({upn_oid, Tlv(0xA0, Tlv(0x04, Ascii(sid)))})))));
  EXPECT_FALSE(ext_decode::SidSecurity(
      Tlv(0x30, Tlv(0xA0, Cat({kObjectSidOidDer, Tlv(0xA0, Tlv(0x04, {'S', 0x01}))})))));
  EXPECT_FALSE(ext_decode::SidSecurity(*ext::SubjectAltName(SanList{{"dns", "a.example"}})));
}

TEST(ExtensionCodecTest, DecodersRejectGarbage) {
  for (const Bytes& g : kGarbage) {
    EXPECT_FALSE(ext_decode::ExtendedKeyUsage(g).has_value());
    EXPECT_FALSE(ext_decode::ApplicationPolicies(g).has_value());
    EXPECT_FALSE(ext_decode::TemplateOid(g).has_value());
    EXPECT_FALSE(ext_decode::TemplateName(g).has_value());
    EXPECT_FALSE(ext_decode::SidSecurity(g).has_value());
  }
}

// ---- subject alternative names ----

TEST(ExtensionCodecTest, SubjectAltNameEveryType) {
  const SanList names = {{"dns", "host.example.com"},
                         {"EMAIL", "alice@example.com"},
                         {"upn", "alice@example.com"},
                         {"url", "https://example.com/x"},
                         {"ipaddress", "192.0.2.7"},
                         {"ipaddress", "2001:db8::1"},
                         {"guid", "{00112233-4455-6677-8899-aabbccddeeff}"},
                         {"guid", "00112233445566778899AABBCCDDEEFF"},
                         {"dn", "CN=alice,DC=example,DC=com"}};
  auto der = ext::SubjectAltName(names);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  GENERAL_NAMES* gens = Parse<GENERAL_NAMES>(d2i_GENERAL_NAMES, *der);
  ASSERT_NE(gens, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(gens), 9);
  auto at = [&](int i) { return sk_GENERAL_NAME_value(gens, i); };
  auto bytes = [](const ASN1_STRING* s) {
    return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
  };

  EXPECT_EQ(at(0)->type, GEN_DNS);
  EXPECT_EQ(bytes(at(0)->d.dNSName), Ascii("host.example.com"));
  EXPECT_EQ(at(1)->type, GEN_EMAIL);
  EXPECT_EQ(bytes(at(1)->d.rfc822Name), Ascii("alice@example.com"));
  ASSERT_EQ(at(2)->type, GEN_OTHERNAME);
  EXPECT_EQ(OidText(at(2)->d.otherName->type_id), "1.3.6.1.4.1.311.20.2.3");
  ASSERT_EQ(at(2)->d.otherName->value->type, V_ASN1_UTF8STRING);
  EXPECT_EQ(bytes(at(2)->d.otherName->value->value.utf8string), Ascii("alice@example.com"));
  EXPECT_EQ(at(3)->type, GEN_URI);
  EXPECT_EQ(bytes(at(3)->d.uniformResourceIdentifier), Ascii("https://example.com/x"));
  EXPECT_EQ(at(4)->type, GEN_IPADD);
  EXPECT_EQ(bytes(at(4)->d.iPAddress), (Bytes{192, 0, 2, 7}));
  EXPECT_EQ(bytes(at(5)->d.iPAddress),
            (Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  ASSERT_EQ(at(6)->type, GEN_OTHERNAME);
  EXPECT_EQ(OidText(at(6)->d.otherName->type_id), "1.3.6.1.4.1.311.25.1");
  ASSERT_EQ(at(6)->d.otherName->value->type, V_ASN1_OCTET_STRING);
  // Data1, Data2, Data3 little-endian; Data4 as written.
  EXPECT_EQ(bytes(at(6)->d.otherName->value->value.octet_string),
            (Bytes{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC,
                   0xDD, 0xEE, 0xFF}));
  EXPECT_EQ(bytes(at(7)->d.otherName->value->value.octet_string),
            (Bytes{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC,
                   0xDD, 0xEE, 0xFF}));
  ASSERT_EQ(at(8)->type, GEN_DIRNAME);
  X509_NAME* dn = at(8)->d.directoryName;
  ASSERT_EQ(X509_NAME_entry_count(dn), 3);
  EXPECT_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(dn, 2))), NID_commonName);
  GENERAL_NAMES_free(gens);
}

TEST(ExtensionCodecTest, SubjectAltNameRejectsBadInput) {
  const SanList bad[] = {
      {},
      {{"x400", "anything"}},
      {{"dns", ""}},
      {{"dns", "has space.example"}},
      {{"dns", "b\xC3\xA4r.example"}},
      {{"email", "no-at-sign"}},
      {{"url", "no-scheme"}},
      {{"upn", "bad\xC3"}},
      {{"ipaddress", "300.1.1.1"}},
      {{"ipaddress", "host.example"}},
      {{"guid", "{00112233-4455-6677-8899-aabbccddeef}"}},
      {{"guid", "0011223344556677-8899aabbccddeeff"}},
      {{"guid", "zz112233-4455-6677-8899-aabbccddeeff"}},
      {{"dn", "NOPE=x"}},
      {{"dn", ""}},
      {{"dns", "ok.example"}, {"bogus", "x"}},
  };
  for (const SanList& names : bad) {
    auto der = ext::SubjectAltName(names);
    EXPECT_EQ(der.status().code(), StatusCode::kInvalidArgument)
        << (names.empty() ? "(empty)" : names.back().first + "=" + names.back().second);
  }
}

// ---- SetExtension value types ----

TEST(ExtensionCodecTest, ScalarValues) {
  EXPECT_EQ(ext::Integer(300), (Bytes{0x02, 0x02, 0x01, 0x2C}));
  EXPECT_EQ(ext::Integer(-1), (Bytes{0x02, 0x01, 0xFF}));
  EXPECT_EQ(ext::Integer(0), (Bytes{0x02, 0x01, 0x00}));
  EXPECT_EQ(ext::Time(1700000000), Tlv(0x17, Ascii("231114221320Z")));
  EXPECT_EQ(ext::Time(2524608000), Tlv(0x18, Ascii("20500101000000Z")));
  EXPECT_EQ(ext::Time(-631152000), Tlv(0x17, Ascii("500101000000Z")));  // 1950: UTCTime
  EXPECT_EQ(ext::Time(-631152001), Tlv(0x18, Ascii("19491231235959Z")));
  EXPECT_TRUE(ext::Time(253402300800).empty());  // year 10000
  EXPECT_EQ(ext::Ia5String("abc"), (Bytes{0x16, 0x03, 'a', 'b', 'c'}));
  EXPECT_TRUE(ext::Ia5String("\xC3\xA9").empty());
  EXPECT_TRUE(ext::IsValidOid("1.2.840.113549"));
  EXPECT_FALSE(ext::IsValidOid("1"));
  EXPECT_FALSE(ext::IsValidOid("1..2"));
  EXPECT_FALSE(ext::IsValidOid("1.2."));
  EXPECT_FALSE(ext::IsValidOid("CN"));
  EXPECT_FALSE(ext::IsValidOid(" 1.2"));
}

}  // namespace
}  // namespace openadcs::pki
