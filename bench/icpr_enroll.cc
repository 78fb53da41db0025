// Enrollment over ICertPassage benchmark (not a test): the release openadcsd
// started as a child with a temp state directory, enrolled against by our C++
// client over NTLM privacy from 1 to 64 (or 1,024) connections, beside the
// crypto floor on 2 threads (crypto_floor.h: checking a request's signature
// plus the CA's signature, with the daemon's own CA key and the same CSRs)
// measured in the same run, interleaved with the enrollments. Client and
// daemon share the machine's cores, as they do in the setting; the
// target (issue 13) is a fraction of the 2-thread floor.
//
//   build/bench/bench/icpr_enroll --key rsa2048 --request-key rsa2048
//       --connections 1,2,4,8,16,32,64 --seconds 3 --rounds 3
//
// --rate R offers R requests/s over all connections instead of sending back to
// back: the latency at a load below capacity, where a closed loop of N
// connections can only show N / throughput (Little's law). --rate-fraction F
// runs each connection count closed loop first, then open loop at F times the
// rate it reached (the latency target: F = 0.7 at 32 connections):
//   build/bench/bench/icpr_enroll --connections 32 --rate-fraction 0.7 --seconds 5
//   build/bench/bench/icpr_enroll --connections 32 --rate 500 --seconds 5
//
// To compare a change with the build as it is, --against PATH runs every row
// on a second openadcsd too (B: a copy of the build before the change, say),
// alternating with this build's (A) round by round, and prints B/A for each
// round; --against-env NAME=VALUE sets B's environment (alone: the same
// binary, for a setting read from the environment). Give it many rounds,
// and several runs: two daemons of one build can differ by a few percent
// for as long as they run (docs/performance.md, "two daemons in one run"):
//   build/bench/bench/icpr_enroll --connections 8,32 --seconds 3 --rounds 6
//       --against /tmp/openadcsd.before
//
// Memory with many connections: rss-KiB and hwm-KiB are the daemon's with
// every connection of the row still open (the bench raises the daemon's
// connection limits and the open-file limit for it):
//   build/bench/bench/icpr_enroll --connections 1024 --seconds 5 --rounds 1
//
// To see where the daemon's time goes, run it under perf (the daemon, a child,
// inherits the counters; the release build has no frame pointers, hence
// DWARF call chains) and keep the daemon's samples in the enrollment window
// (perf script -F comm,time shows when the daemon is busy):
//   perf record -e cpu-clock -F 499 --call-graph dwarf,8192 -o icpr.data --
//       build/bench/bench/icpr_enroll --connections 8 --seconds 15
//   perf report -i icpr.data --comm openadcsd --time START,END --no-children
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "enroll_bench_support.h"
#include "guarded_main.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/util/status.h"
#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace {

using namespace openadcs;
using namespace openadcs::bench;

struct RunResult {
  Round round;
  long rss_kib = 0;  // the daemon's, with every connection still open
  long hwm_kib = 0;
};

using Clients = std::vector<std::unique_ptr<client::CertPassageClient>>;

// `connections` clients, each connected and bound (outside any timed region).
Result<Clients> ConnectClients(const client::ConnectOptions& options, int connections) {
  Clients clients;
  for (int i = 0; i < connections; ++i) {
    Result<std::unique_ptr<client::CertPassageClient>> c =
        client::CertPassageClient::Connect(options);
    if (!c.ok()) return c.status();
    clients.push_back(std::move(c).value());
  }
  return clients;
}

