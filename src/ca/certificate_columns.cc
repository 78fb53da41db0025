#include "ca/certificate_columns.h"

#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "openadcs/pki/name.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"

namespace openadcs::ca {
namespace {

constexpr char kSubjectAltNameOid[] = "2.5.29.17";

std::string EntryText(const X509_NAME* name, int nid) {
  std::string out;
  int idx = -1;
  while ((idx = X509_NAME_get_index_by_NID(name, nid, idx)) >= 0) {
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (n < 0) continue;
    // Several values of one type are joined with '\n', as Windows shows them.
    if (!out.empty()) out.push_back('\n');
    out.append(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
  }
  return out;
}

std::int64_t ToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

// The subjectKeyIdentifier's value in hex, read from the extension itself:
// X509_get0_subject_key_id would first decode and cache every extension of
// the certificate (X509_check_purpose), which costs more than the rest of
// the columns together.
std::string SubjectKeyIdOf(const X509* cert) {
  const int idx = X509_get_ext_by_NID(cert, NID_subject_key_identifier, -1);
  if (idx < 0) return {};
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  long len = 0;
  int tag = 0;
  int cls = 0;
  const int ret = ASN1_get_object(&p, &len, &tag, &cls, ASN1_STRING_length(data));
  if ((ret & 0x80) != 0 || tag != V_ASN1_OCTET_STRING || cls != V_ASN1_UNIVERSAL) return {};
  return HexLower({p, static_cast<std::size_t>(len)});
}

// The first UPN otherName in `names`.
std::string UpnOf(const GENERAL_NAMES* names) {
  static const ossl::Asn1ObjectPtr upn_oid(OBJ_txt2obj("1.3.6.1.4.1.311.20.2.3", 1));
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_OTHERNAME) continue;
    if (OBJ_cmp(gn->d.otherName->type_id, upn_oid.get()) != 0) continue;
    const ASN1_TYPE* v = gn->d.otherName->value;
    if (v->type == V_ASN1_UTF8STRING) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v->value.utf8string)),
                         static_cast<std::size_t>(ASN1_STRING_length(v->value.utf8string)));
    }
  }
  return {};
}

using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>>;

std::string UpnOf(X509* cert) {
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  return names == nullptr ? std::string() : UpnOf(names.get());
}

std::string AlgorithmOf(const X509_PUBKEY* key) {
  ASN1_OBJECT* alg = nullptr;
  X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, key);
  if (alg == nullptr) return {};
  char buf[64];
  OBJ_obj2txt(buf, sizeof buf, alg, 1);
  return buf;
}

// The columns both kinds of certificate fill alike.
void FillCommonColumns(const X509_NAME* subject, EVP_PKEY* key,
                       const directory::CertificateTemplate& t, db::CertificateColumns& c) {
  unsigned char sha1[SHA_DIGEST_LENGTH] = {};
  // A failure (no memory) leaves a zero hash, which no lookup matches.
  EVP_Digest(c.raw_certificate.data(), c.raw_certificate.size(), sha1, nullptr,
             ossl::FetchedDigest(NID_sha1), nullptr);
  c.certificate_hash = HexLower(sha1);
  c.enrollment_flags = t.enrollment_flags;
  c.general_flags = t.general_flags;
  c.private_key_flags = t.private_key_flags;
  c.public_key_length = key != nullptr ? static_cast<std::uint32_t>(EVP_PKEY_get_bits(key)) : 0;
  c.distinguished_name = pki::FormatDistinguishedName(subject);
  c.subject = SubjectPartsOf(subject);
}

}  // namespace

db::SubjectParts SubjectPartsOf(const X509_NAME* name) {
  db::SubjectParts p;
  p.common_name = EntryText(name, NID_commonName);
  p.country = EntryText(name, NID_countryName);
  p.organization = EntryText(name, NID_organizationName);
  p.org_unit = EntryText(name, NID_organizationalUnitName);
  p.locality = EntryText(name, NID_localityName);
  p.state = EntryText(name, NID_stateOrProvinceName);
  p.email = EntryText(name, NID_pkcs9_emailAddress);
  p.domain_component = EntryText(name, NID_domainComponent);
  p.street_address = EntryText(name, NID_streetAddress);
  p.title = EntryText(name, NID_title);
  p.given_name = EntryText(name, NID_givenName);
  p.surname = EntryText(name, NID_surname);
  return p;
}

db::CertificateColumns CertificateColumnsOf(X509* cert, EVP_PKEY* key,
                                            const directory::CertificateTemplate& t) {
  db::CertificateColumns c;
  c.raw_certificate = ossl::ToDer(cert, i2d_X509);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  c.serial_number = HexLower(
      {ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))});
  c.not_before = ToUnix(X509_get0_notBefore(cert));
  c.not_after = ToUnix(X509_get0_notAfter(cert));
  c.subject_key_identifier = SubjectKeyIdOf(cert);
  c.raw_public_key = ossl::ToDer(X509_get_X509_PUBKEY(cert), i2d_X509_PUBKEY);
  c.public_key_algorithm = AlgorithmOf(X509_get_X509_PUBKEY(cert));
  c.upn = UpnOf(cert);
  FillCommonColumns(X509_get_subject_name(cert), key, t, c);
  return c;
}

db::CertificateColumns CertificateColumnsOf(pki::BuiltCertificate built,
                                            const pki::CertificateSpec& spec, EVP_PKEY* key,
                                            const directory::CertificateTemplate& t) {
  db::CertificateColumns c;
  c.raw_certificate = std::move(built.der);
  // The INTEGER's magnitude, as OpenSSL gives it for a decoded certificate.
  auto first =
      std::find_if(spec.serial.begin(), spec.serial.end(), [](std::uint8_t b) { return b != 0; });
  c.serial_number = HexLower({first, spec.serial.end()});
  c.not_before = spec.not_before;
  c.not_after = spec.not_after;
  c.subject_key_identifier = HexLower(built.subject_key_id);
  c.raw_public_key = std::move(built.public_key_info);
  c.public_key_algorithm = AlgorithmOf(spec.public_key);
  for (const pki::CertificateExtension& e : spec.extensions) {
    if (e.oid != kSubjectAltNameOid) continue;
    const unsigned char* p = e.value.data();
    GeneralNamesPtr names(d2i_GENERAL_NAMES(nullptr, &p, static_cast<long>(e.value.size())));
    if (names != nullptr) c.upn = UpnOf(names.get());
  }
  FillCommonColumns(spec.subject, key, t, c);
  return c;
}

std::optional<std::string> NormalizeSerial(std::string_view text) {
  std::string digits;
  for (char ch : text) {
    if (ch != ' ') digits.push_back(ch);
  }
  if (digits.empty()) return std::nullopt;
  if (digits.size() % 2 != 0) digits.insert(digits.begin(), '0');
  auto bytes = HexDecode(digits);
  if (!bytes) return std::nullopt;
  std::size_t skip = 0;
  while (skip + 1 < bytes->size() && (*bytes)[skip] == 0) ++skip;
  return HexLower(std::span<const std::uint8_t>(*bytes).subspan(skip));
}

}  // namespace openadcs::ca
