#include "ca/template_access.h"

#include "openadcs/ca/access.h"
#include "openadcs/security/object_access.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca::policy_stages {

std::optional<Denial> CheckEnrollPermission(const directory::CertificateTemplate& t,
                                            const Caller& caller) {
  if (!t.security) {
    return Denial{hr::kTemplateDenied, "template '" + t.name +
                                           "' has no security descriptor, so it grants " +
                                           caller.name + " no Enroll permission"};
  }
  if (!security::HasExtendedRight(*t.security, CallerSids(caller),
                                  security::extended_right::kEnroll)) {
    return Denial{hr::kTemplateDenied, "the permissions of template '" + t.name +
                                           "' do not allow " + caller.name + " to enroll"};
  }
  return std::nullopt;
}

}  // namespace openadcs::ca::policy_stages
