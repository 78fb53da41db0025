// A peer in the same run (not a test): Debian's cfssl 1.2 (`cfssl serve`, its
// SQLite certificate database on) beside the release openadcsd, both with the
// same CA key (cfssl is given the key and certificate openadcsd generated),
// enrolled against with the same CSRs (--request-key) by the same number of client
// threads back to back, in rounds that alternate the two. openadcsd over
// ICertPassage with NTLM privacy (the client library); cfssl over HTTP/1.1
// keep-alive, one connection per client, POSTing {"certificate_request": PEM}
// to /api/v1/cfssl/sign and checking that each answer carries a certificate.
//
//   build/bench/bench/cfssl_peer --keys rsa2048,ecdsa-p256 --request-key rsa2048
//       --clients 8,32 --seconds 5 --rounds 3
//
// When `cfssl` is not on PATH the bench installs Debian's golang-cfssl
// (apt-get, as root). Both servers are durable: openadcsd with [database]
// synchronous = "full"; cfssl with what its SQLite driver (go-sqlite3 1.14)
// does when the data source names only the file: rollback journal
// (journal_mode DELETE, SQLite's default) and synchronous = NORMAL, which in
// that mode still syncs the journal and the database file before a commit
// returns. cfssl's log level is "warning" (it logs two info lines per
// certificate otherwise); openadcsd logs as it ships.
//
// Columns: enroll/s, p50 and p99 latency (ms) and the server's CPU per
// certificate (ms, all its threads, from /proc/<pid>/stat) for each, then
// the ratio of the rates (openadcs / cfssl). Client and servers share the
// machine's cores, as in the other enrollment benches.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sqlite3.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
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
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::chrono::seconds kCallTimeout{30};
constexpr std::chrono::seconds kCfsslStartTimeout{30};
constexpr std::chrono::seconds kCfsslStopTimeout{10};
constexpr std::chrono::minutes kInstallTimeout{10};

// The "Up" part of cfssl 1.2's certdb/sqlite/migrations/001_CreateCertificates.sql:
// `cfssl serve` expects the tables (the project's migrations are applied with
// goose, which Debian does not ship), and without them every signing fails.
constexpr const char* kCfsslSchema = R"sql(
CREATE TABLE certificates (
  serial_number            bytea NOT NULL,
  authority_key_identifier bytea NOT NULL,
  ca_label                 bytea,
  status                   bytea NOT NULL,
  reason                   int,
  expiry                   timestamp,
  revoked_at               timestamp,
  pem                      bytea NOT NULL,
  PRIMARY KEY(serial_number, authority_key_identifier)
);
CREATE TABLE ocsp_responses (
  serial_number            bytea NOT NULL,
  authority_key_identifier bytea NOT NULL,
  body                     bytea NOT NULL,
  expiry                   timestamp,
  PRIMARY KEY(serial_number, authority_key_identifier),
  FOREIGN KEY(serial_number, authority_key_identifier)
    REFERENCES certificates(serial_number, authority_key_identifier)
);
)sql";

// The default signing profile: what the AutoIssueSubject template gives
// (digital signature and key encipherment, server and client authentication,
// one year).
constexpr const char* kCfsslConfig = R"json({
  "signing": {
    "default": {
      "usages": ["digital signature", "key encipherment", "server auth", "client auth"],
      "expiry": "8760h"
    }
  }
}
)json";

// `name` on PATH, or "" when it is not there.
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, end - start)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

testing::CommandResult AptGet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(argv, "", kInstallTimeout);
}

