#include "directory/ldif_reader.h"

#include <ldap.h>
#include <ldif.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace openadcs::directory {

namespace {

constexpr unsigned kEntryFlags = LDIF_DEFAULT_ADD | LDIF_ENTRIES_ONLY | LDIF_NO_CONTROLS;
// How much of a record's dn line a warning quotes.
constexpr std::size_t kDnShown = 200;

struct LdifCloser {
  void operator()(LDIFFP* file) const { ldif_close(file); }
};

// The buffer ldif_read_record grows with ber_memrealloc.
struct RecordBuffer {
  RecordBuffer() = default;
  RecordBuffer(const RecordBuffer&) = delete;
  RecordBuffer& operator=(const RecordBuffer&) = delete;
  ~RecordBuffer() { ber_memfree(data); }
  char* data = nullptr;
  int capacity = 0;
};

struct ParsedRecord {
  ParsedRecord() { std::memset(&record, 0, sizeof record); }
  ParsedRecord(const ParsedRecord&) = delete;
  ParsedRecord& operator=(const ParsedRecord&) = delete;
  // Safe on a zeroed record and after a failed parse (which clears it).
  ~ParsedRecord() { ldap_ldif_record_done(&record); }
  LDIFRecord record;
};

// Why libldap 2.5's ldap_parse_ldif_record must not see the record, or
// null. It dereferences a null pointer (found by the fuzz targets) when the
// first line after the dn (and a changetype) is
// - an attribute without a name: nothing, or only white space (which it
//   trims: '\r', '\t', '\v', '\f'), before the ':'; it compares that name
//   with "changetype";
// - a "-" line, a modify record's separator, before any modification.
// Neither belongs in an entry, which is all a template file or the
// directory snapshot holds, so any such line anywhere rejects the record.
// A line starting with a space continues the one before it.
const char* LibldapWouldCrashOn(std::string_view record) {
  const auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t pos = 0; pos < record.size();) {
    std::size_t eol = record.find('\n', pos);
    if (eol == std::string_view::npos) eol = record.size();
    std::string_view line = record.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.starts_with(' ')) continue;
    if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
      if (std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), blank)) {
        return "has a line without an attribute name";
      }
      continue;
    }
    while (!line.empty() && blank(line.back())) line.remove_suffix(1);
    if (line == "-") return "has a \"-\" line, which only a modify record holds";
  }
  return nullptr;
}

// The record's "dn:" line as written, for warnings about a record that did
// not parse (the parser writes into the buffer, so this is taken first).
std::string DnLine(std::string_view record) {
  std::size_t pos = 0;
  while (pos < record.size()) {
    std::size_t eol = record.find('\n', pos);
    if (eol == std::string_view::npos) eol = record.size();
    std::string_view line = record.substr(pos, eol - pos);
    if (line.size() >= 3 && (line[0] == 'd' || line[0] == 'D') &&
        (line[1] == 'n' || line[1] == 'N') && line[2] == ':') {
      return std::string(line.substr(0, kDnShown));
    }
    pos = eol + 1;
  }
  return "(no dn line)";
}

// The entries of the LDIF stream `file` (ReadLdifFile's contract); `name`
// is the file's in messages.
Result<std::vector<DirectoryEntry>> ReadRecords(LDIFFP* file, std::string_view name) {
  std::vector<DirectoryEntry> entries;
  RecordBuffer buffer;
  unsigned long line = 0;
  int read = 0;
  for (;;) {
    unsigned long first_line = line + 1;
    read = ldif_read_record(file, &line, &buffer.data, &buffer.capacity);
    if (read <= 0) break;
    // libldap can count lines read (read > 0) without allocating the buffer
    // (found by ldif_template_fuzz): nothing to parse then.
    if (buffer.data == nullptr) continue;

    std::string dn_line = DnLine(buffer.data);
    if (const char* why = LibldapWouldCrashOn(buffer.data); why != nullptr) {
      spdlog::warn("{}:{}-{}: LDIF record ({}) {}; skipped", name, first_line, line, dn_line, why);
      continue;
    }
    berval text{std::strlen(buffer.data), buffer.data};
    ParsedRecord parsed;
    if (ldap_parse_ldif_record(&text, first_line, &parsed.record, "openadcs", kEntryFlags) !=
        LDAP_SUCCESS) {
      spdlog::warn("{}:{}-{}: LDIF record ({}) does not parse; skipped", name, first_line, line,
                   dn_line);
      continue;
    }
    const LDIFRecord& record = parsed.record;
    if (record.lr_op != LDAP_REQ_ADD) {
      // A "version:" line alone, or a change record other than add.
      if (record.lr_dn.bv_val != nullptr) {
        spdlog::warn("{}:{}-{}: LDIF record ({}) is not an entry; skipped", name, first_line, line,
                     dn_line);
      }
      continue;
    }
    DirectoryEntry entry(std::string(record.lr_dn.bv_val, record.lr_dn.bv_len));
    for (LDAPMod** mod = record.lrop_mods; mod != nullptr && *mod != nullptr; ++mod) {
      for (berval** value = (*mod)->mod_bvalues; value != nullptr && *value != nullptr; ++value) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>((*value)->bv_val);
        entry.Add((*mod)->mod_type, Bytes(bytes, bytes + (*value)->bv_len));
      }
    }
    entries.push_back(std::move(entry));
  }
  if (read < 0) {
    return Status::IOError(std::string(name) + ":" + std::to_string(line) +
                           ": an include: file cannot be opened");
  }
  if (std::ferror(file->fp) != 0) {
    return Status::IOError(std::string(name) + ": read error");
  }
  return entries;
}

}  // namespace

Result<std::vector<DirectoryEntry>> ReadLdifFile(const std::filesystem::path& path) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IOError(path.string() + ": " + ec.message());
  if (size > kMaxLdifFileBytes) {
    return Status::IOError(path.string() + ": " + std::to_string(size) + " bytes, more than " +
                           std::to_string(kMaxLdifFileBytes));
  }
  std::unique_ptr<LDIFFP, LdifCloser> file(ldif_open(path.c_str(), "r"));
  if (file == nullptr) {
    return Status::IOError(path.string() + ": " + std::strerror(errno));
  }
  return ReadRecords(file.get(), path.string());
}

Result<std::vector<DirectoryEntry>> ReadLdifText(std::string_view text, std::string_view name) {
  if (text.size() > kMaxLdifFileBytes) {
    return Status::IOError(std::string(name) + ": " + std::to_string(text.size()) +
                           " bytes, more than " + std::to_string(kMaxLdifFileBytes));
  }
  if (text.empty()) return std::vector<DirectoryEntry>{};  // fmemopen refuses a size of 0
  // ldif_open_mem takes a mutable buffer; a stream opened "r" only reads it.
  std::unique_ptr<LDIFFP, LdifCloser> file(
      ldif_open_mem(const_cast<char*>(text.data()), text.size(), "r"));
  if (file == nullptr) return Status::IOError(std::string(name) + ": " + std::strerror(errno));
  return ReadRecords(file.get(), name);
}

}  // namespace openadcs::directory
