// What the enrollment benchmarks (icpr_enroll, dcom_enroll, admin_approval)
// share: the release openadcsd started as a child with a temp state
// directory, the user they enroll as, the CA key for their crypto floor
// (crypto_floor.h: their CSRs and the reference rate) and the tally of
// enrollments. Each bench keeps only how it drives the clients and what it
// prints.
#ifndef OPENADCS_BENCH_ENROLL_BENCH_SUPPORT_H_
#define OPENADCS_BENCH_ENROLL_BENCH_SUPPORT_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto_floor.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"
#include "testing/daemon_process.h"

namespace openadcs::bench {

inline constexpr const char* kCaName = "openadcs Bench CA";
// Requests for the auto-issue template as PKCS#10, so every one is issued.
inline constexpr const char* kAttributes = "CertificateTemplate:AutoIssueSubject";
inline constexpr std::uint32_t kCrInPkcs10 = 0x100;
// [rpc] max_connections and max_connections_per_peer of the bench's daemon:
// room for 1,024 clients holding an activation and an object connection each.
inline constexpr int kMaxBenchConnections = 4096;

struct DaemonOptions {
  std::string key_algorithm = "rsa2048";  // [ca] key_algorithm
  int worker_threads = 0;                 // [rpc] worker_threads; 0 keeps the default
  bool dcom = false;                      // also serve DCOM, its port bound at 0
  bool officer = false;                   // also an account holding the Officer role
  // [database] synchronous: "full" (durable, every row's default) or
  // "normal", to measure what the store's sync costs a row.
  std::string synchronous = "full";
  // Also [metrics], on 127.0.0.1 at a port of the kernel's choosing: it costs
  // the daemon a little per call and per commit, so only rows that print
  // StoreCounters ask for it.
  bool metrics = false;
  // Also [kerberos] with this keytab and realm (a Samba DC's): the daemon then
  // accepts the realm's users over Kerberos beside the bench's NTLM users.
  std::filesystem::path keytab;
  std::string realm;
  // [rpc] ntlm_verifier; empty keeps the bench's user file. "winbind": NTLM
  // is checked by the domain through winbindd, and the bench's users are gone.
  std::string ntlm_verifier;
  // The openadcsd to start; empty: the one this bench was built with. With
  // `environment` ("NAME=VALUE", set on top of the bench's own), what a
  // comparison runs against the build as it is (icpr_enroll --against).
  std::filesystem::path binary;
  std::vector<std::string> environment;
};

struct Daemon {
  std::unique_ptr<testing::NotifySocket> notify;
  std::unique_ptr<testing::ChildProcess> process;
  std::filesystem::path state;  // holds ca-key.pem once READY
  std::filesystem::path log;
  std::uint16_t epm_port = 0;
  std::uint16_t icpr_port = 0;
  std::uint16_t metrics_port = 0;  // with DaemonOptions::metrics
};

// Writes the config and the bench user's file under `dir`, starts openadcsd
// and waits for READY. Every port is bound at 0, so runs never collide; the
// ones taken are read from the STATUS line. All the bench's connections come
// from one address, so the config lets up to kMaxBenchConnections in from it,
// and this process's open-file limit is raised to its hard limit (the daemon
// inherits it) so that both ends can hold as many as that allows.
Result<Daemon> StartDaemon(const std::filesystem::path& dir, const DaemonOptions& options);

// SIGTERM, then an error unless the daemon exits cleanly in time (the log
// in the error when it does not exit cleanly).
Status StopDaemon(Daemon& daemon);

// Starts this build's openadcsd (A) under `dir` with `options` and, when
// `against` or `against_env` is given, a second one (B) under `dir`/b with
// the same options, `against` as its binary (empty: the same one) and
// `against_env` ("NAME=VALUE") added to its environment, and says on stdout
// which B is: the two daemons a bench's --against compares.
Result<std::vector<Daemon>> StartSides(const std::filesystem::path& dir,
                                       const DaemonOptions& options, const std::string& against,
                                       const std::vector<std::string>& against_env);
// Stops B, then A.
Status StopSides(std::vector<Daemon>& sides);

// The bench user over NTLM privacy at `daemon`: ICertPassage on its icpr
// port, DCOM activation on its epm port.
client::ConnectOptions ConnectOptionsFor(const Daemon& daemon);
// The officer account (DaemonOptions::officer) the same way.
client::ConnectOptions OfficerConnectOptionsFor(const Daemon& daemon);

Result<ossl::PKeyPtr> LoadPrivateKey(const std::filesystem::path& path);

// Enrollments counted by one client thread, or merged over several.
struct Tally {
  long issued = 0;
  long failures = 0;
  std::string first_failure;
  std::vector<double> latencies_ms;  // one per call, in call order until sorted

