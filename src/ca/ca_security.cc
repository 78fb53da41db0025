#include "openadcs/ca/ca_security.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "openadcs/util/filetime.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

// The audit event of a stored descriptor: version `version`, `bytes` long.
db::AuditEvent SecurityEvent(const std::string& actor, const char* action, std::uint64_t version,
                             std::size_t bytes) {
  return {UnixSecondsNow(), actor, action, 0,
          "version " + std::to_string(version) + ", " + std::to_string(bytes) + " bytes"};
}

// An allow ACE with the Admin right that applies to the CA object itself.
// Without one no caller could ever call SetCASecurity again; a deny ACE may
// still shadow it, which is the administrator's own, visible choice.
bool GrantsAdminToSomeone(const security::SecurityDescriptor& sd) {
  if (!sd.dacl) return false;
  for (const security::Ace& ace : sd.dacl->aces) {
    if (ace.type == security::kAccessAllowedAceType && (ace.mask & rights::kAdmin) != 0 &&
        (ace.flags & security::kInheritOnlyAce) == 0) {
      return true;
    }
  }
  return false;
}

// The ca_setting names (docs/database.md): the officer and enrollment
// agent rights descriptors (absent: disabled) and the audit filter (4 bytes, little-endian).
constexpr char kOfficerRightsSetting[] = "officer_rights";
constexpr char kAgentRightsSetting[] = "enrollment_agent_rights";
constexpr char kAuditFilterSetting[] = "audit_filter";

db::AuditEvent SettingEvent(const std::string& actor, const char* action, std::string detail) {
  return {UnixSecondsNow(), actor, action, 0, std::move(detail)};
}

Bytes Le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

Result<std::vector<security::OfficerRightsEntry>> DecodeOfficerRights(
    std::span<const std::uint8_t> bytes) {
  Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(bytes);
  if (!sd.ok()) return sd.status();
  return security::ParseOfficerRights(*sd);
}

void AddSid(const std::string& text, std::vector<security::Sid>* out) {
  if (Result<security::Sid> sid = security::Sid::Parse(text); sid.ok()) out->push_back(*sid);
}

// The SIDs a rights entry's requester side may name: every requester
// authenticated, so Everyone and Authenticated Users too. (The acting side's
// are CallerSids, access.h.)
std::vector<security::Sid> RequesterSids(const Requester& r) {
  std::vector<security::Sid> sids = {security::well_known::kEveryone,
                                     security::well_known::kAuthenticatedUsers};
  sids.reserve(r.group_sids.size() + 3);
  AddSid(r.sid, &sids);
  for (const std::string& g : r.group_sids) AddSid(g, &sids);
  return sids;
}

// The refusal of a rights check whose requester's groups the directory
// could not give: a deny entry naming one of them would go unseen.
Status GroupsUnavailable(const Requester& r, std::string_view rights) {
  spdlog::warn("ca security: {} for {} not checked: the directory cannot tell its groups", rights,
               r.name);
  return Status::Error(StatusCode::kUnavailable,
                       "the directory cannot tell the groups of " + r.name + ", which " +
                           std::string(rights) + " may name; try again",
                       hr::kDsServerDown);
}

}  // namespace

Status CaSecurity::LoadRights(const char* setting, const char* what,
                              std::vector<security::OfficerRightsEntry>* entries, Bytes* bytes) {
  Result<std::optional<Bytes>> stored = store_.GetSetting(setting);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return Status::Ok();
  auto decoded = DecodeOfficerRights(**stored);
  if (!decoded.ok()) {
    return Status::Corruption(std::string("the stored ") + what +
                              " do not decode: " + decoded.status().message());
  }
  *entries = std::move(*decoded);
  *bytes = std::move(**stored);
  spdlog::info("ca security: {} are enabled ({} entries)", what, entries->size());
  return Status::Ok();
}

Status CaSecurity::LoadSettings() {
  OPENADCS_RETURN_IF_ERROR(LoadRights(kOfficerRightsSetting, "officer rights", &officer_rights_,
                                      &officer_rights_bytes_));
  OPENADCS_RETURN_IF_ERROR(LoadRights(kAgentRightsSetting, "enrollment agent rights",
                                      &agent_rights_, &agent_rights_bytes_));
  Result<std::optional<Bytes>> filter = store_.GetSetting(kAuditFilterSetting);
  if (!filter.ok()) return filter.status();
  if (filter->has_value()) {
    const Bytes& b = **filter;
    if (b.size() != 4) return Status::Corruption("the stored audit filter is not 4 bytes");
    audit_filter_ = static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
                    static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  }
  return Status::Ok();
}

