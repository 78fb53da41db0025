// Keeps SIGPIPE from ending the process while a library writes to a socket
// with write(2) rather than send(MSG_NOSIGNAL), as libldap does: on a
// connection the peer has reset, such a write raises SIGPIPE, whose default
// action ends the process without a word. The signal is blocked on the
// calling thread only, so the process's disposition stays the caller's
// choice (the openadcs CLI, writing into `| head`, still ends as a pipe's
// writer should).
#ifndef OPENADCS_UTIL_SIGPIPE_H_
#define OPENADCS_UTIL_SIGPIPE_H_

#include <signal.h>

namespace openadcs::util {

// While it lives, SIGPIPE is blocked on this thread, so a write to a reset
// socket fails with EPIPE instead. On destruction, a SIGPIPE raised for this
// thread meanwhile is discarded (unless one was already pending when it was
// made: that one is left to whoever blocked it) and the thread's signal mask
// is restored. Nests. Use it on one thread, in scope order.
class SigpipeBlocked {
 public:
  SigpipeBlocked();
  ~SigpipeBlocked();
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t previous_mask_{};
  bool was_pending_ = false;
};

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_SIGPIPE_H_
