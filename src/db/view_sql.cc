#include "db/view_sql.h"

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "db/schema.h"
#include "openadcs/db/column_catalogue.h"

namespace openadcs::db::view_sql {
namespace {

// What ViewRow::row_id holds: the request id for the Request, Extension
// and Attribute tables (as Windows does), the CRL row id otherwise.
std::string_view RowIdColumn(Table table) {
  return table == Table::kCrl ? "row_id" : "request_id";
}

std::string_view Operator(SeekOperator op) {
  switch (op) {
    case SeekOperator::kEq: return " = ";
    case SeekOperator::kLt: return " < ";
    case SeekOperator::kLe: return " <= ";
    case SeekOperator::kGe: return " >= ";
    case SeekOperator::kGt: return " > ";
    case SeekOperator::kNone: break;
  }
  return "";
}

// Zero-length STRING and BINARY values read as empty, so they compare as
// empty too.
bool IsEmpty(const ColumnValue& v) {
  return v.empty() || (v.AsString() != nullptr && v.AsString()->empty()) ||
         (v.AsBinary() != nullptr && v.AsBinary()->empty());
}

SqlValue ToSql(const ColumnValue& v) {
  if (const std::uint32_t* l = v.AsLong()) return std::int64_t{*l};
  if (const std::int64_t* d = v.AsDate()) return *d;
  if (const std::string* s = v.AsString()) return std::string_view(*s);
  if (const Bytes* b = v.AsBinary()) return std::span<const std::uint8_t>(*b);
  return SqlValue();
}

std::string Param(std::vector<SqlValue>& params, const SqlValue& value) {
  params.push_back(value);
  return fmt::format("?{}", params.size());
}

Result<ColumnValue> ReadValue(const Statement& st, int index, ColumnType type) {
  SqlColumn col = st.Column(index);
  if (col.IsNull()) return ColumnValue();
  switch (type) {
    case ColumnType::kLong: {
      std::uint32_t v = 0;
      OPENADCS_RETURN_IF_ERROR(col.Get(v));
      return ColumnValue::Long(v);
    }
    case ColumnType::kDate: {
      std::int64_t v = 0;
      OPENADCS_RETURN_IF_ERROR(col.Get(v));
      return ColumnValue::Date(v);
    }
    case ColumnType::kString: {
      std::string v;
      OPENADCS_RETURN_IF_ERROR(col.Get(v));
      return v.empty() ? ColumnValue() : ColumnValue::String(std::move(v));
    }
    case ColumnType::kBinary: {
      Bytes v;
      OPENADCS_RETURN_IF_ERROR(col.Get(v));
      return v.empty() ? ColumnValue() : ColumnValue::Binary(std::move(v));
    }
  }
  return Status::Internal("unknown column type");
}

const ViewRestriction* SortingRestriction(const ViewQuery& query) {
  for (const ViewRestriction& r : query.restrictions) {
    if (r.sort != SortOrder::kNone) return &r;
  }
  return nullptr;
}

SqlValue ToSql(const ViewCursor::Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* s = std::get_if<std::string>(&v)) return std::string_view(*s);
  if (const auto* b = std::get_if<Bytes>(&v)) return std::span<const std::uint8_t>(*b);
  return SqlValue();
}

// A stored value as it is, zero-length and NULL apart, for a cursor.
ViewCursor::Value RawValue(const Statement& st, int index) {
  const SqlColumn col = st.Column(index);
  switch (col.StorageClass()) {
    case SQLITE_INTEGER: {
      std::int64_t v = 0;
      if (col.Get(v).ok()) return v;
      break;
    }
    case SQLITE_TEXT: {
      std::string v;
      if (col.Get(v).ok()) return v;
      break;
    }
    case SQLITE_BLOB: {
      Bytes v;
      if (col.Get(v).ok()) return v;
      break;
    }
    default: break;
  }
  return std::monostate();
}

// The rows after `after` in the order Build sorts by: SQLite puts NULL
// first in ascending order, and a row value with a NULL compares to
// nothing, so a NULL sort value takes its own terms.
std::string AfterCursor(const ViewQuery& query, const ViewCursor& after,
                        std::vector<SqlValue>& params) {
  const std::vector<std::string_view> keys = KeyColumns(query.table);
  const ViewRestriction* sort = SortingRestriction(query);
  const bool descending = sort != nullptr && sort->sort == SortOrder::kDescending;
  std::string key_tuple = "(";
  std::string cursor_tuple = "(";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) {
      key_tuple += ", ";
      cursor_tuple += ", ";
    }
    key_tuple += keys[i];
    cursor_tuple += Param(params, ToSql(after.keys[i]));
  }
  std::string keys_after = key_tuple + ")" + (descending ? " < " : " > ") + cursor_tuple + ")";
  if (sort == nullptr) return keys_after;
  const std::string column(FindColumn(sort->column)->sql);
  std::string null_and_keys_after = "(" + column + " IS NULL AND " + keys_after + ")";
  if (std::holds_alternative<std::monostate>(after.sort_value)) {
    if (descending) return null_and_keys_after;
    return "(" + null_and_keys_after + " OR " + column + " IS NOT NULL)";
  }
  const std::string value = Param(params, ToSql(after.sort_value));
  const std::string equal_and_keys_after =
      "(" + column + " = " + value + " AND " + keys_after + ")";
  if (descending) {
    return "(" + column + " < " + value + " OR " + column + " IS NULL OR " + equal_and_keys_after +
           ")";
  }
  return "(" + column + " > " + value + " OR " + equal_and_keys_after + ")";
}

}  // namespace

