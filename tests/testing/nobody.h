// For tests of what a daemon meets under a user of its own (systemd's
// DynamicUser=): files and sockets root keeps to itself. Run as root, in a
// child (a gtest death test), since there is no way back.
#ifndef OPENADCS_TESTS_TESTING_NOBODY_H_
#define OPENADCS_TESTS_TESTING_NOBODY_H_

namespace openadcs::testing {

// Drops every group and becomes nobody (65534). Ends the process with
// status 2 when it cannot.
void BecomeNobody();

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_NOBODY_H_
