#include "openadcs/daemon/daemon_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>

#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/pki/name.h"
#include "openadcs/util/bytes.h"

namespace openadcs::daemon {
namespace {

std::string Where(std::string_view source, const toml::source_region& region) {
  return fmt::format("{}:{}:{}", source, region.begin.line, region.begin.column);
}

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

constexpr std::size_t kMaxPathLength = 4096;  // PATH_MAX

enum class PathRule {
  kRelativeOk,  // non-empty; relative ones are resolved against the state directory
  kOptional,    // as kRelativeOk, or empty for "none"
  kAbsolute,
};

// One [section] of the file. Each getter leaves `out` alone when the key is
// absent; Unknown() then names the first key no getter asked for, so a typo
// never passes silently as a default.
class Section {
 public:
  Section(const toml::table* table, std::string name, std::string_view source)
      : table_(table), name_(std::move(name)), source_(source) {}

  Status Unknown() const {
    if (table_ == nullptr) return Status::Ok();
    for (const auto& [key, node] : *table_) {
      if (asked_.count(std::string(key.str())) == 0) {
        return Error(key.source(), fmt::format("{}: unknown key", Name(key.str())));
      }
    }
    return Status::Ok();
  }

  template <typename T>
  Status Integer(std::string_view key, std::int64_t min, std::int64_t max, T& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    const auto* value = node->as_integer();
    if (value == nullptr) return WrongType(key, *node, "an integer");
    const std::int64_t v = value->get();
    if (v < min || v > max) {
      return Error(node->source(),
                   fmt::format("{}: {} is out of range [{}, {}]", Name(key), v, min, max));
    }
    out = static_cast<T>(v);
    return Status::Ok();
  }

  Status Bool(std::string_view key, bool& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    const auto* value = node->as_boolean();
    if (value == nullptr) return WrongType(key, *node, "a boolean");
    out = value->get();
    return Status::Ok();
  }

  // A string without NUL characters and with at most `max_length` bytes.
  Status String(std::string_view key, std::size_t max_length, std::string& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    return StringValue(key, *node, max_length, out);
  }

  // A numeric IPv4 or IPv6 address (IPv6 without brackets, with a %scope
  // where link-local needs one), as a listener binds it.
  Status IpAddress(std::string_view key, std::string& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    std::string text;
    OPENADCS_RETURN_IF_ERROR(StringValue(key, *node, 64, text));
    boost::system::error_code ec;
    boost::asio::ip::make_address(text, ec);
    if (ec) {
      return Error(node->source(),
                   fmt::format("{}: \"{}\" is not an IPv4 or IPv6 address (\"0.0.0.0\": every "
                               "IPv4 interface, \"::\": every IPv6 and IPv4 interface)",
                               Name(key), text));
    }
    out = std::move(text);
    return Status::Ok();
  }

  // A string, one of `choices` (case-insensitive); `out` gets the choice's index.
  template <std::size_t N>
  Status Choice(std::string_view key, const std::array<std::string_view, N>& choices,
                std::size_t& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    std::string text;
    OPENADCS_RETURN_IF_ERROR(StringValue(key, *node, 64, text));
    const std::string lower = ToLowerAscii(text);
    for (std::size_t i = 0; i < N; ++i) {
      if (lower == choices[i]) {
        out = i;
        return Status::Ok();
      }
    }
    return Error(node->source(), fmt::format("{}: \"{}\" is not one of {}", Name(key), text,
                                             fmt::join(choices, ", ")));
  }

  Status Path(std::string_view key, PathRule rule, std::filesystem::path& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    std::string text;
    OPENADCS_RETURN_IF_ERROR(StringValue(key, *node, kMaxPathLength, text));
    if (rule == PathRule::kAbsolute && (text.empty() || text.front() != '/')) {
      return Error(node->source(), fmt::format("{}: must be an absolute path", Name(key)));
    }
    if (rule == PathRule::kRelativeOk && text.empty()) {
      return Error(node->source(), fmt::format("{}: must not be empty", Name(key)));
    }
    out = text;
    return Status::Ok();
  }

