// Building and signing what the CA issues: certificates, CRLs, and the
// degenerate CMS (certificates only, no signers) that carries a chain. The
// policy decides what goes in; these functions only encode and sign.
#ifndef OPENADCS_PKI_X509_BUILDER_H_
#define OPENADCS_PKI_X509_BUILDER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

struct CertificateExtension {
  std::string oid;  // dotted
  bool critical = false;
  Bytes value;  // extnValue contents (DER)
};

struct CertificateSpec {
  Bytes serial;  // big-endian, positive (top bit clear), non-zero, <= 20 octets
  // Not owned, non-null; may be an empty name when a SAN is present.
  const X509_NAME* subject = nullptr;
  // The subject's SubjectPublicKeyInfo as the request carried it; not owned.
  // It is copied as encoded, never decoded into a key.
  const X509_PUBKEY* public_key = nullptr;
  std::int64_t not_before = 0;  // Unix seconds
  std::int64_t not_after = 0;
  // Written in this order after the builder's own SKI and AKI (AKI from the
  // CA's SKI). An entry whose OID is SKI or AKI replaces the builder's (and
  // is written at its place in this list). No OID may appear twice.
  std::vector<CertificateExtension> extensions;
};

// A certificate as BuildCertificate wrote it, with the parts the CA
// database indexes, so that nobody decodes what was just encoded.
struct BuiltCertificate {
  Bytes der;              // the signed Certificate
  Bytes subject_key_id;   // the SKI's keyIdentifier as written (empty if unreadable)
  Bytes public_key_info;  // the SubjectPublicKeyInfo DER
};

// Builds an X.509 v3 certificate issued by `ca` and signs it. The DER is
// written directly (with the CA's cached signature AlgorithmIdentifier):
// building an X509 object and encoding it costs OpenSSL more than an ECDSA
// signature. Validity times are UTCTime before 2050 and GeneralizedTime
// from 2050 (RFC 5280). Errors: InvalidArgument for a bad serial, a missing
// subject or key, not_after before not_before, a time outside years
// 0-9999, a malformed or repeated extension OID, an empty extension value;
// Internal when OpenSSL fails.
Result<BuiltCertificate> BuildCertificate(const CertificateSpec& spec, const CaIdentity& ca);

struct CrlEntry {
  Bytes serial;
  std::int64_t revocation_date = 0;
  std::uint32_t reason = 0;  // CRLReason; 0 (unspecified) is written without the extension
};

struct CrlSpec {
  std::uint32_t number = 0;
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::vector<CrlEntry> entries;
  // Set: a delta CRL whose Delta CRL Indicator (2.5.29.27, critical, RFC
  // 5280 5.2.4) names this base CRL number.
  std::optional<std::uint32_t> delta_base;
  // Non-empty: the DER value of a Freshest CRL extension (2.5.29.46,
  // non-critical, RFC 5280 5.2.6; see ext::CrlDistributionPoints).
  Bytes freshest_crl;
  // Non-zero: when the CA means to publish the next CRL of this kind, in
  // the CRL Next Publish extension (1.3.6.1.4.1.311.21.4, MS-CSRA
  // 3.1.4.1.6), by which Windows relying parties fetch the next CRL before
  // nextUpdate.
  std::int64_t next_publish = 0;
};

// Builds a v2 CRL (CRL number, AKI, CA Version 0 (1.3.6.1.4.1.311.21.1: the
// CA's first certificate and key), CRL Next Publish when set, and the delta
// indicator and freshest CRL when asked) signed by `ca`, and checks its
// signature against the CA certificate as MS-CSRA 3.1.4.1.6 asks before
// publishing; returns its DER. Entries are written sorted by serial.
// InvalidArgument for a bad entry serial, a reason that is not a CRLReason
// (0-10 except 7), next_update not after this_update, a delta base not below
// the number, or a time outside years 0-9999; NTE_BAD_SIGNATURE when the
// signature does not verify (a key that does not match the certificate, a
// faulty signer).
Result<Bytes> BuildCrl(const CrlSpec& spec, const CaIdentity& ca);

// A degenerate CMS SignedData with `certs` in order (DER in, DER out): no
// signers, no eContent, certificates written in the given order (not sorted
// as DER would sort a SET OF; clients read the chain in this order).
// The certificates are copied as given, not parsed: InvalidArgument for an
// empty list or an entry that is not exactly one DER SEQUENCE.
Result<Bytes> BuildCertChainCms(std::span<const Bytes> certs);

