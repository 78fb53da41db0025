// Issued certificates: the fields the builder owns (version, serial, issuer,
// validity, SKI, AKI) and the policy's extensions, signed by the CA.
//
// The TBSCertificate is written as DER here and its bytes signed: through an
// X509 object, OpenSSL 3.0 duplicated the names and extensions into it,
// encoded it once to sign and once more for the caller's DER, and freed it,
// which together cost more than an ECDSA P-256 signature.
#include "openadcs/pki/x509_builder.h"

#include <algorithm>

#include "openadcs/util/der.h"
#include "openadcs/util/oid.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {

namespace {

using der::AppendTlv;
using der::Tlv;

constexpr std::uint8_t kTagBoolean = 0x01;
constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagBitString = 0x03;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagOid = 0x06;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagVersion = 0xA0;     // [0] EXPLICIT
constexpr std::uint8_t kTagExtensions = 0xA3;  // [3] EXPLICIT
// [0] EXPLICIT INTEGER 2 (v3).
constexpr std::uint8_t kVersion3[] = {kTagVersion, 0x03, kTagInteger, 0x01, 0x02};
// The content octets of id-ce-subjectKeyIdentifier and id-ce-authorityKeyIdentifier.
constexpr std::uint8_t kSkiOid[] = {0x55, 0x1D, 0x0E};
constexpr std::uint8_t kAkiOid[] = {0x55, 0x1D, 0x23};

bool Equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }
void AppendExtension(Bytes& out, std::span<const std::uint8_t> oid, bool critical,
                     std::span<const std::uint8_t> value) {
  Bytes ext;
  ext.reserve(oid.size() + value.size() + 16);
  AppendTlv(ext, kTagOid, oid);
  if (critical) ext.insert(ext.end(), {kTagBoolean, 0x01, 0xFF});
  AppendTlv(ext, kTagOctetString, value);
  AppendTlv(out, kTagSequence, ext);
}

// Time ::= UTCTime / GeneralizedTime, as UnixToAsn1Time chooses.
Status AppendTime(Bytes& out, std::int64_t unix_seconds) {
  ossl::Asn1TimePtr t = internal::UnixToAsn1Time(unix_seconds);
  if (t == nullptr) return Status::InvalidArgument("validity time outside years 0-9999");
  AppendTlv(
      out, static_cast<std::uint8_t>(ASN1_STRING_type(t.get())),
      {ASN1_STRING_get0_data(t.get()), static_cast<std::size_t>(ASN1_STRING_length(t.get()))});
  return Status::Ok();
}

Result<std::span<const std::uint8_t>> NameDer(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  std::size_t len = 0;
  if (X509_NAME_get0_der(name, &der, &len) != 1) {
    return Status::Internal("encoding a name: " + ossl::ErrorText());
  }
  return std::span<const std::uint8_t>(der, len);
}

// The keyIdentifier inside a SubjectKeyIdentifier value (an OCTET STRING);
// empty when it is not one.
Bytes KeyIdOfSkiValue(std::span<const std::uint8_t> value) {
  const unsigned char* p = value.data();
  long len = 0;
  int tag = 0;
  int cls = 0;
  const int ret = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(value.size()));
  if ((ret & 0x80) != 0 || tag != V_ASN1_OCTET_STRING || cls != V_ASN1_UNIVERSAL) return {};
  return Bytes(p, p + len);
}

}  // namespace

