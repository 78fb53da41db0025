#include "directory/directory_naming.h"

#include <utility>

#include "openadcs/util/bytes.h"

namespace openadcs::directory {

LdapConnection::SearchRequest BaseSearch(std::string base, std::vector<std::string> attributes) {
  LdapConnection::SearchRequest request;
  request.base = std::move(base);
  request.attributes = std::move(attributes);
  return request;
}

Result<Naming> Discover(LdapConnection& connection, const LdapTemplateSourceOptions& options) {
  Result<std::vector<DirectoryEntry>> root = connection.Search(
      BaseSearch("", {"configurationNamingContext", "namingContexts", "supportedControl"}));
  if (!root.ok()) return root.status();
  if (root->size() != 1) return Status::Unavailable("the rootDSE cannot be read");
  const DirectoryEntry& dse = root->front();
  Naming naming;
  for (const Bytes& control : dse.Values("supportedControl")) {
    naming.supported_controls.emplace_back(control.begin(), control.end());
  }
  std::string nc = options.configuration_naming_context;
  if (nc.empty() && !dse.Values("configurationNamingContext").empty()) {
    const Bytes& value = dse.Values("configurationNamingContext").front();
    nc.assign(value.begin(), value.end());
  }
  if (nc.empty() && !dse.Values("namingContexts").empty()) {
    // slapd has no configuration partition: AD's layout sits under its suffix.
    const Bytes& value = dse.Values("namingContexts").front();
    nc = "CN=Configuration," + std::string(value.begin(), value.end());
  }
  if (nc.empty()) {
    return Status::InvalidArgument(
        "the rootDSE names no configuration naming context; configure one");
  }
  const std::string pks = "CN=Public Key Services,CN=Services," + nc;
  naming.templates_dn = "CN=Certificate Templates," + pks;
  naming.services_dn = "CN=Enrollment Services," + pks;
  naming.deleted_dn = "CN=Deleted Objects," + nc;
  return naming;
}

}  // namespace openadcs::directory
