// Building and signing what the CA issues: certificates, CRLs, and the
// degenerate CMS (certificates only, no signers) that carries a chain. The
// policy decides what goes in; these functions only encode and sign.
#ifndef OPENADCS_PKI_X509_BUILDER_H_
#define OPENADCS_PKI_X509_BUILDER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

struct CertificateExtension {
  std::string oid;  // dotted
  bool critical = false;
  Bytes value;      // extnValue contents (DER)
};

struct CertificateSpec {
  Bytes serial;                 // big-endian, positive (top bit clear), non-zero
  const X509_NAME* subject = nullptr;   // not owned; may be an empty name when a SAN is present
  EVP_PKEY* public_key = nullptr;       // not owned
  std::int64_t not_before = 0;  // Unix seconds
  std::int64_t not_after = 0;
  // Written in this order after the builder's own SKI and AKI (AKI from the
  // CA's SKI). An entry whose OID is SKI or AKI replaces the builder's.
  std::vector<CertificateExtension> extensions;
};

// Builds an X.509 v3 certificate issued by `ca` and signs it.
Result<ossl::X509Ptr> BuildCertificate(const CertificateSpec& spec, const CaIdentity& ca);

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
};

// Builds a v2 CRL (CRL number, AKI) signed by `ca`; returns its DER.
Result<Bytes> BuildCrl(const CrlSpec& spec, const CaIdentity& ca);

// A degenerate CMS SignedData with `certs` in order (DER in, DER out).
Result<Bytes> BuildCertChainCms(std::span<const Bytes> certs);

// DER encoders for extension values the CA writes (MS-WCCE 2.2.2.7.7).
namespace ext {
Bytes BasicConstraints(bool ca, std::optional<std::uint32_t> path_length);
Bytes KeyUsage(std::uint16_t bits);  // bit 0 = digitalSignature (X.509 numbering)
Bytes ExtendedKeyUsage(std::span<const std::string> oids);
// 1.3.6.1.4.1.311.21.10: SEQUENCE OF SEQUENCE { policyIdentifier OID }.
Bytes ApplicationPolicies(std::span<const std::string> oids);
// 2.5.29.32: SEQUENCE OF PolicyInformation without qualifiers.
Bytes CertificatePolicies(std::span<const std::string> oids);
// 1.3.6.1.4.1.311.21.7: SEQUENCE { templateID OID, major INTEGER, minor INTEGER }.
Bytes TemplateOid(const std::string& oid, std::uint32_t major, std::uint32_t minor);
// 1.3.6.1.4.1.311.20.2: the template name as a bare BMPString, as Windows writes it.
Bytes TemplateName(const std::string& name);
// 1.3.6.1.4.1.311.25.2: SEQUENCE { [0] otherName 1.3.6.1.4.1.311.25.2.1 [0] OCTET STRING sid }.
Bytes SidSecurity(const std::string& sid);
// 2.5.29.17 from (type, value) pairs: dns, email, upn, url, ipaddress, guid, dn.
// Unknown types or unparsable values: InvalidArgument.
Result<Bytes> SubjectAltName(std::span<const std::pair<std::string, std::string>> names);
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
std::optional<std::string> SidSecurity(std::span<const std::uint8_t> der);
}  // namespace ext_decode

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_X509_BUILDER_H_
