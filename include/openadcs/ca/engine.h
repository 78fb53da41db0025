// The CA engine: request processing (MS-WCCE 3.2.1.4.2.1, 3.2.2.6) and the
// officer operations of MS-CSRA, with no transport in it. Protocol adapters
// turn wire calls into these calls and the results back into wire values.
//
// Thread-safety: all methods may be called concurrently. Each request reads
// the template snapshot once, at its start.
#ifndef OPENADCS_CA_ENGINE_H_
#define OPENADCS_CA_ENGINE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/ca/ca_properties.h"
#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/caller.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/directory/template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/request_parser.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/gate.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

// CR_DISP_* as the enrollment protocols return them.
enum class WireDisposition : std::uint32_t {
  kIncomplete = 0,
  kError = 1,
  kDenied = 2,
  kIssued = 3,
  kIssuedOutOfBand = 4,
  kUnderSubmission = 5,  // pending
  kRevoked = 6,
};

// What the SID security extension (szOID_NTDS_CA_SECURITY_EXT, KB5014754)
// of a certificate whose subject the enrollee supplies names. Under strong
// certificate mapping a domain controller maps the certificate to the
// account whose objectSid it carries, whatever its subject and SAN say.
enum class EnrolleeSubjectSid {
  // The requester's own objectSid (the named account's for a request on
  // behalf of another), whatever the request carries: a subject the
  // requester chose never maps to another account.
  kRequester,
  // The requested extension, copied only when it names the requester
  // (MS-WCCE 3.2.2.6.2.1.4.5.9); none otherwise.
  kFromRequest,
  // Never: such certificates map only through their SAN (weak mapping).
  kNone,
};

// Per-requester quotas on new requests, so that one account cannot fill
// the database. The requester is the CallerName, the account that made the
// call (an enrollment agent for the requests it files for others), compared
// ASCII case-insensitively; its stored rows are counted from the database,
// so a restart resets nothing, and rows an administrator deletes count no
// more. A request over either quota is denied with ERROR_NOT_ENOUGH_QUOTA
// (hr::kNotEnoughQuota) and not stored; a warning names the account once a
// period. Concurrent requests of one account can overshoot a quota by the
// number in flight. 0: no limit. The daemon's [policy] defaults are 1000
// requests an hour and 256 MiB.
struct RequesterQuota {
  // Requests stored, whatever their outcome, in the last hour.
  std::uint32_t max_requests_per_hour = 0;
  // Bytes of raw requests, attribute strings and certificates stored,
  // this request's included.
  std::uint64_t max_stored_bytes = 0;
};

// The lengths of the serial numbers the engine makes, in bytes.
inline constexpr std::size_t kSerialMinBytes = 16, kSerialMaxBytes = 20;

// Where each CRL goes once it is stored, besides the database: the daemon's
// publish paths. Whoever asked for the publication (the schedule, or an
// administrator's PublishCRL(s)), Published is called with the publication
// lock held: one CRL at a time, in CRL number order.
class CrlSink {
 public:
  virtual ~CrlSink() = default;
  // An error fails the publication that made `crl`; the CRL stays stored
  // (GetCRL serves it), and the next publication supersedes it.
  virtual Status Published(const db::CrlRow& crl) = 0;
};

