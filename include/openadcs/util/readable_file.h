// Whether a file can be opened for reading, asked before handing its path
// to a library that reports an unopenable file no better than a malformed
// or missing one (libldap's CA bundle, MIT's keytab). A daemon under its
// own user (systemd's DynamicUser=) meets root's 0600 files this way.
#ifndef OPENADCS_UTIL_READABLE_FILE_H_
#define OPENADCS_UTIL_READABLE_FILE_H_

#include <filesystem>

namespace openadcs::util {

// 0 when `path` opens for reading; else the errno of the attempt.
int OpenForReadingError(const std::filesystem::path& path);

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_READABLE_FILE_H_