std::vector<std::string_view> KeyColumns(Table table) {
  // Each is the order of an index (or the rowid), so an unsorted view never
  // sorts in memory.
  switch (table) {
    case Table::kRequestCertificate: return {"request_id"};
    case Table::kExtension: return {"request_id", "name"};   // the PRIMARY KEY
    case Table::kAttribute: return {"request_id", "rowid"};  // the request_id index
    case Table::kCrl: return {"row_id"};
  }
  return {};
}

Plan Build(const ViewQuery& query, std::uint32_t row_limit) {
  Plan plan;
  std::string& sql = plan.sql;
  sql = "SELECT ";
  sql += RowIdColumn(query.table);
  for (std::uint32_t id : query.columns) {
    sql += ", ";
    sql += FindColumn(id)->sql;
  }
  const ViewRestriction* sort = SortingRestriction(query);
  if (sort != nullptr) sql += ", " + std::string(FindColumn(sort->column)->sql);
  const std::vector<std::string_view> keys = KeyColumns(query.table);
  for (std::string_view key : keys) sql += ", " + std::string(key);
  sql += " FROM ";
  sql += schema::RowSource(query.table);

  std::string_view joiner = " WHERE ";
  if (query.after) {
    sql += joiner;
    joiner = " AND ";
    sql += AfterCursor(query, *query.after, plan.params);
  }
  for (const ViewRestriction& r : query.restrictions) {
    if (r.op == SeekOperator::kNone) continue;
    const ColumnInfo& c = *FindColumn(r.column);
    sql += joiner;
    joiner = " AND ";
    if (!IsEmpty(r.value)) {
      sql += c.sql;
      sql += Operator(r.op);
      sql += Param(plan.params, ToSql(r.value));
    } else if (c.type == ColumnType::kString || c.type == ColumnType::kBinary) {
      // Empty is NULL or zero-length; both forms can be stored.
      SqlValue zero_length = c.type == ColumnType::kString
                                 ? SqlValue(std::string_view())
                                 : SqlValue(std::span<const std::uint8_t>());
      sql += fmt::format("({0} IS NULL OR {0} = {1})", c.sql, Param(plan.params, zero_length));
    } else {
      sql += std::string(c.sql) + " IS NULL";
    }
  }

  std::string_view direction =
      (sort != nullptr && sort->sort == SortOrder::kDescending) ? " DESC" : "";
  sql += " ORDER BY ";
  if (sort != nullptr) {
    sql += FindColumn(sort->column)->sql;
    sql += direction;
    sql += ", ";
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += keys[i];
    sql += direction;
  }
  sql += " LIMIT " + Param(plan.params, std::int64_t{row_limit} + 1);
  sql += " OFFSET " + Param(plan.params, std::int64_t{query.first_row});
  return plan;
}

Result<ViewRow> Read(const Statement& st, const ViewQuery& query) {
  ViewRow row;
  OPENADCS_RETURN_IF_ERROR(st.Column(0).Get(row.row_id));
  row.values.reserve(query.columns.size());
  for (std::size_t i = 0; i < query.columns.size(); ++i) {
    Result<ColumnValue> v =
        ReadValue(st, static_cast<int>(i) + 1, FindColumn(query.columns[i])->type);
    if (!v.ok()) return v.status();
    row.values.push_back(std::move(v).value());
  }
  return row;
}

ViewCursor Cursor(const Statement& st, const ViewQuery& query) {
  int index = static_cast<int>(query.columns.size()) + 1;
  ViewCursor c;
  if (SortingRestriction(query) != nullptr) c.sort_value = RawValue(st, index++);
  for (std::size_t i = 0; i < KeyColumns(query.table).size(); ++i) {
    c.keys.push_back(RawValue(st, index++));
  }
  return c;
}

}  // namespace openadcs::db::view_sql
