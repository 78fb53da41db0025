// The version openadcsd reports; kept equal to project(VERSION) in CMakeLists.txt.
#ifndef OPENADCS_DAEMON_VERSION_H_
#define OPENADCS_DAEMON_VERSION_H_

namespace openadcs::daemon {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_VERSION_H_