// cfssl from PATH, installed from Debian's golang-cfssl first when missing
// (after refreshing the package lists when the install fails without them).
Result<std::string> EnsureCfssl() {
  if (std::string found = FindOnPath("cfssl"); !found.empty()) return found;
  std::fprintf(stderr, "cfssl_peer: cfssl not on PATH; apt-get install -y golang-cfssl\n");
  testing::CommandResult installed = AptGet({"install", "-y", "golang-cfssl"});
  if (installed.exit_code != 0 && AptGet({"update"}).exit_code == 0) {
    installed = AptGet({"install", "-y", "golang-cfssl"});
  }
  if (installed.exit_code != 0) {
    return Status::Unavailable("apt-get install golang-cfssl failed:\n" + installed.output);
  }
  if (std::string found = FindOnPath("cfssl"); !found.empty()) return found;
  return Status::NotFound("golang-cfssl installed but no cfssl on PATH");
}

Status WriteFile(const std::filesystem::path& file, const std::string& content) {
  std::ofstream out(file);
  out << content;
  out.close();
  if (!out) return Status::IOError("cannot write " + file.string());
  return Status::Ok();
}

Status CreateCertDb(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open(file.c_str(), &raw);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, &sqlite3_close);
  if (opened != SQLITE_OK) return Status::IOError("cannot create " + file.string());
  char* error = nullptr;
  if (sqlite3_exec(db.get(), kCfsslSchema, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "?";
    sqlite3_free(error);
    return Status::IOError("cfssl schema in " + file.string() + ": " + message);
  }
  return Status::Ok();
}

// A port free now on 127.0.0.1 (cfssl 1.2 cannot bind 0 and say which port
// it got); another process could take it before cfssl binds, in which case
// cfssl exits and the bench says so.
Result<std::uint16_t> FreePort() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io);
  const asio::ip::tcp::endpoint any(asio::ip::make_address("127.0.0.1"), 0);
  boost::system::error_code ec;
  acceptor.open(any.protocol(), ec);
  if (!ec) acceptor.bind(any, ec);
  if (ec) return Status::Unavailable("no free port: " + ec.message());
  return acceptor.local_endpoint().port();
}

bool Accepts(std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

struct Cfssl {
  std::unique_ptr<testing::ChildProcess> process;
  std::uint16_t port = 0;
};

// Writes cfssl's signing config, database config and database under `dir`
// and starts `cfssl serve` with the CA key and certificate of `daemon`.
Result<Cfssl> StartCfssl(const std::string& cfssl, const std::filesystem::path& dir,
                         const Daemon& daemon) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
  const std::filesystem::path db = dir / "certdb.sqlite";
  OPENADCS_RETURN_IF_ERROR(CreateCertDb(db));
  OPENADCS_RETURN_IF_ERROR(WriteFile(dir / "config.json", kCfsslConfig));
  OPENADCS_RETURN_IF_ERROR(WriteFile(
      dir / "db-config.json", R"({"driver": "sqlite3", "data_source": ")" + db.string() + "\"}\n"));
  Result<std::uint16_t> port = FreePort();
  if (!port.ok()) return port.status();
  Cfssl c;
  c.port = *port;
  std::string error;
  c.process = testing::SpawnUntilReady(
      {cfssl, "serve", "-address", "127.0.0.1", "-port", std::to_string(c.port), "-ca",
       (daemon.state / "ca-cert.pem").string(), "-ca-key", (daemon.state / "ca-key.pem").string(),
       "-config", (dir / "config.json").string(), "-db-config", (dir / "db-config.json").string(),
       "-loglevel", "2"},
      dir / "cfssl.log", [&] { return Accepts(c.port); }, kCfsslStartTimeout,
      std::chrono::milliseconds(50), "cfssl serve", &error);
  if (c.process == nullptr) return Status::Unavailable(error);
  return c;
}

std::string CsrPem(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!req || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return "";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// {"certificate_request": PEM} with the PEM's newlines escaped (base64 and
// its armour hold nothing else JSON would escape).
std::string SignRequestJson(const std::string& pem) {
  std::string json = R"({"certificate_request":")";
  for (char ch : pem) {
    if (ch == '\n') {
      json += "\\n";
    } else {
      json += ch;
    }
  }
  json += "\"}";
  return json;
}