  // An array of URLs ("scheme:..."), at most limits::kMaxUrls of them.
  Status Urls(std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    const auto* array = node->as_array();
    if (array == nullptr) return WrongType(key, *node, "an array of strings");
    if (array->size() > limits::kMaxUrls) {
      return Error(node->source(), fmt::format("{}: {} entries, at most {} allowed", Name(key),
                                               array->size(), limits::kMaxUrls));
    }
    std::vector<std::string> urls;
    for (const toml::node& element : *array) {
      std::string url;
      OPENADCS_RETURN_IF_ERROR(StringValue(key, element, limits::kMaxUrlLength, url));
      if (!LooksLikeUrl(url)) {
        return Error(element.source(),
                     fmt::format("{}: \"{}\" is not a URL (scheme:...)", Name(key), url));
      }
      urls.push_back(std::move(url));
    }
    out = std::move(urls);
    return Status::Ok();
  }

  // An array of at most `max_count` non-empty strings of at most
  // `max_length` bytes each.
  Status Strings(std::string_view key, std::size_t max_count, std::size_t max_length,
                 std::vector<std::string>& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::Ok();
    const auto* array = node->as_array();
    if (array == nullptr) return WrongType(key, *node, "an array of strings");
    if (array->size() > max_count) {
      return Error(node->source(), fmt::format("{}: {} entries, at most {} allowed", Name(key),
                                               array->size(), max_count));
    }
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      std::string value;
      OPENADCS_RETURN_IF_ERROR(StringValue(key, element, max_length, value));
      if (value.empty())
        return Error(element.source(), fmt::format("{}: an empty entry", Name(key)));
      values.push_back(std::move(value));
    }
    out = std::move(values);
    return Status::Ok();
  }

  Status Error(const toml::source_region& region, const std::string& message) const {
    return Status::InvalidArgument(fmt::format("{}: {}", Where(source_, region), message));
  }
  std::string Name(std::string_view key) const { return fmt::format("{}.{}", name_, key); }

 private:
  const toml::node* Find(std::string_view key) {
    asked_.emplace(key);
    return table_ == nullptr ? nullptr : table_->get(key);
  }

  Status WrongType(std::string_view key, const toml::node& node, std::string_view expected) const {
    return Error(node.source(), fmt::format("{}: expected {}, got {}", Name(key), expected,
                                            TypeName(node.type())));
  }

  Status StringValue(std::string_view key, const toml::node& node, std::size_t max_length,
                     std::string& out) const {
    const auto* value = node.as_string();
    if (value == nullptr) return WrongType(key, node, "a string");
    const std::string& text = value->get();
    if (text.find('\0') != std::string::npos) {
      return Error(node.source(), fmt::format("{}: contains a NUL character", Name(key)));
    }
    if (text.size() > max_length) {
      return Error(node.source(), fmt::format("{}: {} bytes, at most {} allowed", Name(key),
                                              text.size(), max_length));
    }
    out = text;
    return Status::Ok();
  }

  static bool LooksLikeUrl(std::string_view url) {
    const std::size_t colon = url.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == url.size()) return false;
    for (std::size_t i = 0; i < colon; ++i) {
      const char c = url[i];
      const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      const bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
      if (!alpha && !(i > 0 && other)) return false;
    }
    return url.find_first_of(" \t\r\n") == std::string_view::npos;
  }

  const toml::table* table_;
  std::string name_;
  std::string_view source_;
  std::set<std::string, std::less<>> asked_;
};

constexpr std::array<std::string_view, 5> kKeyAlgorithms = {"rsa2048", "rsa3072", "rsa4096",
                                                            "ecdsa-p256", "ecdsa-p384"};
constexpr std::array<pki::KeyAlgorithm, 5> kKeyAlgorithmValues = {
    pki::KeyAlgorithm::kRsa2048, pki::KeyAlgorithm::kRsa3072, pki::KeyAlgorithm::kRsa4096,
    pki::KeyAlgorithm::kEcdsaP256, pki::KeyAlgorithm::kEcdsaP384};
constexpr std::array<std::string_view, 3> kDigests = {"sha256", "sha384", "sha512"};
constexpr std::array<std::string_view, 3> kDigestNames = {"SHA256", "SHA384", "SHA512"};
constexpr std::array<std::string_view, 2> kSynchronous = {"full", "normal"};
constexpr std::array<std::string_view, 2> kTemplateSources = {"ldif", "ldap"};
constexpr std::array<std::string_view, 2> kTemplatePermissions = {"enforce", "ignore"};
// In the order of ca::EnrolleeSubjectSid.
constexpr std::array<std::string_view, 3> kEnrolleeSubjectSids = {"requester", "from-request",
                                                                  "none"};
