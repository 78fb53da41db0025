// openadcsd's configuration: every setting with its embedded default, read
// from a TOML file (docs/configuration.md; config/openadcsd.toml is the
// documented example) and adjusted by command-line overrides.
//
// Paths under [ca], [database] and [crl] may be relative: they are resolved
// against the state directory when the component options are built (see
// component_options.h), so --state-dir moves them too. state.dir and
// templates.directory must be absolute in a file; command-line overrides are
// made absolute against the working directory.
#ifndef OPENADCS_DAEMON_DAEMON_CONFIG_H_
#define OPENADCS_DAEMON_DAEMON_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/ca/engine.h"
#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/rpc/server.h"
#include "openadcs/util/status.h"

namespace openadcs::daemon {

// The checked range of every numeric setting; a value outside it is refused
// with an error naming the key.
namespace limits {
inline constexpr std::int64_t kValidityDaysMin = 1, kValidityDaysMax = 36500;
inline constexpr std::int64_t kBusyTimeoutMsMin = 100, kBusyTimeoutMsMax = 60'000;
inline constexpr std::int64_t kMaxRequestBytesMin = 1024,
                              kMaxRequestBytesMax = std::int64_t{1024} * 1024;
inline constexpr std::int64_t kClockSkewSecondsMin = 0, kClockSkewSecondsMax = 86'400;
inline constexpr std::int64_t kSerialBytesMin = ca::kSerialMinBytes,
                              kSerialBytesMax = ca::kSerialMaxBytes;
// The per-requester quotas (ca::RequesterQuota); 0 is no limit.
inline constexpr std::int64_t kMaxRequestsPerHourMin = 0, kMaxRequestsPerHourMax = 1'000'000;
inline constexpr std::int64_t kMaxStoredBytesMin = 0, kMaxStoredBytesMax = std::int64_t{1} << 50;
inline constexpr std::int64_t kCrlPeriodHoursMin = 1, kCrlPeriodHoursMax = std::int64_t{24} * 366;
inline constexpr std::int64_t kCrlOverlapHoursMin = 0, kCrlOverlapHoursMax = std::int64_t{24} * 366;
// delta_period_hours 0 disables delta CRLs.
inline constexpr std::int64_t kCrlDeltaPeriodHoursMin = 0,
                              kCrlDeltaPeriodHoursMax = std::int64_t{24} * 366;
// URLs per list, and characters per URL, for [crl] distribution_points and
// aia_ca_issuers (they go into every issued certificate).
inline constexpr std::size_t kMaxUrls = 16;
inline constexpr std::size_t kMaxUrlLength = 2048;
inline constexpr std::size_t kMaxSubjectLength = 1024;
// [security]: entries per role list, and bytes per entry.
inline constexpr std::size_t kMaxPrincipals = 256;
inline constexpr std::size_t kMaxPrincipalLength = 512;
// A configuration file larger than this is refused unread.
inline constexpr std::uintmax_t kMaxConfigFileBytes = std::uintmax_t{1024} * 1024;
// [directory]
inline constexpr std::int64_t kDirectoryTimeoutMsMin = 100, kDirectoryTimeoutMsMax = 300'000;
inline constexpr std::int64_t kPageSizeMin = 1, kPageSizeMax = 10'000;
inline constexpr std::int64_t kReconnectMsMin = 10, kReconnectMsMax = 3'600'000;
inline constexpr std::int64_t kIdentityCacheEntriesMin = 0, kIdentityCacheEntriesMax = 1'000'000;
inline constexpr std::int64_t kIdentityCacheTtlSecondsMin = 0, kIdentityCacheTtlSecondsMax = 86'400;
}  // namespace limits

struct CaConfig {
  std::string subject = "CN=openadcs Root CA";  // RFC 4514; used when generating
  pki::KeyAlgorithm key_algorithm = pki::KeyAlgorithm::kRsa3072;
  std::filesystem::path key_file = "ca-key.pem";
  std::filesystem::path cert_file = "ca-cert.pem";
  std::filesystem::path chain_file;       // empty: none
  std::filesystem::path passphrase_file;  // empty: the key is not encrypted
  std::uint32_t validity_days = 3650;
  std::string digest = "SHA256";  // SHA256, SHA384 or SHA512
  // The CA host's DNS name, as GetCAProperty(CR_PROP_DNSNAME) reports it;
  // empty: the host name.
  std::string dns_name;
};

struct StateConfig {
  std::filesystem::path dir = "/var/lib/openadcs";
};

struct DatabaseConfig {
  std::filesystem::path path = "ca.db";
  bool synchronous_full = true;  // "full"; false: "normal"
  std::uint32_t busy_timeout_ms = 5000;
};

struct TemplatesConfig {
  std::string source = "ldif";  // "ldif" (the folder below) or "ldap" ([directory])
  std::filesystem::path directory = "/etc/openadcs/templates";
  // ldif: empty means the only one in the folder. ldap: required.
  std::string enrollment_service;
};

// The LDAP directory templates come from when [templates] source = "ldap"
// (see openadcs/directory/ldap_template_source.h), and requesters are
// looked up in when identity_lookup is on and uris are set
// (openadcs/directory/ldap_identity_lookup.h).
struct DirectoryConfig {
  std::vector<std::string> uris;        // ldap://, ldaps://, ldapi://; tried in order
  std::string bind = "anonymous";       // anonymous, simple, external, gssapi
  std::string bind_dn;                  // simple
  std::filesystem::path password_file;  // simple
  std::filesystem::path keytab;         // gssapi; empty: the default credentials
  bool start_tls = false;
  std::filesystem::path ca_file;  // empty: the system's CA bundle
  // Binds that would cross the network unprotected (CleartextDirectoryUris)
  // are a configuration error unless this is set; the daemon then warns at
  // every start. For labs.
  bool allow_cleartext = false;
  std::string configuration_naming_context;  // empty: from the rootDSE
  std::string notification = "auto";         // auto, rfc4533, ad, none
  std::uint32_t operation_timeout_ms = 5000;
  std::uint32_t page_size = 500;
  std::uint32_t reconnect_min_ms = 250;
  std::uint32_t reconnect_max_ms = 30'000;
  // Relative to the state directory.
  std::filesystem::path snapshot_file = "templates-snapshot.ldif";
  std::filesystem::path status_file = "directory-status";
  // Requesters' identities (subject, SAN, SID extension) and SIDs (access
  // checks) from the directory.
  bool identity_lookup = true;
  std::string default_naming_context;  // empty: from the rootDSE
  std::uint32_t identity_cache_entries = 4096;
  std::uint32_t identity_cache_ttl_seconds = 300;

