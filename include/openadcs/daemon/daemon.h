// openadcsd: the CA identity, the database, the template source and the
// engine wired together, run on one Boost.Asio loop in the foreground.
//
// Signals: SIGTERM and SIGINT stop the daemon (STOPPING=1; handlers in
// flight finish, then Run returns); SIGHUP reloads the templates
// (RELOADING=1, then READY=1; a failed reload keeps the old templates). CRLs
// are published at start when due and then every [crl] period_hours; with
// delta CRLs enabled, a delta is published with each base and every
// delta_period_hours in between. The scheduled ones are made on a thread of
// their own (CrlScheduler), not on the loop. Every CRL stored, scheduled or
// an administrator's, is written to its publish path (CrlFiles).
//
// A failed disk (the database's first failed fdatasync, write or checkpoint;
// db::SqliteStoreOptions::on_disk_failure) stops the daemon as SIGTERM does,
// after one critical log line: the calls in flight are answered (those that
// write, with the failure's HRESULT), and Run returns the failure, so that
// openadcsd exits 1 and systemd restarts it on what the disk holds.
#ifndef OPENADCS_DAEMON_DAEMON_H_
#define OPENADCS_DAEMON_DAEMON_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/engine.h"
#include "openadcs/daemon/crl_files.h"
#include "openadcs/daemon/crl_scheduler.h"
#include "openadcs/daemon/daemon_config.h"
#include "openadcs/daemon/metrics_server.h"
#include "openadcs/daemon/rpc_endpoints.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/directory/template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::daemon {

class Daemon {
 public:
  // Retry delay after a failed scheduled CRL publication.
  static constexpr std::chrono::seconds kCrlRetryDelay{300};

  // Creates the state directory (0700) if missing, loads or generates the CA
  // key and certificate, opens the database and the template source, builds
  // the engine, publishes a CRL if due (else rewrites the latest one to the
  // publish path), and logs the startup report. Errors: the failing step's
  // Status, its message prefixed with what was being done.
  static Result<std::unique_ptr<Daemon>> Create(const DaemonConfig& config);

  // Destroys the engine, then closes the template source and the database.
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // The loop the daemon runs on; listeners added later share it. Run() runs
  // it on the calling thread only.
  boost::asio::io_context& io_context() { return io_; }
  ca::Engine& engine() { return *engine_; }
  std::uint16_t epm_port() const { return rpc_->epm_port(); }
  // The [metrics] endpoint's port; 0 when it is off.
  std::uint16_t metrics_port() const {
    return metrics_server_ != nullptr ? metrics_server_->port() : 0;
  }

  // Installs the signal handlers and starts the CRL scheduler, notifies READY=1 and
  // runs the loop until SIGTERM or SIGINT has been handled, or the database
  // has failed, and the work in flight has finished. Call once. Errors,
  // logged here: Internal when the signal handlers cannot be installed; the
  // database's disk failure.
  Status Run();

 private:
  // Hands the store's disk failure, met on one of its threads, to the loop,
  // which may not be there yet (Create) or any more (destruction).
  struct DiskFailureRelay;

  Daemon(const DaemonConfig& config, std::unique_ptr<metrics::Registry> metrics,
         std::shared_ptr<DiskFailureRelay> disk_failure_relay, std::unique_ptr<RpcEndpoints> rpc,
         std::unique_ptr<pki::CaIdentity> identity, std::unique_ptr<db::CaStore> store,
         std::unique_ptr<ca::CaSecurity> security,
         std::unique_ptr<directory::TemplateSource> templates,
         std::unique_ptr<directory::IdentityLookup> identity_lookup);

  // The [metrics] endpoint and the gauges read when it is scraped; nothing
  // when it is off. Errors: the address cannot be bound.
  Status StartMetrics();
  void LogStartup() const;
  void LogTemplates() const;
  std::string StatusText() const;
  // Each publication sets when the next of its kind is due (next_*_delay_):
  // at start on the caller's thread, then on the CRL scheduler's.
  Status PublishCrlAtStart();
  Status PublishCrl();
  // Delta CRLs, when enabled: at start after the base, then on their own timer.
  Status PublishDeltaCrlAtStart(const db::CrlRow& base);
  Status PublishDeltaCrl();
  void WaitForSignal();
  void Reload();
  void Stop(int signal_number);
  // On the loop: the first disk failure of the database stops the daemon.
  void StopForDiskFailure(const Status& failure);
  // What every stop does: no new work, and Run returns once the work in
  // flight is done.
  void Shutdown();

  DaemonConfig config_;
  std::chrono::seconds crl_period_;
  std::chrono::seconds next_crl_delay_{0};
  std::chrono::seconds delta_crl_period_;  // 0: no delta CRLs
  std::chrono::seconds next_delta_crl_delay_{0};
  std::shared_ptr<DiskFailureRelay> disk_failure_relay_;
  Status disk_failure_;  // set on the loop; what Run returns
  // First: every component may hold its metrics until it is destroyed.
  std::unique_ptr<metrics::Registry> metrics_;
  // Declared before the engine, which holds references to them.
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<ca::CaSecurity> security_;
  std::unique_ptr<directory::TemplateSource> templates_;
  std::unique_ptr<directory::IdentityLookup> identity_lookup_;  // null: not configured
  // Where the engine hands every CRL it stores.
  CrlFiles crl_files_;
  std::unique_ptr<ca::Engine> engine_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  // Scheduled CRLs, off io_; from Run until io_ stops. Calls into the engine.
  std::unique_ptr<CrlScheduler> crl_scheduler_;
  // Last: its server runs on io_ and calls into the engine.
  std::unique_ptr<RpcEndpoints> rpc_;
  // Null when [metrics] is off; destroyed first: it reads the store.
  std::unique_ptr<MetricsServer> metrics_server_;
  std::string metrics_endpoint_;  // "address:port" as bound; empty when off
};

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_DAEMON_H_
