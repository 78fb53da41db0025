// Where AD CS keeps its objects in one forest (MS-WCCE 3.2.2.1), found from
// the rootDSE. Internal to the directory layer: the LDAP template source and
// the directory listing share it.
#ifndef OPENADCS_SRC_DIRECTORY_DIRECTORY_NAMING_H_
#define OPENADCS_SRC_DIRECTORY_DIRECTORY_NAMING_H_

#include <string>
#include <vector>

#include "directory/ldap_connection.h"
#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

struct Naming {
  std::string templates_dn;  // CN=Certificate Templates,CN=Public Key Services,...
  std::string services_dn;   // CN=Enrollment Services,...
  std::string deleted_dn;    // CN=Deleted Objects,<configuration NC>
  std::vector<std::string> supported_controls;
};

// A base search of `base` for `attributes`.
LdapConnection::SearchRequest BaseSearch(std::string base, std::vector<std::string> attributes);

// The configuration naming context is options.configuration_naming_context,
// else the rootDSE's configurationNamingContext, else (slapd) "CN=Configuration,"
// + its first namingContexts value. InvalidArgument when there is none;
// Unavailable when the rootDSE cannot be read.
Result<Naming> Discover(LdapConnection& connection, const LdapTemplateSourceOptions& options);

}  // namespace openadcs::directory

#endif  // OPENADCS_SRC_DIRECTORY_DIRECTORY_NAMING_H_
