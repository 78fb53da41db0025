// Enrollment over DCOM (ICertRequestD) benchmark (not a test): the release
// openadcsd started as a child with a temp state directory, enrolled against
// by our C++ client over NTLM privacy from 1 to 64 clients, in three modes
// measured in the same run on the same machine:
//   icpr      ICertPassage, one bound connection per client (the reference);
//   dcom      one activated ICertRequestD2 per client, many Requests on it;
//   activate  per enrollment: activation, object bind, one Request, RemRelease
//             (what one certreq run costs).
// Each row shows the rate beside the raw signing rate of the CA key and the
// ratio to icpr at the same client count; the targets are dcom within 10% of
// icpr and activate at least half of it.
//
// The daemon's activation port is bound at 0 (port 135 needs a namespace);
// the client is given it as its epm port.
//
//   build/bench/bench/dcom_enroll --clients 1,2,4,8,16,32,64 --seconds 2 --rounds 3
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/auth/user_file.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"
#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace {

using namespace openadcs;
using Clock = std::chrono::steady_clock;

constexpr const char* kCaName = "openadcs Bench CA";
constexpr const char* kDomain = "EXAMPLE";
constexpr const char* kUser = "bench";
constexpr const char* kPassword = "Bench-Horse-7";
constexpr const char* kAttributes = "CertificateTemplate:AutoIssueSubject";
constexpr std::uint32_t kCrInPkcs10 = 0x100;
constexpr std::chrono::seconds kStartTimeout{120};
constexpr std::chrono::seconds kStopTimeout{30};

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Daemon {
  std::unique_ptr<testing::NotifySocket> notify;
  std::unique_ptr<testing::ChildProcess> process;
  std::filesystem::path state;
  std::filesystem::path log;
  std::uint16_t epm_port = 0;
  std::uint16_t icpr_port = 0;
};

// Config and user file under `dir`, openadcsd started and READY; every port
// bound at 0 and read from the STATUS line.
Result<Daemon> StartDaemon(const std::filesystem::path& dir, const std::string& key_algorithm) {
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
  OPENADCS_RETURN_IF_ERROR(users->Save());

  const std::filesystem::path config = dir / "openadcsd.toml";
  std::ofstream out(config);
  out << "[ca]\nsubject = \"CN=" << kCaName << "\"\nkey_algorithm = \"" << key_algorithm
      << "\"\n[state]\ndir = \"" << d.state.string()
      << "\"\n[database]\nsynchronous = \"full\"\n"
         "[templates]\nsource = \"ldif\"\ndirectory = \""
      << OPENADCS_SOURCE_DIR
      << "/config/templates\"\n"
         "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\nicpr_port = 0\n"
         "netbios_domain_name = \""
      << kDomain << "\"\n[dcom]\nport = 0\n";
  out.close();
  if (!out) return Status::IOError("cannot write " + config.string());

  d.notify = std::make_unique<testing::NotifySocket>(dir / "notify");
  if (!d.notify->ok()) return Status::IOError("cannot bind the notify socket");
  std::string error;
  d.process =
      testing::ChildProcess::Spawn({OPENADCS_DAEMON, "--config", config.string()},
                                   {"NOTIFY_SOCKET=" + d.notify->path().string()}, d.log, &error);
  if (d.process == nullptr) return Status::Unavailable("cannot start openadcsd: " + error);
  if (!d.notify->WaitFor("READY=1", kStartTimeout)) {
    return Status::Unavailable("openadcsd not ready:\n" + testing::ReadTextFile(d.log));
  }
  static const std::regex kPorts("epm [0-9.]+:([0-9]+), icpr [0-9.]+:([0-9]+)");
  for (const std::string& m : d.notify->messages()) {
    std::smatch match;
    if (std::regex_search(m, match, kPorts)) {
      d.epm_port = static_cast<std::uint16_t>(std::stoi(match[1]));
      d.icpr_port = static_cast<std::uint16_t>(std::stoi(match[2]));
    }
  }
  if (d.epm_port == 0 || d.icpr_port == 0) return Status::Unavailable("no ports in STATUS");
  return d;
}

Status StopDaemon(Daemon& d) {
  d.process->Signal(SIGTERM);
  const std::optional<int> status = d.process->Wait(kStopTimeout);
  if (!status) return Status::Unavailable("openadcsd did not stop within 30 s");
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Status::Internal("openadcsd exited abnormally:\n" + testing::ReadTextFile(d.log));
  }
  return Status::Ok();
}

