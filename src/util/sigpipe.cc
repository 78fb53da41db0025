#include "openadcs/util/sigpipe.h"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace openadcs::util {
namespace {

sigset_t SigpipeOnly() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

bool SigpipePending() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

SigpipeBlocked::SigpipeBlocked() {
  const sigset_t pipe = SigpipeOnly();
  pthread_sigmask(SIG_BLOCK, &pipe, &previous_mask_);
  // Read after blocking: a SIGPIPE raised in between is pending, not acted on.
  was_pending_ = SigpipePending();
}

SigpipeBlocked::~SigpipeBlocked() {
  // The caller may still read errno from the call this guarded.
  const int saved_errno = errno;
  if (!was_pending_ && SigpipePending()) {
    const sigset_t pipe = SigpipeOnly();
    const timespec now{};
    while (sigtimedwait(&pipe, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  errno = saved_errno;
}

}  // namespace openadcs::util