constexpr std::array<std::string_view, 4> kBinds = {"anonymous", "simple", "external", "gssapi"};
constexpr std::array<std::string_view, 4> kNotifications = {"auto", "rfc4533", "ad", "none"};
constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

Status ParseCa(Section& s, CaConfig& ca) {
  OPENADCS_RETURN_IF_ERROR(s.String("subject", limits::kMaxSubjectLength, ca.subject));
  std::size_t algorithm = kKeyAlgorithms.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("key_algorithm", kKeyAlgorithms, algorithm));
  if (algorithm < kKeyAlgorithms.size()) ca.key_algorithm = kKeyAlgorithmValues[algorithm];
  OPENADCS_RETURN_IF_ERROR(s.Path("key_file", PathRule::kRelativeOk, ca.key_file));
  OPENADCS_RETURN_IF_ERROR(s.Path("cert_file", PathRule::kRelativeOk, ca.cert_file));
  OPENADCS_RETURN_IF_ERROR(s.Path("chain_file", PathRule::kOptional, ca.chain_file));
  OPENADCS_RETURN_IF_ERROR(s.Path("passphrase_file", PathRule::kOptional, ca.passphrase_file));
  OPENADCS_RETURN_IF_ERROR(s.Integer("validity_days", limits::kValidityDaysMin,
                                     limits::kValidityDaysMax, ca.validity_days));
  std::size_t digest = kDigests.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("digest", kDigests, digest));
  if (digest < kDigests.size()) ca.digest = kDigestNames[digest];
  OPENADCS_RETURN_IF_ERROR(s.String("dns_name", 255, ca.dns_name));
  return s.Unknown();
}

Status ParseDatabase(Section& s, DatabaseConfig& db) {
  OPENADCS_RETURN_IF_ERROR(s.Path("path", PathRule::kRelativeOk, db.path));
  std::size_t synchronous = kSynchronous.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("synchronous", kSynchronous, synchronous));
  if (synchronous < kSynchronous.size()) db.synchronous_full = synchronous == 0;
  OPENADCS_RETURN_IF_ERROR(s.Integer("busy_timeout_ms", limits::kBusyTimeoutMsMin,
                                     limits::kBusyTimeoutMsMax, db.busy_timeout_ms));
  return s.Unknown();
}

Status ParseTemplates(Section& s, TemplatesConfig& templates) {
  std::size_t source = kTemplateSources.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("source", kTemplateSources, source));
  if (source < kTemplateSources.size()) templates.source = kTemplateSources[source];
  OPENADCS_RETURN_IF_ERROR(s.Path("directory", PathRule::kAbsolute, templates.directory));
  OPENADCS_RETURN_IF_ERROR(s.String("enrollment_service", 256, templates.enrollment_service));
  return s.Unknown();
}

