#include "openadcs/daemon/daemon.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <csignal>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "openadcs/daemon/component_options.h"
#include "openadcs/daemon/crl_schedule.h"
#include "openadcs/daemon/startup_report.h"
#include "openadcs/daemon/state_directory.h"
#include "openadcs/daemon/systemd_notify.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/directory/ldap_identity_lookup.h"
#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/directory/ldif_template_source.h"

namespace openadcs::daemon {
namespace {

std::int64_t Now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

Status Prefixed(std::string_view what, const Status& status) {
  return Status::Error(status.code(), fmt::format("{}: {}", what, status.message()),
                       status.hresult());
}

std::filesystem::path InStateDir(const DaemonConfig& config, const std::filesystem::path& path) {
  return path.empty() || path.is_absolute() ? path : config.state.dir / path;
}

directory::LdapTemplateSourceOptions LdapOptionsFrom(const DaemonConfig& config) {
  const DirectoryConfig& d = config.directory;
  directory::LdapTemplateSourceOptions options;
  options.uris = d.uris;
  if (d.bind == "simple") {
    options.bind = directory::LdapBind::kSimple;
  } else if (d.bind == "external") {
    options.bind = directory::LdapBind::kSaslExternal;
  } else if (d.bind == "gssapi") {
    options.bind = directory::LdapBind::kSaslGssapi;
  }
  options.bind_dn = d.bind_dn;
  options.password_file = d.password_file;
  options.keytab = d.keytab;
  options.start_tls = d.start_tls;
  options.ca_file = d.ca_file;
  options.allow_cleartext = d.allow_cleartext;
  options.configuration_naming_context = d.configuration_naming_context;
  options.enrollment_service = config.templates.enrollment_service;
  if (d.notification == "rfc4533") {
    options.notification = directory::LdapNotification::kSync;
  } else if (d.notification == "ad") {
    options.notification = directory::LdapNotification::kAd;
  } else if (d.notification == "none") {
    options.notification = directory::LdapNotification::kNone;
  }
  options.operation_timeout = std::chrono::milliseconds(d.operation_timeout_ms);
  options.page_size = d.page_size;
  options.reconnect_min = std::chrono::milliseconds(d.reconnect_min_ms);
  options.reconnect_max = std::chrono::milliseconds(d.reconnect_max_ms);
  options.snapshot_file = InStateDir(config, d.snapshot_file);
  options.status_file = InStateDir(config, d.status_file);
  return options;
}

// The directory lookup of requesters, when configured; null otherwise. It
// connects at the first lookup, so a directory that is away does not stop
// the daemon.
Result<std::unique_ptr<directory::IdentityLookup>> OpenIdentityLookup(const DaemonConfig& config) {
  if (!config.directory.IdentityLookupEnabled()) {
    spdlog::info(
        "identity lookup: off; templates that build the subject from the directory are "
        "refused");
    return std::unique_ptr<directory::IdentityLookup>();
  }
  directory::LdapIdentityLookupOptions options;
  options.connection = LdapOptionsFrom(config);
  options.default_naming_context = config.directory.default_naming_context;
  options.cache_entries = config.directory.identity_cache_entries;
  options.cache_ttl = std::chrono::seconds(config.directory.identity_cache_ttl_seconds);
  Result<std::unique_ptr<directory::IdentityLookup>> lookup =
      directory::OpenLdapIdentityLookup(std::move(options));
  if (!lookup.ok()) return Prefixed("identity lookup", lookup.status());
  spdlog::info("identity lookup: requesters from {} (cache {} entries, {} s)",
               fmt::join(config.directory.uris, ", "), config.directory.identity_cache_entries,
               config.directory.identity_cache_ttl_seconds);
  return lookup;
}

// The configured template source, loaded once; `metrics` gets the
// directory link's gauges.
Result<std::unique_ptr<directory::TemplateSource>> OpenTemplateSource(const DaemonConfig& config,
                                                                      metrics::Registry* metrics) {
  if (config.templates.source == "ldap") {
    directory::LdapTemplateSourceOptions options = LdapOptionsFrom(config);
    options.metrics = metrics;
    Result<std::unique_ptr<directory::LdapTemplateSource>> ldap =
        directory::OpenLdapTemplateSource(options);
    if (!ldap.ok()) return Prefixed("templates from the directory", ldap.status());
    return std::unique_ptr<directory::TemplateSource>(std::move(ldap).value());
  }
  Result<std::unique_ptr<directory::TemplateSource>> ldif =
      directory::OpenLdifTemplateSource(LdifTemplateSourceOptionsFrom(config));
  if (!ldif.ok()) {
    return Prefixed(fmt::format("templates in {}", config.templates.directory.string()),
                    ldif.status());
  }
  return ldif;
}

}  // namespace

// The store reports at most one failure, from any thread: kept until a
// daemon attaches (a failure during Create fails Create's own writes too),
// then posted to its loop; dropped once it detaches.
struct Daemon::DiskFailureRelay {
  std::mutex mu;
  Daemon* daemon = nullptr;       // guarded by mu
  std::optional<Status> pending;  // guarded by mu

