// The SQL behind CaStore::QueryView: one parameterised SELECT per view
// query, its column names from the catalogue, and the reading of its rows.
#ifndef OPENADCS_DB_VIEW_SQL_H_
#define OPENADCS_DB_VIEW_SQL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite_connection.h"
#include "openadcs/db/view_query.h"
#include "openadcs/util/status.h"

namespace openadcs::db::view_sql {

struct Plan {
  std::string sql;
  // ?1, ?2, ... in order. They view the query's values: the query must
  // outlive the plan's statement.
  std::vector<SqlValue> params;
};

// The primary key order of `table`, which also breaks the ties of a sort so
// that the rows of a view have one total order, and is what a ViewCursor's
// keys hold.
std::vector<std::string_view> KeyColumns(Table table);

// The SELECT of rows query.first_row .. first_row + row_limit (one row more
// than asked, so that the caller learns whether the result ends), after
// query.after when set: column 0 is the row id, then query.columns in order,
// then what Cursor reads. REQUIRES: ValidateViewQuery(query) is ok.
Plan Build(const ViewQuery& query, std::uint32_t row_limit);

// The row at st's current position, typed per query.columns. A stored
// value out of its column's type or range is Corruption.
Result<ViewRow> Read(const Statement& st, const ViewQuery& query);

// The cursor after the row at st's current position.
ViewCursor Cursor(const Statement& st, const ViewQuery& query);

}  // namespace openadcs::db::view_sql

#endif  // OPENADCS_DB_VIEW_SQL_H_