Result<ossl::PKeyPtr> LoadPrivateKey(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!file) return Status::IOError("cannot open " + path.string());
  ossl::PKeyPtr key(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  if (!key) return Status::Corruption("no private key in " + path.string());
  return key;
}

// Signatures per second with `key` (SHA-256 over a certificate-sized TBS).
double SigningRate(EVP_PKEY* key, Clock::duration budget) {
  const std::vector<unsigned char> tbs(1000, 0x5A);
  std::vector<unsigned char> sig(static_cast<std::size_t>(EVP_PKEY_get_size(key)));
  long count = 0;
  const Clock::time_point start = Clock::now();
  while (Clock::now() - start < budget) {
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t len = sig.size();
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, tbs.data(), tbs.size()) != 1) {
      return 0;
    }
    ++count;
  }
  return static_cast<double>(count) / Seconds(Clock::now() - start);
}

std::vector<Bytes> MakeCsrs(int count) {
  std::vector<ossl::PKeyPtr> keys;
  for (int i = 0; i < 8; ++i) keys.push_back(testing::MakeRsaKey(2048));
  std::vector<Bytes> csrs;
  for (int i = 0; i < count; ++i) {
    const std::string cn = "bench" + std::to_string(i) + ".example.com";
    csrs.push_back(testing::MakeCsrDer(keys[static_cast<std::size_t>(i) % keys.size()].get(),
                                       {{{"CN", cn}}, {}, {}}));
  }
  return csrs;
}

// One client's way of enrolling; made (connected, where the mode keeps a
// connection) before the clock starts.
using EnrollFn = std::function<Result<client::EnrollResult>(const Bytes& csr)>;

Result<EnrollFn> MakeClient(const std::string& mode, const client::ConnectOptions& options) {
  if (mode == "icpr") {
    Result<std::unique_ptr<client::CertPassageClient>> c =
        client::CertPassageClient::Connect(options);
    if (!c.ok()) return c.status();
    std::shared_ptr<client::CertPassageClient> shared = std::move(*c);
    return EnrollFn([shared](const Bytes& csr) {
      return shared->Submit(kCrInPkcs10, csr, kAttributes, kCaName);
    });
  }
  if (mode == "dcom") {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(options);
    if (!c.ok()) return c.status();
    std::shared_ptr<client::CertRequestClient> shared = std::move(*c);
    return EnrollFn([shared](const Bytes& csr) {
      return shared->Submit(kCrInPkcs10, csr, kAttributes, kCaName);
    });
  }
  return EnrollFn([options](const Bytes& csr) -> Result<client::EnrollResult> {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(options);
    if (!c.ok()) return c.status();
    Result<client::EnrollResult> r = (*c)->Submit(kCrInPkcs10, csr, kAttributes, kCaName);
    const Status released = (*c)->Release();
    if (r.ok() && !released.ok()) return released;
    return r;
  });
}

struct RunResult {
  long issued = 0;
  long failures = 0;
  std::string first_failure;
  double seconds = 0;
  std::vector<double> latencies_ms;  // sorted
};

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

