// The catalogue of CA database columns (MS-CSRA 3.1.1.1 and note <4>): the
// names, ids, types and indexed flags that the admin protocol serves with
// EnumViewColumn and that OpenView restrictions refer to. The SQL schema is
// generated from the same table, so the two cannot drift.
#ifndef OPENADCS_DB_COLUMN_CATALOGUE_H_
#define OPENADCS_DB_COLUMN_CATALOGUE_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace openadcs::db {

// PROPTYPE_* of certsrv.h, as CERTTRANSDBCOLUMN.Type carries them.
enum class ColumnType : std::uint32_t { kLong = 1, kDate = 2, kBinary = 3, kString = 4 };

enum class Table : std::uint32_t {
  kRequestCertificate = 0,  // CVRC_TABLE_REQCERT
  kExtension = 0x3000,
  kAttribute = 0x4000,
  kCrl = 0x5000,
};

struct ColumnInfo {
  Table table;
  std::uint32_t id;       // e.g. 0x1000 + n (Request), 0x2000 + n (Certificate)
  std::string_view name;  // MS-CSRA name, e.g. "RequestID", "Request.Disposition"
  std::string_view sql;   // the SQL column that holds it
  ColumnType type;
  std::uint32_t max_bytes;  // cbMax
  bool indexed;
};

// All columns, in id order within each table. The span refers to static storage.
std::span<const ColumnInfo> Columns();
// nullptr when unknown. Name lookup is case-insensitive.
const ColumnInfo* FindColumn(std::string_view name);
const ColumnInfo* FindColumn(std::uint32_t id);

}  // namespace openadcs::db

#endif  // OPENADCS_DB_COLUMN_CATALOGUE_H_
