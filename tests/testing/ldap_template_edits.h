// LDIF change records that tests and benchmarks apply to a directory holding
// the sample layout (DC=example,DC=com; see ldap_slapd.h): new templates,
// attribute replacements, the enrollment service's list. Strings only, so
// the same records go to slapd (ldapmodify) and Samba (ldapmodify, ldbmodify).
#ifndef OPENADCS_TESTS_TESTING_LDAP_TEMPLATE_EDITS_H_
#define OPENADCS_TESTS_TESTING_LDAP_TEMPLATE_EDITS_H_

#include <fmt/format.h>

#include <string>

#include "testing/ldap_slapd.h"

namespace openadcs::testing {

inline std::string TemplateDn(const std::string& cn) {
  return fmt::format("CN={},{}", cn, kExampleTemplatesDn);
}

// Replaces every value of `attribute` of `dn` with `value`.
inline std::string ReplaceLine(const std::string& dn, const std::string& attribute,
                               const std::string& value) {
  return fmt::format("dn: {}\nchangetype: modify\nreplace: {}\n{}: {}\n", dn, attribute, attribute,
                     value);
}

inline std::string DeleteEntry(const std::string& dn) {
  return fmt::format("dn: {}\nchangetype: delete\n", dn);
}

// The nTSecurityDescriptor of the sample templates (config/templates/), in
// base64: O:BAG:BAD:(OA;;CR;<Enroll>;;AU)(A;;LCRPLORC;;;AU)(A;;FA;;;BA),
// Authenticated Users read and Enroll, BUILTIN\Administrators full control.
inline constexpr char kSampleTemplateDescriptor[] =
    "AQAEgHAAAACAAAAAAAAAABQAAAAEAFwAAwAAAAUAKAAAAQAAAQAAAGjJEA77eNIRkNQAwE953FUBAQAAAAAABQsAAAAAAB"
    "QAlAACAAEBAAAAAAAFCwAAAAAAGAD/AQ8AAQIAAAAAAAUgAAAAIAIAAAECAAAAAAAFIAAAACACAAABAgAAAAAABSAAAAAg"
    "AgAA";

// Adds a schema 2 template named `cn` (OID ...21.8.1.2.<oid_suffix>): client
// authentication, the enrollee supplies the subject, issued at once, the
// sample templates' descriptor (base64 `descriptor`; empty: none); `extra`
// (LDIF lines) is appended.
inline std::string NewTemplate(const std::string& cn, const std::string& oid_suffix,
                               const std::string& extra = "",
                               const std::string& descriptor = kSampleTemplateDescriptor) {
  return fmt::format(
      "dn: {}\nchangetype: add\nobjectClass: top\nobjectClass: pKICertificateTemplate\ncn: {}\n"
      "displayName: {}\nflags: 131680\nrevision: 100\npKIDefaultKeySpec: 1\npKIKeyUsage:: oAA=\n"
      "pKIMaxIssuingDepth: 0\npKIExpirationPeriod:: AEA5hy7h/v8=\npKIOverlapPeriod:: "
      "AICmCv/e//8=\npKIExtendedKeyUsage: 1.3.6.1.5.5.7.3.2\nmsPKI-RA-Signature: 0\n"
      "msPKI-Enrollment-Flag: 0\nmsPKI-Private-Key-Flag: 16842768\n"
      "msPKI-Certificate-Name-Flag: 1\nmsPKI-Minimal-Key-Size: 2048\n"
      "msPKI-Template-Schema-Version: 2\nmsPKI-Template-Minor-Revision: 1\n"
      "msPKI-Cert-Template-OID: 1.3.6.1.4.1.311.21.8.1.2.{}\n{}{}",
      TemplateDn(cn), cn, cn, oid_suffix,
      descriptor.empty() ? "" : "nTSecurityDescriptor:: " + descriptor + "\n", extra);
}

// Adds (`op` "add") or removes ("delete") `cn` in the sample enrollment
// service's certificateTemplates.
inline std::string ListTemplate(const std::string& cn, const char* op = "add") {
  return fmt::format(
      "dn: {}\nchangetype: modify\n{}: certificateTemplates\ncertificateTemplates: {}\n",
      kExampleServiceDn, op, cn);
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_LDAP_TEMPLATE_EDITS_H_
