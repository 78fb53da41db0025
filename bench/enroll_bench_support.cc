#include "enroll_bench_support.h"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "openadcs/auth/user_file.h"
#include "openadcs/idl/icert_passage.h"
#include "openadcs/idl/icert_request_d.h"
#include "openadcs/idl/icert_request_d2.h"
#include "testing/daemon_process.h"
#include "testing/metric_sample.h"
#include "testing/metrics_scrape.h"

namespace openadcs::bench {
namespace {

constexpr const char* kDomain = "EXAMPLE";
constexpr const char* kUser = "bench";
constexpr const char* kOfficerUser = "officer";
constexpr const char* kPassword = "Bench-Horse-7";
// Generating an RSA-4096 CA key on a busy 2-core machine can take a while.
constexpr std::chrono::seconds kStartTimeout{120};
constexpr std::chrono::seconds kStopTimeout{30};
constexpr std::chrono::seconds kScrapeTimeout{10};

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

// "1.03 (1.01, 1.05, 1.02)": the ratio of `b`'s sum to `a`'s, then round by
// round.
std::string RoundRatiosText(const std::vector<double>& b, const std::vector<double>& a) {
  double sum_b = 0;
  double sum_a = 0;
  std::string rounds;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    sum_b += b[i];
    sum_a += a[i];
    rounds += fmt::format("{}{:.2f}", rounds.empty() ? "" : ", ", a[i] > 0 ? b[i] / a[i] : 0);
  }
  return fmt::format("{:.3f} ({})", sum_a > 0 ? sum_b / sum_a : 0, rounds);
}

}  // namespace

void PrintRunHeader(int argc, char** argv) {
  std::string command;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) command += ' ';
    command += argv[i];
  }
  std::printf("# %s, %u cpus, load average %s# %s\n", UtcNow().c_str(),
              std::thread::hardware_concurrency(), testing::ReadTextFile("/proc/loadavg").c_str(),
              command.c_str());
}

