// The stages of the CA policy algorithm (MS-WCCE 3.2.2.6.2.1.4), in the order
// Policy::Evaluate runs them. Internal to src/ca: visible here so that each
// stage can be tested alone. Like the policy they make up, the stages are
// pure apart from the directory lookup: no database, no clock, no signing.
//
// A check returns std::nullopt when the request passes it and the Denial
// (HRESULT and message for the requester) when it does not. A stage that
// builds part of the outcome writes only into its out-parameter, and on a
// denial may have written part of it: callers drop the outcome then.
#ifndef OPENADCS_SRC_CA_POLICY_STAGES_H_
#define OPENADCS_SRC_CA_POLICY_STAGES_H_

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ca/policy.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/records.h"
#include "openadcs/directory/certificate_template.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/request_parser.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"

namespace openadcs::ca::policy_stages {

// Why the policy refuses a request, as the requester is told.
struct Denial {
  std::uint32_t status = 0;  // HRESULT
  std::string message;
};

// The certificate's subject and subject alternative name as decided so far.
struct SubjectAndSan {
  ossl::X509NamePtr subject;  // never null once a subject stage succeeded
  std::optional<Bytes> san;   // the SAN extension value; none: no SAN
  // Extension-table origin of `san`: REQUEST when copied from the request,
  // POLICY when the CA built it.
  std::uint32_t san_origin = db::extension_flag::kOriginRequest;
};

// The certificate's extensions, in certificate order, and the rows that
// record them in the Extension table (one per OID, with its origin).
struct ExtensionSet {
  std::vector<pki::CertificateExtension> extensions;
  std::vector<db::ExtensionRow> rows;
  // OIDs of requested extensions the certificate carries as requested.
  std::set<std::string> copied_from_request;
};

// The directory entry of the account a request is for, looked up when a
// stage first needs it and then kept, error included: one request asks the
// directory at most once about it. One per evaluation; not thread-safe.
class DirectoryEntry {
 public:
  // `lookup` may be null: no directory.
  DirectoryEntry(directory::IdentityLookup* lookup, std::string account);
  // What the directory already answered for `account` (when the caller was
  // resolved): no lookup.
  DirectoryEntry(std::string account, Result<directory::DirectoryIdentity> answer);

  const std::string& account() const { return account_; }
  // False when there is no directory to ask.
  bool configured() const { return lookup_ != nullptr || answer_.has_value(); }
  // The entry, or why there is none. REQUIRES: configured().
  const Result<directory::DirectoryIdentity>& Get() const;
  // The entry's objectSid; empty without a directory or an entry.
  std::string ObjectSid() const;

