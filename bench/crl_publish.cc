// CRL publication benchmark (not a test): a CA in process with a durable
// database holding --issued certificates (of P-256 requests), of which an
// increasing number are revoked (--revoked, ascending), publishes a base CRL
// and then a delta CRL --publications times at each count. For each: the
// median and largest wall time of one publication, the CPU time of the
// thread that publishes (the store's writer and checkpointer threads not
// included), the CRL's entries and bytes, and how far one publication raised
// the process's resident set above what it was before (VmHWM reset before
// each publication, so the figure is its own peak); and how long the base
// CRL's listing alone takes, for which it holds the store's view connection.
// The daemon makes its scheduled CRLs this way (Engine::PublishCrls).
//
//   build/bench/bench/crl_publish --issued 100000 --revoked 0,1000,10000,100000
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto_floor.h"
#include "guarded_main.h"
#include "in_process_ca.h"
#include "openadcs/ca/engine.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"

namespace {

using namespace openadcs;
using namespace openadcs::bench;

constexpr std::uint32_t kKeyCompromise = 1;

// The serial number of a DER certificate, in hex as Engine::Revoke takes it.
std::string SerialHex(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert == nullptr) {
    std::fprintf(stderr, "issued certificate does not parse\n");
    std::abort();
  }
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  return HexLower(Bytes(serial->data, serial->data + serial->length));
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Publication {
  double seconds = 0;
  double cpu_seconds = 0;
  long peak_growth_kib = 0;
  std::uint32_t entries = 0;
  std::size_t bytes = 0;
};

// One publication of `kind`, measured; aborts the bench when it fails.
Publication PublishOnce(ca::Engine& engine, std::uint32_t kind) {
  if (Status reset = ResetPeakRss(); !reset.ok()) {
    std::fprintf(stderr, "%s\n", reset.ToString().c_str());
    std::abort();
  }
  const long rss_before = RssKiB();
  const double cpu_before = ThreadCpuSeconds();
  const auto start = Clock::now();
  Result<ca::PublishedCrls> published = engine.PublishCrls(kind, 0);
  Publication p;
  p.seconds = Seconds(Clock::now() - start);
  p.cpu_seconds = ThreadCpuSeconds() - cpu_before;
  p.peak_growth_kib = PeakRssKiB() - rss_before;
  if (!published.ok()) {
    std::fprintf(stderr, "publishing: %s\n", published.status().ToString().c_str());
    std::abort();
  }
  const db::CrlRow& crl = kind == ca::crl_kind::kBase ? *published->base : *published->delta;
  p.entries = crl.count;
  p.bytes = crl.raw_crl.size();
  return p;
}

void PrintRow(const char* kind, long revoked, std::vector<Publication> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Publication& a, const Publication& b) { return a.seconds < b.seconds; });
  double cpu = 0;
  long growth = 0;
  for (const Publication& p : runs) {
    cpu += p.cpu_seconds;
    growth = std::max(growth, p.peak_growth_kib);
  }
  std::printf("%-6s %9ld %9u %11zu %9.1f %9.1f %9.1f %11ld\n", kind, revoked, runs.front().entries,
              runs.front().bytes, 1e3 * runs[runs.size() / 2].seconds, 1e3 * runs.back().seconds,
              1e3 * cpu / static_cast<double>(runs.size()), growth);
  std::fflush(stdout);
}