struct EngineOptions {
  pki::RequestParserLimits limits;
  RequesterQuota quota;
  // EDITF_ATTRIBUTESUBJECTALTNAME2: honour the SAN request attribute. Off:
  // the ESC6 weakness.
  bool allow_san_attribute = false;
  // Check each new request's caller against the template's Enroll right
  // (its nTSecurityDescriptor; MS-WCCE 3.2.2.6.2.1.4.3), on top of the CA's
  // own Enroll right. Off: whoever the CA lets enroll may enroll on every
  // served template.
  bool enforce_template_permissions = true;
  // The SID extension of ENROLLEE_SUPPLIES_SUBJECT certificates. Anything
  // but kRequester lets a certificate name an account by its SAN alone
  // (the ESC9/ESC16 weakness where domain controllers still map weakly).
  EnrolleeSubjectSid enrollee_subject_sid = EnrolleeSubjectSid::kRequester;
  // The validity of issued certificates is clipped to the CA's own notAfter.
  // Backdate notBefore this much for clock skew (Windows uses 10 minutes).
  std::chrono::seconds clock_skew{600};
  std::chrono::seconds crl_period{std::chrono::hours(24 * 7)};
  std::chrono::seconds crl_overlap{std::chrono::hours(12)};
  // Delta CRLs (Config_Delta_CRL_Validity_Period): 0 disables them. A delta
  // is valid for crl_delta_period + crl_delta_overlap.
  std::chrono::seconds crl_delta_period{0};
  std::chrono::seconds crl_delta_overlap{std::chrono::hours(1)};
  // Where delta CRLs are found: the Freshest CRL extension of base CRLs and
  // issued certificates while delta CRLs are enabled; empty: omitted.
  std::vector<std::string> delta_crl_distribution_points;
  // Bytes in a serial number (kSerialMinBytes..kSerialMaxBytes; clamped to
  // them): a 7-byte time prefix, then random bytes (ca/serial_numbers.h).
  std::size_t serial_bytes = 19;
  // Attempts at a fresh serial when the database reports a collision.
  int serial_retries = 5;
  // Where certificates point for revocation status; empty: omitted.
  std::vector<std::string> crl_distribution_points;
  std::vector<std::string> aia_ca_issuers;
  // What GetCAProperty reports and certificates do not carry: the CA host's
  // FQDN (CR_PROP_DNSNAME; empty: not configured) and OCSP URLs.
  std::string dns_name;
  std::vector<std::string> ocsp_urls;
  // Each stored CRL, handed on; null: CRLs are only stored. Must outlive
  // the engine.
  CrlSink* crl_sink = nullptr;
  // openadcs_ca_requests_total by outcome (issued, pending, denied, failed)
  // for each new request Submit answers; null: none. Must outlive the engine.
  metrics::Registry* metrics = nullptr;
};

// What Request / Request2 / CertServerRequest return (MS-WCCE 3.2.1.4.2.1).
struct SubmitResult {
  std::uint32_t request_id = 0;  // set whenever a row was written, even on denial
  WireDisposition disposition = WireDisposition::kError;
  // 0, or the HRESULT that explains a denial or failure. The wire puts it in
  // pdwDisposition in place of the disposition.
  std::uint32_t status = 0;
  Bytes certificate;    // DER, issued only
  Bytes chain_cms;      // degenerate CMS with the certificate and its chain, issued only
  std::string message;  // display text for pctbDispositionMessage
  // Set only by Engine::SubmitBeforeDurable, when the request's row is
  // queued but not yet on disk: opens once it is. The result may be sent
  // only once it opens Ok; opened with an error, the answer is
  // Engine::NotDurable(that error) instead.
  std::shared_ptr<Gate> durable;
};

struct SubmitRequest {
  std::uint32_t flags = 0;       // dwFlags as received
  Bytes request;                 // request bytes; empty means retrieve by request_id
  std::uint32_t request_id = 0;  // *pdwRequestId as received: used only by a retrieve
  std::string attributes;        // attributes string, UTF-8
  // Who asked: needs rights::kEnroll; recorded as the requester (name and
  // SID) of a new request; a retrieve answers only the requester or an
  // officer.
  Caller caller;
  std::string authority;  // pwszAuthority: must name this CA (empty: not checked)
};

// SetExtension's dwType (PROPTYPE_*).
enum class ValueType : std::uint32_t { kLong = 1, kDate = 2, kBinary = 3, kString = 4 };

struct RevocationStatus {
  std::uint32_t disposition =
      0;  // CA_DISP_*: 0 incomplete/unknown, 2 revoked, 3 valid, 4 invalid (expired)
  std::uint32_t reason = 0;
};

