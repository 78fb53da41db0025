#include "openadcs/directory/certificate_template.h"

#include "openadcs/util/bytes.h"

namespace openadcs::directory {

TemplateSnapshot::TemplateSnapshot(std::vector<CertificateTemplate> served)
    : templates_(std::move(served)) {
  for (std::size_t i = 0; i < templates_.size(); ++i) {
    by_name_.emplace(ToLowerAscii(templates_[i].name), i);
    if (!templates_[i].oid.empty()) by_oid_.emplace(templates_[i].oid, i);
  }
}

const CertificateTemplate* TemplateSnapshot::FindByName(const std::string& name) const {
  auto it = by_name_.find(ToLowerAscii(name));
  return it == by_name_.end() ? nullptr : &templates_[it->second];
}

const CertificateTemplate* TemplateSnapshot::FindByOid(const std::string& oid) const {
  auto it = by_oid_.find(oid);
  return it == by_oid_.end() ? nullptr : &templates_[it->second];
}

}  // namespace openadcs::directory