 private:
  directory::IdentityLookup* lookup_ = nullptr;
  std::string account_;
  mutable std::optional<Result<directory::DirectoryIdentity>> answer_;
};

// True for a template that issues CA certificates: the IsCA or IsCrossCA
// flag, or one of the well-known names SubCA, CA, CrossCA.
bool IsCaTemplate(const directory::CertificateTemplate& t);

// --- Checks, in order ---

// Sets *out to the one served template that every template identifier of
// the request names: the template name extension, each CertificateTemplate
// attribute, the template OID extension (3.2.2.6.2.1.4.1). Denies with
// UNSUPPORTED_CERT_TYPE when none is given, one does not parse or names no
// served template, and with TEMPLATE_CONFLICT when two disagree. *out stays
// valid as long as `templates`.
[[nodiscard]] std::optional<Denial> ResolveTemplate(const pki::ParsedRequest& req,
                                                    const std::vector<db::AttributeRow>& attributes,
                                                    const directory::TemplateSnapshot& templates,
                                                    const directory::CertificateTemplate** out);

// Denies with BAD_TEMPLATE_VERSION a v2+ template whose requested template
// OID extension asks for a newer version than the CA serves (3.2.2.6.2.1.4.2).
[[nodiscard]] std::optional<Denial> CheckTemplateVersion(const directory::CertificateTemplate& t,
                                                         const pki::ParsedRequest& req);

// Denies a request without a usable public key (INVALID_DATA), or whose key
// is shorter than msPKI-Minimal-Key-Size (KEY_LENGTH; 3.2.2.6.2.1.4.5.2).
[[nodiscard]] std::optional<Denial> CheckKey(const directory::CertificateTemplate& t,
                                             const pki::ParsedRequest& req);

// For a v2+ template with msPKI-RA-Signature > 0: requires that many
// enrollment agents, counting only signers whose certificate this CA issued
// and is valid now, covering every msPKI-RA-Application-Policies and
// msPKI-RA-Policies OID (3.2.2.6.2.1.4.5.1, .3, .4). Other templates pass.
[[nodiscard]] std::optional<Denial> CheckAgentSignatures(const directory::CertificateTemplate& t,
                                                         const pki::ParsedRequest& req,
                                                         const pki::CaIdentity& identity);

// Request on behalf of another subject (ROBO, MS-WCCE 3.2.2.6.2.1.2.1): a
// requestername name-value pair (2.2.2.7.10) names the account the
// certificate is for, which an enrollment agent vouches for. It counts only
// when the request is CMS or CMC, the template requires at least one agent
// signature with the Certificate Request Agent application policy, and every
// requestername is in the signed content or in the authenticated attributes
// of a signer whose certificate this CA issued, is valid now and carries the
// Certificate Request Agent EKU; all must name the same account, and none
// may come from `attributes` alone (the attributes string or an officer's
// SetAttributes). Sets *requester_name to it; leaves it alone when the
// request names none. Denies with BAD_REQUESTSUBJECT otherwise: a requester
// never names itself someone else.
[[nodiscard]] std::optional<Denial> ResolveOnBehalfOf(
    const directory::CertificateTemplate& t, const pki::ParsedRequest& req,
    const std::vector<db::AttributeRow>& attributes, const pki::CaIdentity& identity,
    std::optional<std::string>* requester_name);

// The requester a ROBO request names: `entry`'s account, with the SID and
// groups of its directory entry (none without one; never the agent's), or
// groups_unavailable when the directory could not be asked.
Requester NamedRequester(const DirectoryEntry& entry);

// Denies with BAD_SIGNATURE a null-signature PKCS#10 (MS-WCCE 2.2.2.6.5)
// unless the template requires enrollment agent signatures to vouch for it.
[[nodiscard]] std::optional<Denial> CheckNullSignature(const directory::CertificateTemplate& t,
                                                       const pki::ParsedRequest& req);

// Denies with TEMPLATE_DENIED an end-entity template whose effective EKUs
// are empty or include any purpose (ESC2). CA templates pass.
[[nodiscard]] std::optional<Denial> CheckEndEntityEku(const directory::CertificateTemplate& t);

// --- Subject and subject alternative name (3.2.2.6.2.1.4.5.9) ---

// ENROLLEE_SUPPLIES_SUBJECT: the request's subject, and its SAN extension
// (REQUEST origin) if any. Denies with BAD_REQUEST_SUBJECT when it has neither.
[[nodiscard]] std::optional<Denial> SubjectFromRequest(const pki::ParsedRequest& req,
                                                       SubjectAndSan* out);

// Builds the subject and SAN (POLICY origin) from the requester's directory
// entry as the template's name flags ask. Denies with BAD_REQUEST_SUBJECT
// when there is no directory or no entry, or the result has neither a subject nor a
// SAN; when the entry lacks an attribute a flag requires, with the
// CERTSRV_E_SUBJECT_{DNS,EMAIL,UPN,DIRECTORY_GUID}_REQUIRED Windows returns
// (SUBJECT_DNS_REQUIRED too when a machine template's account is not found),
// and ERROR_DS_SERVER_DOWN when the directory cannot be reached.
[[nodiscard]] std::optional<Denial> SubjectFromDirectory(const directory::CertificateTemplate& t,
                                                         const DirectoryEntry& requester,
                                                         SubjectAndSan* out);

// The SAN request attribute (EDITF_ATTRIBUTESUBJECTALTNAME2, the ESC6
// weakness): when `allow` is set, its "type=value&..." entries replace the
// SAN (POLICY origin); when not, the attribute is ignored and a note saying
// so is appended to *notes. Denies with INVALIDARG an entry without '=' or
// a name that does not encode.
[[nodiscard]] std::optional<Denial> ApplySanAttribute(
    const std::vector<db::AttributeRow>& attributes, bool allow, SubjectAndSan* out,
    std::vector<std::string>* notes);

// --- Validity ---

// notBefore is `now` less the clock skew; notAfter is now plus
// pKIExpirationPeriod (one year when unset), clipped to the CA's own
// notAfter. Denies with E_UNEXPECTED when the CA certificate's notAfter does
// not parse or has passed.
[[nodiscard]] std::optional<Denial> ComputeValidity(const directory::CertificateTemplate& t,
                                                    const pki::CaIdentity& identity,
                                                    std::int64_t clock_skew_seconds,
                                                    std::int64_t now, std::int64_t* not_before,
                                                    std::int64_t* not_after);

// --- Extensions, appended to *set in certificate order ---

// What the template dictates (POLICY origin, critical as the template says):
// key usage (no keyEncipherment for an EC key), EKU, application policies
// (v2+), certificate policies, basic constraints (CA templates, or when
// asked for end entities), template OID (v2+ with an OID) else template
// name. The request's own values for these are never used.
// REQUIRES: key != nullptr.
void AddTemplateExtensions(const directory::CertificateTemplate& t, const EVP_PKEY* key,
                           ExtensionSet* set);

// The SAN decided by the subject stages, if any: critical when `t` lists it
// in pKICriticalExtensions or the subject is empty.
void AddSubjectAltName(const directory::CertificateTemplate& t, const SubjectAndSan& subject,
                       ExtensionSet* set);

// The SID security extension (KB5014754), unless the template sets
// NO_SECURITY_EXTENSION. Directory subject, and enrollee-supplied subject
// under EnrolleeSubjectSid::kRequester: built (POLICY origin) from the
// objectSid of `entry` (the requester's), falling back to the requester's
// SID; omitted when neither is known. A requested one naming another SID is
// not used, with a note. Enrollee-supplied subject otherwise as `mode`
// says: kFromRequest copies the requested one only when it names the
// requester's SID; kNone adds none; a requested one left out gets a note.
void AddSidExtension(const directory::CertificateTemplate& t, const pki::ParsedRequest& req,
                     const Requester& requester, const DirectoryEntry& entry,
                     EnrolleeSubjectSid mode, ExtensionSet* set, std::vector<std::string>* notes);

// Requested extensions the CA carries over as requested: S/MIME capabilities.
void CopyRequestedExtensions(const pki::ParsedRequest& req, ExtensionSet* set);

// CA-added revocation pointers: OCSP no-check for an OCSP signing template
// with ADD_OCSP_NOCHECK; otherwise, unless the template sets
// NO_REVOCATION_INFO, the configured CRL distribution points, the delta
// CRL ones as Freshest CRL while delta CRLs are enabled, and AIA caIssuers
// (each omitted when none is configured).
void AddRevocationPointers(const directory::CertificateTemplate& t, const EngineOptions& options,
                           ExtensionSet* set);

// Officer-set extensions (SetExtension) replace any extension and row with
// the same OID; a DISABLE one is recorded but not carried.
void ApplyAdminExtensions(const std::vector<db::ExtensionRow>& admin, ExtensionSet* set);

// Requested extensions the certificate does not carry are recorded as
// REQUEST | DISABLE rows, unless a row for that OID already exists.
void RecordRefusedRequestedExtensions(const pki::ParsedRequest& req, ExtensionSet* set);

// --- Decision ---

// Sets out->kind and out->message: pend ("Taken Under Submission") when the
// template sets PEND_ALL_REQUESTS and no officer approved; else issue.
void DecidePending(const directory::CertificateTemplate& t, bool officer_approved,
                   PolicyOutcome* out);

}  // namespace openadcs::ca::policy_stages

#endif  // OPENADCS_SRC_CA_POLICY_STAGES_H_
