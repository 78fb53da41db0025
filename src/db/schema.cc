#include "db/schema.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "db/audit_table.h"
#include "openadcs/db/sqlite_store.h"

namespace openadcs::db::schema {
namespace {

// How an indexed catalogue column is indexed when the default, a plain
// one-column index, is not what the table needs.
struct IndexRule {
  std::string_view column;
  bool unique;
  std::string_view key;  // the index key, led by `column`
};

struct TableSpec {
  Table table;
  // INTEGER PRIMARY KEY AUTOINCREMENT: the rowid, so never reused. Empty:
  // an ordinary rowid table.
  std::string_view primary_key;
  // A column referring to request(request_id), or empty.
  std::string_view request_ref;
  std::span<const IndexRule> rules;
};

constexpr IndexRule kRequestRules[] = {{"serial_number", true, "serial_number"}};
constexpr IndexRule kExtensionRules[] = {{"request_id", true, "request_id, name"}};
constexpr IndexRule kCrlRules[] = {{"number", true, "number"}};

constexpr TableSpec kTables[] = {
    {Table::kRequestCertificate, "request_id", "", kRequestRules},
    {Table::kExtension, "", "request_id", kExtensionRules},
    {Table::kAttribute, "", "request_id", {}},
    {Table::kCrl, "row_id", "", kCrlRules},
};

constexpr InternalColumn kInternal[] = {
    {"requester_sid", ColumnType::kString},
    {"template_name", ColumnType::kString},
    {"officer_name", ColumnType::kString},  // Request.Officer is a LONG flag in Windows
};

// Tables outside MS-CSRA's four, so not in the catalogue. ca_security holds
// at most one row (id 1): the CA's security descriptor and its version. The
// audit table is audit_table::kCreate.
constexpr std::string_view kCreateCaSecurity =
    "CREATE TABLE ca_security (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "descriptor BLOB NOT NULL, version INTEGER NOT NULL) STRICT";

// Named CA settings (officer rights, audit filter): one row each, values
// opaque to the database (docs/database.md lists names and encodings).
constexpr std::string_view kCreateCaSetting =
    "CREATE TABLE ca_setting (name TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT";

// The per-requester request quota (SqliteStore::CountRequestsSince): one
// account's rows, ASCII case-insensitively as callers authenticate, and its
// latest hour as a range. IF NOT EXISTS: the tests that fake an older
// file from a fresh one keep the index when they run the upgrade.
constexpr std::string_view kCreateQuotaIndex =
    "CREATE INDEX IF NOT EXISTS request_caller_quota ON request "
    "(caller_name COLLATE NOCASE, submitted_when)";

// What StoredBytesOf reads: each requester's stored bytes, kept by triggers
// so that the quota check reads one row instead of summing the account's
// requests (milliseconds per thousand rows). Bytes as the quota counts them:
// the raw request, the attribute text and the certificate of `row`.
std::string RowBytes(std::string_view row) {
  return fmt::format(
      "coalesce(length({0}.raw_request), 0) + coalesce(length({0}.request_attributes), 0) + "
      "coalesce(length({0}.raw_certificate), 0)",
      row);
}

std::string AddUsage(std::string_view row) {
  return fmt::format(
      "INSERT INTO requester_usage (caller_name, bytes) VALUES (coalesce({0}.caller_name, ''), "
      "{1}) ON CONFLICT (caller_name) DO UPDATE SET bytes = bytes + excluded.bytes;",
      row, RowBytes(row));
}

std::string SubtractUsage(std::string_view row) {
  return fmt::format(
      "UPDATE requester_usage SET bytes = bytes - ({1}) WHERE caller_name = "
      "coalesce({0}.caller_name, '');",
      row, RowBytes(row));
}

// IF NOT EXISTS, as for the index: an upgrade test may fake an older file
// from a fresh one.
std::string CreateRequesterUsage() {
  return "CREATE TABLE IF NOT EXISTS requester_usage (caller_name TEXT COLLATE NOCASE PRIMARY "
         "KEY, bytes INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
         "CREATE TRIGGER IF NOT EXISTS request_usage_insert AFTER INSERT ON request BEGIN " +
         AddUsage("NEW") +
         " END;"
         "CREATE TRIGGER IF NOT EXISTS request_usage_update AFTER UPDATE OF caller_name, "
         "raw_request, request_attributes, raw_certificate ON request BEGIN " +
         SubtractUsage("OLD") + AddUsage("NEW") +
         " END;"
         "CREATE TRIGGER IF NOT EXISTS request_usage_delete AFTER DELETE ON request BEGIN " +
         SubtractUsage("OLD") + " END;";
}

// Fills requester_usage from the rows an older file already holds.
std::string FillRequesterUsage() {
  return "INSERT OR REPLACE INTO requester_usage (caller_name, bytes) SELECT "
         "coalesce(caller_name, ''), sum(" +
         RowBytes("request") + ") FROM request GROUP BY coalesce(caller_name, '') COLLATE NOCASE";
}

std::string_view SqlType(ColumnType type) {
  switch (type) {
    case ColumnType::kLong:
    case ColumnType::kDate: return "INTEGER";
    case ColumnType::kBinary: return "BLOB";
    case ColumnType::kString: return "TEXT";
  }
  return "ANY";
}

void AppendTable(const TableSpec& spec, std::vector<std::string>& out) {
  std::string name(TableName(spec.table));
  std::string ddl = "CREATE TABLE " + name + " (";
  std::vector<std::string> indexes;
  std::set<std::string_view> seen;  // RequestID appears twice (0x1000, 0x2000)
  for (const ColumnInfo& c : Columns()) {
    if (c.table != spec.table || !seen.insert(c.sql).second) continue;
    if (seen.size() > 1) ddl += ", ";
    ddl += std::string(c.sql) + " " + std::string(SqlType(c.type));
    if (c.sql == spec.primary_key) {
      ddl += " PRIMARY KEY AUTOINCREMENT";
      continue;  // the rowid is its own index
    }
    if (c.sql == spec.request_ref) {
      ddl += " NOT NULL REFERENCES request(request_id) ON DELETE CASCADE";
    }
    if (!c.indexed) continue;
    IndexRule rule{c.sql, false, c.sql};
    for (const IndexRule& r : spec.rules) {
      if (r.column == c.sql) rule = r;
    }
    std::string sql = rule.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
    sql += name;
    sql += '_';
    sql += c.sql;
    sql += " ON ";
    sql += name;
    sql += " (";
    sql += rule.key;
    sql += ')';
    indexes.push_back(std::move(sql));
  }
  if (spec.table == Table::kRequestCertificate) {
    for (const InternalColumn& c : kInternal) {
      ddl += ", " + std::string(c.sql) + " " + std::string(SqlType(c.type));
    }
  }
  ddl += ") STRICT";
  out.push_back(std::move(ddl));
  out.insert(out.end(), indexes.begin(), indexes.end());
}

Result<std::int64_t> PragmaValue(Connection& conn, std::string_view pragma) {
  Result<Statement> st = conn.Prepare("PRAGMA " + std::string(pragma));
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::int64_t v = 0;
  if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(v));
  return v;
}

