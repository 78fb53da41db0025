#include "db/schema.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <set>

#include "db/audit_table.h"
#include "db/der_fields.h"
#include "openadcs/db/sqlite_store.h"

namespace openadcs::db::schema {
namespace {

// How an indexed catalogue column is indexed when the default, a plain
// one-column index, is not what the table needs.
struct IndexRule {
  std::string_view column;
  bool unique;
  std::string_view key;    // the index key, led by `column`
  std::string_view where;  // a partial index's condition, or empty
};

struct TableSpec {
  Table table;
  // INTEGER PRIMARY KEY AUTOINCREMENT: the rowid, so never reused. Empty:
  // an ordinary rowid table.
  std::string_view primary_key;
  // A column referring to request(request_id), or empty.
  std::string_view request_ref;
  std::span<const IndexRule> rules;
  // WITHOUT ROWID with this PRIMARY KEY, which then replaces the index of
  // the column leading it; empty: a rowid table.
  std::string_view without_rowid_key = {};
};

// Most rows have no UPN and no revocation: the lookups (UPN = x, the CRL's
// revoked_effective_when <= t) imply IS NOT NULL, so SQLite uses the partial
// index for them; a view sorted on either column alone sorts in memory.
constexpr IndexRule kRequestRules[] = {
    {"serial_number", true, "serial_number", ""},
    {"upn", false, "upn", "upn IS NOT NULL"},
    {"revoked_effective_when", false, "revoked_effective_when",
     "revoked_effective_when IS NOT NULL"},
};
constexpr IndexRule kCrlRules[] = {{"number", true, "number", ""}};

// The extension table is its (request_id, name) key: a rowid table with a
// unique index on it stored every name twice. `position` keeps the order in
// which a request's extensions were added (ListExtensions reads in it).
constexpr TableSpec kTables[] = {
    {Table::kRequestCertificate, "request_id", "", kRequestRules},
    {Table::kExtension, "", "request_id", {}, "request_id, name"},
    {Table::kAttribute, "", "request_id", {}},
    {Table::kCrl, "row_id", "", kCrlRules},
};

constexpr InternalColumn kInternal[] = {
    {"requester_sid", ColumnType::kString},
    {"template_name", ColumnType::kString},
    {"officer_name", ColumnType::kString},  // Request.Officer is a LONG flag in Windows
    {"quota_bytes", ColumnType::kLong},     // what requester_usage counts for the row
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
// requests (milliseconds per thousand rows). The bytes of a row are its
// quota_bytes: the raw request, the attribute text and the certificate, as
// length() counts them, written with the row (request_row.h) since the two
// blobs live in request_blob.
std::string RowBytes(std::string_view row) {
  return fmt::format("coalesce({0}.quota_bytes, 0)", row);
}

// What version 5 counted, from the columns of one of its request rows.
constexpr std::string_view kVersion5RowBytes =
    "coalesce(length(raw_request), 0) + coalesce(length(request_attributes), 0) + "
    "coalesce(length(raw_certificate), 0)";

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
constexpr std::string_view kCreateRequesterUsage =
    "CREATE TABLE IF NOT EXISTS requester_usage (caller_name TEXT COLLATE NOCASE PRIMARY "
    "KEY, bytes INTEGER NOT NULL) STRICT, WITHOUT ROWID";

std::string CreateUsageTriggers() {
  return "CREATE TRIGGER IF NOT EXISTS request_usage_insert AFTER INSERT ON request BEGIN " +
         AddUsage("NEW") +
         " END;"
         "CREATE TRIGGER IF NOT EXISTS request_usage_update AFTER UPDATE OF caller_name, "
         "quota_bytes ON request BEGIN " +
         SubtractUsage("OLD") + AddUsage("NEW") +
         " END;"
         "CREATE TRIGGER IF NOT EXISTS request_usage_delete AFTER DELETE ON request BEGIN " +
         SubtractUsage("OLD") + " END;";
}

// Fills requester_usage from the rows a version 4 file already holds, whose
// request table has its blobs (`split`: the layout of version 6 already).
std::string FillRequesterUsage(bool split) {
  return "INSERT OR REPLACE INTO requester_usage (caller_name, bytes) SELECT "
         "coalesce(caller_name, ''), sum(" +
         (split ? RowBytes("request") : std::string(kVersion5RowBytes)) +
         ") FROM request GROUP BY coalesce(caller_name, '') COLLATE NOCASE";
}

std::string_view LeadingColumn(std::string_view key) {
  return key.substr(0, key.find(','));
}

// Columns of a request that hold NULL when their value is byte for byte
// what another of its columns holds or encodes, and are computed on read
// (RowSource): the certificate's key (its SubjectPublicKeyInfo) and key
// identifier (its SubjectKeyIdentifier extension, lowercase hex), the
// request's subject (its PKCS#10 subject), the certificate's subject DN (the
// request's, when the row has a certificate). A value that differs, or an
// empty one where the source has one, is stored as it is. request_row.cc
// writes NULL under the same conditions.
struct DerivedColumn {
  std::string_view column;
  std::string_view table;
  // The value read when the column holds NULL, over the row's unqualified
  // column names (they are unambiguous in the join and in version 5's
  // request table); NULL when there is none.
  std::string_view derived;
  std::string_view empty;  // the column type's zero-length value
};
constexpr DerivedColumn kDerived[] = {
    {"raw_public_key", "request_blob", "openadcs_certificate_spki(raw_certificate)", "X''"},
    {"req_raw_name", "request_blob", "openadcs_request_subject(raw_request)", "X''"},
    {"subject_key_identifier", "request", "openadcs_certificate_ski(raw_certificate)", "''"},
    {"distinguished_name", "request",
     "CASE WHEN raw_certificate IS NOT NULL THEN nullif(req_distinguished_name, '') END", "''"},
};
static_assert(std::string_view(der_fields::kCertificatePublicKeyInfoSql) ==
                  "openadcs_certificate_spki" &&
              std::string_view(der_fields::kCertificateSubjectKeyIdSql) ==
                  "openadcs_certificate_ski" &&
              std::string_view(der_fields::kRequestSubjectSql) == "openadcs_request_subject");

const DerivedColumn* FindDerived(std::string_view column) {
  for (const DerivedColumn& d : kDerived) {
    if (d.column == column) return &d;
  }
  return nullptr;
}

// What version 6 stores for `column`, from version 5's request row.
std::string Stored(std::string_view column) {
  const DerivedColumn* d = FindDerived(column);
  if (d == nullptr) return std::string(column);
  return fmt::format(
      "CASE WHEN {0} = {1} THEN NULL WHEN {0} IS NULL AND {1} IS NOT NULL THEN {2} ELSE {0} END",
      d->column, d->derived, d->empty);
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

struct TableSql {
  std::string create;
  std::vector<std::string> indexes;
};

// The table of `spec` as CREATE TABLE `create_name`, and its indexes (named
// after the table's own name, on it). The request table leaves its BINARY
// columns to request_blob.
TableSql BuildTable(const TableSpec& spec, std::string_view create_name) {
  const std::string name(TableName(spec.table));
  TableSql out;
  std::string& ddl = out.create;
  ddl = "CREATE TABLE " + std::string(create_name) + " (";
  std::set<std::string_view> seen;  // RequestID appears twice (0x1000, 0x2000)
  for (const ColumnInfo& c : Columns()) {
    if (c.table != spec.table || InBlobTable(c) || !seen.insert(c.sql).second) continue;
    if (seen.size() > 1) ddl += ", ";
    ddl += std::string(c.sql) + " " + std::string(SqlType(c.type));
    if (c.sql == spec.primary_key) {
      ddl += " PRIMARY KEY AUTOINCREMENT";
      continue;  // the rowid is its own index
    }
    if (c.sql == spec.request_ref) {
      ddl += " NOT NULL REFERENCES request(request_id) ON DELETE CASCADE";
    }
    if (!c.indexed || LeadingColumn(spec.without_rowid_key) == c.sql) continue;
    IndexRule rule{c.sql, false, c.sql, ""};
    for (const IndexRule& r : spec.rules) {
      if (r.column == c.sql) rule = r;
    }
    out.indexes.push_back(
        fmt::format("CREATE {}INDEX {}_{} ON {} ({}){}", rule.unique ? "UNIQUE " : "", name, c.sql,
                    name, rule.key, rule.where.empty() ? "" : " WHERE " + std::string(rule.where)));
  }
  if (spec.table == Table::kRequestCertificate) {
    for (const InternalColumn& c : kInternal) {
      ddl += ", " + std::string(c.sql) + " " + std::string(SqlType(c.type));
    }
  }
  if (spec.without_rowid_key.empty()) {
    ddl += ") STRICT";
  } else {
    ddl += ", position INTEGER NOT NULL, PRIMARY KEY (" + std::string(spec.without_rowid_key) +
           ")) STRICT, WITHOUT ROWID";
  }
  return out;
}

// The large columns of each request, out of its row: a request row with
// them (about 2 KiB) filled a 4 KiB page alone. Keyed by the request's id,
// so a row is one rowid lookup away; deleted with its request.
std::string CreateRequestBlob() {
  std::string ddl =
      "CREATE TABLE request_blob (request_id INTEGER PRIMARY KEY REFERENCES "
      "request(request_id) ON DELETE CASCADE";
  for (const ColumnInfo& c : Columns()) {
    if (InBlobTable(c)) ddl += ", " + std::string(c.sql) + " BLOB";
  }
  return ddl + ") STRICT";
}

void AppendTable(const TableSpec& spec, std::vector<std::string>& out) {
  TableSql t = BuildTable(spec, TableName(spec.table));
  out.push_back(std::move(t.create));
  out.insert(out.end(), t.indexes.begin(), t.indexes.end());
  if (spec.table == Table::kRequestCertificate) out.push_back(CreateRequestBlob());
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

// Whether the request table has version 6's layout (its blobs in request_blob).
Result<bool> RequestTableSplit(Connection& conn) {
  Result<Statement> st =
      conn.Prepare("SELECT count(*) FROM pragma_table_info('request') WHERE name = 'quota_bytes'");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::int64_t n = 0;
  if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(n));
  return n != 0;
}

// The request table's columns that stay in it, comma-separated; `stored`:
// what version 6 stores for each from version 5's row.
std::string RowColumns(bool stored = false) {
  std::string out;
  std::set<std::string_view> seen;
  for (const ColumnInfo& c : Columns()) {
    if (c.table != Table::kRequestCertificate || InBlobTable(c) || !seen.insert(c.sql).second) {
      continue;
    }
    out += (out.empty() ? "" : ", ") + (stored ? Stored(c.sql) : std::string(c.sql));
  }
  for (const InternalColumn& c : kInternal) {
    if (c.sql != "quota_bytes") out += ", " + std::string(c.sql);
  }
  return out;
}

// ", <blob column>..." or, `stored`, what the blob row stores for each
// from the version 5 row's columns.
std::string BlobColumns(bool stored = false) {
  std::string out;
  for (const ColumnInfo& c : Columns()) {
    if (!InBlobTable(c)) continue;
    out += ", " + (stored ? Stored(c.sql) : std::string(c.sql));
  }
  return out;
}

// Version 6's extension table from version 5's rowid table (after
// SplitRequestTable's copies: foreign keys are off); a request's extensions
// keep their order as `position`, and a value that is the certificate's is
// NULL (a NULL one, which version 5 never wrote, becomes empty: NULL now
// means the certificate's).
Status RebuildExtensionTable(Connection& conn) {
  const TableSpec& spec = kTables[1];
  TableSql table = BuildTable(spec, "extension_v6");
  OPENADCS_RETURN_IF_ERROR(conn.Exec(table.create, "create table extension_v6"));
  OPENADCS_RETURN_IF_ERROR(conn.Exec(
      "INSERT INTO extension_v6 (request_id, name, flags, raw_value, position) SELECT "
      "request_id, name, flags, CASE WHEN raw_value <> X'' AND raw_value = " +
          ExtensionValueFromCertificate("extension.request_id", "extension.name") +
          " THEN NULL WHEN raw_value IS NULL THEN X'' ELSE raw_value END, row_number() OVER "
          "(PARTITION BY request_id ORDER BY rowid) FROM extension",
      "copy extension rows"));
  OPENADCS_RETURN_IF_ERROR(conn.Exec("DROP TABLE extension", "drop the version 5 extension table"));
  OPENADCS_RETURN_IF_ERROR(
      conn.Exec("ALTER TABLE extension_v6 RENAME TO extension", "rename extension_v6"));
  for (const std::string& sql : table.indexes) {
    OPENADCS_RETURN_IF_ERROR(conn.Exec(sql, "create extension index"));
  }
  return Status::Ok();
}

// Version 5 -> 6: the BINARY columns of every request move to request_blob
// and the rest to a new request table of version 6's layout, which replaces
// the old one; values are copied, not converted, so every byte stays. The
// old table's indexes and usage triggers go with it and are made again;
// requester_usage keeps its sums (each row's quota_bytes is what version 5
// counted). Runs with foreign keys off (OpenSqliteStore turns them on after
// Migrate): dropping the old table would otherwise cascade to the extension,
// attribute and request_blob rows.
Status SplitRequestTable(Connection& conn) {
  Result<bool> split = RequestTableSplit(conn);
  if (!split.ok()) return split.status();
  // Tests fake older versions from a fresh file, as for the IF NOT EXISTS
  // above; such a file has version 6's tables but may lack the triggers.
  if (*split) return conn.Exec(CreateUsageTriggers(), "create usage triggers");
  Result<std::int64_t> fk = PragmaValue(conn, "foreign_keys");
  if (!fk.ok()) return fk.status();
  if (*fk != 0) return Status::Internal("schema upgrade 5 -> 6 needs foreign keys off");
  // AUTOINCREMENT's high-water mark: ids of deleted rows are never reused.
  std::optional<std::int64_t> sequence;
  {
    Result<Statement> st = conn.Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'request'");
    if (!st.ok()) return st.status();
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(sequence.emplace()));
  }
  const TableSpec& spec = kTables[0];
  TableSql table = BuildTable(spec, "request_v6");
  const std::string columns = RowColumns();
  OPENADCS_RETURN_IF_ERROR(conn.Exec(CreateRequestBlob(), "create table request_blob"));
  OPENADCS_RETURN_IF_ERROR(conn.Exec("INSERT INTO request_blob (request_id" + BlobColumns() +
                                         ") SELECT request_id" + BlobColumns(true) +
                                         " FROM request",
                                     "copy request blobs"));
  OPENADCS_RETURN_IF_ERROR(conn.Exec(table.create, "create table request_v6"));
  OPENADCS_RETURN_IF_ERROR(
      conn.Exec("INSERT INTO request_v6 (" + columns + ", quota_bytes) SELECT " + RowColumns(true) +
                    ", " + std::string(kVersion5RowBytes) + " FROM request ORDER BY request_id",
                "copy request rows"));
  OPENADCS_RETURN_IF_ERROR(conn.Exec("DROP TABLE request", "drop the version 5 request table"));
  OPENADCS_RETURN_IF_ERROR(
      conn.Exec("ALTER TABLE request_v6 RENAME TO request", "rename request_v6"));
  for (const std::string& sql : table.indexes) {
    OPENADCS_RETURN_IF_ERROR(conn.Exec(sql, "create request index"));
  }
  OPENADCS_RETURN_IF_ERROR(conn.Exec(kCreateQuotaIndex, "create index request_caller_quota"));
  OPENADCS_RETURN_IF_ERROR(conn.Exec(CreateUsageTriggers(), "create usage triggers"));
  OPENADCS_RETURN_IF_ERROR(RebuildExtensionTable(conn));
  if (sequence) {
    const std::string seq = std::to_string(*sequence);
    OPENADCS_RETURN_IF_ERROR(
        conn.Exec("INSERT INTO sqlite_sequence (name, seq) SELECT 'request', " + seq +
                      " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'request');"
                      "UPDATE sqlite_sequence SET seq = " +
                      seq + " WHERE name = 'request' AND seq < " + seq,
                  "keep the request id sequence"));
  }
  Result<Statement> check = conn.Prepare("PRAGMA foreign_key_check");
  if (!check.ok()) return check.status();
  Result<bool> dangling = check->Step();
  if (!dangling.ok()) return dangling.status();
  if (*dangling) return Status::Corruption("a row refers to a missing request after the upgrade");
  return Status::Ok();
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
    // The usage triggers come with version 6's request table (case 5).
    case 4:
      OPENADCS_RETURN_IF_ERROR(conn.Exec(kCreateQuotaIndex, "create index request_caller_quota"));
      OPENADCS_RETURN_IF_ERROR(conn.Exec(kCreateRequesterUsage, "create table requester_usage"));
      if (Result<bool> split = RequestTableSplit(conn); !split.ok()) {
        return split.status();
      } else {
        return conn.Exec(FillRequesterUsage(*split), "fill requester_usage");
      }
    case 5: return SplitRequestTable(conn);
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

bool InBlobTable(const ColumnInfo& column) {
  return column.table == Table::kRequestCertificate && column.type == ColumnType::kBinary;
}

std::string_view SqlTable(const ColumnInfo& column) {
  return InBlobTable(column) ? "request_blob" : TableName(column.table);
}

std::string_view RowSource(Table table) {
  static const std::string request_rows = [] {
    std::string sql = "(SELECT request_id";
    std::set<std::string_view> seen{"request_id"};
    auto add = [&](std::string_view sql_table, std::string_view column) {
      if (!seen.insert(column).second) return;
      if (const DerivedColumn* d = FindDerived(column)) {
        sql += fmt::format(", coalesce({0}.{1}, {2}) AS {1}", sql_table, column, d->derived);
      } else {
        sql += fmt::format(", {0}.{1}", sql_table, column);
      }
    };
    for (const ColumnInfo& c : Columns()) {
      if (c.table == Table::kRequestCertificate) add(SqlTable(c), c.sql);
    }
    for (const InternalColumn& c : kInternal) add("request", c.sql);
    return sql + " FROM request LEFT JOIN request_blob USING (request_id))";
  }();
  static const std::string extension_rows =
      "(SELECT request_id, name, flags, coalesce(raw_value, " +
      ExtensionValueFromCertificate("extension.request_id", "extension.name") +
      ") AS raw_value, position FROM extension)";
  switch (table) {
    case Table::kRequestCertificate: return request_rows;
    case Table::kExtension: return extension_rows;
    default: return TableName(table);
  }
}

std::string ExtensionValueFromCertificate(std::string_view request_id, std::string_view name) {
  return fmt::format(
      "{}((SELECT raw_certificate FROM request_blob WHERE request_blob.request_id = {}), {})",
      der_fields::kCertificateExtensionSql, request_id, name);
}

std::vector<std::string> CreateStatements() {
  std::vector<std::string> out;
  for (const TableSpec& spec : kTables) AppendTable(spec, out);
  out.emplace_back(kCreateCaSecurity);
  out.emplace_back(audit_table::kCreate);
  out.emplace_back(kCreateCaSetting);
  out.emplace_back(kCreateQuotaIndex);
  out.emplace_back(kCreateRequesterUsage);
  out.push_back(CreateUsageTriggers());
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
