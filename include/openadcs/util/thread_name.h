// Names the calling thread for the tools that show threads (top -H, ps -L,
// perf, gdb, /proc/PID/task/TID/comm), so that an operator can tell the
// daemon's io thread, workers, database writer and syncers apart.
#ifndef OPENADCS_UTIL_THREAD_NAME_H_
#define OPENADCS_UTIL_THREAD_NAME_H_

#include <string_view>

namespace openadcs::util {

// Linux keeps 15 bytes of a thread's name; the rest of `name` is dropped.
// Failures are ignored: the name is a diagnostic.
void NameThisThread(std::string_view name);

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_THREAD_NAME_H_
