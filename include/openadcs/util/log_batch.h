// Log lines a thread writes in a burst, given to the kernel in one write.
#ifndef OPENADCS_UTIL_LOG_BATCH_H_
#define OPENADCS_UTIL_LOG_BATCH_H_

#include <spdlog/sinks/sink.h>

#include <memory>

namespace openadcs {

// An spdlog sink that writes each formatted line to `fd` (standard error)
// with write(2), at once; but while a LogBatch lives on the logging thread,
// that thread's lines below warning are held and written together, with one
// write(2), when the outermost LogBatch ends. A line at warning or above is
// written at once, after the lines held before it, so that nothing about a
// failure waits. A write that fails (a reader gone) loses its lines and is
// not retried, as spdlog's own sinks do. Thread-safe; lines from different
// threads never interleave within a line.
std::shared_ptr<spdlog::sinks::sink> MakeBatchingLogSink(int fd);

// Holds this thread's lines to a batching log sink until the outermost
// LogBatch ends (nested ones do nothing). For a thread that logs several
// lines in a burst and waits on nothing meanwhile: the thread that syncs
// the CA database logs three for every request a sync made durable, and
// under systemd each write to standard error wakes journald. Lines to other
// sinks are not held. Not movable: it lives in one scope.
class LogBatch {
 public:
  LogBatch();
  ~LogBatch();
  LogBatch(const LogBatch&) = delete;
  LogBatch& operator=(const LogBatch&) = delete;
};

}  // namespace openadcs

#endif  // OPENADCS_UTIL_LOG_BATCH_H_
