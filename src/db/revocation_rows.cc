#include "db/revocation_rows.h"

namespace openadcs::db::revocation_rows {
namespace {

// In Read's order.
constexpr std::string_view kColumns =
    "SELECT request_id, serial_number, revoked_when, revoked_effective_when, revoked_reason "
    "FROM request ";

}  // namespace

const std::string& RevokedSql() {
  // A certificate whose notAfter is the publication time is still valid
  // then (RFC 5280 validity is inclusive), so it is listed.
  static const std::string sql = std::string(kColumns) +
                                 "WHERE disposition = ?1 AND revoked_effective_when <= ?2 AND "
                                 "not_after >= ?2 ORDER BY request_id";
  return sql;
}

const std::string& ChangesSql() {
  // Only revoked rows, and rows released from hold (which keep their
  // revocation), are in the partial index on revoked_effective_when. The
  // released ones are found through it: by the disposition index, or by the
  // table scan SQLite prefers to sorting them, a delta CRL would read every
  // issued certificate.
  static const std::string sql =
      std::string(kColumns) +
      "WHERE disposition = ?1 AND revoked_effective_when <= ?3 AND not_after >= ?3 AND "
      "(revoked_when >= ?4 OR revoked_effective_when >= ?4) UNION ALL " +
      std::string(kColumns) +
      "INDEXED BY request_revoked_effective_when WHERE revoked_effective_when IS NOT NULL AND "
      "disposition = ?2 AND revoked_reason = ?5 AND revoked_when >= ?4 AND not_after >= ?3 "
      "ORDER BY request_id";
  return sql;
}

Result<RevokedCertificate> Read(const Statement& st) {
  RevokedCertificate r;
  OPENADCS_RETURN_IF_ERROR(st.Column(0).Get(r.request_id));
  OPENADCS_RETURN_IF_ERROR(st.Column(1).Get(r.serial_number));
  OPENADCS_RETURN_IF_ERROR(st.Column(2).Get(r.revocation.revoked_when));
  OPENADCS_RETURN_IF_ERROR(st.Column(3).Get(r.revocation.revoked_effective_when));
  OPENADCS_RETURN_IF_ERROR(st.Column(4).Get(r.revocation.reason));
  return r;
}

}  // namespace openadcs::db::revocation_rows