// The DER of the certificate in a /api/v1/cfssl/sign answer
// ({"success":true,"result":{"certificate":"-----BEGIN ..."},...}).
Result<Bytes> CertificateIn(const std::string& body) {
  constexpr std::string_view kField = R"("certificate":")";
  if (body.find(R"("success":true)") == std::string::npos) {
    return Status::Internal("cfssl refused: " + body);
  }
  const std::size_t start = body.find(kField);
  const std::size_t end =
      start == std::string::npos ? start : body.find('"', start + kField.size());
  if (end == std::string::npos) return Status::Corruption("no certificate in: " + body);
  std::string pem;
  for (std::size_t i = start + kField.size(); i < end; ++i) {
    if (body[i] == '\\' && i + 1 < end && body[i + 1] == 'n') {
      pem += '\n';
      ++i;
    } else {
      pem += body[i];
    }
  }
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Status::Corruption("unparsable certificate in: " + body);
  const int len = i2d_X509(cert.get(), nullptr);
  Bytes der(static_cast<std::size_t>(std::max(len, 0)));
  unsigned char* out = der.data();
  if (len <= 0 || i2d_X509(cert.get(), &out) != len) return Status::Internal("i2d_X509 failed");
  return der;
}

// One keep-alive HTTP/1.1 connection to cfssl; every exchange bounded by
// kCallTimeout.
class CfsslClient {
 public:
  static Result<std::unique_ptr<CfsslClient>> Connect(std::uint16_t port) {
    auto c = std::unique_ptr<CfsslClient>(new CfsslClient());
    c->host_ = "127.0.0.1:" + std::to_string(port);
    c->stream_.expires_after(kCallTimeout);
    c->stream_.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                             [&](beast::error_code ec) { c->ec_ = ec; });
    c->io_.run();
    if (c->ec_) return Status::Unavailable("connect to cfssl: " + c->ec_.message());
    return c;
  }

  // Signs the CSR `pem`; the certificate's DER as an issued EnrollResult.
  Result<client::EnrollResult> Sign(const std::string& pem) {
    http::request<http::string_body> request{http::verb::post, "/api/v1/cfssl/sign", 11};
    request.set(http::field::host, host_);
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = SignRequestJson(pem);
    request.prepare_payload();
    http::response<http::string_body> response;
    stream_.expires_after(kCallTimeout);
    http::async_write(stream_, request, [&](beast::error_code ec, std::size_t) {
      ec_ = ec;
      if (!ec) {
        http::async_read(stream_, buffer_, response,
                         [&](beast::error_code read_ec, std::size_t) { ec_ = read_ec; });
      }
    });
    io_.restart();
    io_.run();
    if (ec_) return Status::Unavailable("cfssl exchange: " + ec_.message());
    if (response.result() != http::status::ok) {
      return Status::Internal("cfssl HTTP " + std::to_string(response.result_int()) + ": " +
                              response.body());
    }
    Result<Bytes> der = CertificateIn(response.body());
    if (!der.ok()) return der.status();
    client::EnrollResult r;
    r.disposition = client::kDispositionIssued;
    r.certificate = std::move(der).value();
    return r;
  }

 private:
  CfsslClient() = default;

  asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
  beast::error_code ec_;
  std::string host_;
};

// One client's way of enrolling CSR number i; made (connected) before the
// clock starts.
using EnrollFn = std::function<Result<client::EnrollResult>(std::size_t i)>;

struct RunResult {
  Tally tally;  // latencies unsorted
  double seconds = 0;
  double server_cpu_seconds = 0;
};

