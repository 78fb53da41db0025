#include "openadcs/ndr/cert_view.h"

#include <string>

#include "openadcs/util/utf16.h"

namespace openadcs::ndr::cert_view {
namespace {

constexpr std::size_t kRowHeaderSize = 12;     // CERTTRANSDBRESULTROW
constexpr std::size_t kResultColumnSize = 16;  // CERTTRANSDBRESULTCOLUMN
constexpr std::size_t kColumnInfoSize = 20;    // CERTTRANSDBCOLUMN
constexpr std::size_t kAttributeSize = 8;      // CERTTRANSDBATTRIBUTE
constexpr std::size_t kExtensionSize = 16;     // CERTTRANSDBEXTENSION

void Put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void Patch32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void Pad4(Bytes& out) {
  while (out.size() % 4 != 0) out.push_back(0);
}

// Appends `data` at the next multiple of 4 and returns its offset from
// `base`.
std::uint32_t AppendData(Bytes& out, std::size_t base, std::span<const std::uint8_t> data) {
  Pad4(out);
  const auto offset = static_cast<std::uint32_t>(out.size() - base);
  out.insert(out.end(), data.begin(), data.end());
  return offset;
}

std::uint32_t AppendString(Bytes& out, std::u16string_view s) {
  return AppendData(out, 0, StringToUtf16LeBytes(s));
}

// REQUIRES: at + 4 <= blob.size().
std::uint32_t Get32(std::span<const std::uint8_t> blob, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(blob[at + i]) << (8 * i);
  return v;
}

// The NUL-terminated UTF-16LE string at `offset`; the NUL must lie inside
// the blob.
Status ReadString(std::span<const std::uint8_t> blob, std::uint32_t offset, const char* what,
                  std::u16string* out) {
  out->clear();
  for (std::size_t at = offset; blob.size() >= 2 && at <= blob.size() - 2; at += 2) {
    const auto unit = static_cast<char16_t>(blob[at] | blob[at + 1] << 8);
    if (unit == 0) return Status::Ok();
    out->push_back(unit);
  }
  return Status::InvalidArgument(std::string(what) + " at offset " + std::to_string(offset) +
                                 " has no NUL inside the " + std::to_string(blob.size()) +
                                 "-byte blob");
}

// `count` headers of `size` bytes must fit in the blob (division: no
// overflow for any count).
Status CheckHeaders(std::span<const std::uint8_t> blob, std::uint32_t count, std::size_t size,
                    const char* what) {
  if (count > blob.size() / size) {
    return Status::InvalidArgument(std::to_string(count) + " " + what + " headers do not fit in " +
                                   std::to_string(blob.size()) + " bytes");
  }
  return Status::Ok();
}

// A value at [offset, offset + length) of `region`; an empty value's offset
// is not looked at.
Status ReadValue(std::span<const std::uint8_t> region, std::uint32_t offset, std::uint32_t length,
                 const char* what, Bytes* out) {
  out->clear();
  if (length == 0) return Status::Ok();
  if (offset > region.size() || length > region.size() - offset) {
    return Status::InvalidArgument(std::string(what) + " (offset " + std::to_string(offset) + ", " +
                                   std::to_string(length) + " bytes) lies outside its " +
                                   std::to_string(region.size()) + " bytes");
  }
  out->assign(region.begin() + offset, region.begin() + offset + length);
  return Status::Ok();
}

}  // namespace

Bytes MakeLongValue(std::int32_t v) {
  Bytes out;
  Put32(out, static_cast<std::uint32_t>(v));
  return out;
}

Bytes MakeDateValue(std::uint64_t filetime) {
  Bytes out;
  Put32(out, static_cast<std::uint32_t>(filetime));
  Put32(out, static_cast<std::uint32_t>(filetime >> 32));
  return out;
}

Bytes MakeStringValue(std::u16string_view s) {
  return StringToUtf16LeBytes(s);
}

Bytes EncodeResultRows(const ResultRows& rows) {
  Bytes out;
  for (const ResultRow& row : rows.rows) {
    const std::size_t start = out.size();
    Put32(out, row.rowid);
    Put32(out, static_cast<std::uint32_t>(row.columns.size()));
    Put32(out, 0);  // cbrow, patched below
    for (const ResultColumn& col : row.columns) {
      Put32(out, col.type);
      Put32(out, col.index);
      Put32(out, 0);  // obValue, patched below
      Put32(out, static_cast<std::uint32_t>(col.value.size()));
    }
    for (std::size_t i = 0; i < row.columns.size(); ++i) {
      const Bytes& value = row.columns[i].value;
      if (value.empty()) continue;
      Patch32(out, start + kRowHeaderSize + kResultColumnSize * i + 8,
              AppendData(out, start, value));
    }
    Pad4(out);
    Patch32(out, start + 8, static_cast<std::uint32_t>(out.size() - start));
  }
  if (rows.end_total) {
    Put32(out, *rows.end_total);
    Put32(out, ~*rows.end_total);
    Put32(out, kRowHeaderSize);
  }
  return out;
}

Result<ResultRows> DecodeResultRows(std::span<const std::uint8_t> blob) {
  ResultRows out;
  std::size_t pos = 0;
  while (pos < blob.size()) {
    if (blob.size() - pos < kRowHeaderSize) {
      return Status::InvalidArgument("result rows: truncated row header at offset " +
                                     std::to_string(pos));
    }
    const std::uint32_t rowid = Get32(blob, pos);
    const std::uint32_t ccol = Get32(blob, pos + 4);
    const std::uint32_t cbrow = Get32(blob, pos + 8);
    if (ccol == ~rowid) {
      out.end_total = rowid;
      break;
    }
    if (cbrow < kRowHeaderSize || cbrow > blob.size() - pos) {
      return Status::InvalidArgument("result rows: row " + std::to_string(rowid) + " claims " +
                                     std::to_string(cbrow) + " bytes, " +
                                     std::to_string(blob.size() - pos) + " left");
    }
    if (ccol > (cbrow - kRowHeaderSize) / kResultColumnSize) {
      return Status::InvalidArgument("result rows: row " + std::to_string(rowid) + "'s " +
                                     std::to_string(ccol) + " columns do not fit in " +
                                     std::to_string(cbrow) + " bytes");
    }
    const auto row_bytes = blob.subspan(pos, cbrow);
    ResultRow row;
    row.rowid = rowid;
    row.columns.resize(ccol);
    for (std::uint32_t i = 0; i < ccol; ++i) {
      const std::size_t at = kRowHeaderSize + kResultColumnSize * i;
      ResultColumn& col = row.columns[i];
      col.type = Get32(row_bytes, at);
      col.index = Get32(row_bytes, at + 4);
      OPENADCS_RETURN_IF_ERROR(ReadValue(row_bytes, Get32(row_bytes, at + 8),
                                         Get32(row_bytes, at + 12), "result column value",
                                         &col.value));
    }
    out.rows.push_back(std::move(row));
    pos += cbrow;
  }
  return out;
}

Bytes EncodeColumnInfos(std::span<const ColumnInfo> columns) {
  Bytes out;
  for (const ColumnInfo& col : columns) {
    Put32(out, col.type);
    Put32(out, col.index);
    Put32(out, col.max_bytes);
    Put32(out, 0);  // obwszName, patched below
    Put32(out, 0);  // obwszDisplayName, patched below
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    Patch32(out, kColumnInfoSize * i + 12, AppendString(out, columns[i].name));
    Patch32(out, kColumnInfoSize * i + 16, AppendString(out, columns[i].display_name));
  }
  return out;
}

Result<std::vector<ColumnInfo>> DecodeColumnInfos(std::span<const std::uint8_t> blob,
                                                  std::uint32_t count) {
  OPENADCS_RETURN_IF_ERROR(CheckHeaders(blob, count, kColumnInfoSize, "CERTTRANSDBCOLUMN"));
  std::vector<ColumnInfo> out(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t at = kColumnInfoSize * i;
    ColumnInfo& col = out[i];
    col.type = Get32(blob, at);
    col.index = Get32(blob, at + 4);
    col.max_bytes = Get32(blob, at + 8);
    OPENADCS_RETURN_IF_ERROR(ReadString(blob, Get32(blob, at + 12), "column name", &col.name));
    OPENADCS_RETURN_IF_ERROR(
        ReadString(blob, Get32(blob, at + 16), "column display name", &col.display_name));
  }
  return out;
}

Bytes EncodeColumnIds(std::span<const std::uint32_t> ids) {
  Bytes out;
  for (std::uint32_t id : ids) Put32(out, id);
  return out;
}

Result<std::vector<std::uint32_t>> DecodeColumnIds(std::span<const std::uint8_t> blob) {
  if (blob.size() % 4 != 0) {
    return Status::InvalidArgument("column ids: " + std::to_string(blob.size()) +
                                   " bytes is not a DWORD array");
  }
  std::vector<std::uint32_t> out(blob.size() / 4);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = Get32(blob, 4 * i);
  return out;
}

Bytes EncodeAttributes(std::span<const Attribute> attributes) {
  Bytes out;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    Put32(out, 0);  // obwszName, patched below
    Put32(out, 0);  // obwszValue, patched below
  }
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    Patch32(out, kAttributeSize * i, AppendString(out, attributes[i].name));
    Patch32(out, kAttributeSize * i + 4, AppendString(out, attributes[i].value));
  }
  return out;
}