Result<std::unique_ptr<CaSecurity>> CaSecurity::Open(db::CaStore& store,
                                                     const CaSecurityOptions& options) {
  std::unique_ptr<CaSecurity> self(new CaSecurity(store, options.role_separation));
  OPENADCS_RETURN_IF_ERROR(self->LoadSettings());
  Result<std::optional<db::CaSecurityRow>> stored = store.GetCaSecurity();
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    Result<security::SecurityDescriptor> initial = DefaultCaSecurity(options.initial);
    if (!initial.ok()) return initial.status();
    Result<Bytes> encoded = security::EncodeSecurityDescriptor(*initial);
    if (!encoded.ok()) return encoded.status();
    OPENADCS_RETURN_IF_ERROR(store.PutCaSecurity(
        *encoded, 0, SecurityEvent("", "init-ca-security", 1, encoded->size())));
    spdlog::info("ca security: the first start stored the configured roles ({} ACEs)",
                 initial->dacl ? initial->dacl->aces.size() : 0);
    self->sd_ = std::move(*initial);
    self->encoded_ = std::move(*encoded);
    self->version_ = 1;
    return self;
  }
  Result<security::SecurityDescriptor> sd =
      security::DecodeSecurityDescriptor((*stored)->descriptor);
  if (!sd.ok()) {
    return Status::Corruption("the stored CA security descriptor does not decode: " +
                              sd.status().message());
  }
  if (Status valid = ValidateCaSecurity(*sd); !valid.ok()) {
    return Status::Corruption("the stored CA security descriptor is not valid: " + valid.message());
  }
  self->sd_ = std::move(*sd);
  self->encoded_ = std::move((*stored)->descriptor);
  self->version_ = (*stored)->version;
  spdlog::info(
      "ca security: version {} from the database is in force ([security] applies to a new "
      "database only; change it with SetCASecurity)",
      self->version_);
  return self;
}

std::uint32_t CaSecurity::RightsOf(const Caller& caller) const {
  std::shared_lock lock(mu_);
  return EffectiveRights(GrantedRights(sd_, caller), role_separation_);
}

Status CaSecurity::Require(const Caller& caller, std::uint32_t any_of,
                           std::string_view operation) const {
  if ((RightsOf(caller) & any_of) != 0) return Status::Ok();
  spdlog::warn("ca security: {} ({}) may not {}: it holds none of the rights 0x{:x}",
               caller.name.empty() ? "an unauthenticated caller" : caller.name,
               caller.sid.empty() ? "no SID" : caller.sid, operation, any_of);
  return Status::PermissionDenied((caller.name.empty() ? std::string("the caller") : caller.name) +
                                      " may not " + std::string(operation),
                                  hr::kAccessDenied);
}

Bytes CaSecurity::Descriptor() const {
  std::shared_lock lock(mu_);
  return encoded_;
}

Status CaSecurity::Replace(const Caller& caller, std::span<const std::uint8_t> descriptor) {
  OPENADCS_RETURN_IF_ERROR(Require(caller, rights::kAdmin, "set the CA security"));
  Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(descriptor);
  if (!sd.ok()) {
    return Status::InvalidArgument(
        "the security descriptor does not decode: " + sd.status().message(), hr::kInvalidArg);
  }
  OPENADCS_RETURN_IF_ERROR(ValidateCaSecurity(*sd));
  if (!GrantsAdminToSomeone(*sd)) {
    return Status::InvalidArgument(
        "the security descriptor grants Administrator to no one: nobody could change it again",
        hr::kInvalidArg);
  }
  Bytes encoded(descriptor.begin(), descriptor.end());
  std::unique_lock lock(mu_);
  OPENADCS_RETURN_IF_ERROR(store_.PutCaSecurity(
      encoded, version_,
      SecurityEvent(caller.name, "set-ca-security", version_ + 1, encoded.size())));
  sd_ = std::move(*sd);
  encoded_ = std::move(encoded);
  ++version_;
  spdlog::info("ca security: {} set the CA security descriptor (version {})", caller.name,
               version_);
  return Status::Ok();
}

CaSecurity::OfficerRightsState CaSecurity::OfficerRights() const {
  std::shared_lock lock(mu_);
  return {!officer_rights_bytes_.empty(), officer_rights_bytes_};
}

bool CaSecurity::OfficerRightsEnabled() const {
  std::shared_lock lock(mu_);
  return !officer_rights_bytes_.empty();
}

Status CaSecurity::ReplaceOfficerRights(const Caller& caller, bool enable,
                                        std::span<const std::uint8_t> descriptor) {
  return ReplaceRights(caller, enable, descriptor, kOfficerRightsSetting, "officer rights",
                       "set-officer-rights", &officer_rights_, &officer_rights_bytes_);
}

CaSecurity::OfficerRightsState CaSecurity::EnrollmentAgentRights() const {
  std::shared_lock lock(mu_);
  return {!agent_rights_bytes_.empty(), agent_rights_bytes_};
}

Status CaSecurity::ReplaceEnrollmentAgentRights(const Caller& caller, bool enable,
                                                std::span<const std::uint8_t> descriptor) {
  return ReplaceRights(caller, enable, descriptor, kAgentRightsSetting, "enrollment agent rights",
                       "set-enrollment-agent-rights", &agent_rights_, &agent_rights_bytes_);
}

