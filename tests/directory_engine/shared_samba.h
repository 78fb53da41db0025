// The one Samba AD DC of this test binary: provisioning takes seconds to a
// minute, so it is done at the first use and the server lives until the
// process exits. Tests that change it restore what they changed, or use
// names of their own.
#ifndef OPENADCS_TESTS_DIRECTORY_ENGINE_SHARED_SAMBA_H_
#define OPENADCS_TESTS_DIRECTORY_ENGINE_SHARED_SAMBA_H_

#include <string>

#include "testing/ldap_samba.h"

namespace openadcs::testing {

// The server, started when needed (Restart after a test's Stop); null with
// the reason in *error when it cannot be provisioned or started. The first
// failure is remembered: later calls fail at once with the same reason.
SambaServer* SharedSamba(std::string* error);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_DIRECTORY_ENGINE_SHARED_SAMBA_H_
