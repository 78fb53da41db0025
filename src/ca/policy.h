// The CA policy algorithm of MS-WCCE 3.2.2.6.2.1.4: given a parsed request,
// its attributes, the served templates and the requester, decide to issue
// (and with what subject, validity and extensions), pend or deny. Pure: no
// database, no clock, no signing, so that each rule can be tested alone.
#ifndef OPENADCS_SRC_CA_POLICY_H_
#define OPENADCS_SRC_CA_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/ca/caller.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/records.h"
#include "openadcs/directory/certificate_template.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/request_parser.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/openssl.h"

namespace openadcs::ca {

struct PolicyInput {
  const pki::ParsedRequest* request = nullptr;
  // Attribute-table rows: the attributes string, the request's name-value
  // pairs, and what officers added with SetAttributes.
  const std::vector<db::AttributeRow>* attributes = nullptr;
  // Extension-table rows with the ADMIN origin (SetExtension).
  const std::vector<db::ExtensionRow>* admin_extensions = nullptr;
  const directory::TemplateSnapshot* templates = nullptr;
  const Requester* requester = nullptr;
  // Whose Enroll right on the template is checked (3.2.2.6.2.1.4.3, while
  // EngineOptions::enforce_template_permissions): the caller of a new
  // request. Null: not checked (a resubmission, whose requester passed the
  // check when the request was submitted).
  const Caller* caller = nullptr;
  bool officer_approved = false;  // ResubmitRequest: satisfies PEND_ALL_REQUESTS
  std::int64_t now = 0;
};

struct PolicyOutcome {
  enum class Kind { kIssue, kPend, kDeny };
  Kind kind = Kind::kDeny;
  std::uint32_t status = 0;  // HRESULT for kDeny
  std::string message;
  // What the policy left out of the request and why, for the log: the
  // caller logs them once the request has its id.
  std::vector<std::string> notes;
  // The template the request resolved to (copied: the snapshot may be gone
  // by the time the caller stores the row); empty name when none.
  directory::CertificateTemplate resolved_template;
  bool has_template = false;
  // A request on behalf of another (policy_stages::ResolveOnBehalfOf): the
  // account it named, whom the certificate is for and the CA records as the
  // requester; the caller is the enrollment agent. Kept on a denial reached
  // after it was resolved.
  std::optional<Requester> on_behalf_of;
  // kIssue only:
  ossl::X509NamePtr subject;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::vector<pki::CertificateExtension> extensions;
  // Extension-table rows to write with the outcome: every extension the
  // certificate carries (with its origin) and requested ones left out
  // (REQUEST | DISABLE).
  std::vector<db::ExtensionRow> extension_rows;
};

class Policy {
 public:
  // `identity` and `lookup` (may be null) must outlive the policy.
  Policy(const EngineOptions& options, const pki::CaIdentity& identity,
         directory::IdentityLookup* lookup);

  // Runs the stages of ca/policy_stages.h in order and stops at the first
  // denial, which keeps only the resolved template (when there is one). The
  // pointers in `input` (but `caller`) must be non-null and outlive the
  // call. Asks `lookup` (if any) at most once, for the directory entry of
  // whom the certificate is for (subject, SAN and SID extension), and not
  // at all when the caller is the requester and carries its entry
  // (Caller::directory_entry); otherwise pure.
  PolicyOutcome Evaluate(const PolicyInput& input) const;

 private:
  const EngineOptions& options_;
  const pki::CaIdentity& identity_;
  directory::IdentityLookup* lookup_;
};

// Extension OIDs the policy reads or writes.
namespace oid {
inline constexpr const char* kSubjectAltName = "2.5.29.17";
inline constexpr const char* kKeyUsage = "2.5.29.15";
inline constexpr const char* kExtendedKeyUsage = "2.5.29.37";
inline constexpr const char* kBasicConstraints = "2.5.29.19";
inline constexpr const char* kCertificatePolicies = "2.5.29.32";
inline constexpr const char* kCrlDistributionPoints = "2.5.29.31";
inline constexpr const char* kFreshestCrl = "2.5.29.46";
inline constexpr const char* kAuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";
inline constexpr const char* kOcspNoCheck = "1.3.6.1.5.5.7.48.1.5";
inline constexpr const char* kOcspSigning = "1.3.6.1.5.5.7.3.9";
inline constexpr const char* kTemplateName = "1.3.6.1.4.1.311.20.2";
inline constexpr const char* kTemplateOid = "1.3.6.1.4.1.311.21.7";
inline constexpr const char* kApplicationPolicies = "1.3.6.1.4.1.311.21.10";
inline constexpr const char* kSidSecurity = "1.3.6.1.4.1.311.25.2";
inline constexpr const char* kSmimeCapabilities = "1.2.840.113549.1.9.15";
inline constexpr const char* kCertRequestAgent = "1.3.6.1.4.1.311.20.2.1";
}  // namespace oid

}  // namespace openadcs::ca

#endif  // OPENADCS_SRC_CA_POLICY_H_
