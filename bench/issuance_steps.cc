// The steps of one issuance, each timed alone with Google Benchmark, to show
// where the time goes beside the signature itself:
//   build/release/bench/issuance_steps --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "ca/certificate_columns.h"
#include "db/audit_table.h"
#include "db/sqlite_connection.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/directory/certificate_template.h"
#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/request_parser.h"
#include "openadcs/pki/x509_builder.h"

namespace {

using namespace openadcs;

struct Fixture {
  Fixture() {
    dir = std::filesystem::temp_directory_path() / "openadcs-issuance-steps";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    pki::CaIdentityOptions o;
    o.key_file = dir / "ca.key";
    o.cert_file = dir / "ca.crt";
    o.algorithm = pki::KeyAlgorithm::kEcdsaP256;
    identity = std::move(pki::CaIdentity::LoadOrCreate(o)).value();
    ossl::PKeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
    ossl::X509ReqPtr req(X509_REQ_new());
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("host.example.com"), -1, -1,
                               0);
    X509_REQ_set_pubkey(req.get(), key.get());
    X509_REQ_sign(req.get(), key.get(), EVP_sha256());
    csr = ossl::ToDer(req.get(), i2d_X509_REQ);
    parsed = std::move(pki::ParseRequest(csr, pki::RequestType::kDetect, {})).value();
    spec.serial = Bytes(19, 0x11);
    spec.subject = X509_REQ_get_subject_name(parsed.pkcs10.get());
    spec.public_key = X509_REQ_get_X509_PUBKEY(parsed.pkcs10.get());
    spec.not_before = 1'800'000'000;
    spec.not_after = 1'830'000'000;
    spec.extensions.push_back(
        {"2.5.29.37", false,
         pki::ext::ExtendedKeyUsage(std::vector<std::string>{"1.3.6.1.5.5.7.3.1"})});
    built = std::move(pki::BuildCertificate(spec, *identity)).value();
    db::SqliteStoreOptions so;
    so.path = dir / "ca.db";
    so.synchronous_full = false;  // the fsync is not CPU; issuance measures it
    store = std::move(db::OpenSqliteStore(so)).value();
    templates =
        std::move(directory::OpenLdifTemplateSource(
                      {std::string(OPENADCS_SOURCE_DIR) + "/config/templates", "openadcs-CA"}))
            .value();
    ca::CaSecurityOptions roles;
    roles.initial.enrollees = {"S-1-5-11"};
    security = std::move(ca::CaSecurity::Open(*store, roles)).value();
    engine = std::make_unique<ca::Engine>(ca::EngineOptions{}, *identity, *store, *templates,
                                          nullptr, *security);
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  std::unique_ptr<pki::CaIdentity> identity;
  Bytes csr;
  pki::ParsedRequest parsed;
  pki::CertificateSpec spec;
  pki::BuiltCertificate built;
  std::unique_ptr<db::CaStore> store;
  std::unique_ptr<directory::TemplateSource> templates;
  std::unique_ptr<ca::CaSecurity> security;
  std::unique_ptr<ca::Engine> engine;
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_ParseRequest(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(pki::ParseRequest(F().csr, pki::RequestType::kDetect, {}));
  }
}
BENCHMARK(BM_ParseRequest);

// What ParseRequest avoids: OpenSSL 3.0's own PKCS#10 decoding.
void BM_OpenSslD2iX509Req(benchmark::State& state) {
  for (auto _ : state) {
    const unsigned char* p = F().csr.data();
    ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(F().csr.size())));
    benchmark::DoNotOptimize(req.get());
  }
}
BENCHMARK(BM_OpenSslD2iX509Req);

void BM_BuildCertificate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(pki::BuildCertificate(F().spec, *F().identity));
}
BENCHMARK(BM_BuildCertificate);

void BM_SignBytes(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(F().identity->SignBytes(F().csr));
}
BENCHMARK(BM_SignBytes);