Result<std::vector<Attribute>> DecodeAttributes(std::span<const std::uint8_t> blob,
                                                std::uint32_t count) {
  OPENADCS_RETURN_IF_ERROR(CheckHeaders(blob, count, kAttributeSize, "CERTTRANSDBATTRIBUTE"));
  std::vector<Attribute> out(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t at = kAttributeSize * i;
    OPENADCS_RETURN_IF_ERROR(ReadString(blob, Get32(blob, at), "attribute name", &out[i].name));
    OPENADCS_RETURN_IF_ERROR(
        ReadString(blob, Get32(blob, at + 4), "attribute value", &out[i].value));
  }
  return out;
}

Bytes EncodeExtensions(std::span<const Extension> extensions) {
  Bytes out;
  for (const Extension& ext : extensions) {
    Put32(out, 0);  // obwszName, patched below
    Put32(out, static_cast<std::uint32_t>(ext.flags));
    Put32(out, static_cast<std::uint32_t>(ext.value.size()));
    Put32(out, 0);  // obValue, patched below (0 for an empty value)
  }
  for (std::size_t i = 0; i < extensions.size(); ++i) {
    Patch32(out, kExtensionSize * i, AppendString(out, extensions[i].name));
    if (!extensions[i].value.empty()) {
      Patch32(out, kExtensionSize * i + 12, AppendData(out, 0, extensions[i].value));
    }
  }
  return out;
}

Result<std::vector<Extension>> DecodeExtensions(std::span<const std::uint8_t> blob,
                                                std::uint32_t count) {
  OPENADCS_RETURN_IF_ERROR(CheckHeaders(blob, count, kExtensionSize, "CERTTRANSDBEXTENSION"));
  std::vector<Extension> out(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t at = kExtensionSize * i;
    Extension& ext = out[i];
    OPENADCS_RETURN_IF_ERROR(ReadString(blob, Get32(blob, at), "extension name", &ext.name));
    ext.flags = static_cast<std::int32_t>(Get32(blob, at + 4));
    OPENADCS_RETURN_IF_ERROR(
        ReadValue(blob, Get32(blob, at + 12), Get32(blob, at + 8), "extension value", &ext.value));
  }
  return out;
}

}  // namespace openadcs::ndr::cert_view
