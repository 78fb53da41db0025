// The `audit` table's SQL, shared by the store (which appends and lists) and
// by the offline readers of audit.h. See openadcs/db/audit.h for the chain.
#ifndef OPENADCS_SRC_DB_AUDIT_TABLE_H_
#define OPENADCS_SRC_DB_AUDIT_TABLE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "db/sqlite_connection.h"
#include "openadcs/db/audit.h"
#include "openadcs/util/status.h"

namespace openadcs::db::audit_table {

// Schema version 3's table; seq is the rowid, assigned by AppendRow, never by
// SQLite, so that the hash can cover it.
inline constexpr std::string_view kCreate =
    "CREATE TABLE audit (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL, "
    "action TEXT NOT NULL, request_id INTEGER NOT NULL, detail TEXT NOT NULL, "
    "prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT";

// Appends `event` after the chain's current head, read on `conn`, and
// returns the row. REQUIRES: a write transaction open on `conn`, so that no
// other writer can append between the read of the head and the insert.
// InvalidArgument for a field over kMaxAuditFieldBytes.
Result<AuditRow> AppendRow(Connection& conn, const AuditEvent& event);

// Rows with seq > after_seq, ascending, at most min(limit, kMaxAuditListRows).
Result<std::vector<AuditRow>> ListRows(Connection& conn, std::uint64_t after_seq,
                                       std::uint32_t limit);

// The "audit:" log line of a committed row (control characters shown as '?',
// so that a detail cannot forge log lines).
void Log(const AuditRow& row);

}  // namespace openadcs::db::audit_table

#endif  // OPENADCS_SRC_DB_AUDIT_TABLE_H_