  // Whether the daemon builds the identity lookup.
  bool IdentityLookupEnabled() const { return identity_lookup && !uris.empty(); }
};

struct PolicyConfig {
  bool allow_san_attribute = false;
  // template_permissions: "enforce" (true) or "ignore".
  bool enforce_template_permissions = true;
  // enrollee_subject_sid: "requester", "from-request" or "none".
  ca::EnrolleeSubjectSid enrollee_subject_sid = ca::EnrolleeSubjectSid::kRequester;
  std::uint32_t max_request_bytes = 64 * 1024;
  std::uint32_t clock_skew_seconds = 600;
  std::uint32_t serial_bytes = 19;
  // ca::RequesterQuota; docs/configuration.md says why these defaults.
  std::uint32_t max_requests_per_hour = 1000;
  std::uint64_t max_stored_bytes = std::uint64_t{256} * 1024 * 1024;
};

struct CrlConfig {
  std::uint32_t period_hours = 24 * 7;
  std::uint32_t overlap_hours = 12;
  std::filesystem::path publish_path = "ca.crl";
  std::vector<std::string> distribution_points;
  std::vector<std::string> aia_ca_issuers;
  // Delta CRLs: off by default (see docs/configuration.md, [crl]).
  std::uint32_t delta_period_hours = 0;
  std::uint32_t delta_overlap_hours = 1;
  std::filesystem::path delta_publish_path = "ca-delta.crl";
  std::vector<std::string> delta_distribution_points;
};

// [kerberos]: Kerberos (auth type 16) and SPNEGO (9) beside NTLM. Off
// while `keytab` is empty.
struct KerberosConfig {
  // The keytab of the CA host's service principals (HOST/ca.example.com,
  // RPCSS/...), relative to the state directory; empty: Kerberos is off.
  std::filesystem::path keytab;
  // The realm whose users are accepted and the NetBIOS domain name their
  // identities carry ('EXAMPLE\alice'); empty: [rpc] netbios_domain_name.
  std::string realm;
  std::string netbios_domain_name;
};

// [rpc]: the DCE/RPC listeners and NTLM.
struct RpcConfig {
  // Address every listener binds ("0.0.0.0": all IPv4 interfaces).
  std::string address = "0.0.0.0";
  // The endpoint mapper's port (135 on a real CA); 0 picks a free port.
  std::uint16_t epm_port = 135;
  // ICertPassage's own port, registered with the endpoint mapper; 0 picks a
  // free one at each start, as Windows does.
  std::uint16_t icpr_port = 0;
  // IF_ENFORCEENCRYPTICERTREQUEST: kPrivacy, or kIntegrity; never lower.
  auth::AuthLevel icpr_level = auth::AuthLevel::kPrivacy;
  // The NTLM accounts (see openadcs/auth/user_file.h; `openadcs user`
  // manages it). Relative to the state directory.
  std::filesystem::path user_file = "users";
  // Names in the NTLM CHALLENGE; empty computer name: the host name.
  std::string netbios_computer_name;
  std::string netbios_domain_name = "WORKGROUP";
  // Who checks NTLM responses (see openadcs/auth/ntlm_verifier.h): the user
  // file, for a standalone CA, or the domain through the local winbindd, on
  // a host joined to Active Directory (no user file then).
  enum class NtlmVerifierKind { kUserFile, kWinbind };
  NtlmVerifierKind ntlm_verifier = NtlmVerifierKind::kUserFile;
  // The DNS form of the CA's domain ("example.com"), the other name of
  // netbios_domain_name: in the NTLM CHALLENGE, and a user file account of
  // either name matches a client naming either. Empty: none.
  std::string dns_domain_name;
  // ntlm_allow_weak_keys: see auth::NtlmAcceptorOptions::allow_weak_keys.
  bool ntlm_allow_weak_keys = false;
  rpc::ServerOptions server;
  // Parsed from its own section, [kerberos].
  KerberosConfig kerberos;
};

// DCOM (MS-DCOM): activation and the OXID resolver answer on [rpc] epm_port
// (135); activated objects (ICertRequestD(2)) on `port`.
struct DcomConfig {
  // The object exporter's port, advertised in activation replies; 0 picks a
  // free one at each start, as Windows does.
  std::uint16_t port = 0;
  // dcom::DcomOptions: level (privacy or integrity, on activation, IRemUnknown
  // and object calls), object lifetime and limits.
  dcom::DcomOptions runtime;
};

// Who may do what at first start (MS-CSRA 3.1.1.7): the CA's security
// descriptor is built from these lists when the database holds none yet, and
// from then on changes only through SetCASecurity. Each entry is an account
// or group: a SID ("S-1-5-..."), a well-known group name ("Everyone",
// "Authenticated Users", "BUILTIN\\Administrators") or "DOMAIN\\user" of
// the user file.
struct SecurityConfig {
  std::vector<std::string> administrators;  // CA_ACCESS_ADMIN: manage the CA
  std::vector<std::string> officers;        // CA_ACCESS_OFFICER: issue and manage certificates
  std::vector<std::string> auditors;        // CA_ACCESS_AUDITOR
  std::vector<std::string> operators;       // CA_ACCESS_OPERATOR: backup
  std::vector<std::string> readers = {"Authenticated Users"};    // CA_ACCESS_READ
  std::vector<std::string> enrollees = {"Authenticated Users"};  // CA_ACCESS_ENROLL
  // A caller holding more than one of admin, officer, auditor and operator
  // gets none of them (certutil -setreg ca\RoleSeparationEnabled).
  bool role_separation = false;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  // "text" (spdlog's pattern) or "json" (one JSON object per line, for
  // SIEMs; see daemon/json_log.h).
  std::string format = "text";
};

// [metrics]: the Prometheus text endpoint (GET /metrics over HTTP/1.1).
// Off while `listen` is empty.
struct MetricsConfig {
  // "127.0.0.1:9464", "[::1]:9464"; port 0 picks a free one. A literal
  // address, not a name.
  std::string listen;
  // Without it, `listen` must be a loopback address: the endpoint has no
  // authentication, and what it shows (request rates, link states) is for
  // the host's own scraper or a local proxy.
  bool allow_remote = false;