Status ParseDirectory(Section& s, DirectoryConfig& d) {
  OPENADCS_RETURN_IF_ERROR(s.Urls("uris", d.uris));
  std::size_t bind = kBinds.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("bind", kBinds, bind));
  if (bind < kBinds.size()) d.bind = kBinds[bind];
  OPENADCS_RETURN_IF_ERROR(s.String("bind_dn", 1024, d.bind_dn));
  OPENADCS_RETURN_IF_ERROR(s.Path("password_file", PathRule::kOptional, d.password_file));
  OPENADCS_RETURN_IF_ERROR(s.Path("keytab", PathRule::kOptional, d.keytab));
  OPENADCS_RETURN_IF_ERROR(s.Bool("start_tls", d.start_tls));
  OPENADCS_RETURN_IF_ERROR(s.Path("ca_file", PathRule::kOptional, d.ca_file));
  OPENADCS_RETURN_IF_ERROR(s.Bool("allow_cleartext", d.allow_cleartext));
  OPENADCS_RETURN_IF_ERROR(
      s.String("configuration_naming_context", 1024, d.configuration_naming_context));
  std::size_t notification = kNotifications.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("notification", kNotifications, notification));
  if (notification < kNotifications.size()) d.notification = kNotifications[notification];
  OPENADCS_RETURN_IF_ERROR(s.Integer("operation_timeout_ms", limits::kDirectoryTimeoutMsMin,
                                     limits::kDirectoryTimeoutMsMax, d.operation_timeout_ms));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("page_size", limits::kPageSizeMin, limits::kPageSizeMax, d.page_size));
  OPENADCS_RETURN_IF_ERROR(s.Integer("reconnect_min_ms", limits::kReconnectMsMin,
                                     limits::kReconnectMsMax, d.reconnect_min_ms));
  OPENADCS_RETURN_IF_ERROR(s.Integer("reconnect_max_ms", limits::kReconnectMsMin,
                                     limits::kReconnectMsMax, d.reconnect_max_ms));
  OPENADCS_RETURN_IF_ERROR(s.Path("snapshot_file", PathRule::kOptional, d.snapshot_file));
  OPENADCS_RETURN_IF_ERROR(s.Path("status_file", PathRule::kOptional, d.status_file));
  OPENADCS_RETURN_IF_ERROR(s.Bool("identity_lookup", d.identity_lookup));
  OPENADCS_RETURN_IF_ERROR(s.String("default_naming_context", 1024, d.default_naming_context));
  OPENADCS_RETURN_IF_ERROR(s.Integer("identity_cache_entries", limits::kIdentityCacheEntriesMin,
                                     limits::kIdentityCacheEntriesMax, d.identity_cache_entries));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("identity_cache_ttl_seconds", limits::kIdentityCacheTtlSecondsMin,
                limits::kIdentityCacheTtlSecondsMax, d.identity_cache_ttl_seconds));
  return s.Unknown();
}

Status ParsePolicy(Section& s, PolicyConfig& policy) {
  OPENADCS_RETURN_IF_ERROR(s.Bool("allow_san_attribute", policy.allow_san_attribute));
  std::size_t permissions = kTemplatePermissions.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("template_permissions", kTemplatePermissions, permissions));
  if (permissions < kTemplatePermissions.size()) {
    policy.enforce_template_permissions = permissions == 0;
  }
  std::size_t sid = kEnrolleeSubjectSids.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("enrollee_subject_sid", kEnrolleeSubjectSids, sid));
  if (sid < kEnrolleeSubjectSids.size()) {
    policy.enrollee_subject_sid = static_cast<ca::EnrolleeSubjectSid>(sid);
  }
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_request_bytes", limits::kMaxRequestBytesMin,
                                     limits::kMaxRequestBytesMax, policy.max_request_bytes));
  OPENADCS_RETURN_IF_ERROR(s.Integer("clock_skew_seconds", limits::kClockSkewSecondsMin,
                                     limits::kClockSkewSecondsMax, policy.clock_skew_seconds));
  OPENADCS_RETURN_IF_ERROR(s.Integer("serial_bytes", limits::kSerialBytesMin,
                                     limits::kSerialBytesMax, policy.serial_bytes));
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_requests_per_hour", limits::kMaxRequestsPerHourMin,
                                     limits::kMaxRequestsPerHourMax, policy.max_requests_per_hour));
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_stored_bytes", limits::kMaxStoredBytesMin,
                                     limits::kMaxStoredBytesMax, policy.max_stored_bytes));
  return s.Unknown();
}

Status ParseCrl(Section& s, CrlConfig& crl) {
  OPENADCS_RETURN_IF_ERROR(s.Integer("period_hours", limits::kCrlPeriodHoursMin,
                                     limits::kCrlPeriodHoursMax, crl.period_hours));
  OPENADCS_RETURN_IF_ERROR(s.Integer("overlap_hours", limits::kCrlOverlapHoursMin,
                                     limits::kCrlOverlapHoursMax, crl.overlap_hours));
  OPENADCS_RETURN_IF_ERROR(s.Path("publish_path", PathRule::kRelativeOk, crl.publish_path));
  OPENADCS_RETURN_IF_ERROR(s.Urls("distribution_points", crl.distribution_points));
  OPENADCS_RETURN_IF_ERROR(s.Urls("aia_ca_issuers", crl.aia_ca_issuers));
  OPENADCS_RETURN_IF_ERROR(s.Integer("delta_period_hours", limits::kCrlDeltaPeriodHoursMin,
                                     limits::kCrlDeltaPeriodHoursMax, crl.delta_period_hours));
  OPENADCS_RETURN_IF_ERROR(s.Integer("delta_overlap_hours", limits::kCrlOverlapHoursMin,
                                     limits::kCrlOverlapHoursMax, crl.delta_overlap_hours));
  OPENADCS_RETURN_IF_ERROR(
      s.Path("delta_publish_path", PathRule::kRelativeOk, crl.delta_publish_path));
  OPENADCS_RETURN_IF_ERROR(s.Urls("delta_distribution_points", crl.delta_distribution_points));
  return s.Unknown();
}

