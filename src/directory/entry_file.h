// Directory entries kept on disk as LDIF: the LDAP template source's last
// good snapshot, read back by ReadLdifFile (ldif_reader.h) when the daemon
// starts while the directory is away.
#ifndef OPENADCS_SRC_DIRECTORY_ENTRY_FILE_H_
#define OPENADCS_SRC_DIRECTORY_ENTRY_FILE_H_

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "openadcs/directory/template_entry.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

// Replaces `path` with `contents` so that a reader (or a crash) sees the old
// file or the new one, never a mix: a temporary file in the same folder,
// fsync, rename, fsync of the folder. The file gets `mode`. IOError naming
// the path on any failure (the old file is then untouched).
Status ReplaceFile(const std::filesystem::path& path, const std::string& contents, mode_t mode);

// `entries` as LDIF (RFC 2849) with every DN and value base64-encoded, so
// any bytes round-trip through ReadLdifFile. `comment` (one line) heads it.
std::string EntriesToLdif(const std::vector<DirectoryEntry>& entries, const std::string& comment);

}  // namespace openadcs::directory

#endif  // OPENADCS_SRC_DIRECTORY_ENTRY_FILE_H_