  void Report(const Status& failure) {
    std::lock_guard lock(mu);
    if (daemon == nullptr) {
      pending = failure;
      return;
    }
    Post(failure);
  }
  void Attach(Daemon* d) {
    std::lock_guard lock(mu);
    daemon = d;
    if (pending) Post(*pending);
  }
  void Detach() {
    std::lock_guard lock(mu);
    daemon = nullptr;
  }
  // REQUIRES: mu held, daemon set.
  void Post(const Status& failure) {
    boost::asio::post(daemon->io_, [d = daemon, failure] { d->StopForDiskFailure(failure); });
  }
};

Result<std::unique_ptr<Daemon>> Daemon::Create(const DaemonConfig& config) {
  OPENADCS_RETURN_IF_ERROR(EnsureStateDirectory(config.state.dir));
  auto metrics = std::make_unique<metrics::Registry>();
  RpcConfig rpc_config = config.rpc;
  rpc_config.server.metrics = metrics.get();
  rpc_config.kerberos.keytab = InStateDir(config, config.rpc.kerberos.keytab);
  Result<std::unique_ptr<RpcEndpoints>> rpc =
      RpcEndpoints::Prepare(rpc_config, config.dcom, InStateDir(config, config.rpc.user_file));
  if (!rpc.ok()) return rpc.status();

  Result<std::unique_ptr<pki::CaIdentity>> identity =
      pki::CaIdentity::LoadOrCreate(CaIdentityOptionsFrom(config));
  if (!identity.ok()) return Prefixed("CA key and certificate", identity.status());

  auto relay = std::make_shared<DiskFailureRelay>();
  db::SqliteStoreOptions store_options = SqliteStoreOptionsFrom(config);
  store_options.on_disk_failure = [relay](const Status& failure) { relay->Report(failure); };
  store_options.metrics = metrics.get();
  Result<std::unique_ptr<db::CaStore>> store = db::OpenSqliteStore(store_options);
  if (!store.ok()) {
    return Prefixed(fmt::format("database {}", store_options.path.string()), store.status());
  }

  Result<ca::CaSecurityOptions> security_options = CaSecurityOptionsFrom(config.security);
  if (!security_options.ok()) return Prefixed("[security]", security_options.status());
  Result<std::unique_ptr<ca::CaSecurity>> security =
      ca::CaSecurity::Open(**store, *security_options);
  if (!security.ok()) return Prefixed("CA security", security.status());

  if (config.directory.allow_cleartext) {
    const std::vector<std::string> cleartext = CleartextDirectoryUris(config);
    spdlog::warn(
        "directory: allow_cleartext = true (for labs): binds{} may cross the network in "
        "cleartext, and whoever is on the path can read and change templates and identities",
        cleartext.empty() ? "" : fmt::format(" to {}", fmt::join(cleartext, ", ")));
  }
  Result<std::unique_ptr<directory::TemplateSource>> templates =
      OpenTemplateSource(config, metrics.get());
  if (!templates.ok()) return templates.status();
  Result<std::unique_ptr<directory::IdentityLookup>> lookup = OpenIdentityLookup(config);
  if (!lookup.ok()) return lookup.status();

  std::unique_ptr<Daemon> daemon(
      new Daemon(config, std::move(metrics), relay, std::move(rpc).value(),
                 std::move(identity).value(), std::move(store).value(), std::move(security).value(),
                 std::move(templates).value(), std::move(lookup).value()));
  relay->Attach(daemon.get());
  daemon->LogStartup();
  OPENADCS_RETURN_IF_ERROR(daemon->PublishCrlAtStart());
  OPENADCS_RETURN_IF_ERROR(
      daemon->rpc_->Start(daemon->io_, *daemon->engine_,
                          CertAdminOptionsFrom(config, daemon->identity_->common_name())));
  OPENADCS_RETURN_IF_ERROR(daemon->StartMetrics());
  return daemon;
}

Daemon::Daemon(const DaemonConfig& config, std::unique_ptr<metrics::Registry> metrics,
               std::shared_ptr<DiskFailureRelay> disk_failure_relay,
               std::unique_ptr<RpcEndpoints> rpc, std::unique_ptr<pki::CaIdentity> identity,
               std::unique_ptr<db::CaStore> store, std::unique_ptr<ca::CaSecurity> security,
               std::unique_ptr<directory::TemplateSource> templates,
               std::unique_ptr<directory::IdentityLookup> identity_lookup)
    : config_(config),
      crl_period_(std::chrono::hours(config.crl.period_hours)),
      delta_crl_period_(std::chrono::hours(config.crl.delta_period_hours)),
      disk_failure_relay_(std::move(disk_failure_relay)),
      metrics_(std::move(metrics)),
      identity_(std::move(identity)),
      store_(std::move(store)),
      security_(std::move(security)),
      templates_(std::move(templates)),
      identity_lookup_(std::move(identity_lookup)),
      crl_files_(CrlPublishPath(config), DeltaCrlPublishPath(config)),
      engine_(std::make_unique<ca::Engine>(EngineOptionsFrom(config, metrics_.get(), &crl_files_),
                                           *identity_, *store_, *templates_, identity_lookup_.get(),
                                           *security_)),
      signals_(io_),
      rpc_(std::move(rpc)) {}

// Members go in reverse order of declaration: the RPC server first, the
// loop, then the engine, then what the engine refers to. The store, last,
// may still report a failure: there is no loop for it any more.
Daemon::~Daemon() {
  disk_failure_relay_->Detach();
}

Status Daemon::StartMetrics() {
  if (!config_.metrics.enabled()) return Status::Ok();
  metrics_->SetGaugeCallback(
      "openadcs_ca_pending_requests", "Requests waiting for an officer (the pending queue).",
      [store = store_.get()]() -> std::optional<double> {
        Result<std::uint64_t> pending = store->CountRequests(db::Disposition::kPending);
        if (!pending.ok()) return std::nullopt;
        return static_cast<double>(*pending);
      });
  Result<std::pair<std::string, std::uint16_t>> listen = SplitListenAddress(config_.metrics.listen);
  if (!listen.ok()) return Prefixed("[metrics] listen", listen.status());
  MetricsServerOptions options;
  options.address = listen->first;
  options.port = listen->second;
  Result<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(options, *metrics_);
  if (!server.ok()) return server.status();
  metrics_server_ = std::move(server).value();
  metrics_endpoint_ = JoinListenAddress(options.address, metrics_server_->port());
  spdlog::info("metrics: serving http://{}/metrics{}", metrics_endpoint_,
               config_.metrics.allow_remote ? " (remote scrapers allowed)" : "");
  return Status::Ok();
}

void Daemon::LogStartup() const {
  for (const std::string& line :
       DescribeCaCertificate(identity_->certificate(), identity_->key())) {
    spdlog::info("{}", line);
  }
  spdlog::info("database: {} (synchronous {})", SqliteStoreOptionsFrom(config_).path.string(),
               config_.database.synchronous_full ? "full" : "normal");
  LogTemplates();
}

void Daemon::LogTemplates() const {
  const auto snapshot = templates_->Current();
  if (snapshot->templates().empty()) spdlog::warn("no templates served");
  for (const directory::CertificateTemplate& tmpl : snapshot->templates()) {
    spdlog::info("{}", DescribeTemplate(tmpl));
  }
}

std::string Daemon::StatusText() const {
  std::string text =
      fmt::format("serving {} templates as {}; {}", templates_->Current()->templates().size(),
                  identity_->common_name(), rpc_->Describe());
  // The port as bound: with port 0 in the config, only here and in the log.
  if (!metrics_endpoint_.empty()) text += ", metrics " + metrics_endpoint_;
  return text;
}

Status Daemon::PublishCrlAtStart() {
  Result<std::optional<db::CrlRow>> latest = store_->LatestCrl(db::CrlKind::kBase);
  if (!latest.ok()) return Prefixed("reading the latest CRL", latest.status());
  const std::int64_t now = Now();
  if (CrlNeedsRefresh(*latest, now)) return PublishCrl();

  const db::CrlRow& crl = **latest;
  // The file may be missing or stale (restored state, an operator's mistake):
  // the database's latest CRL is what must be published.
  Status written = crl_files_.Published(crl);
  if (!written.ok()) return Prefixed("publishing the CRL", written);
  next_crl_delay_ = DelayUntilNextCrl(crl, crl_period_, now);
  spdlog::info("CRL number {} is current; the next in {} s", crl.number, next_crl_delay_.count());
  return PublishDeltaCrlAtStart(crl);
}

Status Daemon::PublishCrl() {
  Result<ca::PublishedCrls> crls = engine_->PublishCrls(ca::crl_kind::kBase, 0);
  if (!crls.ok()) return Prefixed("publishing the CRL", crls.status());
  next_crl_delay_ = crl_period_;
  if (crls->delta) next_delta_crl_delay_ = delta_crl_period_;
  return Status::Ok();
}

Status Daemon::PublishDeltaCrlAtStart(const db::CrlRow& base) {
  if (delta_crl_period_.count() == 0) return Status::Ok();
  Result<std::optional<db::CrlRow>> latest = store_->LatestCrl(db::CrlKind::kDelta);
  if (!latest.ok()) return Prefixed("reading the latest delta CRL", latest.status());
  const std::int64_t now = Now();
  // A delta older than the base was made before deltas were (re)enabled.
  if (CrlNeedsRefresh(*latest, now) || (*latest)->number < base.number) return PublishDeltaCrl();
  next_delta_crl_delay_ = DelayUntilNextCrl(**latest, delta_crl_period_, now);
  Status written = crl_files_.Published(**latest);
  if (!written.ok()) return Prefixed("publishing the delta CRL", written);
  return Status::Ok();
}

Status Daemon::PublishDeltaCrl() {
  Result<ca::PublishedCrls> crls = engine_->PublishCrls(ca::crl_kind::kDelta, 0);
  if (!crls.ok()) return Prefixed("publishing the delta CRL", crls.status());
  next_delta_crl_delay_ = delta_crl_period_;
  return Status::Ok();
}

Status Daemon::Run() {
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    boost::system::error_code ec;
    signals_.add(signal_number, ec);
    if (ec) {
      Status failed =
          Status::Internal(fmt::format("cannot handle signal {}: {}", signal_number, ec.message()));
      spdlog::critical("{}", failed.ToString());
      return failed;
    }
  }
  WaitForSignal();
  std::vector<CrlScheduler::Job> crls;
  crls.push_back({[this]() -> Result<std::chrono::seconds> {
                    OPENADCS_RETURN_IF_ERROR(PublishCrl());
                    return next_crl_delay_;
                  },
                  next_crl_delay_, std::min(kCrlRetryDelay, crl_period_)});
  if (delta_crl_period_.count() > 0) {
    crls.push_back({[this]() -> Result<std::chrono::seconds> {
                      OPENADCS_RETURN_IF_ERROR(PublishDeltaCrl());
                      return next_delta_crl_delay_;
                    },
                    next_delta_crl_delay_, std::min(kCrlRetryDelay, delta_crl_period_)});
  }
  crl_scheduler_ = std::make_unique<CrlScheduler>(std::move(crls));
  NotifyReady(StatusText());
  spdlog::info("openadcsd ready");
  io_.run();
  // Waits for a publication in progress: the store and engine outlive it.
  crl_scheduler_.reset();
  return disk_failure_;
}

