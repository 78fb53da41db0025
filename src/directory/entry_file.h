// Directory entries kept on disk as LDIF: the LDAP template source's last
// good snapshot, read back by ReadLdifFile (ldif_reader.h) when the daemon
// starts while the directory is away.
#ifndef OPENADCS_SRC_DIRECTORY_ENTRY_FILE_H_
#define OPENADCS_SRC_DIRECTORY_ENTRY_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "openadcs/directory/template_entry.h"

namespace openadcs::directory {

// Whether EntriesToLdif writes an attribute of this name: an attribute
// type as RFC 4512 spells one (a letter then letters, digits and '-', or a
// numeric OID), and not one of the words LDIF gives a meaning of its own
// (dn, changetype, control, include, version). A directory can deliver any
// bytes as a name; written as they are, a line break or one of those words
// would rewrite the snapshot (add attributes, turn the entry into a change
// record, include a file) for the next start to read.
bool SnapshotKeeps(std::string_view attribute);

// `entries` as LDIF (RFC 2849) with every DN and value base64-encoded, so
// any bytes round-trip through ReadLdifFile; attributes SnapshotKeeps
// refuses are left out (no template attribute is among them). `comment`
// (one line) heads it.
std::string EntriesToLdif(const std::vector<DirectoryEntry>& entries, const std::string& comment);

}  // namespace openadcs::directory

#endif  // OPENADCS_SRC_DIRECTORY_ENTRY_FILE_H_