  bool enabled() const { return !listen.empty(); }
};

// A default-constructed DaemonConfig is the embedded default.
struct DaemonConfig {
  CaConfig ca;
  StateConfig state;
  DatabaseConfig database;
  TemplatesConfig templates;
  DirectoryConfig directory;
  PolicyConfig policy;
  CrlConfig crl;
  RpcConfig rpc;
  DcomConfig dcom;
  SecurityConfig security;
  LogConfig log;
  MetricsConfig metrics;
};

// The [directory] URIs over which a bind (and every answer) would cross the
// network unprotected (directory::IsCleartext with start_tls and bind), when
// the daemon uses the directory (templates from it, or identity lookup);
// empty otherwise.
std::vector<std::string> CleartextDirectoryUris(const DaemonConfig& config);

// Parses TOML text over the embedded default: keys present replace defaults,
// absent keys keep them. Errors: InvalidArgument whose message starts with
// "<source_name>:<line>:<column>: " and names the key ("policy.serial_bytes")
// for an unknown section or key, a wrong type, or a value out of range.
Result<DaemonConfig> ParseConfig(std::string_view toml_text, std::string_view source_name);

// Reads `file` (at most limits::kMaxConfigFileBytes) and parses it. Errors:
// IOError when it cannot be read, else as ParseConfig.
Result<DaemonConfig> LoadConfigFile(const std::filesystem::path& file);

// What the command line may override; each is applied when set.
struct ConfigOverrides {
  std::optional<std::filesystem::path> state_dir;
  std::optional<std::filesystem::path> templates_dir;
  std::optional<std::string> log_level;
};

// Applies `overrides` to `config`, making relative paths absolute against the
// working directory. Errors: InvalidArgument naming the option.
Status ApplyOverrides(const ConfigOverrides& overrides, DaemonConfig& config);

// The address and port of [metrics] listen ("a.b.c.d:port" or
// "[v6]:port"). Errors: InvalidArgument saying what is wrong.
Result<std::pair<std::string, std::uint16_t>> SplitListenAddress(std::string_view listen);
// The other way: "address:port", an IPv6 address in brackets so that the port
// stands apart ("[::1]:9464"), as the daemon names its endpoints.
std::string JoinListenAddress(std::string_view address, std::uint16_t port);

// True for the log level names [log] level accepts.
bool IsLogLevelName(std::string_view name);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_DAEMON_CONFIG_H_