void Daemon::WaitForSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;  // cancelled: stopping
    if (signal_number == SIGHUP) {
      Reload();
      WaitForSignal();
      return;
    }
    Stop(signal_number);
  });
}

void Daemon::Reload() {
  spdlog::info("SIGHUP: reloading templates from {}", config_.templates.source == "ldap"
                                                          ? "the directory"
                                                          : config_.templates.directory.string());
  NotifyReloading();
  Status reloaded = templates_->Reload();
  if (reloaded.ok()) {
    spdlog::info("templates reloaded");
    LogTemplates();
  } else {
    spdlog::error("template reload failed, the previous templates stay in use: {}",
                  reloaded.ToString());
  }
  NotifyReady(reloaded.ok() ? StatusText() : StatusText() + " (last reload failed)");
}

void Daemon::Stop(int signal_number) {
  spdlog::info("SIG{}: stopping", sigabbrev_np(signal_number));
  Shutdown();
}

void Daemon::StopForDiskFailure(const Status& failure) {
  if (!disk_failure_.ok()) return;
  disk_failure_ = failure;
  spdlog::critical("{}; stopping after the calls in flight, to be restarted (exit status 1)",
                   failure.ToString());
  Shutdown();
}

void Daemon::Shutdown() {
  NotifyStopping();
  // With nothing left to wait for, io_context::run returns once the handlers
  // in flight are done.
  if (crl_scheduler_ != nullptr) crl_scheduler_->Stop();
  signals_.cancel();
  rpc_->Stop();
}

}  // namespace openadcs::daemon