void BM_CertificateColumns(benchmark::State& state) {
  directory::CertificateTemplate t;
  t.name = "WebServer";
  EVP_PKEY* key = X509_REQ_get0_pubkey(F().parsed.pkcs10.get());
  // Includes copying the certificate, which the engine moves in instead.
  for (auto _ : state) {
    benchmark::DoNotOptimize(ca::CertificateColumnsOf(F().built, F().spec, key, t));
  }
}
BENCHMARK(BM_CertificateColumns);

void BM_CertChainCms(benchmark::State& state) {
  const std::vector<Bytes> certs{F().built.der, F().identity->certificate_der()};
  for (auto _ : state) benchmark::DoNotOptimize(pki::BuildCertChainCms(certs));
}
BENCHMARK(BM_CertChainCms);

// The whole issuance on one thread: everything above plus policy and the
// database rows (without the fsync, which is wait rather than CPU).
void BM_EngineSubmit(benchmark::State& state) {
  ca::SubmitRequest r;
  r.request = F().csr;
  r.attributes = "CertificateTemplate:AutoIssueSubject";
  r.caller = {"EXAMPLE\\bench", "S-1-5-21-1-2-3-1104", {"S-1-5-11"}};
  for (auto _ : state) {
    if (F().engine->Submit(r).disposition != ca::WireDisposition::kIssued) std::abort();
  }
}
BENCHMARK(BM_EngineSubmit);

// The audit trail's share of an issuance: what one audit row adds to the
// write transaction an issuance already has (the head's SELECT, the SHA-256,
// the INSERT and its pages at commit), as the difference between these two,
// and its "audit:" log line. Compare with BM_EngineSubmit, which includes them.
struct AuditFixture {
  AuditFixture() {
    path = F().dir / "audit-only.db";
    conn = std::move(db::Connection::Open(path, std::chrono::milliseconds(1000))).value();
    if (!conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF", "pragmas").ok() ||
        !conn->Exec(db::audit_table::kCreate, "create audit").ok()) {
      std::abort();
    }
    event.actor = "EXAMPLE\\bench";
    event.action = "issue";
    event.request_id = 12345;
    event.detail = "template WebServer, serial 1122334455667788990011223344556677889900";
  }
  std::filesystem::path path;
  std::unique_ptr<db::Connection> conn;
  db::AuditEvent event;
};

AuditFixture& A() {
  static AuditFixture a;
  return a;
}

void BM_WriteTransactionOnly(benchmark::State& state) {
  for (auto _ : state) {
    db::Transaction tx(*A().conn);
    if (!tx.Begin(db::Transaction::Mode::kWrite).ok() || !tx.Commit().ok()) std::abort();
  }
}
BENCHMARK(BM_WriteTransactionOnly);

void BM_WriteTransactionWithAuditRow(benchmark::State& state) {
  for (auto _ : state) {
    db::Transaction tx(*A().conn);
    if (!tx.Begin(db::Transaction::Mode::kWrite).ok()) std::abort();
    A().event.time = 1'800'000'000;
    if (!db::audit_table::AppendRow(*A().conn, A().event).ok() || !tx.Commit().ok()) std::abort();
  }
}
BENCHMARK(BM_WriteTransactionWithAuditRow);

// The log line at info level, formatted and handed to a sink that drops it.
void BM_AuditLogLine(benchmark::State& state) {
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("null", std::make_shared<spdlog::sinks::null_sink_mt>()));
  spdlog::set_level(spdlog::level::info);
  db::AuditRow row;
  row.seq = 1;
  row.event = A().event;
  row.hash = Bytes(db::kAuditHashBytes, 0xab);
  for (auto _ : state) db::audit_table::Log(row);
  spdlog::set_default_logger(previous);
  spdlog::set_level(spdlog::level::warn);
}
BENCHMARK(BM_AuditLogLine);

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Keys and files before the first measurement, which would otherwise time
  // the RSA key generation as its first iteration.
  F();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
