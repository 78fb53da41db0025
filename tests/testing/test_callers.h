// The accounts tests act as, and the CA security that gives them their
// roles: a requester with Enroll (through Authenticated Users), an officer
// and an administrator. Header-only for the reason test_ca.h gives.
#ifndef OPENADCS_TESTS_TESTING_TEST_CALLERS_H_
#define OPENADCS_TESTS_TESTING_TEST_CALLERS_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/caller.h"
#include "openadcs/db/ca_store.h"

namespace openadcs::testing {

inline ca::Caller TestCaller(std::string name, std::string sid) {
  return {std::move(name), std::move(sid), {"S-1-1-0", "S-1-5-11"}};
}
inline ca::Caller TestRequester() {
  return TestCaller("EXAMPLE\\alice", "S-1-5-21-1-2-3-1104");
}
inline ca::Caller TestOfficer() {
  return TestCaller("EXAMPLE\\officer", "S-1-5-21-1-2-3-1105");
}
inline ca::Caller TestAdmin() {
  return TestCaller("EXAMPLE\\admin", "S-1-5-21-1-2-3-500");
}

// The CA security of `store` (the first start stores it): TestAdmin() holds
// Admin, TestOfficer() Officer, Authenticated Users Read and Enroll.
inline void OpenTestCaSecurity(db::CaStore& store, std::unique_ptr<ca::CaSecurity>* out) {
  ca::CaSecurityOptions options;
  options.initial.administrators = {TestAdmin().sid};
  options.initial.officers = {TestOfficer().sid};
  options.initial.readers = {"S-1-5-11"};
  options.initial.enrollees = {"S-1-5-11"};
  auto security = ca::CaSecurity::Open(store, options);
  ASSERT_TRUE(security.ok()) << security.status().ToString();
  *out = std::move(security).value();
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_TEST_CALLERS_H_
