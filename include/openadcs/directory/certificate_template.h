// The typed certificate template model (MS-CRTD), independent of where the
// template came from (LDIF files, LDAP). Flag values are MS-CRTD's.
#ifndef OPENADCS_DIRECTORY_CERTIFICATE_TEMPLATE_H_
#define OPENADCS_DIRECTORY_CERTIFICATE_TEMPLATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/security/security_descriptor.h"

namespace openadcs::directory {

namespace enrollment_flag {  // msPKI-Enrollment-Flag
inline constexpr std::uint32_t kPendAllRequests = 0x2;
inline constexpr std::uint32_t kPublishToDs = 0x8;
inline constexpr std::uint32_t kAutoEnrollment = 0x20;
inline constexpr std::uint32_t kAllowEnrollOnBehalfOf = 0x800;
inline constexpr std::uint32_t kAddOcspNoCheck = 0x1000;
inline constexpr std::uint32_t kNoRevocationInfoInIssuedCerts = 0x4000;
inline constexpr std::uint32_t kIncludeBasicConstraintsForEeCerts = 0x8000;
inline constexpr std::uint32_t kNoSecurityExtension = 0x80000;
}  // namespace enrollment_flag

namespace name_flag {  // msPKI-Certificate-Name-Flag
inline constexpr std::uint32_t kEnrolleeSuppliesSubject = 0x1;
inline constexpr std::uint32_t kEnrolleeSuppliesSubjectAltName = 0x10000;
inline constexpr std::uint32_t kAltRequireDomainDns = 0x400000;
inline constexpr std::uint32_t kAltRequireSpn = 0x800000;
inline constexpr std::uint32_t kAltRequireDirectoryGuid = 0x1000000;
inline constexpr std::uint32_t kAltRequireUpn = 0x2000000;
inline constexpr std::uint32_t kAltRequireEmail = 0x4000000;
inline constexpr std::uint32_t kAltRequireDns = 0x8000000;
inline constexpr std::uint32_t kSubjectRequireDnsAsCn = 0x10000000;
inline constexpr std::uint32_t kSubjectRequireEmail = 0x20000000;
inline constexpr std::uint32_t kSubjectRequireCommonName = 0x40000000;
inline constexpr std::uint32_t kSubjectRequireDirectoryPath = 0x80000000;
}  // namespace name_flag

namespace general_flag {  // flags attribute (MS-CRTD 2.4)
inline constexpr std::uint32_t kMachineType = 0x40;
inline constexpr std::uint32_t kIsCa = 0x80;
inline constexpr std::uint32_t kIsCrossCa = 0x800;
}  // namespace general_flag

// One certificate template. Durations are in seconds (converted from the
// directory's negative 100 ns counts). Lists hold OIDs in dotted form.
struct CertificateTemplate {
  std::string name;  // cn: what clients name in CertificateTemplate
  std::string display_name;
  std::string oid;  // msPKI-Cert-Template-OID; may be empty for schema v1
  std::uint32_t schema_version = 1;
  std::uint32_t major_revision = 0;  // revision
  std::uint32_t minor_revision = 0;  // msPKI-Template-Minor-Revision
  std::uint32_t general_flags = 0;   // flags
  std::uint32_t enrollment_flags = 0;
  std::uint32_t name_flags = 0;
  std::uint32_t private_key_flags = 0;
  std::uint32_t minimal_key_size = 0;  // bits; 0 = no minimum
  std::uint32_t ra_signature = 0;      // enrollment-agent signatures required
  std::vector<std::string> ra_application_policies;
  std::vector<std::string> ra_policies;
  std::uint32_t default_key_spec = 0;
  // pKIKeyUsage: X.509 KeyUsage bit n at 1 << n (LSB = digitalSignature);
  // see template_entry.h for the conversion from the directory's bytes.
  std::optional<std::uint16_t> key_usage;
  std::int32_t max_issuing_depth = -1;  // pKIMaxIssuingDepth; -1 = unlimited
  std::vector<std::string> critical_extensions;
  std::int64_t validity_seconds = 0;              // pKIExpirationPeriod
  std::int64_t overlap_seconds = 0;               // pKIOverlapPeriod
  std::vector<std::string> extended_key_usage;    // pKIExtendedKeyUsage
  std::vector<std::string> application_policies;  // msPKI-Certificate-Application-Policy
  std::vector<std::string> certificate_policies;  // msPKI-Certificate-Policy
  std::vector<std::string> supersede_templates;
  std::vector<std::string> default_csps;
  // nTSecurityDescriptor (MS-CRTD 2.5): whose Enroll right the CA checks
  // (MS-WCCE 3.2.2.6.2.1.4.3, security/object_access.h). None when the
  // entry carried no descriptor (a directory that does not hold one, or a
  // bind not allowed to read it), which no one may enroll on while template
  // permissions are enforced.
  std::optional<security::SecurityDescriptor> security;

  bool pend_all_requests() const {
    return (enrollment_flags & enrollment_flag::kPendAllRequests) != 0;
  }
  bool enrollee_supplies_subject() const {
    return (name_flags & name_flag::kEnrolleeSuppliesSubject) != 0;
  }
  bool is_ca() const { return (general_flags & general_flag::kIsCa) != 0; }
  // Whether certificates (the template-information extension rather than
  // the name extension) and the CA database's CertificateTemplate column
  // identify the template by its OID rather than its name.
  bool identified_by_oid() const { return schema_version >= 2 && !oid.empty(); }
  // EKUs the certificate carries: application policies for v2+ templates
  // when present, else pKIExtendedKeyUsage (MS-CRTD 2.22 / 2.27).
  const std::vector<std::string>& effective_ekus() const {
    return (schema_version >= 2 && !application_policies.empty()) ? application_policies
                                                                  : extended_key_usage;
  }
};

// An immutable set of the templates this CA serves. Readers hold a
// shared_ptr for the whole of one request, so a swap never changes a request
// in flight.
class TemplateSnapshot {
 public:
  TemplateSnapshot() = default;
  explicit TemplateSnapshot(std::vector<CertificateTemplate> served);

  // Lookups are exact on the OID, case-insensitive on the name (as AD's cn).
  const CertificateTemplate* FindByName(const std::string& name) const;
  const CertificateTemplate* FindByOid(const std::string& oid) const;
  const std::vector<CertificateTemplate>& templates() const { return templates_; }

 private:
  std::vector<CertificateTemplate> templates_;
  std::map<std::string, std::size_t> by_name_;  // lower-cased name
  std::map<std::string, std::size_t> by_oid_;
};

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_CERTIFICATE_TEMPLATE_H_
