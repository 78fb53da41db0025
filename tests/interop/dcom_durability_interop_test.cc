// Durability over the wire (issue 12, item 10): 16 clients enroll over DCOM
// with our client library while openadcsd is killed with SIGKILL; after the
// restart, every request id a client was given is in the database, issued,
// with the certificate that client received, and no serial number repeats.
// A reply is sent only after its commit is on disk (docs/database.md,
// Durability), so an acknowledged request must survive any crash.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/client/cert_request_client.h"
#include "openadcs/db/sqlite_store.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr std::uint32_t kCrInPkcs10 = 0x100;
constexpr int kClients = 16;
// Acknowledged issuances before the kill: enough for every client to be in
// the middle of a call when it comes.
constexpr std::size_t kBeforeKill = 64;
constexpr std::chrono::seconds kEnrollDeadline{60};

struct Acknowledged {
  std::uint32_t request_id;
  Bytes certificate;
};

// What the clients were told, shared by their threads.
class Ledger {
 public:
  // A client connected (true) or could not (false).
  void Connected(bool ok) {
    std::lock_guard lock(mu_);
    ++(ok ? connected_ : failed_);
    cv_.notify_all();
  }
  int failed() {
    std::lock_guard lock(mu_);
    return failed_;
  }
  void Add(Acknowledged a) {
    std::lock_guard lock(mu_);
    issued_.push_back(std::move(a));
    cv_.notify_all();
  }
  // Waits until every client has connected or failed to and `n` issuances
  // are acknowledged, or `deadline` passes.
  bool WaitFor(std::size_t n, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline,
                          [&] { return connected_ + failed_ == kClients && issued_.size() >= n; });
  }
  std::vector<Acknowledged> Take() {
    std::lock_guard lock(mu_);
    return std::move(issued_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Acknowledged> issued_;
  int connected_ = 0;
  int failed_ = 0;
};

client::ConnectOptions Alice() {
  client::ConnectOptions options;
  options.credentials.domain = "EXAMPLE";
  options.credentials.user = "alice";
  options.credentials.password = testing::InteropDaemon::kPassword;
  options.timeout = std::chrono::seconds(10);
  return options;
}

// One client: enrolls `csr` again and again until a call fails (the kill)
// or `stop` is set, recording each issuance.
void Enroll(const Bytes& csr, Ledger& ledger, const std::atomic<bool>& stop) {
  Result<std::unique_ptr<client::CertRequestClient>> c =
      client::CertRequestClient::Connect(Alice());
  ledger.Connected(c.ok());
  if (!c.ok()) return;
  while (!stop) {
    Result<client::EnrollResult> r =
        (*c)->Submit(kCrInPkcs10, csr, "CertificateTemplate:AutoIssueSubject", kCaName);
    if (!r.ok()) return;
    if (r->disposition != client::kDispositionIssued) return;
    ledger.Add({r->request_id, r->certificate});
  }
}

TEST(DcomDurabilityInteropTest, EveryAcknowledgedIssuanceSurvivesASigkill) {
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  std::unique_ptr<testing::InteropDaemon> daemon = testing::InteropDaemon::Start(
      "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
      "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n"
      // One account makes every request.
      "[policy]\nmax_requests_per_hour = 0\n",
      &error);
  ASSERT_NE(daemon, nullptr) << error;

  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  std::vector<Bytes> csrs;
  for (int i = 0; i < kClients; ++i) {
    csrs.push_back(
        testing::MakeCsrDer(key.get(), {{{"CN", "client" + std::to_string(i)}}, {}, {}}));
  }
  Ledger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(Enroll, std::cref(csrs[i]), std::ref(ledger), std::cref(stop));
  }
  const bool enough =
      ledger.WaitFor(kBeforeKill, std::chrono::steady_clock::now() + kEnrollDeadline);
  const bool killed = daemon->Kill();
  stop = true;
  for (std::thread& t : clients) t.join();
  ASSERT_TRUE(enough) << "fewer than " << kBeforeKill << " issuances in " << kEnrollDeadline.count()
                      << " s\n"
                      << daemon->Log();
  ASSERT_TRUE(killed);
  EXPECT_EQ(ledger.failed(), 0);
  const std::vector<Acknowledged> acknowledged = ledger.Take();

  // The restart recovers the database; the daemon serves again.
  ASSERT_TRUE(daemon->Launch(&error)) << error;
  {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(Alice());
    ASSERT_TRUE(c.ok()) << c.status().ToString() << daemon->Log();
    Result<client::EnrollResult> again = (*c)->Retrieve(acknowledged.back().request_id, kCaName);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->disposition, client::kDispositionIssued);
    EXPECT_EQ(again->certificate, acknowledged.back().certificate);
  }
  ASSERT_TRUE(daemon->Stop()) << daemon->Log();

  db::SqliteStoreOptions options;
  options.path = daemon->state_dir() / "ca.db";
  Result<std::unique_ptr<db::CaStore>> store = db::OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::set<std::uint32_t> ids;
  for (const Acknowledged& a : acknowledged) {
    EXPECT_TRUE(ids.insert(a.request_id).second) << "request id " << a.request_id << " twice";
    Result<db::RequestRecord> row = (*store)->GetRequest(a.request_id);
    ASSERT_TRUE(row.ok()) << "acknowledged request " << a.request_id
                          << " is not in the database: " << row.status().ToString();
    EXPECT_EQ(row->disposition, db::Disposition::kIssued) << a.request_id;
    ASSERT_TRUE(row->certificate.has_value()) << a.request_id;
    EXPECT_EQ(row->certificate->raw_certificate, a.certificate) << a.request_id;
  }
  // Every issued row, acknowledged or committed just before the kill, has
  // its own serial number.
  db::RequestQuery all;
  all.limit = 100'000;
  Result<std::vector<db::RequestRecord>> rows = (*store)->ListRequests(all);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::string, std::uint32_t> serials;
  for (const db::RequestRecord& r : *rows) {
    if (!r.certificate) continue;
    const auto [it, fresh] = serials.emplace(r.certificate->serial_number, r.request_id);
    EXPECT_TRUE(fresh) << "serial " << r.certificate->serial_number << " on requests " << it->second
                       << " and " << r.request_id;
  }
  EXPECT_GE(serials.size(), acknowledged.size());
  std::printf("%zu issuances acknowledged before the kill, %zu issued rows after it; %.1f s\n",
              acknowledged.size(), serials.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace
}  // namespace openadcs