int BenchMain(int argc, char** argv) {
  CLI::App app{"openadcs CRL publication benchmark"};
  long issued = 100000;
  std::vector<long> revoked_counts{0, 1000, 10000, 100000};
  int publications = 5;
  int concurrency = 64;
  std::string key = "ecdsa-p256";
  std::string templates = std::string(OPENADCS_SOURCE_DIR) + "/config/templates";
  std::string work = (std::filesystem::temp_directory_path() / "openadcs-crl-bench").string();
  app.add_option("--issued", issued, "certificates issued before any is revoked")
      ->check(CLI::PositiveNumber);
  app.add_option("--revoked", revoked_counts, "revoked certificates at each row (ascending)")
      ->delimiter(',');
  app.add_option("--publications", publications, "publications of each kind per row")
      ->check(CLI::PositiveNumber);
  app.add_option("--concurrency", concurrency, "threads issuing and revoking")
      ->check(CLI::PositiveNumber);
  app.add_option("--key", key, "CA key algorithm");
  app.add_option("--templates", templates, "template folder");
  app.add_option("--work", work, "scratch folder on the disk to measure");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (revoked_counts.empty() || !std::is_sorted(revoked_counts.begin(), revoked_counts.end()) ||
      revoked_counts.back() > issued) {
    std::fprintf(stderr, "--revoked must be ascending and at most --issued\n");
    return 2;
  }
  Result<pki::KeyAlgorithm> alg = pki::ParseKeyAlgorithm(key);
  if (!alg.ok()) {
    std::fprintf(stderr, "%s\n", alg.status().ToString().c_str());
    return 2;
  }
  const std::filesystem::path issuing_templates = std::filesystem::path(work) / "templates";
  if (Status s = WriteBenchTemplates(templates, issuing_templates); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  Result<std::vector<Bytes>> csrs = MakeCsrs(64, pki::KeyAlgorithm::kEcdsaP256);
  if (!csrs.ok()) {
    std::fprintf(stderr, "%s\n", csrs.status().ToString().c_str());
    return 2;
  }
  ca::EngineOptions options;
  options.crl_delta_period = std::chrono::hours(24);
  InProcessCa c = OpenInProcessCa(std::filesystem::path(work) / "ca", *alg,
                                  issuing_templates.string(), true, options);

  std::vector<std::string> serials(static_cast<std::size_t>(issued));
  const double issue_rate = Rate(concurrency, issued, [&](long i) {
    serials[static_cast<std::size_t>(i)] = SerialHex(IssueOne(*c.engine, *csrs, i).certificate);
  });
  std::printf("# %s CA; %ld certificates issued at %.0f/s; %d publications of each kind a row\n",
              key.c_str(), issued, issue_rate, publications);
  std::printf("%-6s %9s %9s %11s %9s %9s %9s %11s\n", "kind", "revoked", "entries", "bytes",
              "p50-ms", "max-ms", "cpu-ms", "peak+KiB");
  long revoked = 0;
  for (long target : revoked_counts) {
    const long from = revoked;
    Rate(concurrency, target - from, [&](long i) {
      const std::string& serial = serials[static_cast<std::size_t>(from + i)];
      if (Status s = c.engine->Revoke(kOfficer, serial, kKeyCompromise, 0); !s.ok()) {
        std::fprintf(stderr, "revoking %s: %s\n", serial.c_str(), s.ToString().c_str());
        std::abort();
      }
    });
    revoked = target;
    // What a base CRL's listing holds the store's view connection for: the
    // officers' views wait meanwhile.
    const auto listing = Clock::now();
    Result<std::vector<db::RevokedCertificate>> listed = c.store->ListRevoked(time(nullptr));
    if (!listed.ok()) {
      std::fprintf(stderr, "listing: %s\n", listed.status().ToString().c_str());
      return 1;
    }
    std::printf("# %ld revoked: ListRevoked %.1f ms\n", revoked,
                1e3 * Seconds(Clock::now() - listing));
    for (std::uint32_t kind : {ca::crl_kind::kBase, ca::crl_kind::kDelta}) {
      std::vector<Publication> runs;
      runs.reserve(static_cast<std::size_t>(publications));
      for (int i = 0; i < publications; ++i) runs.push_back(PublishOnce(*c.engine, kind));
      PrintRow(kind == ca::crl_kind::kBase ? "base" : "delta", revoked, std::move(runs));
    }
  }
  std::filesystem::remove_all(work);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return openadcs::bench::GuardedMain([&] { return BenchMain(argc, argv); });
}
