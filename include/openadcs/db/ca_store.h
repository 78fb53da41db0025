// The CA database behind an interface, so that the engine never sees SQL and
// a store for several nodes (PostgreSQL) can follow the embedded SQLite one.
//
// Contract common to all methods: each is one transaction, all or nothing;
// a method that returns ok has committed durably (the row survives a crash
// or power loss once the call returns). Errors: NotFound for an unknown
// request id or serial, FailedPrecondition when a conditional update finds
// the row in another state, AlreadyExists when a serial number is taken,
// Unavailable when the database stays busy past its timeout, IOError and
// Corruption otherwise; InvalidArgument (with E_INVALIDARG) for a view
// query that breaks the rules of view_query.h. Implementations are
// thread-safe.
//
// Audit: every method that changes the database takes the AuditEvent that
// describes the change and appends it to the audit chain (audit.h) in the
// same transaction, so that either both are committed or neither. A write
// that fails appends nothing. Once a write is durable, the store logs its
// row ("audit: ..." at info, with the new head hash's first 16 hex digits).
#ifndef OPENADCS_DB_CA_STORE_H_
#define OPENADCS_DB_CA_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/db/audit.h"
#include "openadcs/db/column_catalogue.h"
#include "openadcs/db/records.h"
#include "openadcs/db/view_query.h"
#include "openadcs/util/gate.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

// Above the largest self-relative security descriptor: a 20-byte header,
// two SIDs of at most 68 bytes and two ACLs of at most 64 KiB each.
inline constexpr std::size_t kMaxCaSecurityBytes = std::size_t{256} * 1024;
// A CA setting's value (the officer rights descriptor is the largest).
inline constexpr std::size_t kMaxCaSettingBytes = kMaxCaSecurityBytes;
inline constexpr std::size_t kMaxCaSettingNameBytes = 64;

// The most rows one DeleteRowsBefore call deletes, so that one call holds
// the write lock (and every enrollment behind it) for milliseconds, not for
// the minutes a million rows would take. Callers repeat while `more`.
inline constexpr std::uint32_t kMaxDeleteRowsPerCall = 1000;

// Which rows DeleteRowsBefore selects (MS-CSRA 3.1.4.2.18).
enum class BulkDelete {
  kExpiredCertificates,  // issued or revoked, notAfter before the time
  kStaleRequests,        // pending, failed or denied, last acted on before the time
  kExpiredCrls,          // CRL rows whose nextUpdate is before the time
};

struct DeleteCount {
  std::uint32_t deleted = 0;  // rows of the table asked about (a request's
                              // Extension and Attribute rows not counted)
  bool more = false;          // more rows match: the call stopped at its limit
};

struct RequestQuery {
  std::optional<Disposition> disposition;  // all when empty
  std::uint32_t after_request_id = 0;      // keyset paging: ids greater than this
  std::uint32_t limit = 1000;              // at most this many rows, ascending by id
};

// What a write that returns before it is even committed hands back.
struct QueuedInsert {
  std::uint32_t request_id = 0;
  // Opens Ok once the write is durable, or with the error the blocking call
  // would have returned (the write's, its transaction's, or the store's
  // disk failure) if it never will be. Never null.
  std::shared_ptr<Gate> durable;
};

class CaStore {
 public:
  virtual ~CaStore() = default;

  // Inserts a request with its attribute and extension rows (their
  // request_id fields are ignored) and returns the new RequestID. An
  // audit.request_id of 0 is stored as the new RequestID.
  virtual Result<std::uint32_t> InsertRequest(const RequestRecord& record,
                                              const std::vector<AttributeRow>& attributes,
                                              const std::vector<ExtensionRow>& extensions,
                                              const AuditEvent& audit) = 0;
  // InsertRequest that returns as soon as the write is queued, with the
  // request id it will have, so that the caller's thread is held neither
  // through the commit nor through the sync. Nothing that depends on the
  // row may be acknowledged before `durable` opens Ok; the audit row is
  // logged once it does. Until then the row may not be visible to reads,
  // and once it is, a crash may still undo it. An id whose write fails is
  // not used again.
  virtual Result<QueuedInsert> QueueInsertRequest(const RequestRecord& record,
                                                  const std::vector<AttributeRow>& attributes,
                                                  const std::vector<ExtensionRow>& extensions,
                                                  const AuditEvent& audit) = 0;

  // Replaces the mutable columns of request record.request_id (disposition,
  // status, message, resolved/revocation times, officer, certificate
  // columns, template) if its stored disposition is `expected`; upserts
  // `extensions` by (request id, name) in the same transaction.
  virtual Status UpdateRequest(const RequestRecord& record, Disposition expected,
                               const std::vector<ExtensionRow>& extensions,
                               const AuditEvent& audit) = 0;

  virtual Result<RequestRecord> GetRequest(std::uint32_t request_id) = 0;
  // serial: lower-case hex as in CertificateColumns::serial_number.
  virtual Result<RequestRecord> GetRequestBySerial(const std::string& serial) = 0;
  virtual Result<std::vector<RequestRecord>> ListRequests(const RequestQuery& query) = 0;
  // How many requests have `disposition` (the pending queue's length).
  virtual Result<std::uint64_t> CountRequests(Disposition disposition) = 0;

  // For the per-requester quotas: the requests whose CallerName is
  // `caller_name` (ASCII case-insensitively) submitted at or after `since`.
  // An index range, so the cost grows with the answer, not the table.
  virtual Result<std::uint64_t> CountRequestsSince(const std::string& caller_name,
                                                   std::int64_t since) = 0;
  // The bytes those requests hold: raw requests, attribute strings (in
  // characters) and certificates, over every row of `caller_name` still
  // stored. Reads one row: the schema keeps each account's sum.
  virtual Result<std::uint64_t> StoredBytesOf(const std::string& caller_name) = 0;

