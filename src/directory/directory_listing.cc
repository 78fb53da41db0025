#include "openadcs/directory/directory_listing.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "directory/directory_naming.h"
#include "directory/ldap_connection.h"
#include "openadcs/util/bytes.h"

namespace openadcs::directory {

Result<DirectoryListing> ListDirectory(const LdapTemplateSourceOptions& options) {
  Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options);
  if (!connection.ok()) return connection.status();
  Result<Naming> naming = Discover(**connection, options);
  if (!naming.ok()) return naming.status();
  DirectoryListing listing;
  listing.templates_dn = naming->templates_dn;
  listing.services_dn = naming->services_dn;

  LdapConnection::SearchRequest request;
  request.base = naming->templates_dn;
  request.scope = LDAP_SCOPE_ONELEVEL;
  request.filter = "(objectClass=pKICertificateTemplate)";
  request.paged = true;
  request.max_entries = options.max_templates;
  Result<std::vector<DirectoryEntry>> templates = (*connection)->Search(request);
  if (!templates.ok()) return templates.status();
  for (const DirectoryEntry& entry : *templates) {
    Result<CertificateTemplate> parsed = ParseTemplateEntry(entry);
    if (parsed.ok()) {
      listing.templates.push_back(std::move(*parsed));
    } else {
      spdlog::warn("template {} skipped: {}", entry.dn(), parsed.status().message());
      listing.skipped.push_back(entry.dn() + ": " + parsed.status().message());
    }
  }

  request.base = naming->services_dn;
  request.filter = "(objectClass=pKIEnrollmentService)";
  Result<std::vector<DirectoryEntry>> services = (*connection)->Search(request);
  if (!services.ok()) return services.status();
  for (const DirectoryEntry& entry : *services) {
    Result<EnrollmentService> parsed = ParseEnrollmentServiceEntry(entry);
    if (parsed.ok()) {
      listing.services.push_back(std::move(*parsed));
    } else {
      spdlog::warn("enrollment service {} skipped: {}", entry.dn(), parsed.status().message());
      listing.skipped.push_back(entry.dn() + ": " + parsed.status().message());
    }
  }
  return listing;
}

std::vector<std::string> ServingCas(const DirectoryListing& listing,
                                    const std::string& template_name) {
  std::vector<std::string> cas;
  for (const EnrollmentService& service : listing.services) {
    const auto& names = service.certificate_templates;
    if (std::any_of(names.begin(), names.end(), [&](const std::string& n) {
          return EqualsIgnoreCaseAscii(n, template_name);
        })) {
      cas.push_back(service.name);
    }
  }
  return cas;
}

}  // namespace openadcs::directory
