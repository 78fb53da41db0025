#include "openadcs/util/sigpipe.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "testing/sigpipe_child.h"

namespace openadcs::util {
namespace {

bool Pending() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

bool Blocked() {
  sigset_t mask;
  sigemptyset(&mask);
  return pthread_sigmask(SIG_BLOCK, nullptr, &mask) == 0 && sigismember(&mask, SIGPIPE) == 1;
}

// Writes one byte to a stream socket whose peer is closed: EPIPE, and
// SIGPIPE for the calling thread. Returns the write's errno (0: it wrote).
int WriteToAClosedPeer() {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return -1;
  ::close(pair[1]);
  const char byte = 'x';
  const int err = ::write(pair[0], &byte, 1) < 0 ? errno : 0;
  ::close(pair[0]);
  return err;
}

TEST(SigpipeBlockedTest, AWriteToAClosedPeerFailsWithEpipeAndTheSignalIsDiscarded) {
  testing::ExpectCheckPassesWithDefaultSigpipe([]() -> const char* {
    {
      const SigpipeBlocked no_sigpipe;
      if (WriteToAClosedPeer() != EPIPE) return "the write did not fail with EPIPE";
      if (!Pending()) return "no SIGPIPE was raised";
    }
    if (Pending()) return "the SIGPIPE is still pending";
    if (Blocked()) return "SIGPIPE is still blocked";
    return nullptr;
  });
}

TEST(SigpipeBlockedTest, AnInnerGuardLeavesTheOuterOneBlocking) {
  testing::ExpectCheckPassesWithDefaultSigpipe([]() -> const char* {
    {
      const SigpipeBlocked outer;
      {
        const SigpipeBlocked inner;
        if (WriteToAClosedPeer() != EPIPE) return "the first write did not fail with EPIPE";
      }
      if (Pending()) return "the inner guard left its SIGPIPE pending";
      if (!Blocked()) return "the inner guard unblocked SIGPIPE inside the outer one";
      if (WriteToAClosedPeer() != EPIPE) return "the second write did not fail with EPIPE";
    }
    if (Pending() || Blocked()) return "the outer guard left SIGPIPE pending or blocked";
    return nullptr;
  });
}

TEST(SigpipeBlockedTest, ASigpipePendingBeforeIsLeftToWhoeverBlockedIt) {
  testing::ExpectCheckPassesWithDefaultSigpipe([]() -> const char* {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    pthread_kill(pthread_self(), SIGPIPE);
    { const SigpipeBlocked guard; }
    if (!Pending()) return "the guard discarded a SIGPIPE that was not its own";
    const timespec now{};
    if (sigtimedwait(&pipe, nullptr, &now) != SIGPIPE) return "no SIGPIPE to take";
    return nullptr;
  });
}

TEST(SigpipeBlockedTest, KeepsTheCallersErrno) {
  const SigpipeBlocked* guard = new SigpipeBlocked;
  errno = ECONNRESET;
  delete guard;
  EXPECT_EQ(errno, ECONNRESET);
}

}  // namespace
}  // namespace openadcs::util