  // Inserts or replaces the extension row (request_id, name) if the request's
  // disposition is `required`.
  virtual Status PutExtension(const ExtensionRow& row, Disposition required,
                              const AuditEvent& audit) = 0;
  virtual Result<std::vector<ExtensionRow>> ListExtensions(std::uint32_t request_id) = 0;

  // Appends attribute rows (names may repeat) if the request's disposition is
  // `required`.
  virtual Status PutAttributes(std::uint32_t request_id, const std::vector<AttributeRow>& rows,
                               Disposition required, const AuditEvent& audit) = 0;
  virtual Result<std::vector<AttributeRow>> ListAttributes(std::uint32_t request_id) = 0;

  // Certificates in kRevoked whose revocation is effective at or before `at`
  // and which have not expired before `at`: what a CRL published at `at`
  // lists, in request id order. Reads only the revoked rows, however many
  // certificates were issued.
  virtual Result<std::vector<RevokedCertificate>> ListRevoked(std::int64_t at) = 0;

  // What a delta CRL published at `at` over a base whose thisUpdate is
  // `since` lists, in request id order: certificates in kRevoked whose
  // revocation is effective at or before `at`, recorded or effective at or
  // after `since`, and not expired before `at`; then certificates released
  // from hold (kIssued, reason kReleasedFromHold) at or after `since` and
  // not expired before `at`. Reads only rows that were ever revoked.
  virtual Result<std::vector<RevokedCertificate>> ListRevocationChanges(std::int64_t since,
                                                                        std::int64_t at) = 0;

  // Inserts a CRL row and returns its CRLRowId. The CRL number must be new.
  virtual Result<std::uint32_t> InsertCrl(const CrlRow& row, const AuditEvent& audit) = 0;
  // The CRL with the highest number, base or delta, or nullopt before the
  // first one.
  virtual Result<std::optional<CrlRow>> LatestCrl() = 0;
  // The CRL of `kind` with the highest number, or nullopt before the first.
  virtual Result<std::optional<CrlRow>> LatestCrl(CrlKind kind) = 0;
  // The base CRL with the highest number whose CRLPropagationComplete is at
  // or before `at`, or nullopt when there is none.
  virtual Result<std::optional<CrlRow>> LatestPropagatedBaseCrl(std::int64_t at) = 0;

  // Rows query.first_row .. first_row + min(max_rows, kMaxViewRows) - 1 of
  // query.table, filtered by the restrictions and sorted by the one that
  // sorts (ties, and no sort at all, in primary key order: request id, then
  // extension name or attribute insertion order; CRL row id). Every call
  // runs the query anew on one snapshot: rows committed between two calls
  // can shift the offsets of the next. Errors: InvalidArgument when
  // ValidateViewQuery fails.
  virtual Result<ViewPage> QueryView(const ViewQuery& query) = 0;

  // The CA's security descriptor, or nullopt before the first put.
  virtual Result<std::optional<CaSecurityRow>> GetCaSecurity() = 0;
  // Stores `descriptor` if the stored version is `expected_version` (0 when
  // none is stored yet), and increments the version. FailedPrecondition,
  // with nothing changed, when the version differs; InvalidArgument for an
  // empty descriptor or one over kMaxCaSecurityBytes.
  virtual Status PutCaSecurity(const Bytes& descriptor, std::uint64_t expected_version,
                               const AuditEvent& audit) = 0;

  // Deletes the row `row_id` of `table`: a request with its Extension and
  // Attribute rows; the Extension (or Attribute) rows of request `row_id`,
  // the row id those tables show in views; a CRL row. Returns how many rows
  // of `table` went; 0, with nothing written and no audit row, when there
  // are none. The store appends the deleted ids to audit.detail. Audit rows
  // are never deleted.
  virtual Result<std::uint32_t> DeleteRow(Table table, std::uint32_t row_id,
                                          const AuditEvent& audit) = 0;
  // Deletes the rows `which` selects before `before` (Unix seconds), lowest
  // ids first, at most min(limit, kMaxDeleteRowsPerCall) of them, requests
  // with their Extension and Attribute rows, in one transaction. As
  // DeleteRow: nothing written when nothing matches; ids in audit.detail.
  virtual Result<DeleteCount> DeleteRowsBefore(BulkDelete which, std::int64_t before,
                                               std::uint32_t limit, const AuditEvent& audit) = 0;
  // Appends `audit` alone, for a change the CA makes outside this database
  // (the served templates, in the directory), so that it is on the chain
  // too. audit.request_id should be 0.
  virtual Status AppendAudit(const AuditEvent& audit) = 0;
  // A named CA setting (the officer rights, the audit filter; docs/database.md
  // lists the names), or nullopt when it is not set.
  virtual Result<std::optional<Bytes>> GetSetting(const std::string& name) = 0;
  // Sets `name` to `value`, or removes it when `value` is nullopt (removing
  // one that is not set is no error, and is audited all the same).
  // InvalidArgument for a name that is empty or over kMaxCaSettingNameBytes,
  // or a value over kMaxCaSettingBytes.
  virtual Status PutSetting(const std::string& name, const std::optional<Bytes>& value,
                            const AuditEvent& audit) = 0;

  // Audit rows with seq > after_seq, ascending, at most
  // min(limit, kMaxAuditListRows): keyset paging as ListRequests.
  virtual Result<std::vector<AuditRow>> ListAudit(std::uint64_t after_seq, std::uint32_t limit) = 0;
};

}  // namespace openadcs::db

#endif  // OPENADCS_DB_CA_STORE_H_
