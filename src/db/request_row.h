// The mapping between RequestRecord and a row of the SQL request table: one
// table of fields, from which the INSERT, UPDATE and SELECT texts are built.
#ifndef OPENADCS_DB_REQUEST_ROW_H_
#define OPENADCS_DB_REQUEST_ROW_H_

#include <string>

#include "db/sqlite_connection.h"
#include "openadcs/db/records.h"
#include "openadcs/util/status.h"

namespace openadcs::db::request_row {

// A request is a row of `request` and one of `request_blob` (its BINARY
// columns); docs/database.md.

// "request_id, <every mapped column>": the select list Read expects, FROM
// schema::RowSource(Table::kRequestCertificate).
const std::string& SelectColumns();
// INSERT of the request row, with its quota_bytes, then of its blob row:
// both bound by BindWithId with the new id (SqliteStore hands ids out).
const std::string& InsertSql();
const std::string& InsertBlobSql();
// UPDATE of the mutable columns (those UpdateRequest replaces) of one
// request row, then upsert of its mutable blobs: run in this order, both
// bound by BindWithId.
const std::string& UpdateSql();
const std::string& UpdateBlobSql();

// `r` must outlive the statement's next Step: values are bound by reference.
void BindWithId(Statement& st, const RequestRecord& r, std::uint32_t request_id);

// The record in the current row of a statement that selected SelectColumns().
Result<RequestRecord> Read(const Statement& st);

}  // namespace openadcs::db::request_row

#endif  // OPENADCS_DB_REQUEST_ROW_H_
