// The audit trail: every change to the CA database appends one row to the
// `audit` table in the same transaction as the change, and each row carries
// the SHA-256 of the one before it, so that an edited, removed or reordered
// row is found offline, from the database file alone (VerifyAuditChain).
//
// The hash chain (also in docs/database.md, for those who re-implement it):
//
//   prev_hash(1) = 32 zero bytes; prev_hash(n) = hash(n - 1)
//   hash(n) = SHA-256(prev_hash(n) || E(row n))
//   E(row) = u64(seq) || i64(time) || str(actor) || str(action)
//            || u32(request_id) || str(detail)
//
// where u64/i64/u32 are the value in little-endian bytes (8, 8 and 4; i64
// two's complement) and str(s) is u32(byte length of s) followed by the
// bytes of s (UTF-8, no terminator). seq counts 1, 2, 3, ... with no gap.
//
// What the chain proves: that rows 1..N are those the CA wrote, in its
// order. It cannot tell that rows were cut off the end (the last rows and
// nothing else removed); for that, compare the head hash with one kept
// elsewhere (every "audit:" log line carries the first 16 hex digits).
#ifndef OPENADCS_DB_AUDIT_H_
#define OPENADCS_DB_AUDIT_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

inline constexpr std::size_t kAuditHashBytes = 32;  // SHA-256
// The most bytes an actor, action or detail may have; a longer one fails
// the write with InvalidArgument. Above any account name NTLM can carry.
inline constexpr std::size_t kMaxAuditFieldBytes = std::size_t{128} * 1024;
// ListAudit and ReadAuditFile return at most this many rows per call.
inline constexpr std::uint32_t kMaxAuditListRows = 10000;

// What happened, as the caller of a CaStore write describes it.
struct AuditEvent {
  std::int64_t time = 0;  // Unix seconds
  std::string actor;      // DOMAIN\user, or "" for the CA itself
  // "issue", "deny", "pend", "fail", "set-extension", "set-attributes",
  // "revoke", "unrevoke", "publish-crl", "set-ca-security",
  // "init-ca-security", "import", "delete-row", "set-templates",
  // "set-templates-failed", "set-officer-rights", "set-audit-filter": a short
  // lower-case word, never free text.
  std::string action;
  // The request concerned, 0 for none. InsertRequest replaces 0 with the
  // new request's id.
  std::uint32_t request_id = 0;
  std::string detail;  // one line, no secrets
};

// A stored row: the event with its place in the chain.
struct AuditRow {
  std::uint64_t seq = 0;  // 1, 2, 3, ...
  AuditEvent event;
  Bytes prev_hash;  // kAuditHashBytes
  Bytes hash;       // kAuditHashBytes
};

// hash(n) for `event` stored as row `seq` after a row whose hash is
// `prev_hash` (any length is hashed as given; the chain uses 32 bytes).
Bytes AuditHash(const Bytes& prev_hash, std::uint64_t seq, const AuditEvent& event);

// The first row that breaks the chain.
struct AuditFault {
  enum class Kind {
    kHashMismatch,      // the row's fields do not hash to its hash: edited
    kPrevHashMismatch,  // does not follow the row before: rows removed, reordered or rewritten
    kSeqGap,            // seq is not one past the row before: rows removed
  };
  std::uint64_t seq = 0;  // the offending row's seq
  Kind kind = Kind::kHashMismatch;
  std::string why;  // e.g. "hash mismatch (edited)"
};

struct AuditVerification {
  std::uint64_t rows = 0;                 // every row in the table
  Bytes head_hash;                        // the last row's stored hash; zeros when empty
  std::optional<AuditFault> first_fault;  // nullopt: the chain verifies
};

// Opens `db_file` read-only (never creating, migrating or writing it; the
// daemon may be running), walks the audit rows in seq order in one read
// transaction and recomputes every hash. A broken chain is a result, not an
// error. Errors: NotFound for a missing file; FailedPrecondition for a file
// that is not an openadcs CA database, or one older than schema version 3
// (no audit table yet); Corruption for a value of the wrong type; the
// database's errors otherwise.
Result<AuditVerification> VerifyAuditChain(const std::filesystem::path& db_file);

// Rows with seq > after_seq, ascending, at most min(limit, kMaxAuditListRows),
// read from `db_file` opened as VerifyAuditChain opens it (same errors).
Result<std::vector<AuditRow>> ReadAuditFile(const std::filesystem::path& db_file,
                                            std::uint64_t after_seq, std::uint32_t limit);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_AUDIT_H_