Result<BuiltCertificate> BuildCertificate(const CertificateSpec& spec, const CaIdentity& ca) {
  if (spec.public_key == nullptr) {
    return Status::InvalidArgument("certificate has no public key");
  }
  if (spec.subject == nullptr) return Status::InvalidArgument("certificate has no subject");
  Result<Bytes> serial = internal::SerialContent(spec.serial);
  if (!serial.ok()) return serial.status();

  std::vector<Bytes> oids;
  oids.reserve(spec.extensions.size());
  bool has_ski = false;
  bool has_aki = false;
  for (const CertificateExtension& e : spec.extensions) {
    Bytes oid = OidContent(e.oid);
    if (oid.empty()) return Status::InvalidArgument("bad extension OID '" + e.oid + "'");
    if (e.value.empty()) {
      return Status::InvalidArgument("extension " + e.oid + " has an empty value");
    }
    for (const Bytes& seen : oids) {
      if (seen == oid) return Status::InvalidArgument("extension " + e.oid + " appears twice");
    }
    has_ski = has_ski || Equal(oid, kSkiOid);
    has_aki = has_aki || Equal(oid, kAkiOid);
    oids.push_back(std::move(oid));
  }
  if (spec.not_after < spec.not_before) {
    return Status::InvalidArgument("validity ends (" + std::to_string(spec.not_after) +
                                   ") before it starts (" + std::to_string(spec.not_before) + ")");
  }
  Bytes validity;
  OPENADCS_RETURN_IF_ERROR(AppendTime(validity, spec.not_before));
  OPENADCS_RETURN_IF_ERROR(AppendTime(validity, spec.not_after));
  Result<std::span<const std::uint8_t>> issuer = NameDer(X509_get_subject_name(ca.certificate()));
  if (!issuer.ok()) return issuer.status();
  Result<std::span<const std::uint8_t>> subject = NameDer(spec.subject);
  if (!subject.ok()) return subject.status();

  BuiltCertificate built;
  built.public_key_info = ossl::ToDer(spec.public_key, i2d_X509_PUBKEY);
  if (built.public_key_info.empty()) {
    return Status::InvalidArgument("the public key does not encode: " + ossl::ErrorText());
  }
  Bytes extensions;
  if (!has_ski) {
    Result<Bytes> key_id = internal::KeyIdentifier(spec.public_key);
    if (!key_id.ok()) return key_id.status();
    AppendExtension(extensions, kSkiOid, false, internal::SubjectKeyIdValue(*key_id));
    built.subject_key_id = std::move(*key_id);
  }
  if (!has_aki) {
    Result<Bytes> ca_key_id = internal::IssuerKeyIdentifier(ca.certificate());
    if (!ca_key_id.ok()) return ca_key_id.status();
    AppendExtension(extensions, kAkiOid, false, internal::AuthorityKeyIdValue(*ca_key_id));
  }
  for (std::size_t i = 0; i < spec.extensions.size(); ++i) {
    const CertificateExtension& e = spec.extensions[i];
    AppendExtension(extensions, oids[i], e.critical, e.value);
    if (Equal(oids[i], kSkiOid)) built.subject_key_id = KeyIdOfSkiValue(e.value);
  }

  const Bytes& algorithm = ca.signature_algorithm();
  Bytes tbs_content;
  tbs_content.reserve(sizeof kVersion3 + serial->size() + algorithm.size() + issuer->size() +
                      validity.size() + subject->size() + built.public_key_info.size() +
                      extensions.size() + 32);
  tbs_content.insert(tbs_content.end(), std::begin(kVersion3), std::end(kVersion3));
  AppendTlv(tbs_content, kTagInteger, *serial);
  tbs_content.insert(tbs_content.end(), algorithm.begin(), algorithm.end());
  tbs_content.insert(tbs_content.end(), issuer->begin(), issuer->end());
  AppendTlv(tbs_content, kTagSequence, validity);
  tbs_content.insert(tbs_content.end(), subject->begin(), subject->end());
  tbs_content.insert(tbs_content.end(), built.public_key_info.begin(), built.public_key_info.end());
  AppendTlv(tbs_content, kTagExtensions, Tlv(kTagSequence, extensions));
  const Bytes tbs = Tlv(kTagSequence, tbs_content);

  Result<Bytes> signature = ca.SignBytes(tbs);
  if (!signature.ok()) return signature.status();
  Bytes bits;
  bits.reserve(signature->size() + 1);
  bits.push_back(0);  // no unused bits
  bits.insert(bits.end(), signature->begin(), signature->end());
  Bytes certificate;
  certificate.reserve(tbs.size() + algorithm.size() + bits.size() + 8);
  certificate.insert(certificate.end(), tbs.begin(), tbs.end());
  certificate.insert(certificate.end(), algorithm.begin(), algorithm.end());
  AppendTlv(certificate, kTagBitString, bits);
  built.der = Tlv(kTagSequence, certificate);
  return built;
}

}  // namespace openadcs::pki
