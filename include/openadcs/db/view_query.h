// A view of one CA database table: what MS-CSRA OpenView/EnumView
// (3.1.4.1.12, 3.1.4.1.13) run, in database terms. The admin adapter decodes
// CERTVIEWRESTRICTIONs into ViewRestrictions (converting FILETIME to Unix
// seconds and UTF-16 to UTF-8) and encodes ViewRows as CERTTRANSDBRESULTROWs.
// See docs/database.md, "Views".
#ifndef OPENADCS_DB_VIEW_QUERY_H_
#define OPENADCS_DB_VIEW_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "openadcs/db/column_catalogue.h"
#include "openadcs/db/records.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

// The value of one column, typed as the catalogue types it, or empty: the
// column is NULL, or a STRING or BINARY of zero length (the wire has no
// other notion of absent). A value type; thread-compatible.
class ColumnValue {
 public:
  ColumnValue() = default;  // empty
  // LONG: the unsigned 32-bit value as stored (the wire's LONG bits).
  static ColumnValue Long(std::uint32_t value);
  // DATE: seconds since the Unix epoch, UTC.
  static ColumnValue Date(std::int64_t unix_seconds);
  static ColumnValue String(std::string utf8);
  static ColumnValue Binary(Bytes bytes);

  bool empty() const { return std::holds_alternative<std::monostate>(v_); }
  // nullopt when empty.
  std::optional<ColumnType> type() const;
  // Each returns nullptr unless the value has that type.
  const std::uint32_t* AsLong() const { return std::get_if<std::uint32_t>(&v_); }
  const std::int64_t* AsDate() const;
  const std::string* AsString() const { return std::get_if<std::string>(&v_); }
  const Bytes* AsBinary() const { return std::get_if<Bytes>(&v_); }

  friend bool operator==(const ColumnValue&, const ColumnValue&) = default;

 private:
  struct DateValue {
    std::int64_t seconds = 0;
    friend bool operator==(const DateValue&, const DateValue&) = default;
  };
  std::variant<std::monostate, std::uint32_t, DateValue, std::string, Bytes> v_;
};

// CERTVIEWRESTRICTION.SeekOperator (MS-CSRA 2.2.1.3; the adapter masks it
// with 0xFF). kNone is certview.h's CVR_SEEK_NONE, not in MS-CSRA: a
// restriction that only sorts; it takes an empty value and a sort order.
enum class SeekOperator : std::uint32_t {
  kNone = 0,
  kEq = 0x1,
  kLt = 0x2,
  kLe = 0x4,
  kGe = 0x8,
  kGt = 0x10,
};

// CERTVIEWRESTRICTION.SortOrder.
enum class SortOrder : std::uint32_t { kNone = 0, kAscending = 1, kDescending = 2 };

// Rows whose column `column` compares to `value` with `op`. LONG compares as
// unsigned 32-bit, DATE as seconds, STRING byte-wise (UTF-8, case-sensitive),
// BINARY only for equality. An empty `value` with kEq selects rows where the
// column is empty; an absent column matches no other comparison.
struct ViewRestriction {
  std::uint32_t column = 0;  // catalogue id
  SeekOperator op = SeekOperator::kEq;
  SortOrder sort = SortOrder::kNone;
  ColumnValue value;
};

// Where a page ended: the sorting column's value and the table's key of its
// last row, as stored. Opaque to callers, who pass back what ViewPage::next
// held, so that the next page starts right after that row however many rows
// were added or removed before it in between (keyset paging).
struct ViewCursor {
  using Value = std::variant<std::monostate, std::int64_t, std::string, Bytes>;  // NULL first
  Value sort_value;         // monostate also when no restriction sorts
  std::vector<Value> keys;  // the table's key columns (docs/database.md, "Views")
  friend bool operator==(const ViewCursor&, const ViewCursor&) = default;
};

struct ViewQuery {
  Table table = Table::kRequestCertificate;
  std::vector<ViewRestriction> restrictions;  // all must hold
  std::vector<std::uint32_t> columns;         // catalogue ids, returned in this order
  // Set: the result starts after this row of the same query (restrictions,
  // table), and first_row counts from there.
  std::optional<ViewCursor> after;
  std::uint32_t first_row = 0;  // 0-based index into the sorted result
  std::uint32_t max_rows = 0;   // at most this many (and kMaxViewRows) rows
};

struct ViewRow {
  // The request id for the Request, Extension and Attribute tables (so all
  // the extensions of one request share it, as on Windows), the CRLRowId
  // for the CRL table.
  std::uint32_t row_id = 0;
  std::vector<ColumnValue> values;  // one per ViewQuery::columns entry
};

struct ViewPage {
  std::vector<ViewRow> rows;
  // No row follows these: the adapter appends the end-of-enumeration row,
  // whose rowid is first_row + rows.size().
  bool end = false;
  // After the last of `rows` when they fill the page (a smaller page is
  // the result's end, with nothing to continue from).
  std::optional<ViewCursor> next;
};

// Limits of one query. Longer lists are refused (InvalidArgument); a larger
// max_rows is cut to kMaxViewRows, and the caller asks again from there.
inline constexpr std::size_t kMaxViewRestrictions = 64;
inline constexpr std::size_t kMaxViewColumns = 256;
inline constexpr std::uint32_t kMaxViewRows = 10000;

// Checks `query` against the catalogue and the rules of MS-CSRA OpenView:
// the table is one of the four; every column id (result and restriction) is
// known and belongs to `query.table` (for kRequestCertificate, Request and
// Certificate columns both); a restriction's value has its column's type
// (or is empty with kEq or kNone); BINARY columns take only kEq; kNone comes
// with a sort order; at most one restriction sorts, on an indexed column (as
// Windows requires); a cursor has the table's number of keys; the lists are
// within the limits above. Failures are InvalidArgument carrying E_INVALIDARG.
Status ValidateViewQuery(const ViewQuery& query);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_VIEW_QUERY_H_