// Each of `clients` driven by its own thread, submitting until `budget` has
// passed or, when `requests` > 0, until that many requests have been sent in
// all. Each connection sends its next request as soon as it has the answer (a
// closed loop) or, when `rate` > 0, on a schedule of `rate` requests per
// second in all (an open loop: the offered load does not depend on the
// server).
RunResult Enroll(Clients& clients, pid_t daemon, const std::vector<Bytes>& csrs,
                 Clock::duration budget, long requests, double rate) {
  const std::size_t connections = clients.size();
  RunResult result;
  std::mutex mu;  // guards result while threads merge into it
  std::atomic<long> sent{0};
  const double daemon_cpu_before = ProcessCpuSeconds(daemon);
  const double client_cpu_before = SelfCpuSeconds();
  const ThreadUses threads_before = ThreadUsesOf(daemon);
  const MachineCpu machine_before = MachineCpuSeconds();
  // Set once every thread exists, so that starting them is not counted in
  // the first requests' latency; the latch orders it before their reads.
  Clock::time_point start;
  Clock::time_point deadline;
  std::latch started(static_cast<std::ptrdiff_t>(connections) + 1);
  std::vector<std::thread> pool;
  pool.reserve(connections);
  for (std::size_t t = 0; t < connections; ++t) {
    pool.emplace_back([&, t] {
      client::CertPassageClient& c = *clients[t];
      Tally mine;
      started.arrive_and_wait();
      for (std::size_t i = t;; i += connections) {
        if (requests > 0 ? sent.fetch_add(1) >= requests : Clock::now() >= deadline) break;
        Clock::time_point before = Clock::now();
        if (rate > 0) {
          // Request i (numbered across connections) is due at start + i / rate and
          // its latency counts from then, so a server falling behind is not hidden
          // by the client waiting for it (coordinated omission).
          before = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(i) / rate));
          if (requests == 0 && before >= deadline) break;
          std::this_thread::sleep_until(before);  // the offered load's schedule
        }
        if (!mine.Record(c.Submit(kCrInPkcs10, csrs[i % csrs.size()], kAttributes, kCaName),
                         before)) {
          break;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.round.tally.Merge(mine);
    });
  }
  start = Clock::now();
  deadline = start + budget;
  started.arrive_and_wait();
  for (std::thread& th : pool) th.join();
  result.round.seconds = Seconds(Clock::now() - start);
  result.round.daemon_cpu_seconds = ProcessCpuSeconds(daemon) - daemon_cpu_before;
  result.round.client_cpu_seconds = SelfCpuSeconds() - client_cpu_before;
  result.round.daemon_threads = Difference(ThreadUsesOf(daemon), threads_before);
  result.round.machine = Difference(MachineCpuSeconds(), machine_before);
  result.rss_kib = ProcStatusKiB(daemon, "VmRSS");
  result.hwm_kib = ProcStatusKiB(daemon, "VmHWM");
  return result;
}

// One row: `rounds` alternations of the 2-thread crypto floor and the
// enrollments, compared by their totals: this machine's speed drifts by 20 %
// within minutes (other tenants, CPU steal), and a reference measured once
// for the whole sweep made the ratios of later rows follow that drift.
struct Row {
  Rounds rounds;  // the total's latencies sorted
  double enroll_rate = 0;
  FloorRate floor;  // the means over the rounds
  long rss_kib = 0;
  long hwm_kib = 0;
};

struct RowSpec {
  int rounds = 1;
  Clock::duration floor_budget{};
  Clock::duration budget{};
  long requests = 0;
  double rate = 0;
};

// A daemon measured in a row, with the row's connections to it.
struct Side {
  const Daemon* daemon = nullptr;
  Clients clients;
};

// One row for each of `sides`, their enrollments run in turn after each
// round's floor (every side's row shares the floor). With two sides, odd
// rounds run them in the reverse order (A B, B A, A B, ...): a machine
// speeding up or slowing down through the row then favours neither, as
// running one first every time did (docs/performance.md, "where the open
// loop's extra CPU goes").
Result<std::vector<Row>> MeasureRows(std::vector<Side>& sides, const std::vector<Bytes>& csrs,
                                     const CryptoFloor& floor, const RowSpec& spec) {
  std::vector<Row> rows(sides.size());
  double floor_count = 0;
  double floor_seconds = 0;
  FloorRate floor_means;
  for (int round = 0; round < spec.rounds; ++round) {
    Result<FloorRate> f = floor.Measure(2, spec.floor_budget);
    if (!f.ok()) return f.status();
    floor_count += f->floor * Seconds(spec.floor_budget);
    floor_seconds += Seconds(spec.floor_budget);
    floor_means.sign += f->sign / spec.rounds;
    floor_means.cpu_per_op += f->cpu_per_op / spec.rounds;
    for (std::size_t k = 0; k < sides.size(); ++k) {
      const std::size_t i = round % 2 == 0 ? k : sides.size() - 1 - k;
      const Daemon& daemon = *sides[i].daemon;
      Row& row = rows[i];
      Result<StoreCounters> store_before = ScrapeStoreCounters(daemon);
      if (!store_before.ok()) return store_before.status();
      RunResult r = Enroll(sides[i].clients, daemon.process->pid(), csrs, spec.budget,
                           spec.requests, spec.rate);
      Result<StoreCounters> store_after = ScrapeStoreCounters(daemon);
      if (!store_after.ok()) return store_after.status();
      r.round.store = Difference(*store_after, *store_before);
      row.rounds.Add(std::move(r.round));
      row.rss_kib = r.rss_kib;
      row.hwm_kib = r.hwm_kib;
    }
  }
  floor_means.floor = floor_count / floor_seconds;
  for (Row& row : rows) {
    Round& total = row.rounds.total;
    std::sort(total.tally.latencies_ms.begin(), total.tally.latencies_ms.end());
    row.floor = floor_means;
    row.enroll_rate = static_cast<double>(total.tally.issued) / total.seconds;
  }
  return rows;
}

