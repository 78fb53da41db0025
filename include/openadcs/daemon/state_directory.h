// The state directory holds the CA key, the database and the published CRL.
#ifndef OPENADCS_DAEMON_STATE_DIRECTORY_H_
#define OPENADCS_DAEMON_STATE_DIRECTORY_H_

#include <filesystem>

#include "openadcs/util/status.h"

namespace openadcs::daemon {

// Creates `dir` with mode 0700 when missing (missing parents are created
// with the default mode). An existing directory is used as it is, with a
// warning when group or others may enter it. Errors: InvalidArgument when
// `dir` exists and is not a directory, IOError when it cannot be created.
Status EnsureStateDirectory(const std::filesystem::path& dir);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_STATE_DIRECTORY_H_
