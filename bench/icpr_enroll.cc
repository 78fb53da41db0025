// Enrollment over ICertPassage benchmark (not a test): the release openadcsd
// started as a child with a temp state directory, enrolled against by our C++
// client over NTLM privacy from 1 to 64 connections, beside the raw signing
// rate of the same CA key (loaded from the daemon's state directory) measured
// in the same run on the same machine. Client and daemon share the machine's
// cores, as they do in the setting.
//
//   build/bench/bench/icpr_enroll --key rsa2048 --connections 1,2,4,8,16,32,64 --seconds 3 --rounds
//   3
//
// --rate R offers R requests/s over all connections instead of sending back to
// back: the latency at a load below capacity, where a closed loop of N
// connections can only show N / throughput (Little's law).
//
// To see where the daemon's time goes, run it under perf (the daemon, a child,
// inherits the counters; the release build has no frame pointers, hence
// DWARF call chains) and keep the daemon's samples in the enrollment window
// (perf script -F comm,time shows when the daemon is busy):
//   perf record -e cpu-clock -F 499 --call-graph dwarf,8192 -o icpr.data --
//       build/bench/bench/icpr_enroll --connections 8 --seconds 15
//   perf report -i icpr.data --comm openadcsd --time START,END --no-children
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "enroll_bench_support.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/util/status.h"
#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace {

using namespace openadcs;
using namespace openadcs::bench;

// A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"); -1 when absent.
long ProcStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

struct RunResult {
  Tally tally;  // latencies sorted
  double seconds = 0;
  long rss_kib = 0;  // the daemon's, with every connection still open
  long hwm_kib = 0;
  double daemon_cpu_seconds = 0;  // CPU the daemon and this process spent in the timed region
  double client_cpu_seconds = 0;
};

