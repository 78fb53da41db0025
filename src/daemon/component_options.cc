#include "openadcs/daemon/component_options.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <string>
#include <utility>

#include "openadcs/auth/user_file.h"
#include "openadcs/security/sid.h"

namespace openadcs::daemon {

std::filesystem::path ResolveInState(const DaemonConfig& config,
                                     const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute()) return path;
  return config.state.dir / path;
}

pki::CaIdentityOptions CaIdentityOptionsFrom(const DaemonConfig& config) {
  pki::CaIdentityOptions options;
  options.key_file = ResolveInState(config, config.ca.key_file);
  options.cert_file = ResolveInState(config, config.ca.cert_file);
  options.chain_file = ResolveInState(config, config.ca.chain_file);
  options.passphrase_file = ResolveInState(config, config.ca.passphrase_file);
  options.algorithm = config.ca.key_algorithm;
  options.subject = config.ca.subject;
  options.validity_days = config.ca.validity_days;
  options.digest = config.ca.digest;
  return options;
}

db::SqliteStoreOptions SqliteStoreOptionsFrom(const DaemonConfig& config) {
  db::SqliteStoreOptions options;
  options.path = ResolveInState(config, config.database.path);
  options.synchronous_full = config.database.synchronous_full;
  options.busy_timeout = std::chrono::milliseconds(config.database.busy_timeout_ms);
  return options;
}

directory::LdifTemplateSourceOptions LdifTemplateSourceOptionsFrom(const DaemonConfig& config) {
  directory::LdifTemplateSourceOptions options;
  options.directory = config.templates.directory;
  options.enrollment_service = config.templates.enrollment_service;
  return options;
}

namespace {

// The host's name as the system knows it (often not fully qualified: set
// [ca] dns_name for clients that need the FQDN).
std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

}  // namespace

ca::EngineOptions EngineOptionsFrom(const DaemonConfig& config, metrics::Registry* metrics,
                                    ca::CrlSink* crl_sink) {
  ca::EngineOptions options;
  options.metrics = metrics;
  options.crl_sink = crl_sink;
  options.limits.max_request_bytes = config.policy.max_request_bytes;
  options.quota.max_requests_per_hour = config.policy.max_requests_per_hour;
  options.quota.max_stored_bytes = config.policy.max_stored_bytes;
  options.allow_san_attribute = config.policy.allow_san_attribute;
  options.enforce_template_permissions = config.policy.enforce_template_permissions;
  options.enrollee_subject_sid = config.policy.enrollee_subject_sid;
  options.clock_skew = std::chrono::seconds(config.policy.clock_skew_seconds);
  options.crl_period = std::chrono::hours(config.crl.period_hours);
  options.crl_overlap = std::chrono::hours(config.crl.overlap_hours);
  options.crl_delta_period = std::chrono::hours(config.crl.delta_period_hours);
  options.crl_delta_overlap = std::chrono::hours(config.crl.delta_overlap_hours);
  options.delta_crl_distribution_points = config.crl.delta_distribution_points;
  options.serial_bytes = config.policy.serial_bytes;
  options.crl_distribution_points = config.crl.distribution_points;
  options.aia_ca_issuers = config.crl.aia_ca_issuers;
  options.dns_name = config.ca.dns_name.empty() ? HostName() : config.ca.dns_name;
  return options;
}

services::CertAdminOptions CertAdminOptionsFrom(const DaemonConfig& config,
                                                const std::string& common_name) {
  // certsrv.h: EDITF_ATTRIBUTESUBJECTALTNAME2; IF_ENFORCEENCRYPTICERTREQUEST
  // and IF_ENFORCEENCRYPTICERTADMIN (MS-CSRA 3.1.4.2.14, InterfaceFlags).
  constexpr std::int32_t kEditfAttributeSubjectAltName2 = 0x00040000;
  constexpr std::int32_t kIfEnforceEncryptICertRequest = 0x200;
  constexpr std::int32_t kIfEnforceEncryptICertAdmin = 0x400;
  const auto count = [](std::uint32_t v) { return static_cast<std::int32_t>(v); };
  services::CertAdminOptions options;
  options.config_entries = {
      {"CommonName", common_name},
      {"CRLPeriodUnits", count(config.crl.period_hours)},
      {"CRLPeriod", std::string("Hours")},
      {"CRLOverlapUnits", count(config.crl.overlap_hours)},
      {"CRLOverlapPeriod", std::string("Hours")},
      // 0 units: no delta CRLs, as on Windows.
      {"CRLDeltaPeriodUnits", count(config.crl.delta_period_hours)},
      {"CRLDeltaPeriod", std::string("Hours")},
      {"CRLDeltaOverlapUnits", count(config.crl.delta_overlap_hours)},
      {"CRLDeltaOverlapPeriod", std::string("Hours")},
      {"EditFlags", config.policy.allow_san_attribute ? kEditfAttributeSubjectAltName2 : 0},
      {"InterfaceFlags",
       kIfEnforceEncryptICertAdmin |
           (config.rpc.icpr_level == auth::AuthLevel::kPrivacy ? kIfEnforceEncryptICertRequest
                                                               : 0)},
  };
  return options;
}

std::filesystem::path CrlPublishPath(const DaemonConfig& config) {
  return ResolveInState(config, config.crl.publish_path);
}

std::filesystem::path DeltaCrlPublishPath(const DaemonConfig& config) {
  return ResolveInState(config, config.crl.delta_publish_path);
}

Result<std::string> PrincipalSid(std::string_view principal) {
  std::string lower(principal);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.starts_with("s-1-")) {
    Result<security::Sid> sid = security::Sid::Parse(principal);
    if (!sid.ok()) {
      return Status::InvalidArgument(
          fmt::format("\"{}\" is not a SID: {}", principal, sid.status().message()));
    }
    return sid->ToString();
  }
  if (lower == "everyone") return security::well_known::kEveryone.ToString();
  if (lower == "authenticated users" || lower == "nt authority\\authenticated users") {
    return security::well_known::kAuthenticatedUsers.ToString();
  }
  if (lower == "builtin\\administrators") {
    return security::well_known::kBuiltinAdministrators.ToString();
  }
  Result<std::pair<std::string, std::string>> account = auth::SplitQualifiedName(principal);
  if (!account.ok()) {
    return Status::InvalidArgument(
        fmt::format("\"{}\" is neither a SID, a well-known group nor DOMAIN\\user", principal));
  }
  return auth::UserFileAccountSid(account->first, account->second);
}

Result<ca::CaSecurityOptions> CaSecurityOptionsFrom(const SecurityConfig& security) {
  ca::CaSecurityOptions out;
  out.role_separation = security.role_separation;
  const std::pair<const std::vector<std::string>*, std::vector<std::string>*> lists[] = {
      {&security.administrators, &out.initial.administrators},
      {&security.officers, &out.initial.officers},
      {&security.auditors, &out.initial.auditors},
      {&security.operators, &out.initial.operators},
      {&security.readers, &out.initial.readers},
      {&security.enrollees, &out.initial.enrollees},
  };
  for (const auto& [from, to] : lists) {
    for (const std::string& principal : *from) {
      Result<std::string> sid = PrincipalSid(principal);
      if (!sid.ok()) return sid.status();
      to->push_back(std::move(*sid));
    }
  }
  return out;
}

}  // namespace openadcs::daemon
