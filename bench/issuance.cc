// In-process issuance benchmark (not a test): certificates per second through
// the engine with a durable database, beside the crypto floor (crypto_floor.h:
// checking the request's signature plus the CA's signature) measured in the
// same run on the same cores, for each CA key, request key and core count;
// plus the pending -> approve -> retrieve cycle rate, and peak RSS and
// database growth over a long run.
//
//   build/bench/bench/issuance --keys rsa2048,rsa3072,ecdsa-p256
//       --request-keys rsa2048,ecdsa-p256 --cores 1,2 --requests 9000 --rounds 3
//   build/bench/bench/issuance --keys ecdsa-p256 --cores 2 --requests 1000
//       --cycles 100 --rounds 1 --rss-requests 1000000 --rss-key rsa2048
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto_floor.h"
#include "guarded_main.h"
#include "in_process_ca.h"
#include "openadcs/ca/engine.h"
#include "openadcs/util/metrics.h"

namespace {

using namespace openadcs;
using namespace openadcs::bench;

// Restricts the whole process (all threads started afterwards) to `cores` CPUs.
void UseCores(int cores) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < cores; ++i) CPU_SET(i, &set);
  sched_setaffinity(0, sizeof set, &set);
}

// The database's size as a checkpoint would leave the file (page_count
// counts the frames still in the WAL): what the certificates so far cost,
// indexes included, whatever the WAL holds.
long DatabaseBytes(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  long bytes = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT page_count * page_size FROM pragma_page_count(), "
                           "pragma_page_size()",
                           -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      bytes = static_cast<long>(sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return bytes;
}

// The CPU seconds the store's writer thread has spent on commits so far:
// the sum of the histogram the store observes them in (docs/operations.md).
double WriterCpuSeconds(metrics::Registry& registry) {
  return registry
      .GetHistogram("openadcs_db_commit_writer_cpu_seconds", "", metrics::LatencyBuckets())
      .snapshot()
      .sum;
}

int BenchMain(int argc, char** argv) {
  CLI::App app{"openadcs in-process issuance benchmark"};
  std::vector<std::string> keys{"rsa2048", "rsa3072", "ecdsa-p256"};
  std::vector<std::string> request_keys{"rsa2048", "ecdsa-p256"};
  std::vector<int> cores{1, 2};
  long requests = 20000;
  long cycles = 2000;
  int concurrency = 64;
  long rss_requests = 0;
  std::string rss_key = "rsa2048";
  int rounds = 3;
  double floor_round_seconds = 1.0;
  bool durable = true;
  std::string templates = std::string(OPENADCS_SOURCE_DIR) + "/config/templates";
  std::string work = (std::filesystem::temp_directory_path() / "openadcs-bench").string();
  app.add_option("--keys", keys, "CA key algorithms")->delimiter(',');
  app.add_option("--request-keys", request_keys, "key algorithms of the requests")->delimiter(',');
  app.add_option("--cores", cores, "CPU counts to run on (process affinity)")->delimiter(',');
  app.add_option("--requests", requests, "issuances per measurement");
  long prefill = 0;
  app.add_option("--prefill", prefill,
                 "issuances into each database before it is measured (a CA with history)");
  app.add_option("--cycles", cycles, "pending -> approve -> retrieve cycles per measurement");
  app.add_option("--concurrency", concurrency, "requests in flight (submitting threads)");
  app.add_option("--rounds", rounds, "alternations of the floor and issuance per measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--floor-seconds", floor_round_seconds, "crypto floor time per round");
  app.add_option("--rss-requests", rss_requests, "issuances of the RSS run (0: skip)");
  app.add_option("--rss-key", rss_key, "CA key algorithm of the RSS run");
  app.add_option("--durable", durable, "synchronous=FULL (true) or NORMAL (false)");
  app.add_option("--templates", templates, "template folder");
  app.add_option("--work", work, "scratch folder on the disk to measure");
  bool keep = false;
  app.add_flag("--keep", keep, "keep the scratch folder (its databases, e.g. for dbstat)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  // The CAs issue from a copy on which P-256 requests are issued too
  // (crypto_floor.h).
  const std::string issuing_templates = (std::filesystem::path(work) / "templates").string();
  if (Status s = bench::WriteBenchTemplates(templates, issuing_templates); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  templates = issuing_templates;

  // The requests of each --request-keys, made before any timing.
  std::vector<std::vector<Bytes>> csrs_by_key;
  for (const std::string& name : request_keys) {
    Result<pki::KeyAlgorithm> alg = pki::ParseKeyAlgorithm(name);
    Result<std::vector<Bytes>> made =
        alg.ok() ? bench::MakeCsrs(64, *alg) : Result<std::vector<Bytes>>(alg.status());
    if (!made.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), made.status().ToString().c_str());
      return 2;
    }
    csrs_by_key.push_back(std::move(made).value());
  }
  // The RSS run's requests.
  const std::vector<Bytes>& csrs = csrs_by_key.front();

  // floor-us and issue-us: CPU microseconds per floor operation and per
  // issuance (the whole process: engine, database, its threads), and their
  // ratio /fl-cpu, which other tenants' load skews less than /floor does.
  // writer-us: CPU microseconds per issuance of the store's one writer
  // thread, the serial stage of a durable issuance.
  std::printf("%-11s %-11s %5s %9s %9s %9s %7s %9s %9s %7s %9s %9s\n", "ca-key", "request-key",
              "cores", "floor/s", "sign/s", "issue/s", "/floor", "floor-us", "issue-us", "/fl-cpu",
              "cycle/s", "writer-us");
  for (const auto& key_name : keys) {
    auto alg = pki::ParseKeyAlgorithm(key_name);
    if (!alg.ok()) {
      std::fprintf(stderr, "%s\n", alg.status().ToString().c_str());
      return 2;
    }
    for (std::size_t k = 0; k < request_keys.size(); ++k) {
      const std::vector<Bytes>& row_csrs = csrs_by_key[k];
      for (int n : cores) {
        UseCores(n);
        InProcessCa c =
            OpenInProcessCa(std::filesystem::path(work) / key_name, *alg, templates, durable);
        // A fresh file flatters the indexes on random keys (the certificate
        // hash): while they are small, a commit dirties few of their leaves
        // and a checkpoint copies few pages back (docs/performance.md).
        if (prefill > 0) {
          Rate(concurrency, prefill, [&](long i) { IssueOne(*c.engine, row_csrs, i); });
        }
        Result<bench::CryptoFloor> floor = bench::CryptoFloor::Create(row_csrs, c.identity->key());
        if (!floor.ok()) {
          std::fprintf(stderr, "%s\n", floor.status().ToString().c_str());
          return 1;
        }
        // The floor and issuance alternate in rounds and their totals are
        // compared, so that the machine's drift during the run (other
        // tenants, the database growing) falls on both sides of the ratio
        // alike.
        double floor_count = 0;
        double sign_sum = 0;
        double floor_cpu_sum = 0;
        double issue_cpu = 0;
        double writer_cpu = 0;
        double floor_seconds = 0;
        double issued = 0;
        double issue_seconds = 0;
        for (int round = 0; round < rounds; ++round) {
          Result<bench::FloorRate> f = floor->Measure(n, bench::FromSeconds(floor_round_seconds));
          if (!f.ok()) {
            std::fprintf(stderr, "%s\n", f.status().ToString().c_str());
            return 1;
          }
          floor_count += f->floor * floor_round_seconds;
          sign_sum += f->sign;
          floor_cpu_sum += f->cpu_per_op;
          const double cpu_before = bench::SelfCpuSeconds();
          const double writer_before = WriterCpuSeconds(*c.metrics);
          floor_seconds += floor_round_seconds;
          const long batch = requests / rounds;
          const double rate =
              Rate(concurrency, batch, [&](long i) { IssueOne(*c.engine, row_csrs, i); });
          issue_cpu += bench::SelfCpuSeconds() - cpu_before;
          writer_cpu += WriterCpuSeconds(*c.metrics) - writer_before;
          issued += static_cast<double>(batch);
          issue_seconds += static_cast<double>(batch) / rate;
        }
        const double floor_rate = floor_count / floor_seconds;
        const double issue = issued / issue_seconds;
        const double cycle = Rate(concurrency, cycles, [&](long i) {
          ca::SubmitRequest r;
          r.request = row_csrs[static_cast<std::size_t>(i) % row_csrs.size()];
          r.attributes = "CertificateTemplate:OfficerApproval";
          r.caller = kRequester;
          auto pending = c.engine->Submit(r);
          if (pending.disposition != ca::WireDisposition::kUnderSubmission) std::abort();
          if (c.engine->Resubmit(kOfficer, pending.request_id).disposition !=
              ca::WireDisposition::kIssued) {
            std::abort();
          }
          if (c.engine->RetrieveById(kRequester, pending.request_id, "").disposition !=
              ca::WireDisposition::kIssued) {
            std::abort();
          }
        });
        const double floor_us = 1e6 * floor_cpu_sum / rounds;
        const double issue_us = 1e6 * issue_cpu / issued;
        std::printf("%-11s %-11s %5d %9.0f %9.0f %9.0f %7.2f %9.1f %9.1f %7.2f %9.0f %9.1f\n",
                    key_name.c_str(), request_keys[k].c_str(), n, floor_rate, sign_sum / rounds,
                    issue, issue / floor_rate, floor_us, issue_us, floor_us / issue_us, cycle,
                    1e6 * writer_cpu / issued);
        std::fflush(stdout);
      }
    }
  }

  if (rss_requests > 0) {
    UseCores(2);
    Result<pki::KeyAlgorithm> rss_alg = pki::ParseKeyAlgorithm(rss_key);
    if (!rss_alg.ok()) {
      std::fprintf(stderr, "%s\n", rss_alg.status().ToString().c_str());
      return 2;
    }
    InProcessCa c =
        OpenInProcessCa(std::filesystem::path(work) / "rss", *rss_alg, templates, durable);
    std::printf("\nRSS over %ld issuances (%s CA, %s requests, %d in flight):\n", rss_requests,
                rss_key.c_str(), request_keys.front().c_str(), concurrency);
    std::printf("%12s %10s %10s %10s %8s\n", "issued", "rss-KiB", "peak-KiB", "db-KiB", "B/cert");
    const long step = rss_requests / 10;
    const long empty = DatabaseBytes(c.dir / "ca.db");
    for (long done = 0; done < rss_requests; done += step) {
      Rate(concurrency, step, [&](long i) { IssueOne(*c.engine, csrs, i); });
      const long db = DatabaseBytes(c.dir / "ca.db");
      std::printf("%12ld %10ld %10ld %10ld %8ld\n", done + step, RssKiB(), PeakRssKiB(), db / 1024,
                  (db - empty) / (done + step));
      std::fflush(stdout);
    }
  }
  if (!keep) std::filesystem::remove_all(work);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return openadcs::bench::GuardedMain([&] { return BenchMain(argc, argv); });
}