// `connections` clients, each connected and bound before the clock starts and
// driven by its own thread, submitting until `budget` has passed or, when
// `requests` > 0, until that many requests have been sent in all. Each
// connection sends its next request as soon as it has the answer (a closed
// loop) or, when `rate` > 0, on a schedule of `rate` requests per second in all
// (an open loop: the offered load does not depend on the server).
Result<RunResult> Enroll(const client::ConnectOptions& options, pid_t daemon, int connections,
                         const std::vector<Bytes>& csrs, Clock::duration budget, long requests,
                         double rate) {
  std::vector<std::unique_ptr<client::CertPassageClient>> clients;
  for (int i = 0; i < connections; ++i) {
    Result<std::unique_ptr<client::CertPassageClient>> c =
        client::CertPassageClient::Connect(options);
    if (!c.ok()) return c.status();
    clients.push_back(std::move(c).value());
  }

  RunResult result;
  std::mutex mu;  // guards result while threads merge into it
  std::atomic<long> sent{0};
  const double daemon_cpu_before = ProcessCpuSeconds(daemon);
  const double client_cpu_before = SelfCpuSeconds();
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + budget;
  std::vector<std::thread> pool;
  for (int t = 0; t < connections; ++t) {
    pool.emplace_back([&, t] {
      client::CertPassageClient& c = *clients[static_cast<std::size_t>(t)];
      Tally mine;
      for (std::size_t i = static_cast<std::size_t>(t);;
           i += static_cast<std::size_t>(connections)) {
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
      result.tally.Merge(mine);
    });
  }
  for (std::thread& th : pool) th.join();
  result.seconds = Seconds(Clock::now() - start);
  result.daemon_cpu_seconds = ProcessCpuSeconds(daemon) - daemon_cpu_before;
  result.client_cpu_seconds = SelfCpuSeconds() - client_cpu_before;
  result.rss_kib = ProcStatusKiB(daemon, "VmRSS");
  result.hwm_kib = ProcStatusKiB(daemon, "VmHWM");
  std::sort(result.tally.latencies_ms.begin(), result.tally.latencies_ms.end());
  return result;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "icpr_enroll: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"openadcs enrollment over ICertPassage benchmark"};
  std::string key = "rsa2048";
  int workers = 0;
  std::vector<int> connections{1, 2, 4, 8, 16, 32, 64};
  double seconds = 5;
  long requests = 0;
  double rate = 0;
  double sign_seconds = 1;
  int rounds = 3;
  app.add_option("--key", key, "CA key algorithm ([ca] key_algorithm)");
  app.add_option("--workers", workers, "[rpc] worker_threads (0: the daemon's default)");
  app.add_option("--connections", connections, "connection counts to run")->delimiter(',');
  app.add_option("--seconds", seconds, "enrollment time per round");
  app.add_option("--requests", requests, "requests per connection count instead of --seconds");
  app.add_option("--rate", rate, "offered requests/s over all connections (0: closed loop)");
  app.add_option("--sign-seconds", sign_seconds, "duration of each raw signing measurement");
  app.add_option("--rounds", rounds, "alternations of signing and enrollment per row")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  std::printf("# %s, %u cpus, load average %s# %s\n", UtcNow().c_str(),
              std::thread::hardware_concurrency(), testing::ReadTextFile("/proc/loadavg").c_str(),
              command.c_str());

  // The daemon's CA key is generated at its first start, so it starts first;
  // the CSRs are made before any timing.
  testing::TempDir dir;
  Result<Daemon> daemon =
      StartDaemon(dir.path(), {.key_algorithm = key, .worker_threads = workers});
  if (!daemon.ok()) return Fail(daemon.status());
  const std::vector<Bytes> csrs = MakeCsrs(64);

  Result<ossl::PKeyPtr> ca_key = LoadPrivateKey(daemon->state / "ca-key.pem");
  if (!ca_key.ok()) return Fail(ca_key.status());
  // At each connection count, signing on 1 and on 2 threads and the
  // enrollments alternate in rounds, and each row compares their totals:
  // this machine's speed drifts by 20 % within minutes (other tenants, CPU
  // steal), and a signing rate measured once for the whole sweep made the
  // ratios of later rows follow that drift.
  // cpu-d and cpu-c: CPU milliseconds per enrollment in the daemon and in
  // this client, to compare with one signature (1000 / sign1 ms).
  char each[64];
  if (requests > 0) {
    std::snprintf(each, sizeof each, "%ld requests", requests);
  } else {
    std::snprintf(each, sizeof each, "%.1f s of enrollment", seconds);
  }
  std::printf("# CA key %s; %d rounds per row of %.1f s signing on 1 and on 2 threads, then %s\n",
              key.c_str(), rounds, sign_seconds, each);
  std::printf("%5s %9s %8s %8s %7s %7s %8s %8s %7s %7s %7s %9s %9s\n", "conns", "enroll/s",
              "sign1/s", "sign2/s", "/sign1", "/sign2", "p50-ms", "p99-ms", "cpu-d", "cpu-c",
              "failed", "rss-KiB", "hwm-KiB");
  std::fflush(stdout);

  const client::ConnectOptions options = ConnectOptionsFor(*daemon);
  const Clock::duration sign_budget = FromSeconds(sign_seconds);
  const Clock::duration budget = FromSeconds(seconds);
  long failures = 0;
  for (int n : connections) {
    double sign1_sum = 0;
    double sign2_sum = 0;
    double enroll_seconds = 0;
    double daemon_cpu = 0;
    double client_cpu = 0;
    Tally tally;
    RunResult last;
    for (int round = 0; round < rounds; ++round) {
      Result<double> sign1 = SigningRate(ca_key->get(), 1, sign_budget);
      Result<double> sign2 = SigningRate(ca_key->get(), 2, sign_budget);
      if (!sign1.ok()) return Fail(sign1.status());
      if (!sign2.ok()) return Fail(sign2.status());
      sign1_sum += *sign1;
      sign2_sum += *sign2;
      Result<RunResult> r =
          Enroll(options, daemon->process->pid(), n, csrs, budget, requests, rate);
      if (!r.ok()) return Fail(r.status());
      tally.Merge(r->tally);
      enroll_seconds += r->seconds;
      daemon_cpu += r->daemon_cpu_seconds;
      client_cpu += r->client_cpu_seconds;
      last = std::move(r).value();
    }
    std::sort(tally.latencies_ms.begin(), tally.latencies_ms.end());
    const double sign1 = sign1_sum / rounds;
    const double sign2 = sign2_sum / rounds;
    const double enroll_rate = static_cast<double>(tally.issued) / enroll_seconds;
    const double calls = static_cast<double>(std::max<std::size_t>(tally.latencies_ms.size(), 1));
    std::printf("%5d %9.0f %8.0f %8.0f %7.2f %7.2f %8.2f %8.2f %7.2f %7.2f %7ld %9ld %9ld\n", n,
                enroll_rate, sign1, sign2, enroll_rate / sign1, enroll_rate / sign2,
                Percentile(tally.latencies_ms, 0.50), Percentile(tally.latencies_ms, 0.99),
                1000 * daemon_cpu / calls, 1000 * client_cpu / calls, tally.failures, last.rss_kib,
                last.hwm_kib);
    if (!tally.first_failure.empty()) {
      std::printf("#   first failure: %s\n", tally.first_failure.c_str());
    }
    std::fflush(stdout);
    failures += tally.failures;
  }

  if (Status s = StopDaemon(*daemon); !s.ok()) return Fail(s);
  return failures == 0 ? 0 : 1;
}