Status CaSecurity::ReplaceRights(const Caller& caller, bool enable,
                                 std::span<const std::uint8_t> descriptor, const char* setting,
                                 const char* what, const char* action,
                                 std::vector<security::OfficerRightsEntry>* entries, Bytes* bytes) {
  OPENADCS_RETURN_IF_ERROR(Require(caller, rights::kAdmin, std::string("set the ") + what));
  std::vector<security::OfficerRightsEntry> parsed_entries;
  Bytes encoded;
  std::string detail = "disabled";
  if (enable) {
    if (descriptor.empty()) {
      return Status::InvalidArgument(
          std::string("enabling ") + what + " needs a security descriptor", hr::kInvalidArg);
    }
    auto parsed = DecodeOfficerRights(descriptor);
    if (!parsed.ok()) {
      spdlog::warn("ca security: {} sent {} that are refused: {}", caller.name, what,
                   parsed.status().message());
      return Status::InvalidArgument(std::string(what) + " refused: " + parsed.status().message(),
                                     hr::kInvalidArg);
    }
    parsed_entries = std::move(*parsed);
    encoded.assign(descriptor.begin(), descriptor.end());
    detail = "enabled, " + std::to_string(parsed_entries.size()) + " entries, " +
             std::to_string(encoded.size()) + " bytes";
  }
  std::unique_lock lock(mu_);
  OPENADCS_RETURN_IF_ERROR(store_.PutSetting(setting,
                                             enable ? std::optional<Bytes>(encoded) : std::nullopt,
                                             SettingEvent(caller.name, action, detail)));
  *entries = std::move(parsed_entries);
  *bytes = std::move(encoded);
  spdlog::info("ca security: {} set the {}: {}", caller.name, what, detail);
  return Status::Ok();
}

Status CaSecurity::RequireOfficerFor(const Caller& officer, const Requester& requester,
                                     const std::string& template_name, std::uint32_t request_id,
                                     std::string_view operation) const {
  {
    std::shared_lock lock(mu_);
    if (officer_rights_bytes_.empty()) return Status::Ok();
    if (requester.groups_unavailable) return GroupsUnavailable(requester, "officer rights");
    if (security::OfficerMayActFor(officer_rights_, CallerSids(officer), RequesterSids(requester),
                                   template_name)) {
      return Status::Ok();
    }
  }
  spdlog::warn(
      "ca security: [req {}] officer rights do not let {} ({}) {} for requester {} (template "
      "'{}')",
      request_id, officer.name, officer.sid.empty() ? "no SID" : officer.sid, operation,
      requester.sid.empty() ? "with no SID" : requester.sid, template_name);
  return Status::PermissionDenied(
      (officer.name.empty() ? std::string("the caller") : officer.name) + " may not " +
          std::string(operation) + " for this requester (officer rights)",
      hr::kRestrictedOfficer);
}

Status CaSecurity::RequireEnrollmentAgentFor(const Caller& agent, const Requester& requester,
                                             const std::string& template_name) const {
  {
    std::shared_lock lock(mu_);
    if (agent_rights_bytes_.empty()) return Status::Ok();
    if (requester.groups_unavailable) {
      return GroupsUnavailable(requester, "enrollment agent rights");
    }
    if (security::OfficerMayActFor(agent_rights_, CallerSids(agent), RequesterSids(requester),
                                   template_name)) {
      return Status::Ok();
    }
  }
  spdlog::warn(
      "ca security: enrollment agent rights do not let {} ({}) enroll on behalf of {} ({}) for "
      "template '{}'",
      agent.name, agent.sid.empty() ? "no SID" : agent.sid, requester.name,
      requester.sid.empty() ? "no SID" : requester.sid, template_name);
  return Status::PermissionDenied((agent.name.empty() ? std::string("the caller") : agent.name) +
                                      " may not enroll on behalf of " + requester.name +
                                      " for template '" + template_name +
                                      "' (enrollment agent rights)",
                                  hr::kRestrictedOfficer);
}

std::uint32_t CaSecurity::AuditFilter() const {
  std::shared_lock lock(mu_);
  return audit_filter_;
}

Status CaSecurity::SetAuditFilter(const Caller& caller, std::uint32_t filter) {
  OPENADCS_RETURN_IF_ERROR(
      Require(caller, rights::kAdmin | rights::kAuditor, "set the audit filter"));
  if ((filter & ~kAuditFilterBits) != 0) {
    spdlog::warn("ca security: {} sent audit filter 0x{:08x} with undefined bits", caller.name,
                 filter);
    return Status::InvalidArgument("audit filter bits outside 0x7F are not defined",
                                   hr::kInvalidArg);
  }
  std::unique_lock lock(mu_);
  OPENADCS_RETURN_IF_ERROR(store_.PutSetting(
      kAuditFilterSetting, Le32(filter),
      SettingEvent(caller.name, "set-audit-filter", fmt::format("0x{:08x}", filter))));
  audit_filter_ = filter;
  spdlog::info("ca security: {} set the audit filter to 0x{:08x}", caller.name, filter);
  return Status::Ok();
}

}  // namespace openadcs::ca