Result<Daemon> StartDaemon(const std::filesystem::path& dir, const DaemonOptions& options) {
  Daemon d;
  d.state = dir / "state";
  d.log = dir / "openadcsd.log";
  std::error_code ec;
  std::filesystem::create_directories(d.state, ec);
  if (ec) return Status::IOError("cannot create " + d.state.string() + ": " + ec.message());
  std::filesystem::permissions(d.state, std::filesystem::perms::owner_all, ec);
  if (ec) return Status::IOError("cannot chmod " + d.state.string() + ": " + ec.message());
  Result<auth::UserFile> users = auth::UserFile::Load(d.state / "users");
  if (!users.ok()) return users.status();
  OPENADCS_RETURN_IF_ERROR(users->Add(kDomain, kUser, kPassword));
  if (options.officer) OPENADCS_RETURN_IF_ERROR(users->Add(kDomain, kOfficerUser, kPassword));
  OPENADCS_RETURN_IF_ERROR(users->Save());

  const std::filesystem::path templates = dir / "templates";
  OPENADCS_RETURN_IF_ERROR(WriteBenchTemplates(
      std::filesystem::path(OPENADCS_SOURCE_DIR) / "config/templates", templates));

  const std::filesystem::path config = dir / "openadcsd.toml";
  std::ofstream out(config);
  out << "[ca]\nsubject = \"CN=" << kCaName << "\"\nkey_algorithm = \"" << options.key_algorithm
      << "\"\n[state]\ndir = \"" << d.state.string() << "\"\n[database]\nsynchronous = \""
      << options.synchronous
      << "\"\n"
         // One account makes every request: no per-requester quotas.
         "[policy]\nmax_requests_per_hour = 0\nmax_stored_bytes = 0\n"
         "[templates]\nsource = \"ldif\"\ndirectory = \""
      << templates.string()
      << "\"\n"
         "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\nicpr_port = 0\n"
         "netbios_domain_name = \""
      << kDomain << "\"\nmax_connections = " << kMaxBenchConnections
      << "\nmax_connections_per_peer = " << kMaxBenchConnections << "\n";
  if (options.worker_threads > 0) out << "worker_threads = " << options.worker_threads << "\n";
  if (!options.ntlm_verifier.empty()) {
    out << "ntlm_verifier = \"" << options.ntlm_verifier << "\"\n";
  }
  if (options.dcom) out << "[dcom]\nport = 0\n";
  if (options.metrics) out << "[metrics]\nlisten = \"127.0.0.1:0\"\n";
  if (!options.keytab.empty()) {
    out << "[kerberos]\nkeytab = \"" << options.keytab.string() << "\"\nrealm = \"" << options.realm
        << "\"\n";
  }
  if (options.officer) {
    out << "[security]\nofficers = ['" << kDomain << "\\" << kOfficerUser << "']\n";
  }
  out.close();
  if (!out) return Status::IOError("cannot write " + config.string());

  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
      return Status::Unavailable("cannot raise the open-file limit");
    }
  }

  d.notify = std::make_unique<testing::NotifySocket>(dir / "notify");
  if (!d.notify->ok()) return Status::IOError("cannot bind the notify socket");
  std::string error;
  std::vector<std::string> environment = options.environment;
  environment.push_back("NOTIFY_SOCKET=" + d.notify->path().string());
  const std::string binary = options.binary.empty() ? OPENADCS_DAEMON : options.binary.string();
  d.process = testing::ChildProcess::Spawn({binary, "--config", config.string()}, environment,
                                           d.log, &error);
  if (d.process == nullptr) return Status::Unavailable("cannot start openadcsd: " + error);
  if (!d.notify->WaitFor("READY=1", kStartTimeout)) {
    return Status::Unavailable("openadcsd not ready:\n" + testing::ReadTextFile(d.log));
  }
  d.epm_port = testing::StatusPort(*d.notify, "epm");
  d.icpr_port = testing::StatusPort(*d.notify, "icpr");
  if (d.epm_port == 0 || d.icpr_port == 0) return Status::Unavailable("no ports in STATUS");
  if (options.metrics) {
    d.metrics_port = testing::StatusPort(*d.notify, "metrics");
    if (d.metrics_port == 0) return Status::Unavailable("no metrics port in STATUS");
  }
  return d;
}

Status StopDaemon(Daemon& daemon) {
  daemon.process->Signal(SIGTERM);
  const std::optional<int> status = daemon.process->Wait(kStopTimeout);
  if (!status) return Status::Unavailable("openadcsd did not stop within 30 s");
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Status::Internal("openadcsd exited abnormally:\n" + testing::ReadTextFile(daemon.log));
  }
  return Status::Ok();
}

Result<std::vector<Daemon>> StartSides(const std::filesystem::path& dir,
                                       const DaemonOptions& options, const std::string& against,
                                       const std::vector<std::string>& against_env) {
  std::vector<Daemon> sides;
  Result<Daemon> a = StartDaemon(dir, options);
  if (!a.ok()) return a.status();
  sides.push_back(std::move(a).value());
  if (against.empty() && against_env.empty()) return sides;
  DaemonOptions b_options = options;
  b_options.binary = against;
  b_options.environment = against_env;
  Result<Daemon> b = StartDaemon(dir / "b", b_options);
  if (!b.ok()) return b.status();
  sides.push_back(std::move(b).value());
  std::string env;
  for (const std::string& e : against_env) env += (env.empty() ? ", with " : " ") + e;
  std::printf("# A: this build's openadcsd; B: %s%s\n",
              against.empty() ? "the same" : against.c_str(), env.c_str());
  return sides;
}

Status StopSides(std::vector<Daemon>& sides) {
  for (auto it = sides.rbegin(); it != sides.rend(); ++it) {
    OPENADCS_RETURN_IF_ERROR(StopDaemon(*it));
  }
  return Status::Ok();
}

