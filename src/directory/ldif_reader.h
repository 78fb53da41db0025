// Reads LDIF files (RFC 2849) into DirectoryEntry values with libldap's
// LDIF reader, so folding, comments and base64 ("::") values follow
// OpenLDAP's rules rather than a parser of our own.
#ifndef OPENADCS_SRC_DIRECTORY_LDIF_READER_H_
#define OPENADCS_SRC_DIRECTORY_LDIF_READER_H_

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "openadcs/directory/template_entry.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

// A template folder is a handful of small files; anything bigger than this
// is a mistake (a database dump), refused rather than read into memory.
inline constexpr std::uintmax_t kMaxLdifFileBytes = std::uintmax_t{16} * 1024 * 1024;

// The entries of the LDIF file at `path`, in file order: records with no
// changetype or "changetype: add". Change records of other types, and
// records that do not parse (e.g. bad base64), are skipped with a warning
// naming the file and lines. IOError when the file cannot be opened or read,
// is larger than kMaxLdifFileBytes, or names an "include:" that cannot be
// opened. libldap follows "include:" lines and "attr:< file://" values, so
// the file must be trusted configuration, never client input. libldap
// prints its own diagnostics for a bad record to stderr.
Result<std::vector<DirectoryEntry>> ReadLdifFile(const std::filesystem::path& path);

// ReadLdifFile of a file holding `text`, read from memory (the fuzzers feed
// it without a file per input); `name` stands for the file in warnings and
// errors. "include:" lines and "attr:< file://" values still open files.
Result<std::vector<DirectoryEntry>> ReadLdifText(std::string_view text, std::string_view name);

}  // namespace openadcs::directory

#endif  // OPENADCS_SRC_DIRECTORY_LDIF_READER_H_
