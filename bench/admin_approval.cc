// Officer approval over the wire benchmark (not a test): the release
// openadcsd started as a child with a temp state directory, driven by our
// C++ clients over NTLM privacy. Two measurements:
//
// 1. Approval cycles of MS-CERSOD 3.5 per second with 1 to 16 pairs of
//    requester and officer, each pair on its own connections: the requester
//    submits on the approval template (ICertRequestD, pending), the officer
//    opens a view of the pending queue restricted to that request, closes
//    it, sets an extension and approves it (ICertAdminD2), and the requester
//    retrieves the certificate. Beside it, in the same run and interleaved
//    in rotated rounds, ICertPassage enrollment with as many clients: the
//    ratio says what the approval's four extra round trips and two extra
//    writes cost.
// 2. With --view-requests N, the database is first filled with N pending
//    requests (in process, before the daemon starts), and the officer's
//    OpenView of the pending queue plus the first EnumView page (100 rows
//    each) is timed over --view-iterations runs: p50 and p99.
//
//   build/bench/bench/admin_approval --pairs 1,2,4,8,16 --seconds 2 --rounds 2
//   build/bench/bench/admin_approval --pairs 1 --view-requests 1000000
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "enroll_bench_support.h"
#include "guarded_main.h"
#include "openadcs/client/cert_admin_client.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/db/records.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/util/status.h"
#include "testing/pki.h"

