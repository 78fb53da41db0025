#include "testing/sigpipe_child.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace openadcs::testing {

void ExpectCheckPassesWithDefaultSigpipe(const char* (*check)()) {
  EXPECT_EXIT(
      {
        std::signal(SIGPIPE, SIG_DFL);
        const char* failed = check();
        if (failed != nullptr) std::fprintf(stderr, "%s\n", failed);
        std::_Exit(failed == nullptr ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace openadcs::testing
