// The state behind ca::Engine and its operations, internal to src/ca. The
// methods are defined by concept:
//   engine.cc              construction, the public forwarding, helpers shared
//                          by the files below (store failures as results)
//   enrollment.cc          Submit, retrieve, issuance, the CMC full response
//   officer_operations.cc  the MS-CSRA officer operations
//   crl_publisher.cc       base and delta CRLs
//   database_maintenance.cc  DeleteRow, ImportCertificate
//   served_templates.cc    SetServedTemplates
//
// Thread-safety: as ca::Engine. The members are set at construction and only
// read afterwards; the store, the template source and the lookup guard
// themselves.
#ifndef OPENADCS_SRC_CA_ENGINE_IMPL_H_
#define OPENADCS_SRC_CA_ENGINE_IMPL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ca/policy.h"
#include "ca/serial_numbers.h"
#include "openadcs/ca/access.h"
#include "openadcs/ca/ca_properties.h"
#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/caller.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/db/records.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/directory/template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/request_parser.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/log_limiter.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {
namespace engine_internal {

// The window of RequesterQuota::max_requests_per_hour, and how often an
// account over a quota is logged.
inline constexpr std::chrono::seconds kQuotaPeriod{3600};
// Accounts whose quota warnings are paced at once (KeyedLogLimiter).
inline constexpr std::size_t kMaxQuotaLogAccounts = 4096;

// A request's attributes string beyond this is refused: the wire allows 1536
// characters (MS-WCCE IDL range) and admin SetAttributes adds to it.
inline constexpr std::size_t kMaxAttributesBytes = std::size_t{16} * 1024;
inline constexpr std::size_t kMaxAttributeRows = 64;

// The HRESULT `s` carries, else `fallback`.
std::uint32_t HresultOf(const Status& s, std::uint32_t fallback);

// "0x%08X", as HRESULTs and flags appear in messages and logs.
std::string Hex32(std::uint32_t v);

// An audit detail is cut to this many bytes: a line in a log, not a record.
inline constexpr std::size_t kMaxAuditDetailBytes = 512;

// `text` as an audit detail: one line (control characters become spaces),
// at most kMaxAuditDetailBytes, never cut inside a UTF-8 sequence.
std::string AuditDetail(std::string text);

// A result without a certificate: a failure, a denial or a pending request.
SubmitResult Failure(std::uint32_t request_id, WireDisposition disposition, std::uint32_t status,
                     std::string message);

// Records on `rec` the template `outcome` resolved to, when it resolved
// one: its name, which officer rights match, and its CertificateTemplate
// column. A request that resolves none keeps what it had.
void NoteResolvedTemplate(const PolicyOutcome& outcome, db::RequestRecord& rec);

}  // namespace engine_internal

class Engine::Impl {
 public:
  // What Submit answers when the store fails a write (Engine::NotDurable).
  static SubmitResult StoreWriteFailure(const Status& s);
  // As Engine::Engine; a null `clock` reads the system clock.
  Impl(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
       directory::TemplateSource& templates, directory::IdentityLookup* lookup,
       CaSecurity& security, Clock clock);

  // --- Enrollment (enrollment.cc) ---
  SubmitResult Submit(const SubmitRequest& in);
  SubmitResult RetrieveById(const Caller& caller, std::uint32_t id, const std::string& authority);
  SubmitResult RetrieveBySerial(const Caller& caller, const std::string& serial_text,
                                const std::string& authority);
  Result<Bytes> FullResponse(const SubmitResult& result) const;

  // --- Views (officer_operations.cc) ---
  Result<db::ViewPage> QueryView(const Caller& caller, const db::ViewQuery& query);
  Result<std::vector<db::ExtensionRow>> Extensions(const Caller& caller, std::uint32_t id);
  Result<std::vector<db::AttributeRow>> Attributes(const Caller& caller, std::uint32_t id);

