// A one-shot gate: something that is not yet true (a write made durable)
// opens it once, with a Status, and whoever waits for it either blocks or
// leaves a callback, so that a thread need not be held while it waits.
#ifndef OPENADCS_UTIL_GATE_H_
#define OPENADCS_UTIL_GATE_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "openadcs/util/status.h"

namespace openadcs {

// Thread-safe. Open runs the callbacks left so far on its own thread, in the
// order they were left, after the gate's lock is released, and only then
// wakes those blocked in Wait: what a callback did (a log line saying the
// write is durable) has happened when Wait returns. A callback left after
// the gate opened runs at once on the caller's thread. So callbacks must be
// short (post elsewhere whatever takes time) and must not block on a gate's
// Wait, this one's included.
class Gate {
 public:
  using Callback = std::function<void(const Status&)>;

  Gate() = default;
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Opens the gate with `status` (Ok: what it stood for happened). Only the
  // first call counts; later ones are ignored.
  void Open(const Status& status);
  // Runs `callback` with the status once the gate is open.
  void WhenOpen(Callback callback);
  // Blocks until the gate is open and the callbacks left before it opened
  // have run; returns its status.
  Status Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Status> status_;     // guarded by mu_
  std::vector<Callback> callbacks_;  // guarded by mu_
  bool opened_ = false;              // guarded by mu_; Open's callbacks have run
};

}  // namespace openadcs

#endif  // OPENADCS_UTIL_GATE_H_
