// The request table's revocations as CRLs read them (SqliteStore's
// ListRevoked and ListRevocationChanges): the statements' texts and the
// reading of their rows, apart so that tests can ask SQLite how it runs
// them. Both read the request table alone, never a row's blobs, and only the
// rows that were ever revoked, however many certificates were issued.
#ifndef OPENADCS_DB_REVOCATION_ROWS_H_
#define OPENADCS_DB_REVOCATION_ROWS_H_

#include <string>

#include "db/sqlite_connection.h"
#include "openadcs/db/records.h"
#include "openadcs/util/status.h"

namespace openadcs::db::revocation_rows {

// What a CRL published at ?2 lists: ?1 is kRevoked.
const std::string& RevokedSql();
// What a delta CRL published at ?3 over a base of thisUpdate ?4 lists: ?1 is
// kRevoked, ?2 kIssued, ?5 kReleasedFromHold.
const std::string& ChangesSql();

// The revocation in the current row of a statement of either.
Result<RevokedCertificate> Read(const Statement& st);

}  // namespace openadcs::db::revocation_rows

#endif  // OPENADCS_DB_REVOCATION_ROWS_H_
