#include "in_process_ca.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "openadcs/db/sqlite_store.h"
#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/pki/ca_identity.h"

namespace openadcs::bench {
namespace {

// A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"), 0 when missing.
long StatusKiB(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return 0;
}

[[noreturn]] void SetupFailed(const Status& why) {
  std::fprintf(stderr, "setup failed: %s\n", why.ToString().c_str());
  std::exit(1);
}

}  // namespace

const ca::Caller kRequester{"EXAMPLE\\bench", "S-1-5-21-1-2-3-1104", {"S-1-5-11"}};
const ca::Caller kOfficer{"EXAMPLE\\officer", "S-1-5-21-1-2-3-1105", {"S-1-5-11"}};

InProcessCa OpenInProcessCa(const std::filesystem::path& dir, pki::KeyAlgorithm alg,
                            const std::string& templates, bool durable,
                            const ca::EngineOptions& options) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  InProcessCa c;
  c.dir = dir;
  pki::CaIdentityOptions io;
  io.key_file = dir / "ca.key";
  io.cert_file = dir / "ca.crt";
  io.algorithm = alg;
  io.subject = "CN=openadcs-CA";
  auto identity = pki::CaIdentity::LoadOrCreate(io);
  if (!identity.ok()) SetupFailed(identity.status());
  c.identity = std::move(identity).value();
  db::SqliteStoreOptions so;
  so.path = dir / "ca.db";
  so.synchronous_full = durable;
  c.metrics = std::make_unique<metrics::Registry>();
  so.metrics = c.metrics.get();
  auto store = db::OpenSqliteStore(so);
  if (!store.ok()) SetupFailed(store.status());
  c.store = std::move(store).value();
  auto source = directory::OpenLdifTemplateSource({templates, "openadcs-CA"});
  if (!source.ok()) SetupFailed(source.status());
  c.templates = std::move(source).value();
  ca::CaSecurityOptions roles;
  roles.initial.officers = {kOfficer.sid};
  roles.initial.enrollees = {"S-1-5-11"};
  auto security = ca::CaSecurity::Open(*c.store, roles);
  if (!security.ok()) SetupFailed(security.status());
  c.security = std::move(security).value();
  c.engine = std::make_unique<ca::Engine>(options, *c.identity, *c.store, *c.templates, nullptr,
                                          *c.security);
  return c;
}

ca::SubmitResult IssueOne(ca::Engine& engine, const std::vector<Bytes>& csrs, long i) {
  ca::SubmitRequest r;
  r.request = csrs[static_cast<std::size_t>(i) % csrs.size()];
  r.attributes = "CertificateTemplate:AutoIssueSubject";
  r.caller = kRequester;
  ca::SubmitResult result = engine.Submit(r);
  if (result.disposition != ca::WireDisposition::kIssued) {
    std::fprintf(stderr, "not issued: 0x%08x %s\n", result.status, result.message.c_str());
    std::abort();
  }
  return result;
}

long RssKiB() {
  return StatusKiB("VmRSS:");
}

long PeakRssKiB() {
  return StatusKiB("VmHWM:");
}

Status ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  if (!clear) return Status::IOError("cannot write /proc/self/clear_refs");
  return Status::Ok();
}

}  // namespace openadcs::bench