client::ConnectOptions ConnectOptionsFor(const Daemon& daemon) {
  client::ConnectOptions options;
  options.epm_port = daemon.epm_port;
  options.port = daemon.icpr_port;
  options.credentials.domain = kDomain;
  options.credentials.user = kUser;
  options.credentials.password = kPassword;
  options.level = auth::AuthLevel::kPrivacy;
  return options;
}

client::ConnectOptions OfficerConnectOptionsFor(const Daemon& daemon) {
  client::ConnectOptions options = ConnectOptionsFor(daemon);
  options.credentials.user = kOfficerUser;
  return options;
}

Result<ossl::PKeyPtr> LoadPrivateKey(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!file) return Status::IOError("cannot open " + path.string());
  ossl::PKeyPtr key(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  if (!key) return Status::Corruption("no private key in " + path.string());
  return key;
}

bool Tally::Record(const Result<client::EnrollResult>& r, Clock::time_point since) {
  latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - since).count());
  if (r.ok() && r->disposition == client::kDispositionIssued) {
    ++issued;
    return true;
  }
  ++failures;
  if (first_failure.empty()) {
    first_failure = r.ok() ? "disposition " + std::to_string(r->disposition) + " " + r->message
                           : r.status().ToString();
  }
  return r.ok();
}

void Tally::Merge(const Tally& other) {
  issued += other.issued;
  failures += other.failures;
  if (first_failure.empty()) first_failure = other.first_failure;
  latencies_ms.insert(latencies_ms.end(), other.latencies_ms.begin(), other.latencies_ms.end());
}

void Tally::PrintFirstFailure() const {
  if (!first_failure.empty()) std::printf("#   first failure: %s\n", first_failure.c_str());
}

int Fail(const Status& s) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, s.ToString().c_str());
  return 1;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

void Rounds::Add(Round round) {
  const double calls = static_cast<double>(std::max(1L, round.tally.issued));
  round_rates.push_back(static_cast<double>(round.tally.issued) / round.seconds);
  round_cpu_ms.push_back(1000 * round.daemon_cpu_seconds / calls);
  std::sort(round.tally.latencies_ms.begin(), round.tally.latencies_ms.end());
  round_p99_ms.push_back(Percentile(round.tally.latencies_ms, 0.99));
  total.tally.Merge(round.tally);
  total.seconds += round.seconds;
  total.daemon_cpu_seconds += round.daemon_cpu_seconds;
  total.client_cpu_seconds += round.client_cpu_seconds;
  Accumulate(total.daemon_threads, round.daemon_threads);
  total.machine.Accumulate(round.machine);
  total.store.Accumulate(round.store);
}

void PrintComparison(std::string_view rate_column, const Rounds& a, const Rounds& b) {
  std::printf("#   B/A: %.*s %s; cpu-d %s; p99 %s\n", static_cast<int>(rate_column.size()),
              rate_column.data(), RoundRatiosText(b.round_rates, a.round_rates).c_str(),
              RoundRatiosText(b.round_cpu_ms, a.round_cpu_ms).c_str(),
              RoundRatiosText(b.round_p99_ms, a.round_p99_ms).c_str());
  std::fflush(stdout);
}

void PrintDaemonDetails(const ThreadUses& threads, const StoreCounters& store, double seconds,
                        double calls) {
  std::printf("#   daemon CPU by thread, us per enrollment (the kernel's part): %s\n",
              PerOperationText(threads, calls).c_str());
  std::printf("#   daemon sleeps per enrollment: %s\n", SleepsText(threads, calls).c_str());
  std::printf("#   store: %s\n", StoreCountersText(store, seconds).c_str());
  std::printf("#   an enrollment's time in the daemon, ms: %s\n", CallStagesText(store).c_str());
  std::printf("#   over 5 ms, per 1,000: %s\n", CallTailsText(store).c_str());
}

