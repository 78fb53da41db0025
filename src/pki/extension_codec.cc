// DER of the extension values the CA writes (ext::) and reads back out of
// requests (ext_decode::). OpenSSL's own types where it has them; ASN1_ITEM
// templates for the Microsoft structures it does not know.
#include <arpa/inet.h>
#include <openssl/asn1t.h>

#include <cctype>

#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/der.h"
#include "openadcs/util/oid.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {
namespace {

using internal::FromDer;

// CertificateTemplateOID (MS-WCCE 2.2.2.7.7.2); the versions are OPTIONAL.
struct TemplateOidAsn1 {
  ASN1_OBJECT* id;
  ASN1_INTEGER* major;
  ASN1_INTEGER* minor;
};
// clang-format off
ASN1_SEQUENCE(TemplateOidAsn1) = {
    ASN1_SIMPLE(TemplateOidAsn1, id, ASN1_OBJECT),
    ASN1_OPT(TemplateOidAsn1, major, ASN1_INTEGER),
    ASN1_OPT(TemplateOidAsn1, minor, ASN1_INTEGER),
} ASN1_SEQUENCE_END(TemplateOidAsn1)
using TemplateOidPtr = internal::ItemPtr<TemplateOidAsn1, TemplateOidAsn1_it>;
// clang-format on

// CertificateTemplateName as MS-WCCE 2.2.2.7.7.1 spells it: SEQUENCE { UTF8String }.
struct TemplateNameAsn1 {
  ASN1_UTF8STRING* name;
};
// clang-format off
ASN1_SEQUENCE(TemplateNameAsn1) = {
    ASN1_SIMPLE(TemplateNameAsn1, name, ASN1_UTF8STRING),
} ASN1_SEQUENCE_END(TemplateNameAsn1)
constexpr char kUpnOid[] = "1.3.6.1.4.1.311.20.2.3";
// clang-format on
constexpr char kGuidOid[] = "1.3.6.1.4.1.311.25.1";
constexpr char kObjectSidOid[] = "1.3.6.1.4.1.311.25.2.1";
// Values longer than this in a SAN are not names anyone enrolls for.
constexpr std::size_t kMaxSanValueLength = 4096;
constexpr std::uint8_t kTagUtf8String = 0x0C;
constexpr std::uint8_t kTagBmpString = 0x1E;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagOid = 0x06;

ossl::Asn1ObjectPtr KnownOid(const char* dotted) {
  return internal::DottedOid(dotted);
}

// SEQUENCE OF the OIDs, each alone in a SEQUENCE when `wrapped` (a
// PolicyInformation without qualifiers); empty when one is not a dotted OID.
// Written directly: through OpenSSL's stacks of objects this cost more than
// the rest of the policy, on every issuance.
Bytes OidSequence(std::span<const std::string> oids, bool wrapped) {
  Bytes content;
  for (const std::string& oid : oids) {
    const Bytes encoded = OidContent(oid);
    if (encoded.empty()) return {};
    if (wrapped) {
      der::AppendTlv(content, kTagSequence, der::Tlv(kTagOid, encoded));
    } else {
      der::AppendTlv(content, kTagOid, encoded);
    }
  }
  return der::Tlv(kTagSequence, content);
}

Bytes PoliciesDer(std::span<const std::string> oids) {
  return OidSequence(oids, /*wrapped=*/true);
}

// A non-negative INTEGER, minimal octets.
void AppendUnsigned(Bytes& out, std::uint32_t v) {
  std::uint8_t octets[5];
  std::size_t n = 0;
  do {
    octets[n++] = static_cast<std::uint8_t>(v);
    v >>= 8;
  } while (v != 0);
  if ((octets[n - 1] & 0x80) != 0) octets[n++] = 0;
  out.push_back(kTagInteger);
  out.push_back(static_cast<std::uint8_t>(n));
  while (n > 0) out.push_back(octets[--n]);
}

std::optional<std::string> Utf8Of(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

// An ASN1_STRING of `type` holding `utf8` converted to that type; null when
// the text does not fit (non-ASCII in an IA5String, invalid UTF-8).
internal::Asn1StringPtr StringOfType(std::string_view utf8, unsigned long type_mask) {
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  ASN1_STRING* out = nullptr;
  if (ASN1_mbstring_copy(&out, reinterpret_cast<const unsigned char*>(utf8.data()),
                         static_cast<int>(utf8.size()), MBSTRING_UTF8, type_mask) < 0) {
    return nullptr;
  }
  return internal::Asn1StringPtr(out);
}

internal::Asn1StringPtr Ia5(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return nullptr;
  }
  return StringOfType(s, B_ASN1_IA5STRING);
}

// otherName { oid, [0] EXPLICIT value }; null when OpenSSL cannot allocate.
GENERAL_NAME* OtherName(const char* oid, int value_type, internal::Asn1StringPtr value) {
  internal::GeneralNamePtr gen(GENERAL_NAME_new());
  ossl::Asn1ObjectPtr type_id = KnownOid(oid);
  internal::Asn1TypePtr any(ASN1_TYPE_new());
  if (gen == nullptr || type_id == nullptr || any == nullptr || value == nullptr) return nullptr;
  ASN1_TYPE_set(any.get(), value_type, value.release());
  if (GENERAL_NAME_set0_othername(gen.get(), type_id.get(), any.get()) != 1) return nullptr;
  static_cast<void>(type_id.release());  // owned by gen now
  static_cast<void>(any.release());      // ownership moved above
  return gen.release();
}

// "{00112233-4455-6677-8899-aabbccddeeff}" (braces optional) in Windows byte
// order, or 32 hex digits as the 16 bytes in order.
std::optional<Bytes> ParseGuid(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, 36);
  }
  if (text.size() == 32) {
    std::optional<Bytes> raw = HexDecode(text);
    if (!raw || raw->size() != 16) return std::nullopt;
    return raw;
  }
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return std::nullopt;
  }
  std::string hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    if (std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
    hex.push_back(text[i]);
  }
  std::optional<Bytes> b = HexDecode(hex);
  if (!b || b->size() != 16) return std::nullopt;
  // Data1 (4 bytes), Data2 and Data3 (2 bytes each) are little-endian in a GUID.
  Bytes& g = *b;
  std::swap(g[0], g[3]);
  std::swap(g[1], g[2]);
  std::swap(g[4], g[5]);
  std::swap(g[6], g[7]);
  return b;
}

