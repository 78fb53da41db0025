// The version openadcsd reports: project(VERSION) in CMakeLists.txt, passed
// in as OPENADCS_VERSION so the two cannot drift.
#ifndef OPENADCS_DAEMON_VERSION_H_
#define OPENADCS_DAEMON_VERSION_H_

namespace openadcs::daemon {

inline constexpr char kVersion[] = OPENADCS_VERSION;

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_VERSION_H_