constexpr std::array<std::string_view, 2> kRpcLevels = {"integrity", "privacy"};
constexpr std::array<std::string_view, 2> kNtlmVerifiers = {"user_file", "winbind"};

// The [rpc] limits mirror rpc::ServerOptions, whose comments give each range.
Status ParseRpc(Section& s, RpcConfig& rpc) {
  OPENADCS_RETURN_IF_ERROR(s.IpAddress("address", rpc.address));
  OPENADCS_RETURN_IF_ERROR(s.Integer("epm_port", 0, 65535, rpc.epm_port));
  OPENADCS_RETURN_IF_ERROR(s.Integer("icpr_port", 0, 65535, rpc.icpr_port));
  std::size_t level = kRpcLevels.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("icpr_level", kRpcLevels, level));
  if (level < kRpcLevels.size()) {
    rpc.icpr_level = level == 0 ? auth::AuthLevel::kIntegrity : auth::AuthLevel::kPrivacy;
  }
  OPENADCS_RETURN_IF_ERROR(s.Path("user_file", PathRule::kRelativeOk, rpc.user_file));
  OPENADCS_RETURN_IF_ERROR(s.String("netbios_computer_name", 15, rpc.netbios_computer_name));
  OPENADCS_RETURN_IF_ERROR(s.String("netbios_domain_name", 15, rpc.netbios_domain_name));
  std::size_t verifier = kNtlmVerifiers.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("ntlm_verifier", kNtlmVerifiers, verifier));
  if (verifier < kNtlmVerifiers.size()) {
    rpc.ntlm_verifier = verifier == 0 ? RpcConfig::NtlmVerifierKind::kUserFile
                                      : RpcConfig::NtlmVerifierKind::kWinbind;
  }
  OPENADCS_RETURN_IF_ERROR(s.String("dns_domain_name", 253, rpc.dns_domain_name));
  OPENADCS_RETURN_IF_ERROR(s.Bool("ntlm_allow_weak_keys", rpc.ntlm_allow_weak_keys));
  rpc::ServerOptions& o = rpc.server;
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_connections", 1, 100000, o.max_connections));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("max_connections_per_peer", 1, 100000, o.max_connections_per_peer));
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_fragment_size", 1432, 65535, o.max_fragment_size));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("max_request_stub_bytes", 1, std::int64_t{256} << 20, o.max_request_stub));
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_outstanding_calls", 1, 1024, o.max_outstanding_calls));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("max_queued_reply_bytes", 1, std::int64_t{256} << 20, o.max_queued_reply_bytes));
  std::int64_t read_ms = o.read_timeout.count();
  std::int64_t idle_ms = o.idle_timeout.count();
  std::int64_t auth_ms = o.auth_timeout.count();
  std::int64_t write_ms = o.write_timeout.count();
  OPENADCS_RETURN_IF_ERROR(s.Integer("read_timeout_ms", 1, 600'000, read_ms));
  OPENADCS_RETURN_IF_ERROR(s.Integer("idle_timeout_ms", 1, 86'400'000, idle_ms));
  OPENADCS_RETURN_IF_ERROR(s.Integer("auth_timeout_ms", 1, 86'400'000, auth_ms));
  OPENADCS_RETURN_IF_ERROR(s.Integer("write_timeout_ms", 1, 600'000, write_ms));
  o.read_timeout = std::chrono::milliseconds(read_ms);
  o.idle_timeout = std::chrono::milliseconds(idle_ms);
  o.auth_timeout = std::chrono::milliseconds(auth_ms);
  o.write_timeout = std::chrono::milliseconds(write_ms);
  OPENADCS_RETURN_IF_ERROR(s.Integer("worker_threads", 1, 256, o.worker_threads));
  OPENADCS_RETURN_IF_ERROR(s.Integer("logon_threads", 1, 256, o.logon_threads));
  return s.Unknown();
}

Status ParseKerberos(Section& s, KerberosConfig& kerberos) {
  OPENADCS_RETURN_IF_ERROR(s.Path("keytab", PathRule::kOptional, kerberos.keytab));
  OPENADCS_RETURN_IF_ERROR(s.String("realm", 255, kerberos.realm));
  OPENADCS_RETURN_IF_ERROR(s.String("netbios_domain_name", 15, kerberos.netbios_domain_name));
  return s.Unknown();
}

// The [dcom] ranges are dcom::DcomOptions'.
Status ParseDcom(Section& s, DcomConfig& dcom) {
  OPENADCS_RETURN_IF_ERROR(s.Integer("port", 0, 65535, dcom.port));
  dcom::DcomOptions& o = dcom.runtime;
  std::size_t level = kRpcLevels.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("level", kRpcLevels, level));
  if (level < kRpcLevels.size()) {
    o.minimum_auth_level = level == 0 ? auth::AuthLevel::kIntegrity : auth::AuthLevel::kPrivacy;
  }
  std::int64_t timeout_ms = o.object_timeout.count();
  OPENADCS_RETURN_IF_ERROR(s.Integer("object_timeout_ms", 100, 86'400'000, timeout_ms));
  o.object_timeout = std::chrono::milliseconds(timeout_ms);
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_objects", 1, 1'000'000, o.max_objects));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("max_objects_per_client", 1, 1'000'000, o.max_objects_per_client));
  OPENADCS_RETURN_IF_ERROR(s.Integer("max_ping_sets", 1, 1'000'000, o.max_ping_sets));
  OPENADCS_RETURN_IF_ERROR(
      s.Integer("max_ping_sets_per_client", 1, 1'000'000, o.max_ping_sets_per_client));
  return s.Unknown();
}

Status ParseSecurity(Section& s, SecurityConfig& security) {
  for (auto [key, list] :
       {std::pair{"administrators", &security.administrators},
        std::pair{"officers", &security.officers}, std::pair{"auditors", &security.auditors},
        std::pair{"operators", &security.operators}, std::pair{"readers", &security.readers},
        std::pair{"enrollees", &security.enrollees}}) {
    OPENADCS_RETURN_IF_ERROR(
        s.Strings(key, limits::kMaxPrincipals, limits::kMaxPrincipalLength, *list));
  }
  OPENADCS_RETURN_IF_ERROR(s.Bool("role_separation", security.role_separation));
  return s.Unknown();
}

Status ParseLog(Section& s, LogConfig& log) {
  std::size_t level = kLogLevels.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("level", kLogLevels, level));
  if (level < kLogLevels.size()) log.level = kLogLevels[level];
  static constexpr std::array<std::string_view, 2> kFormats = {"text", "json"};
  std::size_t format = kFormats.size();
  OPENADCS_RETURN_IF_ERROR(s.Choice("format", kFormats, format));
  if (format < kFormats.size()) log.format = kFormats[format];
  return s.Unknown();
}

Status ParseMetrics(Section& s, MetricsConfig& metrics) {
  OPENADCS_RETURN_IF_ERROR(s.String("listen", 64, metrics.listen));
  OPENADCS_RETURN_IF_ERROR(s.Bool("allow_remote", metrics.allow_remote));
  return s.Unknown();
}

Status ParseDocument(const toml::table& root, std::string_view source, DaemonConfig& config) {
  using Parser = Status (*)(Section&, DaemonConfig&);
  struct Entry {
    std::string_view name;
    Parser parse;
  };
  static constexpr std::array<Entry, 13> kSections = {{
      {"ca", [](Section& s, DaemonConfig& c) { return ParseCa(s, c.ca); }},
      {"state",
       [](Section& s, DaemonConfig& c) {
         OPENADCS_RETURN_IF_ERROR(s.Path("dir", PathRule::kAbsolute, c.state.dir));
         return s.Unknown();
       }},
      {"database", [](Section& s, DaemonConfig& c) { return ParseDatabase(s, c.database); }},
      {"templates", [](Section& s, DaemonConfig& c) { return ParseTemplates(s, c.templates); }},
      {"directory", [](Section& s, DaemonConfig& c) { return ParseDirectory(s, c.directory); }},
      {"policy", [](Section& s, DaemonConfig& c) { return ParsePolicy(s, c.policy); }},
      {"crl", [](Section& s, DaemonConfig& c) { return ParseCrl(s, c.crl); }},
      {"rpc", [](Section& s, DaemonConfig& c) { return ParseRpc(s, c.rpc); }},
      {"kerberos", [](Section& s, DaemonConfig& c) { return ParseKerberos(s, c.rpc.kerberos); }},
      {"dcom", [](Section& s, DaemonConfig& c) { return ParseDcom(s, c.dcom); }},
      {"security", [](Section& s, DaemonConfig& c) { return ParseSecurity(s, c.security); }},
      {"log", [](Section& s, DaemonConfig& c) { return ParseLog(s, c.log); }},
      {"metrics", [](Section& s, DaemonConfig& c) { return ParseMetrics(s, c.metrics); }},
  }};

  for (const auto& [key, node] : root) {
    const Entry* entry = nullptr;
    for (const Entry& e : kSections) {
      if (e.name == key.str()) entry = &e;
    }
    if (entry == nullptr) {
      return Status::InvalidArgument(
          fmt::format("{}: {}: unknown section or key", Where(source, key.source()), key.str()));
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(fmt::format("{}: {}: expected a table ([{}]), got {}",
                                                 Where(source, node.source()), key.str(), key.str(),
                                                 TypeName(node.type())));
    }
    Section section(table, std::string(entry->name), source);
    OPENADCS_RETURN_IF_ERROR(entry->parse(section, config));
  }
  // Cross-key rules, checked once the whole file is read.
  const auto where = [&](const char* path) {
    const toml::node* node = root.at_path(path).node();
    return node != nullptr ? Where(source, node->source()) : std::string(source);
  };
  if (config.directory.IdentityLookupEnabled() && config.directory.bind == "simple" &&
      (config.directory.bind_dn.empty() || config.directory.password_file.empty())) {
    return Status::InvalidArgument(fmt::format(
        "{}: directory.bind = \"simple\" needs bind_dn and password_file", where("directory")));
  }
  if (const std::vector<std::string> cleartext = CleartextDirectoryUris(config);
      !cleartext.empty() && !config.directory.allow_cleartext) {
    return Status::InvalidArgument(fmt::format(
        "{}: directory.uris: {} would carry the {} bind and the templates in cleartext: use "
        "ldaps:// or ldapi://, start_tls = true or bind = \"gssapi\" (or, in a lab, "
        "allow_cleartext = true)",
        where("directory"), fmt::join(cleartext, ", "), config.directory.bind));
  }
  if (config.templates.source == "ldap") {
    if (config.directory.uris.empty()) {
      return Status::InvalidArgument(fmt::format(
          "{}: directory.uris: required when templates.source is \"ldap\"", where("directory")));
    }
    if (config.templates.enrollment_service.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: templates.enrollment_service: required when templates.source is "
                      "\"ldap\"",
                      where("templates")));
    }
    if (config.directory.bind == "simple" &&
        (config.directory.bind_dn.empty() || config.directory.password_file.empty())) {
      return Status::InvalidArgument(fmt::format(
          "{}: directory.bind = \"simple\" needs bind_dn and password_file", where("directory")));
    }
    if (config.directory.reconnect_max_ms < config.directory.reconnect_min_ms) {
      return Status::InvalidArgument(fmt::format(
          "{}: directory.reconnect_max_ms: less than reconnect_min_ms", where("directory")));
    }
  }
  if (config.metrics.enabled()) {
    Result<std::pair<std::string, std::uint16_t>> listen =
        SplitListenAddress(config.metrics.listen);
    if (!listen.ok()) {
      return Status::InvalidArgument(fmt::format("{}: metrics.listen: {}", where("metrics.listen"),
                                                 listen.status().message()));
    }
    if (!config.metrics.allow_remote &&
        !boost::asio::ip::make_address(listen->first).is_loopback()) {
      return Status::InvalidArgument(
          fmt::format("{}: metrics.listen: {} is not a loopback address (the endpoint has no "
                      "authentication; set metrics.allow_remote = true to serve it anyway)",
                      where("metrics.listen"), listen->first));
    }
  }
  // The subject is only checked once it is known, so that the error can name it.
  if (const toml::node* subject = root.at_path("ca.subject").node(); subject != nullptr) {
    Result<ossl::X509NamePtr> name = pki::ParseDistinguishedName(config.ca.subject);
    if (!name.ok() || X509_NAME_entry_count(name->get()) == 0) {
      return Status::InvalidArgument(fmt::format(
          "{}: ca.subject: not a distinguished name: {}", Where(source, subject->source()),
          name.ok() ? std::string("empty") : name.status().message()));
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> CleartextDirectoryUris(const DaemonConfig& config) {
  const DirectoryConfig& d = config.directory;
  std::vector<std::string> out;
  if (config.templates.source != "ldap" && !d.IdentityLookupEnabled()) return out;
  for (const std::string& uri : d.uris) {
    if (directory::IsCleartext(uri, d.start_tls, d.bind == "gssapi")) out.push_back(uri);
  }
  return out;
}

Result<std::pair<std::string, std::uint16_t>> SplitListenAddress(std::string_view listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not address:port", listen));
  }
  std::string_view host = listen.substr(0, colon);
  const std::string_view port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("\"{}\": an IPv6 address goes in brackets ([::1]:9464)", listen));
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Status::InvalidArgument(fmt::format("\"{}\": the port is not 0-65535", listen));
  }
  boost::system::error_code bad;
  const boost::asio::ip::address address = boost::asio::ip::make_address(std::string(host), bad);
  if (bad) {
    return Status::InvalidArgument(
        fmt::format("\"{}\": \"{}\" is not an IP address", listen, host));
  }
  return std::pair<std::string, std::uint16_t>(address.to_string(),
                                               static_cast<std::uint16_t>(port));
}