  // Counts `r`, whose latency runs from `since`. False after a transport
  // failure: the channel's state is unknown, so its client must stop.
  bool Record(const Result<client::EnrollResult>& r, Clock::time_point since);
  // Adds `other` in, keeping the first failure already here.
  void Merge(const Tally& other);
  // "#   first failure: ..." on stdout, under a bench's row; nothing when
  // there was none.
  void PrintFirstFailure() const;
};

// Writes "<this bench's program name>: <s>" to stderr; returns 1, the exit
// status of a bench that cannot go on.
int Fail(const Status& s);

// The latency at quantile `q` (0..1) of `sorted`; 0 when it is empty.
double Percentile(const std::vector<double>& sorted, double q);

// CPU time (user + system) of `pid` so far, in seconds; -1 when unreadable.
double ProcessCpuSeconds(pid_t pid);

// A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"); -1 when absent.
long ProcStatusKiB(pid_t pid, std::string_view field);

// What threads of one name used: CPU time, the kernel's part of it, and
// how often they went to sleep (voluntary context switches, each to be
// followed by a wake-up) or were preempted (involuntary ones). On this
// project's VMs a wake-up across the cores costs 10-25 us of CPU
// (docs/performance.md), so the sleeps count a cost the CPU time spreads.
struct ThreadUse {
  double cpu_seconds = 0;
  double system_seconds = 0;
  double sleeps = 0;
  double preemptions = 0;
  ThreadUse& operator+=(const ThreadUse& more);
  ThreadUse& operator-=(const ThreadUse& less);
};

// `pid`'s threads so far, added up by thread name (the daemon names its
// threads: rpc-worker, db-writer, db-wal-sync, ...; the io thread keeps the
// process's name). Threads that exit are left out.
using ThreadUses = std::map<std::string, ThreadUse>;
ThreadUses ThreadUsesOf(pid_t pid);
// `after` less `before`, name by name.
ThreadUses Difference(const ThreadUses& after, const ThreadUses& before);
// Adds `more` into `total`, name by name (rounds of one row).
void Accumulate(ThreadUses& total, const ThreadUses& more);
// "rpc-worker 466 (29), db-writer 111 (30), ...": each name's CPU and, in
// parentheses, the kernel's part, in microseconds per one of `operations`,
// largest first.
std::string PerOperationText(const ThreadUses& threads, double operations);
// "5.2 (rpc-worker 2.1, openadcsd 1.2, ...), preempted 0.4": the sleeps
// per one of `operations`, all threads then by name (largest first, those
// under 0.05 left out), then the preemptions.
std::string SleepsText(const ThreadUses& threads, double operations);

// The machine's CPU time so far over all its cores, in seconds (/proc/stat):
// `idle` counts idle and iowait alike, since a core waiting for a disk does
// no work either; `busy` the rest (user, system, interrupts, steal).
struct MachineCpu {
  double busy = 0;
  double idle = 0;
  // The share of the time that was idle, 0 to 1; 0 when none passed.
  double IdleShare() const { return busy + idle > 0 ? idle / (busy + idle) : 0; }
  void Accumulate(const MachineCpu& more) {
    busy += more.busy;
    idle += more.idle;
  }
};
MachineCpu MachineCpuSeconds();
// What passed between `before` and `after`.
MachineCpu Difference(const MachineCpu& after, const MachineCpu& before);

// A histogram's count and sum of seconds, and how many of its observations
// took longer than 5 ms (a bucket's bound), from the daemon's metrics.
struct Timed {
  double count = 0;
  double seconds = 0;
  double over_5ms = 0;
  double MeanMs() const { return count > 0 ? 1e3 * seconds / count : 0; }
  double Over5msPerThousand() const { return count > 0 ? 1e3 * over_5ms / count : 0; }
  void Accumulate(const Timed& more) {
    count += more.count;
    seconds += more.seconds;
    over_5ms += more.over_5ms;
  }
  Timed operator-(const Timed& before) const {
    return {count - before.count, seconds - before.seconds, over_5ms - before.over_5ms};
  }
};

// What the daemon's store and enrollment calls did, from its metrics
// (DaemonOptions::metrics): totals so far, or what passed between two scrapes.
struct StoreCounters {
  double commits = 0;             // group commits
  double writes = 0;              // the writes they carried
  double writer_cpu_seconds = 0;  // the writer thread's CPU for them
  Timed fsyncs;                   // fdatasyncs of the WAL
  // Enrollment calls (CertServerRequest, Request of D or D2, Request2), from
  // dispatch until their reply could go: durable.
  Timed calls;
  // Every call's waits (openadcs_rpc_call_wait_seconds): for a worker, and
  // for its connection's thread once its reply could go.
  Timed worker_wait;
  Timed reply_wait;
  // Every committed write's stages (openadcs_db_write_stage_seconds).
  Timed queued;
  Timed transaction;
  Timed sync;
  void Accumulate(const StoreCounters& more);
};
// The totals so far; all 0 when the daemon serves no metrics, so that a bench
// can scrape around every round and print them only where it asked for them.
Result<StoreCounters> ScrapeStoreCounters(const Daemon& daemon);
StoreCounters Difference(const StoreCounters& after, const StoreCounters& before);
// "650 commits/s of 3.6 writes, writer 290 us each; fsync 0.57 ms; calls 2.10
// ms to durable" over `seconds`: what the group commits cost and how long an
// enrollment call waited for its reply to be durable.
std::string StoreCountersText(const StoreCounters& counters, double seconds);
// Where an enrollment's time in the daemon went, in mean ms: "for a worker
// 0.48, on it 0.49, queued 0.36, in a transaction 0.61, syncing 0.94, for the
// connection 0.31". "On it" is the call's time to durable less its write's
// stages: the handler's own work, the engine's included, and its waits for
// a core. Meaningful when enrollments are the only calls and writes.
std::string CallStagesText(const StoreCounters& counters);
// How many per 1,000 took over 5 ms, for each wait and stage of
// CallStagesText and for the whole call to durable: which of them makes an
// enrollment's tail.
std::string CallTailsText(const StoreCounters& counters);

// What one round of a row measured on one daemon: its enrollments, and what
// the daemon, this process and the cores spent in the timed region.
struct Round {
  Tally tally;
  double seconds = 0;
  double daemon_cpu_seconds = 0;
  double client_cpu_seconds = 0;
  ThreadUses daemon_threads;  // the daemon's CPU and sleeps, by thread name
  MachineCpu machine;         // the cores' busy and idle time
  StoreCounters store;        // with the daemon's metrics
};

// A row's rounds on one daemon added up, with each round's rate, daemon CPU
// per enrollment and p99 kept for comparing two daemons round by round
// (PrintComparison).
struct Rounds {
  Round total;                       // its latencies in round order, until sorted
  std::vector<double> round_rates;   // enrollments/s
  std::vector<double> round_cpu_ms;  // the daemon's CPU per enrollment
  std::vector<double> round_p99_ms;
  // Adds `round` in, sorting its latencies for its p99.
  void Add(Round round);
};

// The line under a row's two daemons (--against), "#   B/A: <rate_column>
// 1.03 (1.01, 1.05, 1.02); cpu-d ...; p99 ...": for the rate, the daemon's
// CPU per enrollment and p99, the ratio of B's sum over its rounds to A's,
// then round by round, each round's two figures having been measured one
// after the other.
void PrintComparison(std::string_view rate_column, const Rounds& a, const Rounds& b);

// The lines a row's --threads adds under it: the daemon's CPU and sleeps per
// enrollment by thread (over `calls` enrollments), what its store did in
// `seconds`, where an enrollment's time went and which waits made its tail.
void PrintDaemonDetails(const ThreadUses& threads, const StoreCounters& store, double seconds,
                        double calls);

// The first lines of a bench's output: "# 2026-12-04 02:30:00 UTC, <n> cpus,
// load average <of /proc/loadavg>" and "# <the command line>", so that a
// figure can be traced to the run and the machine's state that gave it.
void PrintRunHeader(int argc, char** argv);

}  // namespace openadcs::bench

#endif  // OPENADCS_BENCH_ENROLL_BENCH_SUPPORT_H_
