#include "openadcs/db/view_query.h"

#include <fmt/format.h>

#include <utility>

#include "db/view_sql.h"

namespace openadcs::db {
namespace {

// E_INVALIDARG, which MS-CSRA OpenView returns as ERROR_INVALID_PARAMETER.
// The literal, because db does not depend on ca (openadcs::hr).
constexpr std::uint32_t kEInvalidArg = 0x80070057;

Status Invalid(std::string message) {
  return Status::InvalidArgument(std::move(message), kEInvalidArg);
}

bool IsKnownTable(Table t) {
  switch (t) {
    case Table::kRequestCertificate:
    case Table::kExtension:
    case Table::kAttribute:
    case Table::kCrl: return true;
  }
  return false;
}

bool IsKnownOperator(SeekOperator op) {
  switch (op) {
    case SeekOperator::kNone:
    case SeekOperator::kEq:
    case SeekOperator::kLt:
    case SeekOperator::kLe:
    case SeekOperator::kGe:
    case SeekOperator::kGt: return true;
  }
  return false;
}

bool IsKnownSortOrder(SortOrder s) {
  switch (s) {
    case SortOrder::kNone:
    case SortOrder::kAscending:
    case SortOrder::kDescending: return true;
  }
  return false;
}

Result<const ColumnInfo*> ColumnOf(Table table, std::uint32_t id) {
  const ColumnInfo* c = FindColumn(id);
  if (c == nullptr) return Invalid(fmt::format("unknown column {:#x}", id));
  if (c->table != table) {
    return Invalid(fmt::format("column {} ({:#x}) is not in table {:#x}", c->name, id,
                               static_cast<std::uint32_t>(table)));
  }
  return c;
}

Status CheckRestriction(Table table, const ViewRestriction& r) {
  Result<const ColumnInfo*> c = ColumnOf(table, r.column);
  if (!c.ok()) return c.status();
  const ColumnInfo& col = **c;
  if (!IsKnownOperator(r.op)) {
    return Invalid(fmt::format("unknown seek operator {:#x}", static_cast<std::uint32_t>(r.op)));
  }
  if (!IsKnownSortOrder(r.sort)) {
    return Invalid(fmt::format("unknown sort order {}", static_cast<std::uint32_t>(r.sort)));
  }
  // As Windows: a sort walks an index, never sorts the table in memory.
  if (r.sort != SortOrder::kNone && !col.indexed) {
    return Invalid(fmt::format("column {} has no index to sort by", col.name));
  }
  if (col.type == ColumnType::kBinary && r.op != SeekOperator::kEq) {
    return Invalid(fmt::format("BINARY column {} allows only the EQ seek operator", col.name));
  }
  if (r.op == SeekOperator::kNone) {
    if (r.sort == SortOrder::kNone || !r.value.empty()) {
      return Invalid(
          fmt::format("restriction on {} without a seek operator must only sort", col.name));
    }
    return Status::Ok();
  }
  if (r.value.empty()) {
    if (r.op != SeekOperator::kEq) {
      return Invalid(
          fmt::format("an empty value on {} allows only the EQ seek operator", col.name));
    }
    return Status::Ok();
  }
  if (r.value.type() != col.type) {
    return Invalid(fmt::format("restriction value on {} is not of the column's type {}", col.name,
                               static_cast<std::uint32_t>(col.type)));
  }
  return Status::Ok();
}

}  // namespace

ColumnValue ColumnValue::Long(std::uint32_t value) {
  ColumnValue v;
  v.v_ = value;
  return v;
}

ColumnValue ColumnValue::Date(std::int64_t unix_seconds) {
  ColumnValue v;
  v.v_ = DateValue{unix_seconds};
  return v;
}

ColumnValue ColumnValue::String(std::string utf8) {
  ColumnValue v;
  v.v_ = std::move(utf8);
  return v;
}

ColumnValue ColumnValue::Binary(Bytes bytes) {
  ColumnValue v;
  v.v_ = std::move(bytes);
  return v;
}

std::optional<ColumnType> ColumnValue::type() const {
  if (AsLong() != nullptr) return ColumnType::kLong;
  if (AsDate() != nullptr) return ColumnType::kDate;
  if (AsString() != nullptr) return ColumnType::kString;
  if (AsBinary() != nullptr) return ColumnType::kBinary;
  return std::nullopt;
}

const std::int64_t* ColumnValue::AsDate() const {
  const DateValue* d = std::get_if<DateValue>(&v_);
  return d == nullptr ? nullptr : &d->seconds;
}

Status ValidateViewQuery(const ViewQuery& query) {
  if (!IsKnownTable(query.table)) {
    return Invalid(fmt::format("unknown table {:#x}", static_cast<std::uint32_t>(query.table)));
  }
  if (query.restrictions.size() > kMaxViewRestrictions) {
    return Invalid(fmt::format("{} restrictions; at most {}", query.restrictions.size(),
                               kMaxViewRestrictions));
  }
  if (query.columns.size() > kMaxViewColumns) {
    return Invalid(
        fmt::format("{} result columns; at most {}", query.columns.size(), kMaxViewColumns));
  }
  for (std::uint32_t id : query.columns) {
    if (Result<const ColumnInfo*> c = ColumnOf(query.table, id); !c.ok()) return c.status();
  }
  int sorted = 0;
  for (const ViewRestriction& r : query.restrictions) {
    OPENADCS_RETURN_IF_ERROR(CheckRestriction(query.table, r));
    if (r.sort != SortOrder::kNone && ++sorted > 1) {
      return Invalid("more than one restriction has a sort order");
    }
  }
  if (query.after && query.after->keys.size() != view_sql::KeyColumns(query.table).size()) {
    return Invalid(fmt::format("a cursor of {} keys", query.after->keys.size()));
  }
  return Status::Ok();
}

}  // namespace openadcs::db