Result<GENERAL_NAME*> MakeGeneralName(std::string_view type, const std::string& value) {
  std::string t = ToLowerAscii(type);
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("subject alternative name " + t + "=\"" + value +
                                   "\": " + std::string(why));
  };
  if (value.empty()) return bad("empty value");
  if (value.size() > kMaxSanValueLength) return bad("value too long");

  int ia5_type = -1;
  if (t == "dns") {
    ia5_type = GEN_DNS;
  } else if (t == "email") {
    if (value.find('@') == std::string::npos) return bad("no '@'");
    ia5_type = GEN_EMAIL;
  } else if (t == "url") {
    if (value.find(':') == std::string::npos) return bad("no scheme");
    ia5_type = GEN_URI;
  }
  if (ia5_type >= 0) {
    for (char c : value) {
      if (c <= ' ' || c == 0x7F) return bad("space or control character");
    }
    internal::Asn1StringPtr s = Ia5(value);
    if (s == nullptr) return bad("not ASCII");
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (gen == nullptr) return Status::Internal("GENERAL_NAME_new");
    GENERAL_NAME_set0_value(gen, ia5_type, s.release());
    return gen;
  }
  if (t == "upn") {
    internal::Asn1StringPtr s = StringOfType(value, B_ASN1_UTF8STRING);
    if (s == nullptr) return bad("not UTF-8");
    GENERAL_NAME* gen = OtherName(kUpnOid, V_ASN1_UTF8STRING, std::move(s));
    if (gen == nullptr) return Status::Internal("otherName: " + ossl::ErrorText());
    return gen;
  }
  if (t == "ipaddress") {
    unsigned char addr[16];
    int len = 0;
    if (inet_pton(AF_INET, value.c_str(), addr) == 1) {
      len = 4;
    } else if (inet_pton(AF_INET6, value.c_str(), addr) == 1) {
      len = 16;
    } else {
      return bad("not an IPv4 or IPv6 address");
    }
    ossl::Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (os == nullptr || gen == nullptr || ASN1_OCTET_STRING_set(os.get(), addr, len) != 1) {
      GENERAL_NAME_free(gen);
      return Status::Internal("iPAddress: " + ossl::ErrorText());
    }
    GENERAL_NAME_set0_value(gen, GEN_IPADD, os.release());
    return gen;
  }
  if (t == "guid") {
    std::optional<Bytes> guid = ParseGuid(value);
    if (!guid) return bad("not a GUID");
    internal::Asn1StringPtr os(ASN1_OCTET_STRING_new());
    if (os == nullptr || ASN1_OCTET_STRING_set(os.get(), guid->data(), 16) != 1) {
      return Status::Internal("GUID: " + ossl::ErrorText());
    }
    GENERAL_NAME* gen = OtherName(kGuidOid, V_ASN1_OCTET_STRING, std::move(os));
    if (gen == nullptr) return Status::Internal("otherName: " + ossl::ErrorText());
    return gen;
  }
  if (t == "dn") {
    Result<ossl::X509NamePtr> name = ParseDistinguishedName(value);
    if (!name.ok()) return bad(name.status().message());
    if (X509_NAME_entry_count(name->get()) == 0) return bad("empty name");
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (gen == nullptr) return Status::Internal("GENERAL_NAME_new");
    GENERAL_NAME_set0_value(gen, GEN_DIRNAME, name->release());
    return gen;
  }
  return Status::InvalidArgument("unknown subject alternative name type '" + std::string(type) +
                                 "'");
}