  // --- Officer operations (officer_operations.cc) ---
  Status SetExtension(const Caller& officer, std::uint32_t id, const std::string& ext_oid,
                      ValueType type, std::uint32_t flags, std::span<const std::uint8_t> value);
  Status SetAttributes(const Caller& officer, std::uint32_t id, const std::string& text);
  SubmitResult Resubmit(const Caller& officer, std::uint32_t id);
  Status Deny(const Caller& officer, std::uint32_t id);
  Status Revoke(const Caller& officer, const std::string& serial_text, std::uint32_t reason,
                std::int64_t effective);
  Result<RevocationStatus> IsValidCertificate(const Caller& caller, const std::string& serial_text);

  // --- Database maintenance (database_maintenance.cc) ---
  Result<db::DeleteCount> DeleteRows(const Caller& admin, const DeleteRowsRequest& request);
  Result<std::uint32_t> ImportCertificate(const Caller& officer, std::span<const std::uint8_t> der,
                                          std::uint32_t flags);
  // --- The served templates (served_templates.cc) ---
  Status SetServedTemplates(const Caller& admin, const std::vector<std::string>& names);

  // --- CRLs (crl_publisher.cc) ---
  // `actor`: the administrator who asked, "" for the CA's own schedule.
  Result<PublishedCrls> PublishCrls(std::uint32_t kinds, std::int64_t next_update,
                                    const std::string& actor);
  Result<db::CrlRow> LatestCrl(const Caller& caller, db::CrlKind kind);

  const CaProperties& properties() const { return properties_; }
  CaSecurity& security() const { return security_; }
  directory::IdentityLookup* lookup() const { return lookup_; }
  // Paces the warnings of callers resolved while the directory is down.
  LogLimiter& directory_outage_log() { return directory_outage_log_; }

 private:
  // Writes `rec` once it holds the certificate (with the audit event its
  // serial number completes); on success sets what the caller needs in
  // `rec` (a new row's request_id), and `*durable` to the gate of a write
  // that is not yet durable. kAlreadyExists asks for a fresh serial number;
  // any other failure ends the issuance.
  using Commit = std::function<Status(db::RequestRecord& rec, std::shared_ptr<Gate>* durable)>;

  // --- Enrollment helpers (enrollment.cc) ---
  bool AuthorityMatches(const std::string& authority) const;
  // The denial of a new request of `incoming` bytes from `caller` when it
  // would break options_.quota (logged through quota_log_), or a read
  // failure; nullopt when it may go on.
  std::optional<SubmitResult> OverQuota(const Caller& caller, std::uint64_t incoming,
                                        std::int64_t now);
  SubmitResult WrongAuthority(const std::string& authority) const;
  // Stores a new request as the policy decided: denied, pending or issued.
  SubmitResult Decide(db::RequestRecord rec, const std::vector<db::AttributeRow>& attributes,
                      const std::vector<db::ExtensionRow>& requested, const PolicyOutcome& outcome,
                      const pki::ParsedRequest& parsed, std::int64_t now);
  // A new request that fails before policy: an error row, its HRESULT returned.
  SubmitResult Fail(db::RequestRecord rec, std::uint32_t status, const std::string& why,
                    const std::vector<db::AttributeRow>& attributes = {});
  SubmitResult Insert(db::RequestRecord rec, const std::vector<db::AttributeRow>& attributes,
                      const std::vector<db::ExtensionRow>& extensions, WireDisposition wire);
  SubmitResult IssueNew(db::RequestRecord rec, const std::vector<db::AttributeRow>& attributes,
                        const PolicyOutcome& outcome, const X509_REQ* request, std::int64_t now);
  // Signs a certificate for `rec` and stores it with `commit`, retrying with
  // a fresh serial number when the database reports a collision. A new
  // request's queued insert learns of one only through its gate, as a
  // failed write: serials from one process never collide (SerialNumbers),
  // and with at least 9 random bytes behind their time prefix a collision
  // with an older one is not expected in the life of a CA; the client is
  // then told its request failed. The issuance is logged once durable.
  SubmitResult Issue(db::RequestRecord& rec, const PolicyOutcome& outcome, const X509_REQ* request,
                     std::int64_t now, const Commit& commit);
  // The degenerate CMS with `cert` and the CA chain; empty when it cannot be built.
  Bytes ChainCms(const Bytes& cert) const;
  // The retrieve's answer for `got`, if `caller` may read it (MayRead).
  SubmitResult Retrieved(const Caller& caller, const Result<db::RequestRecord>& got,
                         std::uint32_t asked_id);
  // The requester (by SID, or by name ASCII case-insensitively), the caller
  // that submitted it (an enrollment agent's request for another) or an
  // officer.
  bool MayRead(const Caller& caller, const db::RequestRecord& rec) const;
  static void FillRequestedSubject(db::RequestRecord& rec, const pki::ParsedRequest& req);
  // A request on behalf of another (outcome->on_behalf_of): records the
  // named account as the requester (the caller stays the CallerName) and,
  // unless the policy denied it already, denies it when the enrollment agent
  // rights do not let `agent` enroll for that account on that template.
  void ApplyOnBehalfOf(const Caller& agent, db::RequestRecord& rec, PolicyOutcome* outcome) const;