std::string JoinListenAddress(std::string_view address, std::uint16_t port) {
  return address.find(':') == std::string_view::npos ? fmt::format("{}:{}", address, port)
                                                     : fmt::format("[{}]:{}", address, port);
}

bool IsLogLevelName(std::string_view name) {
  for (std::string_view level : kLogLevels) {
    if (level == name) return true;
  }
  return false;
}

Result<DaemonConfig> ParseConfig(std::string_view toml_text, std::string_view source_name) {
  DaemonConfig config;
  toml::table root;
  // toml++ as Debian builds it reports syntax errors by exception; this is
  // the one place it can throw, and the error becomes a Status here.
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(
        fmt::format("{}: {}", Where(source_name, e.source()), e.description()));
  }
  OPENADCS_RETURN_IF_ERROR(ParseDocument(root, source_name, config));
  return config;
}

Result<DaemonConfig> LoadConfigFile(const std::filesystem::path& file) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) return Status::IOError(fmt::format("{}: {}", file.string(), ec.message()));
  if (size > limits::kMaxConfigFileBytes) {
    return Status::InvalidArgument(fmt::format("{}: {} bytes, larger than the {} allowed",
                                               file.string(), size, limits::kMaxConfigFileBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("{}: cannot be opened", file.string()));
  std::string text;
  text.reserve(static_cast<std::size_t>(size));
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError(fmt::format("{}: read failed", file.string()));
  return ParseConfig(text, file.string());
}

Status ApplyOverrides(const ConfigOverrides& overrides, DaemonConfig& config) {
  std::error_code ec;
  if (overrides.state_dir) {
    if (overrides.state_dir->empty()) return Status::InvalidArgument("--state-dir: empty path");
    config.state.dir = std::filesystem::absolute(*overrides.state_dir, ec);
    if (ec) return Status::InvalidArgument(fmt::format("--state-dir: {}", ec.message()));
  }
  if (overrides.templates_dir) {
    if (overrides.templates_dir->empty()) {
      return Status::InvalidArgument("--templates: empty path");
    }
    config.templates.directory = std::filesystem::absolute(*overrides.templates_dir, ec);
    if (ec) return Status::InvalidArgument(fmt::format("--templates: {}", ec.message()));
  }
  if (overrides.log_level) {
    if (!IsLogLevelName(*overrides.log_level)) {
      return Status::InvalidArgument(fmt::format("--log-level: \"{}\" is not one of {}",
                                                 *overrides.log_level,
                                                 fmt::join(kLogLevels, ", ")));
    }
    config.log.level = *overrides.log_level;
  }
  return Status::Ok();
}

}  // namespace openadcs::daemon