// cpu-d and cpu-c: CPU milliseconds per enrollment in the daemon and in this
// client; floor-ms: CPU milliseconds per floor operation, and /fl-cpu its
// ratio to cpu-d + cpu-c, which other tenants' load skews less than /floor2;
// idle%: the share of the cores' time that no process used (idle or waiting
// for a disk) while enrolling, what a rate short of its CPU bound left.
// With `sides`, a first column names the daemon of the row (A: the build as
// it is, B: what --against names).
void PrintHeader(bool sides) {
  if (sides) std::printf("%4s ", "side");
  std::printf("%5s %8s %9s %8s %8s %7s %8s %8s %7s %7s %8s %7s %7s %9s %9s %6s\n", "conns",
              "offered", "enroll/s", "floor2/s", "sign2/s", "/floor2", "p50-ms", "p99-ms", "cpu-d",
              "cpu-c", "floor-ms", "/fl-cpu", "failed", "rss-KiB", "hwm-KiB", "idle%");
}

// With `threads`, PrintDaemonDetails' lines follow the row.
void PrintRow(std::string_view side, int connections, double offered, const Row& row,
              bool threads) {
  const Round& total = row.rounds.total;
  const double calls =
      static_cast<double>(std::max<std::size_t>(total.tally.latencies_ms.size(), 1));
  char offered_text[16] = "closed";
  if (offered > 0) std::snprintf(offered_text, sizeof offered_text, "%.0f", offered);
  const double cpu_d = 1000 * total.daemon_cpu_seconds / calls;
  const double cpu_c = 1000 * total.client_cpu_seconds / calls;
  const double floor_ms = 1000 * row.floor.cpu_per_op;
  if (!side.empty()) std::printf("%4.*s ", static_cast<int>(side.size()), side.data());
  std::printf(
      "%5d %8s %9.0f %8.0f %8.0f %7.2f %8.2f %8.2f %7.2f %7.2f %8.3f %7.2f %7ld %9ld %9ld %6.1f\n",
      connections, offered_text, row.enroll_rate, row.floor.floor, row.floor.sign,
      row.enroll_rate / row.floor.floor, Percentile(total.tally.latencies_ms, 0.50),
      Percentile(total.tally.latencies_ms, 0.99), cpu_d, cpu_c, floor_ms,
      floor_ms / (cpu_d + cpu_c), total.tally.failures, row.rss_kib, row.hwm_kib,
      100 * total.machine.IdleShare());
  if (threads) PrintDaemonDetails(total.daemon_threads, total.store, total.seconds, calls);
  total.tally.PrintFirstFailure();
  std::fflush(stdout);
}

// Measures a row on every side, prints its rows (and with two sides their
// comparison), and returns A's row. `failures` counts the failed enrollments.
Result<Row> RunRow(std::vector<Side>& sides, const std::vector<Bytes>& csrs,
                   const CryptoFloor& floor, const RowSpec& spec, int connections, bool threads,
                   long& failures) {
  Result<std::vector<Row>> rows = MeasureRows(sides, csrs, floor, spec);
  if (!rows.ok()) return rows.status();
  const bool compared = rows->size() == 2;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    PrintRow(compared ? (i == 0 ? "A" : "B") : "", connections, spec.rate, (*rows)[i], threads);
    failures += (*rows)[i].rounds.total.tally.failures;
  }
  if (compared) PrintComparison("enroll/s", (*rows)[0].rounds, (*rows)[1].rounds);
  return std::move(rows->front());
}