  // --- CRL helpers (crl_publisher.cc) ---
  // Build, sign and store CRL `number` at `now` (next_update 0: the period's).
  Result<db::CrlRow> PublishBase(std::uint32_t number, std::int64_t now, std::int64_t next_update,
                                 const std::string& actor);
  Result<db::CrlRow> PublishDelta(std::uint32_t number, std::int64_t now, std::int64_t next_update,
                                  const std::string& actor);
  // Signs `spec` and stores it as `row` (whose kind-specific columns are set)
  // with its audit event.
  Result<db::CrlRow> StoreCrl(const pki::CrlSpec& spec, db::CrlRow row, const std::string& actor);

  // --- Shared helpers (engine.cc) ---
  static void LogNotes(std::uint32_t request_id, const PolicyOutcome& outcome);
  // Logs `line` at info once `result` is durable (at once when nothing waits
  // for that), in this thread's log context; never when it fails to be.
  static void LogOnceDurable(const SubmitResult& result, std::string line);
  static const char* DispositionName(db::Disposition d);
  SubmitResult StoreReadFailure(const Status& s, std::uint32_t id);
  SubmitResult UpdateFailure(const Status& s, std::uint32_t id);
  // The officer-rights check of an officer operation on request `id`
  // (CaSecurity::RequireOfficerFor), reading the request only when officer
  // rights are enabled: PROPERTY_EMPTY for an unknown request.
  Status RequireOfficerRights(const Caller& officer, std::uint32_t id, std::string_view operation);
  // The same for `rec`, read already. The requester's groups come from the
  // directory, when the CA has one, asked only while officer rights are
  // enabled.
  Status RequireOfficerRights(const Caller& officer, const db::RequestRecord& rec,
                              std::string_view operation);
  // Store errors of officer operations as the admin protocol reports them.
  static Status MapOfficerStatus(const Status& s, std::uint32_t id);
  // The audit event of `action` by `actor` on request `id`, now.
  db::AuditEvent Audit(const std::string& actor, std::string action, std::uint32_t id,
                       std::string detail) const;
  // The detail of an issuance: the template and the serial number.
  static std::string IssueDetail(const db::RequestRecord& rec);

  EngineOptions options_;
  const pki::CaIdentity& identity_;
  db::CaStore& store_;
  directory::TemplateSource& templates_;
  directory::IdentityLookup* lookup_;  // may be null
  CaSecurity& security_;
  Clock clock_;
  SerialNumbers serials_;
  LogLimiter directory_outage_log_;
  KeyedLogLimiter quota_log_;  // keyed by the lower-cased caller name
  Policy policy_;
  CaProperties properties_;
  // Held through each publication: a CRL's number is the latest one's plus
  // one, so two publications at once (the schedule, an administrator's
  // PublishCRL) would both take it.
  std::mutex crl_mu_;
};

}  // namespace openadcs::ca

#endif  // OPENADCS_SRC_CA_ENGINE_IMPL_H_