std::optional<std::vector<std::string>> PolicyOids(std::span<const std::uint8_t> der) {
  auto policies = FromDer<internal::PoliciesPtr>(d2i_CERTIFICATEPOLICIES, der);
  if (policies == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i) {
    std::string oid = internal::OidText(sk_POLICYINFO_value(policies.get(), i)->policyid);
    if (oid.empty()) return std::nullopt;
    out.push_back(std::move(oid));
  }
  return out;
}

std::optional<std::string> SidOf(const OTHERNAME* other) {
  if (OBJ_cmp(other->type_id, KnownOid(kObjectSidOid).get()) != 0) return std::nullopt;
  if (other->value == nullptr || other->value->type != V_ASN1_OCTET_STRING) return std::nullopt;
  const ASN1_OCTET_STRING* os = other->value->value.octet_string;
  const unsigned char* p = ASN1_STRING_get0_data(os);
  std::string sid(reinterpret_cast<const char*>(p),
                  static_cast<std::size_t>(ASN1_STRING_length(os)));
  if (sid.empty()) return std::nullopt;
  for (char c : sid) {
    if (c < 0x21 || c > 0x7E) return std::nullopt;
  }
  return sid;
}

}  // namespace

namespace ext {

bool IsValidOid(std::string_view oid) {
  return !OidContent(oid).empty();
}

Bytes BasicConstraints(bool ca, std::optional<std::uint32_t> path_length) {
  internal::BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (bc == nullptr) return {};
  bc->ca = ca ? 0xFF : 0;
  if (ca && path_length) {
    bc->pathlen = ASN1_INTEGER_new();
    if (bc->pathlen == nullptr || ASN1_INTEGER_set_uint64(bc->pathlen, *path_length) != 1)
      return {};
  }
  return ossl::ToDer(bc.get(), i2d_BASIC_CONSTRAINTS);
}

Bytes KeyUsage(std::uint16_t bits) {
  internal::Asn1BitStringPtr bs(ASN1_BIT_STRING_new());
  if (bs == nullptr) return {};
  for (int bit = 0; bit < 16; ++bit) {
    if ((bits & (1u << bit)) != 0 && ASN1_BIT_STRING_set_bit(bs.get(), bit, 1) != 1) return {};
  }
  // i2d drops trailing zero bits, as DER asks of a NamedBitList.
  return ossl::ToDer(bs.get(), i2d_ASN1_BIT_STRING);
}

Bytes ExtendedKeyUsage(std::span<const std::string> oids) {
  return OidSequence(oids, /*wrapped=*/false);
}

Bytes ApplicationPolicies(std::span<const std::string> oids) {
  return PoliciesDer(oids);
}

Bytes CertificatePolicies(std::span<const std::string> oids) {
  return PoliciesDer(oids);
}

Bytes TemplateOid(const std::string& oid, std::uint32_t major, std::uint32_t minor) {
  const Bytes encoded = OidContent(oid);
  if (encoded.empty()) return {};
  Bytes content = der::Tlv(kTagOid, encoded);
  AppendUnsigned(content, major);
  AppendUnsigned(content, minor);
  return der::Tlv(kTagSequence, content);
}

Bytes TemplateName(const std::string& name) {
  internal::Asn1StringPtr bmp = StringOfType(name, B_ASN1_BMPSTRING);
  if (bmp == nullptr) return {};
  return ossl::ToDer(bmp.get(), i2d_ASN1_BMPSTRING);
}

Bytes SidSecurity(const std::string& sid) {
  internal::Asn1StringPtr os(ASN1_OCTET_STRING_new());
  if (os == nullptr || sid.size() > static_cast<std::size_t>(INT_MAX) ||
      ASN1_OCTET_STRING_set(os.get(), reinterpret_cast<const unsigned char*>(sid.data()),
                            static_cast<int>(sid.size())) != 1) {
    return {};
  }
  internal::GeneralNamePtr gen(OtherName(kObjectSidOid, V_ASN1_OCTET_STRING, std::move(os)));
  if (gen == nullptr) return {};
  internal::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr || sk_GENERAL_NAME_push(names.get(), gen.get()) <= 0) return {};
  static_cast<void>(gen.release());  // owned by names now
  return ossl::ToDer(names.get(), i2d_GENERAL_NAMES);
}

