#include "openadcs/daemon/component_options.h"

#include <unistd.h>

#include <chrono>

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

ca::EngineOptions EngineOptionsFrom(const DaemonConfig& config) {
  ca::EngineOptions options;
  options.limits.max_request_bytes = config.policy.max_request_bytes;
  options.allow_san_attribute = config.policy.allow_san_attribute;
  options.clock_skew = std::chrono::seconds(config.policy.clock_skew_seconds);
  options.crl_period = std::chrono::hours(config.crl.period_hours);
  options.crl_overlap = std::chrono::hours(config.crl.overlap_hours);
  options.serial_bytes = config.policy.serial_bytes;
  options.crl_distribution_points = config.crl.distribution_points;
  options.aia_ca_issuers = config.crl.aia_ca_issuers;
  options.dns_name = config.ca.dns_name.empty() ? HostName() : config.ca.dns_name;
  return options;
}

std::filesystem::path CrlPublishPath(const DaemonConfig& config) {
  return ResolveInState(config, config.crl.publish_path);
}

}  // namespace openadcs::daemon
