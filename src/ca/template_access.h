// The template's own Enroll right (MS-WCCE 3.2.2.6.2.1.4.3, "Verify End
// Entity Permissions"): the policy stage that refuses a caller the
// template's nTSecurityDescriptor does not let enroll. Internal to src/ca.
#ifndef OPENADCS_SRC_CA_TEMPLATE_ACCESS_H_
#define OPENADCS_SRC_CA_TEMPLATE_ACCESS_H_

#include <optional>

#include "ca/policy_stages.h"
#include "openadcs/ca/caller.h"
#include "openadcs/directory/certificate_template.h"

namespace openadcs::ca::policy_stages {

// Denies with TEMPLATE_DENIED (0x80094012) a caller whose SIDs (its own and
// its groups') the DACL of t.security does not grant the Certificate-
// Enrollment extended right (MS-CRTD 2.5.1; decided by
// security::HasExtendedRight). The CA checks Enroll only: AutoEnroll
// (MS-CRTD 2.5.2) is what an autoenrollment client asks before it
// enrolls, and grants no enrollment by itself. A template without a
// descriptor grants no one, as Windows, whose templates always have one.
// The message names the template and the caller.
[[nodiscard]] std::optional<Denial> CheckEnrollPermission(const directory::CertificateTemplate& t,
                                                          const Caller& caller);

}  // namespace openadcs::ca::policy_stages

#endif  // OPENADCS_SRC_CA_TEMPLATE_ACCESS_H_