int BenchMain(int argc, char** argv) {
  CLI::App app{"openadcs enrollment over ICertPassage benchmark"};
  std::string key = "rsa2048";
  std::string request_key = "rsa2048";
  int workers = 0;
  std::vector<int> connections{1, 2, 4, 8, 16, 32, 64};
  double seconds = 5;
  long requests = 0;
  double rate = 0;
  double rate_fraction = 0;
  double floor_seconds = 1;
  int rounds = 3;
  bool threads = false;
  std::string synchronous = "full";
  std::string against;
  std::vector<std::string> against_env;
  app.add_option("--key", key, "CA key algorithm ([ca] key_algorithm)");
  app.add_option("--request-key", request_key, "key algorithm of the requests");
  app.add_option("--workers", workers, "[rpc] worker_threads (0: the daemon's default)");
  app.add_option("--connections", connections, "connection counts to run")->delimiter(',');
  app.add_option("--seconds", seconds, "enrollment time per round");
  app.add_option("--requests", requests, "requests per connection count instead of --seconds");
  app.add_option("--rate", rate, "offered requests/s over all connections (0: closed loop)");
  app.add_option("--rate-fraction", rate_fraction,
                 "after each closed-loop row, an open-loop row at this fraction of its rate")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--floor-seconds", floor_seconds, "duration of each crypto floor measurement");
  app.add_option("--rounds", rounds, "alternations of the floor and enrollment per row")
      ->check(CLI::PositiveNumber);
  app.add_option("--synchronous", synchronous,
                 "[database] synchronous; normal: no sync, to measure what the sync costs")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_flag(
      "--threads", threads,
      "after each row, the daemon's CPU and sleeps per enrollment by thread and its commits "
      "(the daemon then serves metrics)");
  app.add_option("--against", against,
                 "also run every row on this openadcsd (B), alternating with the build's (A) "
                 "round by round, and print B/A");
  app.add_option("--against-env", against_env,
                 "NAME=VALUE in B's environment (B is the build's openadcsd unless --against)");
  CLI11_PARSE(app, argc, argv);
  Result<pki::KeyAlgorithm> request_alg = pki::ParseKeyAlgorithm(request_key);
  if (!request_alg.ok()) return Fail(request_alg.status());

  PrintRunHeader(argc, argv);

  // The daemon's CA key is generated at its first start, so it starts first;
  // the CSRs are made before any timing.
  testing::TempDir dir;
  DaemonOptions daemon_options;
  daemon_options.key_algorithm = key;
  daemon_options.worker_threads = workers;
  daemon_options.metrics = threads;
  daemon_options.synchronous = synchronous;
  Result<std::vector<Daemon>> started =
      StartSides(dir.path(), daemon_options, against, against_env);
  if (!started.ok()) return Fail(started.status());
  std::vector<Daemon>& daemons = *started;
  Result<std::vector<Bytes>> csrs = MakeCsrs(64, *request_alg);
  if (!csrs.ok()) return Fail(csrs.status());
  Result<ossl::PKeyPtr> ca_key = LoadPrivateKey(daemons.front().state / "ca-key.pem");
  if (!ca_key.ok()) return Fail(ca_key.status());
  Result<CryptoFloor> floor = CryptoFloor::Create(*csrs, ca_key->get());
  if (!floor.ok()) return Fail(floor.status());

  char each[64];
  if (requests > 0) {
    std::snprintf(each, sizeof each, "%ld requests", requests);
  } else {
    std::snprintf(each, sizeof each, "%.1f s of enrollment", seconds);
  }
  std::printf(
      "# CA key %s, request key %s; %d rounds per row of %.1f s of the crypto floor on 2 threads, "
      "then %s\n",
      key.c_str(), request_key.c_str(), rounds, floor_seconds, each);
  if (synchronous != "full") {
    std::printf("# not durable: the daemon's store does not sync its commits (synchronous = %s)\n",
                synchronous.c_str());
  }
  PrintHeader(daemons.size() == 2);
  std::fflush(stdout);

  RowSpec spec{.rounds = rounds,
               .floor_budget = FromSeconds(floor_seconds),
               .budget = FromSeconds(seconds),
               .requests = requests,
               .rate = rate};
  long failures = 0;
  for (int n : connections) {
    std::vector<Side> sides;
    for (const Daemon& d : daemons) {
      Result<Clients> clients = ConnectClients(ConnectOptionsFor(d), n);
      if (!clients.ok()) return Fail(clients.status());
      sides.push_back({&d, std::move(clients).value()});
    }
    spec.rate = rate;
    Result<Row> row = RunRow(sides, *csrs, *floor, spec, n, threads, failures);
    if (!row.ok()) return Fail(row.status());
    if (rate_fraction > 0 && rate == 0) {
      // Both sides get the same load: the fraction of A's rate.
      spec.rate = rate_fraction * row->enroll_rate;
      Result<Row> open = RunRow(sides, *csrs, *floor, spec, n, threads, failures);
      if (!open.ok()) return Fail(open.status());
    }
  }

  if (Status s = StopSides(daemons); !s.ok()) return Fail(s);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return openadcs::bench::GuardedMain([&] { return BenchMain(argc, argv); });
}
