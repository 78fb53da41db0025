// A CA driven in process, for the benches that call the engine directly
// (no RPC): its identity, a SQLite store on disk, the LDIF templates and its
// roles, with the bench's requester and officer accounts. Setup failures end
// the bench (exit 1) with the reason on stderr.
#ifndef OPENADCS_BENCH_IN_PROCESS_CA_H_
#define OPENADCS_BENCH_IN_PROCESS_CA_H_

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto_floor.h"
#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/directory/template_source.h"
#include "openadcs/util/metrics.h"

namespace openadcs::bench {

// Requests come from kRequester, approvals and revocations from kOfficer.
extern const ca::Caller kRequester;
extern const ca::Caller kOfficer;

struct InProcessCa {
  std::filesystem::path dir;
  std::unique_ptr<metrics::Registry> metrics;  // before store, which it outlives
  std::unique_ptr<pki::CaIdentity> identity;
  std::unique_ptr<db::CaStore> store;
  std::unique_ptr<directory::TemplateSource> templates;
  std::unique_ptr<ca::CaSecurity> security;
  std::unique_ptr<ca::Engine> engine;
};

// A new CA in `dir` (emptied first) with a `alg` key, serving the templates
// of the folder `templates`; durable: synchronous=FULL, else NORMAL.
InProcessCa OpenInProcessCa(const std::filesystem::path& dir, pki::KeyAlgorithm alg,
                            const std::string& templates, bool durable,
                            const ca::EngineOptions& options = {});

// Issues one certificate on AutoIssueSubject from the i-th CSR (cyclically)
// as kRequester; aborts the bench unless it is issued.
ca::SubmitResult IssueOne(ca::Engine& engine, const std::vector<Bytes>& csrs, long i);

// Runs `body(i)` for i in [0, total) on `threads` threads; returns the rate
// per second.
template <typename Body>
double Rate(int threads, long total, Body&& body) {
  std::atomic<long> next{0};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (long i; (i = next.fetch_add(1)) < total;) body(i);
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(total) / Seconds(Clock::now() - start);
}

// This process's resident set now (VmRSS), and at its peak (VmHWM) since it
// started or since the last ResetPeakRss, in KiB; 0 when unreadable.
long RssKiB();
long PeakRssKiB();
// Starts the peak over from the resident set now (/proc/self/clear_refs).
// Errors: IOError when the file cannot be written.
Status ResetPeakRss();

}  // namespace openadcs::bench

#endif  // OPENADCS_BENCH_IN_PROCESS_CA_H_
