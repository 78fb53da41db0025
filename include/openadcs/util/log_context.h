// Who the current thread is working for, for log lines that do not say it:
// the RPC runtime sets it around each call it dispatches to a handler, and a
// structured log format (daemon/json_log.h) adds it to every line written
// meanwhile, on that thread. Names and addresses only, never credentials.
#ifndef OPENADCS_UTIL_LOG_CONTEXT_H_
#define OPENADCS_UTIL_LOG_CONTEXT_H_

#include <cstdint>
#include <string>

#include "openadcs/util/gate.h"

namespace openadcs {

struct LogContext {
  std::string caller;  // "DOMAIN\user"; empty: unauthenticated
  std::string peer;    // the client's IP address
  std::uint64_t connection = 0;
};

// The innermost ScopedLogContext of this thread; null outside any.
const LogContext* CurrentLogContext();

// Makes `context` current on this thread until destroyed (then the one
// before it is current again). Not movable: it lives in one scope.
class ScopedLogContext {
 public:
  explicit ScopedLogContext(const LogContext& context);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  const LogContext* const previous_;
};

// Runs `callback` once `gate` opens, on whichever thread opens it, with the
// log context current on this thread now made current around it: for a line
// that must wait for what it reports (a commit made durable) and still say
// whom it was for.
void WhenOpenInThisLogContext(Gate& gate, Gate::Callback callback);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_LOG_CONTEXT_H_
