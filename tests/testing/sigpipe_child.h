// For tests of code that must not let SIGPIPE end the process: the check
// runs in a child (a gtest death test) where SIGPIPE has its default action.
#ifndef OPENADCS_TESTS_TESTING_SIGPIPE_CHILD_H_
#define OPENADCS_TESTS_TESTING_SIGPIPE_CHILD_H_

namespace openadcs::testing {

// Runs `check` in a child with SIGPIPE's default action and expects it to
// exit cleanly: if a SIGPIPE got through, the child ends with it and the
// test says so. `check` returns what went wrong (printed), or null.
void ExpectCheckPassesWithDefaultSigpipe(const char* (*check)());

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_SIGPIPE_CHILD_H_