// The clients, one thread each, enrolling back to back (a closed loop) until
// `budget` has passed; the CPU `server` spent meanwhile.
RunResult Run(std::vector<EnrollFn>& clients, pid_t server, Clock::duration budget) {
  RunResult result;
  std::mutex mu;
  const double cpu_before = ProcessCpuSeconds(server);
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + budget;
  std::vector<std::thread> pool;
  pool.reserve(clients.size());
  for (std::size_t t = 0; t < clients.size(); ++t) {
    pool.emplace_back([&, t] {
      Tally mine;
      for (std::size_t i = t; Clock::now() < deadline; i += clients.size()) {
        const Clock::time_point before = Clock::now();
        if (!mine.Record(clients[t](i), before)) break;
      }
      std::lock_guard<std::mutex> lock(mu);
      result.tally.Merge(mine);
    });
  }
  for (std::thread& th : pool) th.join();
  result.seconds = Seconds(Clock::now() - start);
  result.server_cpu_seconds = ProcessCpuSeconds(server) - cpu_before;
  return result;
}

Result<std::vector<EnrollFn>> OpenadcsClients(const Daemon& daemon, int n,
                                              const std::vector<Bytes>& csrs) {
  std::vector<EnrollFn> fns;
  for (int i = 0; i < n; ++i) {
    Result<std::unique_ptr<client::CertPassageClient>> c =
        client::CertPassageClient::Connect(ConnectOptionsFor(daemon));
    if (!c.ok()) return c.status();
    std::shared_ptr<client::CertPassageClient> shared = std::move(*c);
    fns.emplace_back([shared, &csrs](std::size_t k) {
      return shared->Submit(kCrInPkcs10, csrs[k % csrs.size()], kAttributes, kCaName);
    });
  }
  return fns;
}

Result<std::vector<EnrollFn>> CfsslClients(const Cfssl& cfssl, int n,
                                           const std::vector<std::string>& pems) {
  std::vector<EnrollFn> fns;
  for (int i = 0; i < n; ++i) {
    Result<std::unique_ptr<CfsslClient>> c = CfsslClient::Connect(cfssl.port);
    if (!c.ok()) return c.status();
    std::shared_ptr<CfsslClient> shared = std::move(*c);
    fns.emplace_back(
        [shared, &pems](std::size_t k) { return shared->Sign(pems[k % pems.size()]); });
  }
  return fns;
}

struct Totals {
  Tally tally;
  double seconds = 0;
  double server_cpu_seconds = 0;

  void Add(const RunResult& r) {
    tally.Merge(r.tally);
    seconds += r.seconds;
    server_cpu_seconds += r.server_cpu_seconds;
  }
  double Rate() const { return seconds > 0 ? static_cast<double>(tally.issued) / seconds : 0; }
  double CpuMsPerCertificate() const {
    return tally.issued > 0 ? 1000 * server_cpu_seconds / static_cast<double>(tally.issued) : 0;
  }
};