// `clients` threads, each enrolling back to back (a closed loop) until
// `budget` has passed.
Result<RunResult> Run(const std::string& mode, const client::ConnectOptions& options, int clients,
                      const std::vector<Bytes>& csrs, Clock::duration budget) {
  std::vector<EnrollFn> fns;
  for (int i = 0; i < clients; ++i) {
    Result<EnrollFn> fn = MakeClient(mode, options);
    if (!fn.ok()) return fn.status();
    fns.push_back(std::move(*fn));
  }
  RunResult result;
  std::mutex mu;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + budget;
  std::vector<std::thread> pool;
  for (int t = 0; t < clients; ++t) {
    pool.emplace_back([&, t] {
      std::vector<double> latencies;
      long issued = 0, failures = 0;
      std::string first_failure;
      for (std::size_t i = static_cast<std::size_t>(t); Clock::now() < deadline;
           i += static_cast<std::size_t>(clients)) {
        const Clock::time_point before = Clock::now();
        Result<client::EnrollResult> r = fns[static_cast<std::size_t>(t)](csrs[i % csrs.size()]);
        latencies.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - before).count());
        if (r.ok() && r->disposition == client::kDispositionIssued) {
          ++issued;
          continue;
        }
        ++failures;
        if (first_failure.empty()) {
          first_failure =
              r.ok() ? "disposition " + std::to_string(r->disposition) : r.status().ToString();
        }
        if (!r.ok()) break;  // the client's channel is unusable now
      }
      std::lock_guard<std::mutex> lock(mu);
      result.issued += issued;
      result.failures += failures;
      if (result.first_failure.empty()) result.first_failure = first_failure;
      result.latencies_ms.insert(result.latencies_ms.end(), latencies.begin(), latencies.end());
    });
  }
  for (std::thread& th : pool) th.join();
  result.seconds = Seconds(Clock::now() - start);
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "dcom_enroll: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"openadcs enrollment over DCOM benchmark"};
  std::string key = "rsa2048";
  std::vector<int> clients{1, 2, 4, 8, 16, 32, 64};
  double seconds = 2;
  int rounds = 3;
  app.add_option("--key", key, "CA key algorithm ([ca] key_algorithm)");
  app.add_option("--clients", clients, "client counts to run")->delimiter(',');
  app.add_option("--seconds", seconds, "duration of one mode's round at each client count");
  app.add_option("--rounds", rounds, "rounds of the three modes at each client count")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  testing::TempDir dir;
  Result<Daemon> daemon = StartDaemon(dir.path(), key);
  if (!daemon.ok()) return Fail(daemon.status());
  const std::vector<Bytes> csrs = MakeCsrs(64);
  Result<ossl::PKeyPtr> ca_key = LoadPrivateKey(daemon->state / "ca-key.pem");
  if (!ca_key.ok()) return Fail(ca_key.status());
  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const double sign1 = SigningRate(ca_key->get(), std::chrono::seconds(2));
  std::printf("# %u cpus; CA key %s: raw signing %.0f sign/s on 1 thread\n",
              std::thread::hardware_concurrency(), key.c_str(), sign1);
  std::printf("%7s %9s %9s %7s %8s %8s %8s %7s %s\n", "clients", "mode", "enroll/s", "/sign1",
              "p50-ms", "p99-ms", "/icpr", "failed", "target");
  std::fflush(stdout);

  client::ConnectOptions options;
  options.epm_port = daemon->epm_port;
  options.port = daemon->icpr_port;  // ICertPassage only; DCOM activates on epm_port
  options.credentials.domain = kDomain;
  options.credentials.user = kUser;
  options.credentials.password = kPassword;
  options.level = auth::AuthLevel::kPrivacy;
  // Each client count runs `rounds` rounds of the three modes, in a rotated
  // order, and adds up each mode's rounds: the database grows and the
  // machine's other work drifts during a run, and interleaving spreads that
  // evenly over the modes instead of charging it to whichever runs last.
  const std::array<std::string, 3> modes = {"icpr", "dcom", "activate"};
  long failures = 0;
  for (int n : clients) {
    std::array<RunResult, 3> total;
    for (int round = 0; round < rounds; ++round) {
      for (std::size_t k = 0; k < modes.size(); ++k) {
        const std::size_t m = (k + static_cast<std::size_t>(round)) % modes.size();
        Result<RunResult> r = Run(modes[m], options, n, csrs, budget);
        if (!r.ok()) return Fail(r.status());
        total[m].issued += r->issued;
        total[m].failures += r->failures;
        total[m].seconds += r->seconds;
        if (total[m].first_failure.empty()) total[m].first_failure = r->first_failure;
        total[m].latencies_ms.insert(total[m].latencies_ms.end(), r->latencies_ms.begin(),
                                     r->latencies_ms.end());
      }
    }
    const double icpr_rate = static_cast<double>(total[0].issued) / total[0].seconds;
    for (std::size_t m = 0; m < modes.size(); ++m) {
      RunResult& r = total[m];
      std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
      const double rate = static_cast<double>(r.issued) / r.seconds;
      const double ratio = icpr_rate > 0 ? rate / icpr_rate : 0;
      const char* target = m == 0   ? ""
                           : m == 1 ? (ratio >= 0.9 ? "ok (>= 0.90)" : "MISS (< 0.90)")
                                    : (ratio >= 0.5 ? "ok (>= 0.50)" : "MISS (< 0.50)");
      std::printf("%7d %9s %9.1f %7.3f %8.2f %8.2f %8.3f %7ld %s\n", n, modes[m].c_str(), rate,
                  rate / sign1, Percentile(r.latencies_ms, 0.5), Percentile(r.latencies_ms, 0.99),
                  ratio, r.failures, target);
      if (!r.first_failure.empty()) {
        std::printf("#   first failure: %s\n", r.first_failure.c_str());
      }
      failures += r.failures;
    }
    std::fflush(stdout);
  }
  const Status stopped = StopDaemon(*daemon);
  if (!stopped.ok()) return Fail(stopped);
  return failures == 0 ? 0 : 1;
}
