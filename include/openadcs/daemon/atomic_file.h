// Replacing a file so that readers see the old content or the new, never a
// mix: what a web server serving the published CRL needs.
#ifndef OPENADCS_DAEMON_ATOMIC_FILE_H_
#define OPENADCS_DAEMON_ATOMIC_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>

#include "openadcs/util/status.h"

namespace openadcs::daemon {

// Writes `bytes` to a temporary file beside `path` (mode `mode`), fsyncs it,
// renames it over `path` and fsyncs the directory. On error `path` is left
// as it was, the temporary file is removed, and IOError names the step.
Status WriteFileAtomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                           mode_t mode);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_ATOMIC_FILE_H_
