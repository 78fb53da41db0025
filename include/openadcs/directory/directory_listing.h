// Every certificate template and every enrollment service of a forest, read
// once over LDAP: what `openadcs templates` shows (which CA serves which
// template, MS-CERSOD step A.4-5). Discovery, connection and parsing are the
// LDAP template source's (ldap_template_source.h, template_entry.h).
#ifndef OPENADCS_DIRECTORY_DIRECTORY_LISTING_H_
#define OPENADCS_DIRECTORY_DIRECTORY_LISTING_H_

#include <string>
#include <vector>

#include "openadcs/directory/certificate_template.h"
#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/directory/template_entry.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

struct DirectoryListing {
  std::string templates_dn;                    // where the templates were read
  std::string services_dn;                     // where the enrollment services were read
  std::vector<CertificateTemplate> templates;  // in the server's order
  std::vector<EnrollmentService> services;
  // One "<DN>: <why>" per entry that does not parse (also logged, warn).
  std::vector<std::string> skipped;
};

// Connects and binds as `options` says (uris, bind, timeouts, TLS;
// configuration_naming_context or discovery; enrollment_service and the
// notification, snapshot and reconnect settings are not used), reads the
// templates (paged, at most options.max_templates) and the enrollment
// services, and disconnects. Errors: LdapConnection's (Unavailable,
// InvalidArgument for options that cannot work); NotFound when the
// containers do not exist.
Result<DirectoryListing> ListDirectory(const LdapTemplateSourceOptions& options);

// The cn of every service in `listing` whose certificateTemplates names
// `template_name` (ASCII case-insensitive), in the listing's order.
std::vector<std::string> ServingCas(const DirectoryListing& listing,
                                    const std::string& template_name);

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_DIRECTORY_LISTING_H_