// DER encoders for extension values the CA writes (MS-WCCE 2.2.2.7.7).
// The encoders below return empty Bytes when their input cannot be encoded
// (an OID that is not dotted, a string its ASN.1 type cannot hold, a time
// outside years 0-9999); callers holding untrusted input check it first
// (IsValidOid) or test for empty.
namespace ext {
// A dotted OID with at least two arcs that OpenSSL can encode.
bool IsValidOid(std::string_view oid);
// path_length is written only when ca is true (RFC 5280 4.2.1.9).
Bytes BasicConstraints(bool ca, std::optional<std::uint32_t> path_length);
Bytes KeyUsage(std::uint16_t bits);  // bit 0 = digitalSignature (X.509 numbering)
Bytes ExtendedKeyUsage(std::span<const std::string> oids);
// 1.3.6.1.4.1.311.21.10: SEQUENCE OF SEQUENCE { policyIdentifier OID }.
Bytes ApplicationPolicies(std::span<const std::string> oids);
// 2.5.29.32: SEQUENCE OF PolicyInformation without qualifiers.
Bytes CertificatePolicies(std::span<const std::string> oids);
// 1.3.6.1.4.1.311.21.7: SEQUENCE { templateID OID, major INTEGER, minor INTEGER }.
Bytes TemplateOid(const std::string& oid, std::uint32_t major, std::uint32_t minor);
// 1.3.6.1.4.1.311.20.2: the template name as a bare BMPString, as Windows writes
// it. Empty for a name that is not UTF-8 within the BMP.
Bytes TemplateName(const std::string& name);
// 1.3.6.1.4.1.311.25.2: SEQUENCE { [0] otherName 1.3.6.1.4.1.311.25.2.1 [0] OCTET STRING sid }.
// That is GeneralNames holding one otherName whose value is the SID string
// ("S-1-5-21-...") as ASCII octets, as Windows writes it (MS-WCCE 2.2.2.7.7.4).
Bytes SidSecurity(const std::string& sid);
// 2.5.29.17 from (type, value) pairs, types in any case: dns, email, url
// (IA5String; ASCII, non-empty; email needs '@', url needs ':'), upn
// (otherName 1.3.6.1.4.1.311.20.2.3, UTF8String), ipaddress (IPv4 or IPv6
// text), guid (otherName 1.3.6.1.4.1.311.25.1: the 16 GUID bytes in Windows
// byte order, from "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" with or without
// braces, or 32 hex digits taken as those 16 bytes in order), dn (RFC 4514
// text, see ParseDistinguishedName in name.h; not empty). An empty list,
// unknown types or unparsable values: InvalidArgument.
Result<Bytes> SubjectAltName(std::span<const std::pair<std::string, std::string>> names);
// 2.5.29.31 with one DistributionPoint per URI (fullName, uniformResourceIdentifier).
// Freshest CRL (2.5.29.46) has the same syntax (RFC 5280 4.2.1.15).
Bytes CrlDistributionPoints(std::span<const std::string> uris);
// 1.3.6.1.5.5.7.1.1 with one caIssuers AccessDescription per URI.
Bytes AuthorityInfoAccess(std::span<const std::string> ca_issuer_uris);
// SetExtension values (MS-CSRA 3.1.4.1.1): LONG -> INTEGER, DATE (Unix
// seconds) -> UTCTime/GeneralizedTime, STRING -> IA5String; BINARY is raw.
Bytes Integer(std::int64_t v);
Bytes Time(std::int64_t unix_seconds);
Bytes Ia5String(const std::string& s);
}  // namespace ext

// Values read out of a DER extension value, for policy checks on what a
// request asked for. nullopt when the bytes do not parse.
namespace ext_decode {
std::optional<std::vector<std::string>> ExtendedKeyUsage(std::span<const std::uint8_t> der);
std::optional<std::vector<std::string>> ApplicationPolicies(std::span<const std::uint8_t> der);
// (major, minor, oid) of 1.3.6.1.4.1.311.21.7.
struct TemplateOidValue {
  std::string oid;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
};
std::optional<TemplateOidValue> TemplateOid(std::span<const std::uint8_t> der);
// Template name of 1.3.6.1.4.1.311.20.2: bare BMPString, or UTF8String, or SEQUENCE { UTF8String }.
std::optional<std::string> TemplateName(std::span<const std::uint8_t> der);
// The SID string of 1.3.6.1.4.1.311.25.2, in the GeneralNames form Windows
// writes or as a bare OtherName; nullopt unless it is printable ASCII.
std::optional<std::string> SidSecurity(std::span<const std::uint8_t> der);
}  // namespace ext_decode

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_X509_BUILDER_H_
