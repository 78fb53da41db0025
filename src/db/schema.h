// The SQL schema of the CA database, generated from the column catalogue,
// and its versioning (PRAGMA user_version). See docs/database.md.
#ifndef OPENADCS_DB_SCHEMA_H_
#define OPENADCS_DB_SCHEMA_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite_connection.h"
#include "openadcs/db/column_catalogue.h"
#include "openadcs/util/status.h"

namespace openadcs::db::schema {

// Marks the file as ours (PRAGMA application_id): "OADC".
inline constexpr std::int32_t kApplicationId = 0x4F414443;

// The SQL table holding `table`'s catalogue columns.
std::string_view TableName(Table table);

// Columns of the request table that MS-CSRA does not define: they are not in
// the catalogue, so the admin protocol never serves them.
struct InternalColumn {
  std::string_view sql;
  ColumnType type;
};
std::span<const InternalColumn> InternalRequestColumns();

// Whether `column` is stored in request_blob (the request table's BINARY
// columns, by request_id) rather than in its table's own SQL table.
bool InBlobTable(const ColumnInfo& column);
// The SQL table that stores `column`.
std::string_view SqlTable(const ColumnInfo& column);
// What a SELECT reads `table`'s rows FROM: for the request table, a subquery
// of the request rows joined with their blobs (every catalogue column name
// unambiguous), the derived columns computed where their row holds NULL
// (SQLite flattens it, so the request table's indexes still serve); the
// table itself otherwise.
std::string_view RowSource(Table table);

// An extension row's raw_value holds NULL when it is byte for byte the
// value of the extension of that name in the request's certificate (what
// an issued certificate's rows mostly are): this SQL expression, over the
// SQL expressions of the row's request id and name, is that value, or NULL.
// RowSource(Table::kExtension) reads it; a write stores NULL where it is the
// value written, and a certificate replaced first gives its rows back their
// values (sqlite_store.cc).
std::string ExtensionValueFromCertificate(std::string_view request_id, std::string_view name);

// CREATE TABLE / CREATE INDEX statements for the current version.
std::vector<std::string> CreateStatements();

// The file's schema version (PRAGMA user_version); 0 for a new file.
Result<std::int64_t> Version(Connection& conn);

// FailedPrecondition if the file carries a newer schema version than
// kSchemaVersion, or is a SQLite database that is not ours. Reads only.
Status CheckCompatible(Connection& conn);

// Brings the database to kSchemaVersion in one write transaction: creates the
// schema in an empty file, runs the upgrade steps on an older one.
Status Migrate(Connection& conn);

}  // namespace openadcs::db::schema

#endif  // OPENADCS_DB_SCHEMA_H_
