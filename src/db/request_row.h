// The mapping between RequestRecord and a row of the SQL request table: one
// table of fields, from which the INSERT, UPDATE and SELECT texts are built.
#ifndef OPENADCS_DB_REQUEST_ROW_H_
#define OPENADCS_DB_REQUEST_ROW_H_

#include <string>

#include "db/sqlite_connection.h"
#include "openadcs/db/records.h"
#include "openadcs/util/status.h"

namespace openadcs::db::request_row {

// "request_id, <every mapped column>": the select list Read expects.
const std::string& SelectColumns();
// INSERT of every mapped column; request_id is assigned by SQLite.
const std::string& InsertSql();
// UPDATE of the mutable columns (those UpdateRequest replaces) of one row.
const std::string& UpdateSql();

// `r` must outlive the statement's next Step: values are bound by reference.
void BindInsert(Statement& st, const RequestRecord& r);
void BindUpdate(Statement& st, const RequestRecord& r);

// The record in the current row of a statement that selected SelectColumns().
Result<RequestRecord> Read(const Statement& st);

}  // namespace openadcs::db::request_row

#endif  // OPENADCS_DB_REQUEST_ROW_H_
