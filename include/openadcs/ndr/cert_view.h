// The custom-marshalled blobs ICertAdminD(2) carries inside a CERTTRANSBLOB
// (MS-CSRA 2.2.1.7-2.2.1.10, 2.2.3): little-endian, fixed-size headers first
// and the data they point to after them, every offset a multiple of 4.
//
//   result rows      OpenView/EnumView pctbResultRows: CERTTRANSDBRESULTROW
//                    {rowid, ccol, cbrow}, its ccol CERTTRANSDBRESULTCOLUMN
//                    {Type, Index, obValue, cbValue} and their values; obValue
//                    counts from the row's start and cbrow = 12 + 16 * ccol +
//                    the values rounded up to 4. Rows follow each other. The
//                    end of the enumeration is one extra header {rowid = total
//                    row count, ccol = ~rowid, cbrow = 12} (3.1.4.1.13).
//   column info      EnumViewColumn(Table) pctbColumnInfo: CERTTRANSDBCOLUMN
//                    {Type, Index, cbMax, obwszName, obwszDisplayName}.
//   column ids       GetViewDefaultColumnSet pctbColumnInfo: DWORDs.
//   attributes       EnumAttributesOrExtensions(Flags 0) pctbOut:
//                    CERTTRANSDBATTRIBUTE {obwszName, obwszValue}.
//   extensions       EnumAttributesOrExtensions(Flags 1) pctbOut:
//                    CERTTRANSDBEXTENSION {obwszName, ExtFlags, cbValue,
//                    obValue}.
// Offsets other than obValue count from the start of the blob; strings are
// UTF-16LE with a NUL.
//
// Encoders write the headers contiguously, then each value or string in
// header order, each starting at a multiple of 4 (zero padding); an empty
// value has obValue 0. REQUIRES: strings hold no NUL.
// Decoders take any layout the format allows: they check that every header,
// offset and length lies inside the blob (for values, inside the row) and
// that every string ends with a NUL inside the blob, but not that offsets
// are aligned or that data does not overlap. They fail with
// kInvalidArgument and never read outside the span.
//
// Values are typed bytes: the codec does not interpret them (LONG 4 bytes,
// DATE an 8-byte FILETIME, STRING UTF-16LE with its NUL, BINARY raw); the
// Make*Value helpers build them.
#ifndef OPENADCS_NDR_CERT_VIEW_H_
#define OPENADCS_NDR_CERT_VIEW_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr::cert_view {

// The low byte of a column Type (PROPTYPE_*); the high word's bit 0 marks an
// indexed column.
inline constexpr std::uint32_t kTypeLong = 1;
inline constexpr std::uint32_t kTypeDate = 2;
inline constexpr std::uint32_t kTypeBinary = 3;
inline constexpr std::uint32_t kTypeString = 4;
inline constexpr std::uint32_t kTypeIndexed = 0x00010000;

// CERTTRANSDBRESULTCOLUMN with its value.
struct ResultColumn {
  std::uint32_t type = 0;
  std::uint32_t index = 0;  // column id
  Bytes value;              // empty: no value (cbValue 0)
  friend bool operator==(const ResultColumn&, const ResultColumn&) = default;
};

// CERTTRANSDBRESULTROW with its columns.
struct ResultRow {
  std::uint32_t rowid = 0;
  std::vector<ResultColumn> columns;
  friend bool operator==(const ResultRow&, const ResultRow&) = default;
};

struct ResultRows {
  std::vector<ResultRow> rows;  // pceltFetched of them
  // The end-of-enumeration marker's rowid (the total row count), when the
  // blob ends the enumeration.
  std::optional<std::uint32_t> end_total;
  friend bool operator==(const ResultRows&, const ResultRows&) = default;
};

// CERTTRANSDBCOLUMN with its strings.
struct ColumnInfo {
  std::uint32_t type = 0;
  std::uint32_t index = 0;
  std::uint32_t max_bytes = 0;  // cbMax
  std::u16string name;
  std::u16string display_name;
  friend bool operator==(const ColumnInfo&, const ColumnInfo&) = default;
};

// CERTTRANSDBATTRIBUTE with its strings.
struct Attribute {
  std::u16string name;
  std::u16string value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// CERTTRANSDBEXTENSION with its name and DER value.
struct Extension {
  std::u16string name;     // OID string
  std::int32_t flags = 0;  // ExtFlags
  Bytes value;
  friend bool operator==(const Extension&, const Extension&) = default;
};

// Typed values for ResultColumn::value.
Bytes MakeLongValue(std::int32_t v);
Bytes MakeDateValue(std::uint64_t filetime);
Bytes MakeStringValue(std::u16string_view s);  // UTF-16LE, NUL appended

// REQUIRES: no row has rowid == ~columns.size() (that is the end marker; only
// rowids near 2^32 can collide); every size fits in 32 bits.
Bytes EncodeResultRows(const ResultRows& rows);
// Reads rows until the blob ends or the end marker (bytes after the marker
// are ignored). The caller compares rows.size() with pceltFetched.
Result<ResultRows> DecodeResultRows(std::span<const std::uint8_t> blob);

Bytes EncodeColumnInfos(std::span<const ColumnInfo> columns);
// `count` is pcColumn; the headers must fit in the blob.
Result<std::vector<ColumnInfo>> DecodeColumnInfos(std::span<const std::uint8_t> blob,
                                                  std::uint32_t count);

Bytes EncodeColumnIds(std::span<const std::uint32_t> ids);
// The blob's length must be a multiple of 4.
Result<std::vector<std::uint32_t>> DecodeColumnIds(std::span<const std::uint8_t> blob);

Bytes EncodeAttributes(std::span<const Attribute> attributes);
// `count` is pceltFetched.
Result<std::vector<Attribute>> DecodeAttributes(std::span<const std::uint8_t> blob,
                                                std::uint32_t count);

Bytes EncodeExtensions(std::span<const Extension> extensions);
// `count` is pceltFetched.
Result<std::vector<Extension>> DecodeExtensions(std::span<const std::uint8_t> blob,
                                                std::uint32_t count);

}  // namespace openadcs::ndr::cert_view

#endif  // OPENADCS_NDR_CERT_VIEW_H_