Result<Bytes> SubjectAltName(std::span<const std::pair<std::string, std::string>> names) {
  if (names.empty()) return Status::InvalidArgument("subject alternative name without names");
  internal::GeneralNamesPtr out(sk_GENERAL_NAME_new_null());
  if (out == nullptr) return Status::Internal("sk_GENERAL_NAME_new_null");
  for (const auto& [type, value] : names) {
    Result<GENERAL_NAME*> gen = MakeGeneralName(type, value);
    if (!gen.ok()) return gen.status();
    if (sk_GENERAL_NAME_push(out.get(), *gen) <= 0) {
      GENERAL_NAME_free(*gen);
      return Status::Internal("sk_GENERAL_NAME_push");
    }
  }
  Bytes der = ossl::ToDer(out.get(), i2d_GENERAL_NAMES);
  if (der.empty()) return Status::Internal("i2d_GENERAL_NAMES: " + ossl::ErrorText());
  return der;
}

Bytes Integer(std::int64_t v) {
  ossl::Asn1IntegerPtr i(ASN1_INTEGER_new());
  if (i == nullptr || ASN1_INTEGER_set_int64(i.get(), v) != 1) return {};
  return ossl::ToDer(i.get(), i2d_ASN1_INTEGER);
}

Bytes Time(std::int64_t unix_seconds) {
  ossl::Asn1TimePtr t = internal::UnixToAsn1Time(unix_seconds);
  if (t == nullptr) return {};
  return ossl::ToDer(t.get(), i2d_ASN1_TIME);
}

Bytes Ia5String(const std::string& s) {
  internal::Asn1StringPtr ia5 = Ia5(s);
  if (ia5 == nullptr) return {};
  return ossl::ToDer(ia5.get(), i2d_ASN1_IA5STRING);
}

}  // namespace ext

namespace ext_decode {

std::optional<std::vector<std::string>> ExtendedKeyUsage(std::span<const std::uint8_t> der) {
  auto eku = FromDer<internal::EkuPtr>(d2i_EXTENDED_KEY_USAGE, der);
  if (eku == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    std::string oid = internal::OidText(sk_ASN1_OBJECT_value(eku.get(), i));
    if (oid.empty()) return std::nullopt;
    out.push_back(std::move(oid));
  }
  return out;
}

std::optional<std::vector<std::string>> ApplicationPolicies(std::span<const std::uint8_t> der) {
  return PolicyOids(der);
}

std::optional<TemplateOidValue> TemplateOid(std::span<const std::uint8_t> der) {
  TemplateOidPtr value = internal::ItemFromDer<TemplateOidAsn1, TemplateOidAsn1_it>(der);
  if (value == nullptr) return std::nullopt;
  TemplateOidValue out;
  out.oid = internal::OidText(value->id);
  if (out.oid.empty()) return std::nullopt;
  for (auto [field, target] :
       {std::pair{value->major, &out.major}, std::pair{value->minor, &out.minor}}) {
    if (field == nullptr) continue;
    std::uint64_t v = 0;
    if (ASN1_INTEGER_get_uint64(&v, field) != 1 || v > UINT32_MAX) return std::nullopt;
    *target = static_cast<std::uint32_t>(v);
  }
  return out;
}

std::optional<std::string> TemplateName(std::span<const std::uint8_t> der) {
  if (der.empty()) return std::nullopt;
  switch (der[0]) {
    case kTagBmpString: {
      auto s = FromDer<internal::Asn1StringPtr>(d2i_ASN1_BMPSTRING, der);
      return s == nullptr ? std::nullopt : Utf8Of(s.get());
    }
    case kTagUtf8String: {
      auto s = FromDer<internal::Asn1StringPtr>(d2i_ASN1_UTF8STRING, der);
      return s == nullptr ? std::nullopt : Utf8Of(s.get());
    }
    case kTagSequence: {
      auto seq = internal::ItemFromDer<TemplateNameAsn1, TemplateNameAsn1_it>(der);
      return seq == nullptr ? std::nullopt : Utf8Of(seq->name);
    }
    default: return std::nullopt;
  }
}

std::optional<std::string> SidSecurity(std::span<const std::uint8_t> der) {
  auto names = FromDer<internal::GeneralNamesPtr>(d2i_GENERAL_NAMES, der);
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
      if (gen->type != GEN_OTHERNAME) continue;
      if (std::optional<std::string> sid = SidOf(gen->d.otherName)) return sid;
    }
    return std::nullopt;
  }
  auto other = FromDer<internal::OtherNamePtr>(d2i_OTHERNAME, der);
  if (other == nullptr) return std::nullopt;
  return SidOf(other.get());
}

}  // namespace ext_decode
}  // namespace openadcs::pki
