// Directory entries and the parsers that turn AD CS objects into the typed
// model: pKICertificateTemplate entries into CertificateTemplate (MS-CRTD 2),
// pKIEnrollmentService entries into EnrollmentService (MS-WCCE 3.2.2.1).
// Every template source feeds these: the LDIF folder, and LDAP searches of
// slapd, Samba AD or Windows AD. What differs between those servers is
// absorbed here:
//  - attribute names compare case-insensitively, and options after ';'
//    (e.g. "pKIKeyUsage;binary") are dropped;
//  - INTEGER attributes arrive as decimal text; flag attributes are accepted
//    both as signed 32-bit values (AD and Samba write 0xA6000000 as
//    -1509949440) and as unsigned ones (a slapd schema may hold 2785017856);
//  - pKIExpirationPeriod / pKIOverlapPeriod are 8-byte little-endian negative
//    counts of 100 ns units (a relative FILETIME), converted to seconds;
//  - pKIKeyUsage is the KeyUsage bit string's bytes (see below);
//  - list attributes keep every value, in the order delivered.
#ifndef OPENADCS_DIRECTORY_TEMPLATE_ENTRY_H_
#define OPENADCS_DIRECTORY_TEMPLATE_ENTRY_H_

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openadcs/directory/certificate_template.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

inline constexpr std::string_view kTemplateObjectClass = "pKICertificateTemplate";
inline constexpr std::string_view kEnrollmentServiceObjectClass = "pKIEnrollmentService";

// ASCII case-insensitive ordering, as LDAP compares attribute descriptions.
struct AttributeNameLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// One directory object: its DN and its attributes' values as raw bytes
// (LDAP values, or LDIF values after base64 decoding).
class DirectoryEntry {
 public:
  using Attributes = std::map<std::string, std::vector<Bytes>, AttributeNameLess>;

  DirectoryEntry() = default;
  explicit DirectoryEntry(std::string dn) : dn_(std::move(dn)) {}

  const std::string& dn() const { return dn_; }
  const Attributes& attributes() const { return attributes_; }

  // Appends one value to the attribute named by `description`; options
  // after ';' are dropped, so "pkikeyusage;binary" and "pKIKeyUsage" are
  // one attribute.
  void Add(std::string_view description, Bytes value);
  void AddText(std::string_view description, std::string_view value);

  // The values of `name` in the order added; empty when absent.
  std::span<const Bytes> Values(std::string_view name) const;
  // True when objectClass holds `object_class` (case-insensitive).
  bool HasObjectClass(std::string_view object_class) const;

 private:
  std::string dn_;
  Attributes attributes_;
};

// Parses a pKICertificateTemplate entry. Attributes the model does not hold
// are ignored; absent ones keep the model's defaults, except cn (required)
// and, for schema version 2 and later, msPKI-Cert-Template-OID (required).
// Failures are InvalidArgument with a message that starts with the name of
// the attribute at fault (e.g. "pKIExpirationPeriod: expected 8 bytes, got
// 7"); callers log it with the entry's DN and skip the entry.
//
// Conversions:
//  - flags, msPKI-Enrollment-Flag, msPKI-Private-Key-Flag,
//    msPKI-Certificate-Name-Flag: -2^31 .. 2^32-1, kept as the 32-bit pattern.
//  - revision, msPKI-Template-Minor-Revision, msPKI-Minimal-Key-Size,
//    msPKI-RA-Signature, pKIDefaultKeySpec: 0 .. 2^31-1.
//  - msPKI-Template-Schema-Version: 1 .. 4 (absent: 1).
//  - pKIMaxIssuingDepth: -1 (unlimited) .. 2^31-1.
//  - periods: seconds = -(value / 10^7), truncated; positive values (an
//    absolute FILETIME) are rejected.
//  - pKIKeyUsage: 1 or 2 bytes, the content of the X.509 KeyUsage BIT
//    STRING without its unused-bits octet: byte 0 bit 7 (0x80) is X.509 bit
//    0 (digitalSignature), byte 0 bit 0 is bit 7 (encipherOnly), byte 1 bit
//    7 is bit 8 (decipherOnly). The uint16 holds X.509 bit n at 1 << n
//    (LSB = digitalSignature), as pki::ext::KeyUsage takes it:
//    "a0 00" -> 0x0005 (digitalSignature | keyEncipherment),
//    "86 00" -> 0x0061 (digitalSignature | keyCertSign | cRLSign).
//    Bits past decipherOnly are rejected.
//  - OID lists (pKIExtendedKeyUsage, pKICriticalExtensions,
//    msPKI-Certificate-Application-Policy, msPKI-Certificate-Policy,
//    msPKI-RA-Policies, msPKI-RA-Application-Policies) must hold dotted OIDs.
//    msPKI-RA-Application-Policies of schema 3, or 4 without
//    CT_FLAG_USE_LEGACY_PROVIDER, uses the Name`Type`Value` syntax of
//    MS-CRTD 2.23.2 instead: a value holding a grave accent is read that
//    way, and the OIDs are taken from its msPKI-RA-Application-Policies
//    property (comma-separated).
//  - pKIDefaultCSPs values must read "<number>,<name>"; kept verbatim.
//  - msPKI-Cert-Template-OID is checked for every schema version but kept
//    only for version 2 and later (the model's oid is empty for version 1).
//  - nTSecurityDescriptor: one self-relative security descriptor
//    (security/security_descriptor.h); one that does not decode fails the
//    entry, so a template whose permissions cannot be read is not served.
Result<CertificateTemplate> ParseTemplateEntry(const DirectoryEntry& entry);

// A CA's pKIEnrollmentService object.
struct EnrollmentService {
  std::string name;  // cn
  std::string dn;
  std::string dns_host_name;  // dNSHostName; empty when absent
  // certificateTemplates: the cn of every template this CA serves.
  std::vector<std::string> certificate_templates;
};

// Parses a pKIEnrollmentService entry: cn is required, certificateTemplates
// may be absent (the CA then serves nothing). InvalidArgument as above.
Result<EnrollmentService> ParseEnrollmentServiceEntry(const DirectoryEntry& entry);

// The templates of `templates` that `service` lists, matched on the name
// case-insensitively, in the order of `templates`. A listed name with no
// template, and a second template with a name or OID already taken, are
// logged (warn) and left out.
std::vector<CertificateTemplate> SelectServedTemplates(const EnrollmentService& service,
                                                       std::vector<CertificateTemplate> templates);

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_TEMPLATE_ENTRY_H_