// Takes a file from version `from` to from + 1; one case per past version.
// A fresh file is created at kSchemaVersion directly, so a step that adds a
// column must also add it to the catalogue (and so to CreateStatements).
Status Upgrade(Connection& conn, std::int64_t from) {
  switch (from) {
    case 1: return conn.Exec(kCreateCaSecurity, "create table ca_security");
    // The chain starts with the first write after the upgrade: what came
    // before was never audited, and a made-up history would prove nothing.
    case 2: return conn.Exec(audit_table::kCreate, "create table audit");
    case 3: return conn.Exec(kCreateCaSetting, "create table ca_setting");
    case 4:
      OPENADCS_RETURN_IF_ERROR(conn.Exec(kCreateQuotaIndex, "create index request_caller_quota"));
      OPENADCS_RETURN_IF_ERROR(conn.Exec(CreateRequesterUsage(), "create table requester_usage"));
      return conn.Exec(FillRequesterUsage(), "fill requester_usage");
    default: return Status::Internal("no upgrade from schema version " + std::to_string(from));
  }
}

Status CreateSchema(Connection& conn) {
  Result<Statement> st = conn.Prepare("SELECT count(*) FROM sqlite_schema");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::int64_t count = 0;
  OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(count));
  if (count != 0) {
    return Status::FailedPrecondition("the file holds tables but no openadcs schema version");
  }
  for (const std::string& sql : CreateStatements()) {
    OPENADCS_RETURN_IF_ERROR(conn.Exec(sql, "create schema"));
  }
  return conn.Exec("PRAGMA application_id = " + std::to_string(kApplicationId),
                   "set application_id");
}

}  // namespace

std::string_view TableName(Table table) {
  switch (table) {
    case Table::kRequestCertificate: return "request";
    case Table::kExtension: return "extension";
    case Table::kAttribute: return "attribute";
    case Table::kCrl: return "crl";
  }
  return "";
}

std::span<const InternalColumn> InternalRequestColumns() {
  return kInternal;
}

std::vector<std::string> CreateStatements() {
  std::vector<std::string> out;
  for (const TableSpec& spec : kTables) AppendTable(spec, out);
  out.emplace_back(kCreateCaSecurity);
  out.emplace_back(audit_table::kCreate);
  out.emplace_back(kCreateCaSetting);
  out.emplace_back(kCreateQuotaIndex);
  out.push_back(CreateRequesterUsage());
  return out;
}

Result<std::int64_t> Version(Connection& conn) {
  return PragmaValue(conn, "user_version");
}

Status CheckCompatible(Connection& conn) {
  Result<std::int64_t> version = Version(conn);
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) {
    return Status::FailedPrecondition("CA database schema version " + std::to_string(*version) +
                                      " is newer than this build's " +
                                      std::to_string(kSchemaVersion));
  }
  if (*version == 0) return Status::Ok();
  Result<std::int64_t> app = PragmaValue(conn, "application_id");
  if (!app.ok()) return app.status();
  if (*app != kApplicationId) {
    return Status::FailedPrecondition("not an openadcs CA database (application_id " +
                                      std::to_string(*app) + ")");
  }
  return Status::Ok();
}

Status Migrate(Connection& conn) {
  Transaction tx(conn);
  OPENADCS_RETURN_IF_ERROR(tx.Begin(Transaction::Mode::kWrite));
  // Checked again under the write lock: another process may have migrated.
  OPENADCS_RETURN_IF_ERROR(CheckCompatible(conn));
  Result<std::int64_t> version = PragmaValue(conn, "user_version");
  if (!version.ok()) return version.status();
  if (*version == kSchemaVersion) return Status::Ok();
  if (*version == 0) {
    OPENADCS_RETURN_IF_ERROR(CreateSchema(conn));
  } else {
    for (std::int64_t v = *version; v < kSchemaVersion; ++v) {
      OPENADCS_RETURN_IF_ERROR(Upgrade(conn, v));
    }
  }
  OPENADCS_RETURN_IF_ERROR(
      conn.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion), "set user_version"));
  OPENADCS_RETURN_IF_ERROR(tx.Commit());
  spdlog::info("CA database schema at version {} (was {})", kSchemaVersion, *version);
  return Status::Ok();
}

}  // namespace openadcs::db::schema