int BenchMain(int argc, char** argv) {
  CLI::App app{"openadcs beside Debian's cfssl: enrollment rates in the same run"};
  std::vector<std::string> keys{"rsa2048", "ecdsa-p256"};
  std::string request_key = "rsa2048";
  std::vector<int> clients{8, 32};
  double seconds = 5;
  int rounds = 3;
  app.add_option("--keys", keys, "CA key algorithms ([ca] key_algorithm)")->delimiter(',');
  app.add_option("--request-key", request_key, "key algorithm of the requests");
  app.add_option("--clients", clients, "client counts to run")->delimiter(',');
  app.add_option("--seconds", seconds, "enrollment time per server per round");
  app.add_option("--rounds", rounds, "alternations of the two servers per row")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  Result<pki::KeyAlgorithm> request_alg = pki::ParseKeyAlgorithm(request_key);
  if (!request_alg.ok()) return Fail(request_alg.status());

  Result<std::string> cfssl_path = EnsureCfssl();
  if (!cfssl_path.ok()) return Fail(cfssl_path.status());
  const testing::CommandResult version = testing::RunCommand({*cfssl_path, "version"});
  PrintRunHeader(argc, argv);
  std::printf("# %s: %s", cfssl_path->c_str(),
              version.output.substr(0, version.output.find('\n') + 1).c_str());
  std::printf(
      "# %s CSRs; %d rounds per row of %.1f s on each server, alternating which goes "
      "first\n",
      request_key.c_str(), rounds, seconds);
  std::printf("%-10s %7s | %9s %8s %8s %7s | %9s %8s %8s %7s | %7s %7s\n", "CA key", "clients",
              "adcs/s", "p50-ms", "p99-ms", "cpu-ms", "cfssl/s", "p50-ms", "p99-ms", "cpu-ms",
              "ratio", "failed");
  std::fflush(stdout);

  Result<std::vector<Bytes>> made = MakeCsrs(64, *request_alg);
  if (!made.ok()) return Fail(made.status());
  const std::vector<Bytes>& csrs = *made;
  std::vector<std::string> pems;
  pems.reserve(csrs.size());
  for (const Bytes& der : csrs) pems.push_back(CsrPem(der));
  if (std::any_of(pems.begin(), pems.end(), [](const std::string& p) { return p.empty(); })) {
    return Fail(Status::Internal("cannot PEM-encode the CSRs"));
  }

  testing::TempDir dir;
  const Clock::duration budget = FromSeconds(seconds);
  long failures = 0;
  for (const std::string& key : keys) {
    DaemonOptions daemon_options;
    daemon_options.key_algorithm = key;
    Result<Daemon> daemon = StartDaemon(dir.path() / key, daemon_options);
    if (!daemon.ok()) return Fail(daemon.status());
    Result<Cfssl> cfssl = StartCfssl(*cfssl_path, dir.path() / key / "cfssl", *daemon);
    if (!cfssl.ok()) return Fail(cfssl.status());
    for (int n : clients) {
      Totals adcs;
      Totals peer;
      for (int round = 0; round < rounds; ++round) {
        // Which server goes first alternates, so that the machine's drift
        // and each database's growth fall on both alike.
        for (int k = 0; k < 2; ++k) {
          const bool openadcs_turn = (k + round) % 2 == 0;
          Result<std::vector<EnrollFn>> fns =
              openadcs_turn ? OpenadcsClients(*daemon, n, csrs) : CfsslClients(*cfssl, n, pems);
          if (!fns.ok()) return Fail(fns.status());
          const pid_t server = openadcs_turn ? daemon->process->pid() : cfssl->process->pid();
          (openadcs_turn ? adcs : peer).Add(Run(*fns, server, budget));
        }
      }
      std::sort(adcs.tally.latencies_ms.begin(), adcs.tally.latencies_ms.end());
      std::sort(peer.tally.latencies_ms.begin(), peer.tally.latencies_ms.end());
      const double ratio = peer.Rate() > 0 ? adcs.Rate() / peer.Rate() : 0;
      std::printf("%-10s %7d | %9.0f %8.2f %8.2f %7.2f | %9.0f %8.2f %8.2f %7.2f | %7.2f %7ld\n",
                  key.c_str(), n, adcs.Rate(), Percentile(adcs.tally.latencies_ms, 0.5),
                  Percentile(adcs.tally.latencies_ms, 0.99), adcs.CpuMsPerCertificate(),
                  peer.Rate(), Percentile(peer.tally.latencies_ms, 0.5),
                  Percentile(peer.tally.latencies_ms, 0.99), peer.CpuMsPerCertificate(), ratio,
                  adcs.tally.failures + peer.tally.failures);
      for (const auto& [name, t] : {std::pair<const char*, const Totals*>{"openadcs", &adcs},
                                    std::pair<const char*, const Totals*>{"cfssl", &peer}}) {
        if (!t->tally.first_failure.empty()) {
          std::printf("#   first %s failure: %s\n", name, t->tally.first_failure.c_str());
        }
      }
      std::fflush(stdout);
      failures += adcs.tally.failures + peer.tally.failures;
    }
    if (!testing::Terminate(cfssl->process, kCfsslStopTimeout)) {
      return Fail(Status::Unavailable("cfssl did not stop"));
    }
    if (Status s = StopDaemon(*daemon); !s.ok()) return Fail(s);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return openadcs::bench::GuardedMain([&] { return BenchMain(argc, argv); });
}