namespace {

using namespace openadcs;
using namespace openadcs::bench;

constexpr const char* kApprovalAttributes = "CertificateTemplate:OfficerApproval";
constexpr const char* kOfficerOid = "1.3.6.1.4.1.99999.1";
constexpr std::uint32_t kViewPage = 100;

// The column ids the officer's view names, learned from the CA once.
struct Columns {
  std::uint32_t request_id = 0;
  std::uint32_t disposition = 0;
  std::uint32_t requester = 0;
  std::uint32_t submitted = 0;
  std::uint32_t common_name = 0;
};

Result<Columns> LearnColumns(client::CertAdminClient& admin) {
  Result<std::vector<ndr::cert_view::ColumnInfo>> catalogue =
      admin.ColumnCatalogue(client::kTableRequest);
  if (!catalogue.ok()) return catalogue.status();
  Columns c;
  const std::pair<const char*, std::uint32_t*> wanted[] = {{"Request.RequestID", &c.request_id},
                                                           {"Request.Disposition", &c.disposition},
                                                           {"Request.RequesterName", &c.requester},
                                                           {"Request.SubmittedWhen", &c.submitted},
                                                           {"Request.CommonName", &c.common_name}};
  for (const auto& [name, id] : wanted) {
    Result<ndr::cert_view::ColumnInfo> found = client::FindColumn(*catalogue, name);
    if (!found.ok()) return found.status();
    *id = found->index;
  }
  return c;
}

// One approval cycle by one pair; false (with *why) when a step fails.
bool Cycle(client::CertRequestClient& requester, client::CertAdminClient& officer,
           const Columns& columns, const Bytes& csr, std::string* why) {
  Result<client::EnrollResult> submitted =
      requester.Submit(kCrInPkcs10, csr, kApprovalAttributes, kCaName);
  if (!submitted.ok() || submitted->disposition != 5) {
    *why = submitted.ok() ? "submit: disposition " + std::to_string(submitted->disposition)
                          : "submit: " + submitted.status().ToString();
    return false;
  }
  const std::uint32_t id = submitted->request_id;
  const client::ViewRestriction restrictions[] = {
      {columns.disposition, client::SeekOperator::kEq, client::SortOrder::kNone,
       client::TypedValue(client::kDbDispPending)},
      {columns.request_id, client::SeekOperator::kEq, client::SortOrder::kNone,
       client::TypedValue(static_cast<std::int32_t>(id))}};
  const std::uint32_t wanted[] = {columns.request_id, columns.requester};
  Result<client::ViewPage> page = officer.OpenView(restrictions, wanted, client::kFirstViewRow, 10);
  if (!page.ok() || page->rows.size() != 1) {
    *why = page.ok() ? "view: " + std::to_string(page->rows.size()) + " rows"
                     : "view: " + page.status().ToString();
    return false;
  }
  if (Status closed = officer.CloseView(); !closed.ok()) {
    *why = "close view: " + closed.ToString();
    return false;
  }
  if (Status set = officer.SetExtension(id, kOfficerOid, std::string("approved"), 0); !set.ok()) {
    *why = "set extension: " + set.ToString();
    return false;
  }
  Result<std::uint32_t> approved = officer.ResubmitRequest(id);
  if (!approved.ok() || *approved != 3) {
    *why = approved.ok() ? "approve: disposition " + std::to_string(*approved)
                         : "approve: " + approved.status().ToString();
    return false;
  }
  Result<client::EnrollResult> retrieved = requester.Retrieve(id, kCaName);
  if (!retrieved.ok() || retrieved->disposition != 3) {
    *why = retrieved.ok() ? "retrieve: disposition " + std::to_string(retrieved->disposition)
                          : "retrieve: " + retrieved.status().ToString();
    return false;
  }
  return true;
}

struct RunResult {
  long done = 0;
  long failures = 0;
  std::string first_failure;
  double seconds = 0;
};

// `pairs` threads for `budget`: approval cycles ("approve") or ICertPassage
// enrollments ("icpr"), each thread on its own connections made first.
Result<RunResult> Run(const std::string& mode, const Daemon& daemon, const Columns& columns,
                      int pairs, const std::vector<Bytes>& csrs, Clock::duration budget) {
  std::vector<std::function<bool(const Bytes&, std::string*)>> workers;
  for (int i = 0; i < pairs; ++i) {
    if (mode == "icpr") {
      Result<std::unique_ptr<client::CertPassageClient>> c =
          client::CertPassageClient::Connect(ConnectOptionsFor(daemon));
      if (!c.ok()) return c.status();
      std::shared_ptr<client::CertPassageClient> shared = std::move(*c);
      workers.emplace_back([shared](const Bytes& csr, std::string* why) {
        Result<client::EnrollResult> r = shared->Submit(kCrInPkcs10, csr, kAttributes, kCaName);
        if (r.ok() && r->disposition == 3) return true;
        *why = r.ok() ? "disposition " + std::to_string(r->disposition) : r.status().ToString();
        return false;
      });
      continue;
    }
    Result<std::unique_ptr<client::CertRequestClient>> requester =
        client::CertRequestClient::Connect(ConnectOptionsFor(daemon));
    if (!requester.ok()) return requester.status();
    Result<std::unique_ptr<client::CertAdminClient>> officer =
        client::CertAdminClient::Connect(OfficerConnectOptionsFor(daemon), kCaName);
    if (!officer.ok()) return officer.status();
    std::shared_ptr<client::CertRequestClient> r = std::move(*requester);
    std::shared_ptr<client::CertAdminClient> o = std::move(*officer);
    workers.emplace_back([r, o, &columns](const Bytes& csr, std::string* why) {
      return Cycle(*r, *o, columns, csr, why);
    });
  }
  RunResult result;
  std::mutex mu;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + budget;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(pairs));
  for (int t = 0; t < pairs; ++t) {
    pool.emplace_back([&, t] {
      RunResult mine;
      for (std::size_t i = static_cast<std::size_t>(t); Clock::now() < deadline;
           i += static_cast<std::size_t>(pairs)) {
        std::string why;
        if (workers[static_cast<std::size_t>(t)](csrs[i % csrs.size()], &why)) {
          ++mine.done;
        } else {
          if (mine.failures++ == 0) mine.first_failure = why;
          break;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.done += mine.done;
      result.failures += mine.failures;
      if (result.first_failure.empty()) result.first_failure = mine.first_failure;
    });
  }
  for (std::thread& th : pool) th.join();
  result.seconds = Seconds(Clock::now() - start);
  return result;
}

// N pending requests straight into the store the daemon will open, so that
// the view measurement does not wait for N enrollments over the wire.
Status Prefill(const std::filesystem::path& state, long count) {
  std::filesystem::create_directories(state);
  std::filesystem::permissions(state, std::filesystem::perms::owner_all);
  db::SqliteStoreOptions options;
  options.path = state / "ca.db";
  options.synchronous_full = false;
  Result<std::unique_ptr<db::CaStore>> store = db::OpenSqliteStore(options);
  if (!store.ok()) return store.status();
  Result<std::vector<Bytes>> csrs = MakeCsrs(8, pki::KeyAlgorithm::kRsa2048);
  if (!csrs.ok()) return csrs.status();
  for (long i = 0; i < count; ++i) {
    db::RequestRecord rec;
    rec.raw_request = (*csrs)[static_cast<std::size_t>(i) % csrs->size()];
    rec.request_type = kCrInPkcs10;
    rec.disposition = db::Disposition::kPending;
    rec.disposition_message = "Taken Under Submission";
    rec.submitted_when = 1'800'000'000 + i;
    rec.requester_name = "EXAMPLE\\bench";
    rec.caller_name = rec.requester_name;
    rec.template_name = "OfficerApproval";
    rec.subject.common_name = "prefill-" + std::to_string(i);
    rec.distinguished_name = "CN=" + rec.subject.common_name;
    Result<std::uint32_t> id = (*store)->InsertRequest(
        rec, {}, {}, {rec.submitted_when, rec.requester_name, "pend", 0, "bench prefill"});
    if (!id.ok()) return id.status();
  }
  return Status::Ok();
}

// OpenView of the pending queue and the first EnumView page after it, timed
// `iterations` times: the sorted latencies in milliseconds.
Result<std::vector<double>> TimeViews(const Daemon& daemon, int iterations) {
  Result<std::unique_ptr<client::CertAdminClient>> officer =
      client::CertAdminClient::Connect(OfficerConnectOptionsFor(daemon), kCaName);
  if (!officer.ok()) return officer.status();
  Result<Columns> columns = LearnColumns(**officer);
  if (!columns.ok()) return columns.status();
  const client::ViewRestriction pending[] = {{columns->disposition, client::SeekOperator::kEq,
                                              client::SortOrder::kNone,
                                              client::TypedValue(client::kDbDispPending)}};
  const std::uint32_t wanted[] = {columns->request_id, columns->requester, columns->submitted,
                                  columns->common_name};
  std::vector<double> latencies;
  for (int i = 0; i < iterations; ++i) {
    const Clock::time_point before = Clock::now();
    Result<client::ViewPage> first =
        (*officer)->OpenView(pending, wanted, client::kFirstViewRow, kViewPage);
    if (!first.ok()) return first.status();
    Result<client::ViewPage> next =
        (*officer)->EnumView(client::kFirstViewRow + kViewPage, kViewPage);
    if (!next.ok()) return next.status();
    latencies.push_back(Seconds(Clock::now() - before) * 1000);
    if (first->rows.size() != kViewPage) return Status::Internal("the first page is short");
    OPENADCS_RETURN_IF_ERROR((*officer)->CloseView());
  }
  std::sort(latencies.begin(), latencies.end());
  return latencies;
}

int BenchMain(int argc, char** argv) {
  CLI::App app{"openadcs officer approval over the wire benchmark"};
  std::string key = "rsa2048";
  std::vector<int> pairs{1, 2, 4, 8, 16};
  double seconds = 2;
  int rounds = 2;
  long view_requests = 0;
  int view_iterations = 200;
  app.add_option("--key", key, "CA key algorithm ([ca] key_algorithm)");
  app.add_option("--pairs", pairs, "requester/officer pair counts to run (0: none)")
      ->delimiter(',');
  app.add_option("--seconds", seconds, "duration of one mode's round at each pair count");
  app.add_option("--rounds", rounds, "rounds of both modes at each pair count")
      ->check(CLI::Range(1, 100));
  app.add_option("--view-requests", view_requests,
                 "pending requests to fill the database with before timing views (0: no views)")
      ->check(CLI::Range(0L, 10'000'000L));
  app.add_option("--view-iterations", view_iterations, "timed OpenView+EnumView runs")
      ->check(CLI::Range(1, 100'000));
  CLI11_PARSE(app, argc, argv);

  testing::TempDir dir;
  if (view_requests > 0) {
    const Clock::time_point before = Clock::now();
    if (Status s = Prefill(dir.path() / "state", view_requests); !s.ok()) return Fail(s);
    std::printf("# prefilled %ld pending requests in %.1f s\n", view_requests,
                Seconds(Clock::now() - before));
  }
  DaemonOptions daemon_options;
  daemon_options.key_algorithm = key;
  daemon_options.dcom = true;
  daemon_options.officer = true;
  Result<Daemon> daemon = StartDaemon(dir.path(), daemon_options);
  if (!daemon.ok()) return Fail(daemon.status());
  Result<std::vector<Bytes>> made = MakeCsrs(64, pki::KeyAlgorithm::kRsa2048);
  if (!made.ok()) return Fail(made.status());
  const std::vector<Bytes>& csrs = *made;
  Result<ossl::PKeyPtr> ca_key = LoadPrivateKey(daemon->state / "ca-key.pem");
  if (!ca_key.ok()) return Fail(ca_key.status());
  Result<CryptoFloor> floor = CryptoFloor::Create(csrs, ca_key->get());
  if (!floor.ok()) return Fail(floor.status());
  const Result<FloorRate> floor1 = floor->Measure(1, std::chrono::seconds(2));
  if (!floor1.ok()) return Fail(floor1.status());
  std::printf("# %u cpus; CA key %s: crypto floor %.0f/s on 1 thread (signing alone %.0f/s)\n",
              std::thread::hardware_concurrency(), key.c_str(), floor1->floor, floor1->sign);

  long failures = 0;
  if (!pairs.empty() && pairs.front() > 0) {
    Result<std::unique_ptr<client::CertAdminClient>> probe =
        client::CertAdminClient::Connect(OfficerConnectOptionsFor(*daemon), kCaName);
    if (!probe.ok()) return Fail(probe.status());
    Result<Columns> columns = LearnColumns(**probe);
    if (!columns.ok()) return Fail(columns.status());
    std::printf("%6s %9s %9s %8s %7s %s\n", "pairs", "mode", "per-s", "/icpr", "failed",
                "first failure");
    const std::array<std::string, 2> modes = {"icpr", "approve"};
    for (int n : pairs) {
      std::array<RunResult, 2> total;
      for (int round = 0; round < rounds; ++round) {
        for (std::size_t k = 0; k < modes.size(); ++k) {
          const std::size_t m = (k + static_cast<std::size_t>(round)) % modes.size();
          Result<RunResult> r = Run(modes[m], *daemon, *columns, n, csrs, FromSeconds(seconds));
          if (!r.ok()) return Fail(r.status());
          total[m].done += r->done;
          total[m].failures += r->failures;
          total[m].seconds += r->seconds;
          if (total[m].first_failure.empty()) total[m].first_failure = r->first_failure;
        }
      }
      const double icpr = static_cast<double>(total[0].done) / total[0].seconds;
      for (std::size_t m = 0; m < modes.size(); ++m) {
        const double rate = static_cast<double>(total[m].done) / total[m].seconds;
        std::printf("%6d %9s %9.1f %8.3f %7ld %s\n", n, modes[m].c_str(), rate,
                    icpr > 0 ? rate / icpr : 0, total[m].failures, total[m].first_failure.c_str());
        failures += total[m].failures;
      }
      std::fflush(stdout);
    }
  }
  if (view_requests > 0) {
    Result<std::vector<double>> views = TimeViews(*daemon, view_iterations);
    if (!views.ok()) return Fail(views.status());
    std::printf(
        "# OpenView + first EnumView page (%u rows each) on %ld pending: p50 %.2f ms, "
        "p99 %.2f ms, max %.2f ms over %d runs (target p99 < 50 ms: %s)\n",
        kViewPage, view_requests, Percentile(*views, 0.5), Percentile(*views, 0.99), views->back(),
        view_iterations, Percentile(*views, 0.99) < 50 ? "ok" : "MISS");
  }
  const Status stopped = StopDaemon(*daemon);
  if (!stopped.ok()) return Fail(stopped);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return openadcs::bench::GuardedMain([&] { return BenchMain(argc, argv); });
}