// DeleteRow's arguments (MS-CSRA 3.1.4.2.18), the table already known.
struct DeleteRowsRequest {
  db::Table table = db::Table::kRequestCertificate;
  std::uint32_t flags = 0;   // kDeleteExpired, kDeleteStale or 0 (one row)
  std::int64_t before = 0;   // Unix seconds; 0 with a row id
  std::uint32_t row_id = 0;  // 0 with a date
  static constexpr std::uint32_t kDeleteExpired = 0x1;  // CDR_EXPIRED
  static constexpr std::uint32_t kDeleteStale = 0x2;    // CDR_REQUEST_LAST_CHANGED
};

// ImportCertificate's dwFlags (MS-CSRA 3.1.4.1.26).
inline constexpr std::uint32_t kImportAllowForeign = 0x00010000;  // ICF_ALLOWFOREIGN
inline constexpr std::uint32_t kImportExistingRow = 0x00020000;   // ICF_EXISTINGROW

// PublishCRLs' Flags (MS-CSRA 3.1.4.2.1): CA_CRL_BASE, CA_CRL_DELTA.
namespace crl_kind {
inline constexpr std::uint32_t kBase = 0x1;
inline constexpr std::uint32_t kDelta = 0x2;
}  // namespace crl_kind

// What one CRL publication made.
struct PublishedCrls {
  std::optional<db::CrlRow> base;
  std::optional<db::CrlRow> delta;
};

class Engine {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix seconds; injectable for tests