namespace {

// utime and stime of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line
// in clock ticks, and its thread's name into `name` when given; false when
// the line is not one. The name, in parentheses, may itself hold spaces and
// parentheses: the fields count from the last ')'. State is field 3, utime
// and stime fields 14 and 15.
bool StatTicks(const std::string& stat, std::string* name, long* utime, long* stime) {
  const std::size_t open = stat.find('(');
  const std::size_t close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  if (name != nullptr) *name = stat.substr(open + 1, close - open - 1);
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  int i = 3;
  for (; i <= 15 && fields >> field; ++i) {
    if (i == 14) *utime = std::stol(field);
    if (i == 15) *stime = std::stol(field);
  }
  return i > 15;
}

double TicksToSeconds(long ticks) {
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The number of a "name:\tvalue" line of a /proc/.../status text (a "kB"
// after it left out); `absent` when no line has that name.
double StatusField(const std::string& status, std::string_view name, double absent) {
  const std::string key = fmt::format("{}:", name);
  std::size_t at = status.rfind(key, 0) == 0 ? 0 : status.find("\n" + key);
  if (at == std::string::npos) return absent;
  if (at > 0) ++at;  // past the newline
  return std::strtod(status.c_str() + at + key.size(), nullptr);
}

// Names with their values, largest first.
std::vector<std::pair<double, std::string>> Largest(const ThreadUses& threads,
                                                    double (*value)(const ThreadUse&)) {
  std::vector<std::pair<double, std::string>> sorted;
  sorted.reserve(threads.size());
  for (const auto& [name, use] : threads) sorted.emplace_back(value(use), name);
  std::sort(sorted.rbegin(), sorted.rend());
  return sorted;
}

}  // namespace

ThreadUse& ThreadUse::operator+=(const ThreadUse& more) {
  cpu_seconds += more.cpu_seconds;
  system_seconds += more.system_seconds;
  sleeps += more.sleeps;
  preemptions += more.preemptions;
  return *this;
}

ThreadUse& ThreadUse::operator-=(const ThreadUse& less) {
  cpu_seconds -= less.cpu_seconds;
  system_seconds -= less.system_seconds;
  sleeps -= less.sleeps;
  preemptions -= less.preemptions;
  return *this;
}

double ProcessCpuSeconds(pid_t pid) {
  long utime = 0;
  long stime = 0;
  if (!StatTicks(testing::ReadTextFile("/proc/" + std::to_string(pid) + "/stat"), nullptr, &utime,
                 &stime)) {
    return -1;
  }
  return TicksToSeconds(utime + stime);
}

long ProcStatusKiB(pid_t pid, std::string_view field) {
  return static_cast<long>(
      StatusField(testing::ReadTextFile("/proc/" + std::to_string(pid) + "/status"), field, -1));
}

ThreadUses ThreadUsesOf(pid_t pid) {
  ThreadUses threads;
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const std::filesystem::directory_entry& task :
       std::filesystem::directory_iterator(tasks, ec)) {
    std::string name;
    long utime = 0;
    long stime = 0;
    // A thread that exited since the listing has no stat left: skipped.
    if (!StatTicks(testing::ReadTextFile(task.path() / "stat"), &name, &utime, &stime)) continue;
    const std::string status = testing::ReadTextFile(task.path() / "status");
    threads[name] += ThreadUse{TicksToSeconds(utime + stime), TicksToSeconds(stime),
                               StatusField(status, "voluntary_ctxt_switches", 0),
                               StatusField(status, "nonvoluntary_ctxt_switches", 0)};
  }
  return threads;
}

ThreadUses Difference(const ThreadUses& after, const ThreadUses& before) {
  ThreadUses out;
  for (const auto& [name, use] : after) {
    out[name] = use;
    const auto was = before.find(name);
    if (was != before.end()) out[name] -= was->second;
  }
  return out;
}

void Accumulate(ThreadUses& total, const ThreadUses& more) {
  for (const auto& [name, use] : more) total[name] += use;
}

std::string PerOperationText(const ThreadUses& threads, double operations) {
  const double per = 1e6 / std::max(operations, 1.0);
  std::string text;
  for (const auto& [seconds, name] :
       Largest(threads, [](const ThreadUse& u) { return u.cpu_seconds; })) {
    text += fmt::format("{}{} {:.0f} ({:.0f})", text.empty() ? "" : ", ", name, per * seconds,
                        per * threads.at(name).system_seconds);
  }
  return text;
}

std::string SleepsText(const ThreadUses& threads, double operations) {
  const double per = 1 / std::max(operations, 1.0);
  ThreadUse all;
  for (const auto& [name, use] : threads) all += use;
  std::string by_name;
  for (const auto& [sleeps, name] : Largest(threads, [](const ThreadUse& u) { return u.sleeps; })) {
    if (per * sleeps < 0.05) break;
    by_name += fmt::format("{}{} {:.1f}", by_name.empty() ? "" : ", ", name, per * sleeps);
  }
  return fmt::format("{:.1f} ({}), preempted {:.1f}", per * all.sleeps, by_name,
                     per * all.preemptions);
}

MachineCpu MachineCpuSeconds() {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice":
  // guest time is already in user.
  std::istringstream line(testing::ReadTextFile("/proc/stat"));
  std::string label;
  std::array<long, 8> fields{};
  line >> label;
  for (long& f : fields) line >> f;
  MachineCpu cpu;
  if (label != "cpu") return cpu;
  const auto [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  cpu.busy = TicksToSeconds(user + nice + system + irq + softirq + steal);
  cpu.idle = TicksToSeconds(idle + iowait);
  return cpu;
}

MachineCpu Difference(const MachineCpu& after, const MachineCpu& before) {
  return {after.busy - before.busy, after.idle - before.idle};
}

namespace {

// The enrollment methods' series of openadcs_rpc_call_duration_seconds.
std::vector<std::string> EnrollmentCallLabels() {
  auto labels = [](const Uuid& uuid, auto opnum) {
    return fmt::format("{{interface=\"{}\",opnum=\"{}\"}}", uuid.ToString(),
                       static_cast<std::uint16_t>(opnum));
  };
  return {labels(idl::icert_passage::kUuid, idl::icert_passage::Opnum::kCertServerRequest),
          labels(idl::icert_request_d::kUuid, idl::icert_request_d::Opnum::kRequest),
          labels(idl::icert_request_d2::kUuid, idl::icert_request_d2::Opnum::kRequest),
          labels(idl::icert_request_d2::kUuid, idl::icert_request_d2::Opnum::kRequest2)};
}

// A sample of `text`, 0 while the daemon has not made the series yet.
double SampleOrZero(std::string_view text, const std::string& series) {
  return std::max(testing::MetricSample(text, series), 0.0);
}

}  // namespace

void StoreCounters::Accumulate(const StoreCounters& more) {
  commits += more.commits;
  writes += more.writes;
  writer_cpu_seconds += more.writer_cpu_seconds;
  fsyncs.Accumulate(more.fsyncs);
  calls.Accumulate(more.calls);
  worker_wait.Accumulate(more.worker_wait);
  reply_wait.Accumulate(more.reply_wait);
  queued.Accumulate(more.queued);
  transaction.Accumulate(more.transaction);
  sync.Accumulate(more.sync);
}

Result<StoreCounters> ScrapeStoreCounters(const Daemon& daemon) {
  if (daemon.metrics_port == 0) return StoreCounters{};
  Result<std::string> text = testing::ScrapeMetrics(daemon.metrics_port, kScrapeTimeout);
  if (!text.ok()) return text.status();
  auto timed = [&](const std::string& family, const std::string& labels) {
    // The bucket's series: the labels, then le.
    const std::string within_5ms =
        labels.empty() ? "{le=\"0.005\"}" : labels.substr(0, labels.size() - 1) + ",le=\"0.005\"}";
    const double count = SampleOrZero(*text, family + "_count" + labels);
    return Timed{count, SampleOrZero(*text, family + "_sum" + labels),
                 count - SampleOrZero(*text, family + "_bucket" + within_5ms)};
  };
  StoreCounters c;
  c.commits = SampleOrZero(*text, "openadcs_db_commit_writes_count");
  c.writes = SampleOrZero(*text, "openadcs_db_commit_writes_sum");
  c.writer_cpu_seconds = SampleOrZero(*text, "openadcs_db_commit_writer_cpu_seconds_sum");
  c.fsyncs = timed("openadcs_db_commit_fsync_seconds", "");
  for (const std::string& labels : EnrollmentCallLabels()) {
    c.calls.Accumulate(timed("openadcs_rpc_call_duration_seconds", labels));
  }
  c.worker_wait = timed("openadcs_rpc_call_wait_seconds", "{for=\"worker\"}");
  c.reply_wait = timed("openadcs_rpc_call_wait_seconds", "{for=\"reply\"}");
  c.queued = timed("openadcs_db_write_stage_seconds", "{stage=\"queued\"}");
  c.transaction = timed("openadcs_db_write_stage_seconds", "{stage=\"transaction\"}");
  c.sync = timed("openadcs_db_write_stage_seconds", "{stage=\"sync\"}");
  return c;
}

StoreCounters Difference(const StoreCounters& after, const StoreCounters& before) {
  StoreCounters d;
  d.commits = after.commits - before.commits;
  d.writes = after.writes - before.writes;
  d.writer_cpu_seconds = after.writer_cpu_seconds - before.writer_cpu_seconds;
  d.fsyncs = after.fsyncs - before.fsyncs;
  d.calls = after.calls - before.calls;
  d.worker_wait = after.worker_wait - before.worker_wait;
  d.reply_wait = after.reply_wait - before.reply_wait;
  d.queued = after.queued - before.queued;
  d.transaction = after.transaction - before.transaction;
  d.sync = after.sync - before.sync;
  return d;
}

std::string StoreCountersText(const StoreCounters& c, double seconds) {
  auto per = [](double total, double count) { return count > 0 ? total / count : 0.0; };
  return fmt::format(
      "{:.0f} commits/s of {:.1f} writes, writer {:.0f} us each; fsync {:.2f} ms; calls {:.2f} "
      "ms to durable",
      per(c.commits, seconds), per(c.writes, c.commits), 1e6 * per(c.writer_cpu_seconds, c.commits),
      c.fsyncs.MeanMs(), c.calls.MeanMs());
}

std::string CallStagesText(const StoreCounters& c) {
  const double stages = c.queued.MeanMs() + c.transaction.MeanMs() + c.sync.MeanMs();
  return fmt::format(
      "for a worker {:.2f}, on it {:.2f}, queued {:.2f}, in a transaction {:.2f}, syncing {:.2f}, "
      "for the connection {:.2f}",
      c.worker_wait.MeanMs(), c.calls.MeanMs() - stages, c.queued.MeanMs(), c.transaction.MeanMs(),
      c.sync.MeanMs(), c.reply_wait.MeanMs());
}

std::string CallTailsText(const StoreCounters& c) {
  return fmt::format(
      "for a worker {:.1f}, queued {:.1f}, in a transaction {:.1f}, syncing {:.1f}, for the "
      "connection {:.1f}; the call to durable {:.1f}",
      c.worker_wait.Over5msPerThousand(), c.queued.Over5msPerThousand(),
      c.transaction.Over5msPerThousand(), c.sync.Over5msPerThousand(),
      c.reply_wait.Over5msPerThousand(), c.calls.Over5msPerThousand());
}

}  // namespace openadcs::bench
