#include "testing/nobody.h"

#include <grp.h>
#include <unistd.h>

#include <cstdlib>

namespace openadcs::testing {

void BecomeNobody() {
  constexpr uid_t kNobody = 65534;
  if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
    std::_Exit(2);
  }
}

}  // namespace openadcs::testing
