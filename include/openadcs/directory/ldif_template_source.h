// Templates from AD-shaped LDIF files: a folder holding pKICertificateTemplate
// entries and this CA's pKIEnrollmentService entry, as an LDAP export of
// CN=Public Key Services would hold them. The enrollment service's
// certificateTemplates attribute decides which templates this CA serves, as
// in AD (MS-WCCE 3.2.2.1).
#ifndef OPENADCS_DIRECTORY_LDIF_TEMPLATE_SOURCE_H_
#define OPENADCS_DIRECTORY_LDIF_TEMPLATE_SOURCE_H_

#include <filesystem>
#include <memory>
#include <string>

#include "openadcs/directory/template_source.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

struct LdifTemplateSourceOptions {
  std::filesystem::path directory;  // every *.ldif in it is read, in name order
  // The cn of this CA's pKIEnrollmentService entry. Empty: the folder must
  // hold exactly one enrollment service entry, and that one is used.
  std::string enrollment_service;
};

// Loads once before returning; a folder that cannot be read, holds no
// enrollment service (or not the named one) fails with InvalidArgument or
// IOError. A template entry that does not parse is skipped with a warning
// naming its DN and the attribute at fault; it never fails the load. A
// template listed by the enrollment service but absent is logged.
Result<std::unique_ptr<TemplateSource>> OpenLdifTemplateSource(
    const LdifTemplateSourceOptions& options);

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_LDIF_TEMPLATE_SOURCE_H_
