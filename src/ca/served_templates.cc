// SetCAProperty(CR_PROP_TEMPLATES): the administrator changes which
// templates this CA serves. The template source owns the list (the
// directory, for LDAP), so the engine checks, audits and hands it on; it
// never edits the snapshot it serves.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <set>
#include <string>
#include <vector>

#include "ca/engine_impl.h"
#include "openadcs/ca/access.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

Status CheckName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("an empty template name", hr::kInvalidArg);
  if (name.size() > Engine::kMaxTemplateNameBytes) {
    return Status::InvalidArgument(fmt::format("a template name of {} bytes (at most {})",
                                               name.size(), Engine::kMaxTemplateNameBytes),
                                   hr::kInvalidArg);
  }
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Status::InvalidArgument("a template name holds a control character", hr::kInvalidArg);
    }
  }
  return Status::Ok();
}

// `names` checked, with repeats (ASCII case-insensitive) dropped.
Result<std::vector<std::string>> Distinct(const std::vector<std::string>& names) {
  if (names.empty()) return Status::InvalidArgument("no template named", hr::kInvalidArg);
  if (names.size() > Engine::kMaxServedTemplates) {
    return Status::InvalidArgument(
        fmt::format("{} templates named (at most {})", names.size(), Engine::kMaxServedTemplates),
        hr::kInvalidArg);
  }
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const std::string& name : names) {
    OPENADCS_RETURN_IF_ERROR(CheckName(name));
    if (seen.insert(ToLowerAscii(name)).second) out.push_back(name);
  }
  return out;
}

}  // namespace

Status Engine::Impl::SetServedTemplates(const Caller& admin,
                                        const std::vector<std::string>& names) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(admin, rights::kAdmin, "change the served templates"));
  Result<std::vector<std::string>> distinct = Distinct(names);
  if (!distinct.ok()) {
    spdlog::warn("templates: {} asked to serve a bad list: {}", admin.name,
                 distinct.status().message());
    return distinct.status();
  }
  const std::string list = fmt::format("{}", fmt::join(*distinct, ", "));
  // The row goes first: a change the directory took without its row would
  // defeat the trail, a row for a change that failed is followed by a
  // second that says so.
  const Status audited = store_.AppendAudit(Audit(admin.name, "set-templates", 0, list));
  if (!audited.ok()) {
    spdlog::error("templates: not changed, the audit row cannot be written: {}",
                  audited.ToString());
    return Status::Error(audited.code(), audited.message(),
                         audited.hresult().value_or(hr::kUnexpected));
  }
  Status set = templates_.SetServedTemplates(*distinct);
  if (!set.ok()) {
    const Status failed_row =
        store_.AppendAudit(Audit(admin.name, "set-templates-failed", 0, set.message()));
    if (!failed_row.ok()) {
      spdlog::error("templates: the failure's audit row cannot be written: {}",
                    failed_row.ToString());
    }
    return set;
  }
  spdlog::info("templates: {} set the served templates to [{}]", admin.name, list);
  return Status::Ok();
}

}  // namespace openadcs::ca