  // `identity`, `store`, `templates` and `security` must outlive the
  // engine. `lookup` may be null: templates without ENROLLEE_SUPPLIES_SUBJECT
  // are then denied with a message saying the directory lookup is
  // unavailable. `security` decides every caller's rights (MS-CSRA 3.1.1.7).
  Engine(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
         directory::TemplateSource& templates, directory::IdentityLookup* lookup,
         CaSecurity& security, Clock clock = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The caller as the CA's access checks see it: WithDirectorySids
  // (directory_caller.h) with this engine's lookup. Protocol adapters call
  // it once per call on the authenticated caller, before any method here.
  Caller ResolveCaller(Caller authenticated) const;

  // New request (request bytes present) or retrieve by id (empty bytes).
  // Never fails as a call: every outcome is in the result, and every new
  // request that got as far as the database has its row, whatever the outcome.
  // A caller without rights::kEnroll gets ENROLL_DENIED and no row; one over
  // a RequesterQuota gets ERROR_NOT_ENOUGH_QUOTA (CR_DISP_DENIED on the
  // wire) and no row.
  SubmitResult Submit(const SubmitRequest& request);
  // Submit that returns as soon as the new request's row is queued for
  // the database's writer, before it is committed, with result.durable
  // set: the calling thread is held neither through the commit nor through
  // the sync.
  SubmitResult SubmitBeforeDurable(const SubmitRequest& request);
  // What Submit answers when the row it queued is not made durable
  // (`failure`: the write's error or the store's disk failure). Logs it.
  static SubmitResult NotDurable(const Status& failure);
  // A stored request by id or certificate serial. Only its requester (same
  // name, ASCII case-insensitively, or same SID) or an officer may read it;
  // anyone else gets E_ACCESSDENIED, as does a caller without Enroll.
  SubmitResult RetrieveById(const Caller& caller, std::uint32_t request_id,
                            const std::string& authority);
  SubmitResult RetrieveBySerial(const Caller& caller, const std::string& serial_hex,
                                const std::string& authority);

  // The CMC Full PKI Response for `result` (MS-WCCE 3.2.1.4.3.1 FULLRESPONSE),
  // signed by the CA: the status (issued, pending with the request id as
  // pendToken, or failed) and, when issued, the certificate and its chain.
  Result<Bytes> FullResponse(const SubmitResult& result) const;

  // What GetCACert / GetCAProperty report (valid as long as the engine).
  const CaProperties& properties() const;

  // The CA's security descriptor: rights, GetCASecurity, SetCASecurity.
  CaSecurity& security() const;

  // --- Views (MS-CSRA 3.1.4.1.12-13, 3.1.4.1.10) ---
  // Need Admin, Officer or Read (Enroll implies Read). Errors: E_ACCESSDENIED;
  // E_INVALIDARG for a query db::ValidateViewQuery refuses; the store's.
  Result<db::ViewPage> QueryView(const Caller& caller, const db::ViewQuery& query);
  // The Extension or Attribute rows of one request (EnumAttributesOrExtensions).
  // PROPERTY_EMPTY for an unknown request.
  Result<std::vector<db::ExtensionRow>> Extensions(const Caller& caller, std::uint32_t request_id);
  Result<std::vector<db::AttributeRow>> Attributes(const Caller& caller, std::uint32_t request_id);

  // --- Officer operations (MS-CSRA 3.1.4.1) ---
  // Each needs rights::kOfficer (E_ACCESSDENIED otherwise, nothing changed)
  // and, while officer rights are enabled, that they let the officer act
  // for the request's requester (CaSecurity::RequireOfficerFor:
  // CERTSRV_E_RESTRICTEDOFFICER, nothing changed; Resubmit puts it in its
  // result).
  // `officer` is who asked: the engine records and logs officer.name (in the
  // request row's officer column and, for Deny, in its message). Statuses
  // carry the HRESULT to return: PROPERTY_EMPTY for an unknown request or
  // serial, BAD_REQUESTSTATUS for a request in the wrong state, INVALIDARG
  // for a bad argument.

  // Adds or replaces an extension on a pending request. oid: dotted, at most
  // 31 characters. flags: CRITICAL 0x1, DISABLE 0x2 (origin is set to ADMIN).
  // value by type: kLong 4 bytes little-endian (encoded as INTEGER), kDate an
  // 8-byte little-endian FILETIME (encoded as a time), kString UTF-8 text
  // (encoded as IA5String), kBinary the DER extension value as is.
  Status SetExtension(const Caller& officer, std::uint32_t request_id, const std::string& oid,
                      ValueType type, std::uint32_t flags, std::span<const std::uint8_t> value);
  // Adds name:value attributes (same syntax as a request's) to a pending
  // request; at least one, at most 64.
  Status SetAttributes(const Caller& officer, std::uint32_t request_id,
                       const std::string& attributes);
  // Re-runs policy on a pending request with officer approval (satisfies
  // PEND_ALL_REQUESTS) and with the officer's extensions and attributes:
  // issued, or denied when policy denies. Never fails as a call: every
  // outcome, a request that is not pending included, is in the result.
  SubmitResult Resubmit(const Caller& officer, std::uint32_t request_id);
  // Denies a pending request with ADMIN_DENIED_REQUEST ("Denied by <name>").
  Status Deny(const Caller& officer, std::uint32_t request_id);
  // Revokes the certificate with serial `serial_hex` (hex, any case), or
  // releases it from hold. reason: 0-6, 8 (CRLReason); kUnrevoke (0xFFFFFFFF)
  // releases a hold. A certificate revoked for a reason other than
  // certificateHold (6) stays revoked. effective: Unix seconds; 0 means now.
  Status Revoke(const Caller& officer, const std::string& serial_hex, std::uint32_t reason,
                std::int64_t effective);
  static constexpr std::uint32_t kUnrevoke = 0xFFFFFFFF;
  // The status of the certificate with serial `serial_hex`: valid (3) while
  // issued or before its revocation takes effect, revoked (2) with the
  // reason, else invalid (4), an unknown serial included. Needs Admin,
  // Officer or Read. Fails on a bad serial (INVALIDARG), E_ACCESSDENIED or a
  // database error.
  Result<RevocationStatus> IsValidCertificate(const Caller& caller, const std::string& serial_hex);

  // --- Database maintenance (MS-CSRA 3.1.4.2.18, 3.1.4.1.26) ---
  // DeleteRow: needs Administrator and Officer both (E_ACCESSDENIED, nothing
  // deleted, otherwise). Exactly one of row_id and before is non-zero, and
  // the flags must suit the table (E_INVALIDARG). One row: a request with
  // its Extension and Attribute rows, the Extension or Attribute rows of
  // request row_id, a CRL row; an unknown id deletes nothing and returns 0.
  // By date: expired certificates (kDeleteExpired) or pending, failed and
  // denied requests last changed before `before` (kDeleteStale), or CRLs
  // whose nextUpdate is before it, at most db::kMaxDeleteRowsPerCall a call
  // (`more` says that others match). Each delete that removes rows is one
  // transaction with its "delete-row" audit row naming the ids.
  Result<db::DeleteCount> DeleteRows(const Caller& admin, const DeleteRowsRequest& request);
  // ImportCertificate: needs Officer. Stores `der`, a certificate this CA's
  // key signed, as an issued request row (the requester and caller being
  // `officer`) and returns its request id. Errors: ERROR_INVALID_DATA for
  // bytes that are not one DER certificate; CERT_E_ISSUERCHAINING for a
  // certificate this CA did not sign, ICF_ALLOWFOREIGN or not (foreign
  // certificates are never imported); E_NOTIMPL for ICF_EXISTINGROW;
  // E_INVALIDARG for other flags; ERROR_OBJECT_EXISTS when its serial
  // number is in the database.
  Result<std::uint32_t> ImportCertificate(const Caller& officer, std::span<const std::uint8_t> der,
                                          std::uint32_t flags);
  // --- The served templates (SetCAProperty CR_PROP_TEMPLATES, MS-CSRA 3.1.4.2.3) ---
  // Makes `names` (template cn values) the templates this CA serves, through
  // TemplateSource::SetServedTemplates: the source's list is replaced (for
  // LDAP, certificateTemplates of the enrollment service), and the new list
  // is served once the source reads it back, not when this returns. Needs
  // rights::kAdmin (E_ACCESSDENIED). E_INVALIDARG, with nothing written, for
  // no name, more than kMaxServedTemplates, a name empty, over
  // kMaxTemplateNameBytes or holding a control character, or one the source
  // does not hold; a name repeated (ASCII case-insensitive) is written once.
  // Audited ("set-templates") before the source is called, and again
  // ("set-templates-failed") when the source fails; the source's errors
  // otherwise (ERROR_NOT_SUPPORTED for LDIF files).
  Status SetServedTemplates(const Caller& admin, const std::vector<std::string>& names);
  static constexpr std::size_t kMaxServedTemplates = 1000;
  // Above AD's 64-character cn of a template, in UTF-8.
  static constexpr std::size_t kMaxTemplateNameBytes = 256;

  // --- CRLs ---
  // PublishCRL(s) (MS-CSRA 3.1.4.1.6, 3.1.4.2.1), and the daemon's schedule.
  // `kinds`: crl_kind bits. kBase makes a base CRL of every certificate
  // revoked as of now and, while delta CRLs are enabled, a delta CRL with
  // it; kDelta makes a delta CRL. All CRLs share one number sequence:
  // a delta made with a base takes the number after the base's. A delta
  // refers to the latest base whose propagation (its thisUpdate + overlap)
  // is complete, else to the latest base (a base is made first when there
  // is none), and lists the revocations recorded or effective since that
  // base's thisUpdate and, with reason removeFromCRL (8), the releases from
  // hold since then. next_update 0: now + crl_period + crl_overlap for a
  // base, now + crl_delta_period + crl_delta_overlap for a delta. Errors: E_INVALIDARG for `kinds`
  // without either bit or with others; ERROR_NOT_SUPPORTED for kDelta while delta CRLs are
  // disabled; the store's; the CrlSink's. Each CRL is stored with its own audit event and handed
  // to the sink as it is made, so a failure can leave a base without its delta. Publications
  // run one at a time, from any thread.
  Result<PublishedCrls> PublishCrls(std::uint32_t kinds, std::int64_t next_update);
  // The same on behalf of `admin`, who needs rights::kAdmin.
  Result<PublishedCrls> PublishCrls(const Caller& admin, std::uint32_t kinds,
                                    std::int64_t next_update);
  // The latest base CRL (GetCRL): needs Admin, Officer or Read.
  // PROPERTY_EMPTY before the first one.
  Result<db::CrlRow> LatestCrl(const Caller& caller);
  // The latest delta CRL: as LatestCrl.
  Result<db::CrlRow> LatestDeltaCrl(const Caller& caller);

 private:
  class Impl;
  metrics::Registry* const metrics_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_ENGINE_H_
