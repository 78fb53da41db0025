// Helper process for tests/ca/durability_test.cc: submits requests through
// the engine in a loop and prints "<request id> <serial>" for each one only
// after Submit returned, so every line printed is a promise of durability.
// Usage: engine_writer STATE_DIR TEMPLATES_DIR MAX_REQUESTS
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "openadcs/ca/engine.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/directory/ldif_template_source.h"
#include "testing/pki.h"

int main(int argc, char** argv) {
  using namespace openadcs;
  if (argc != 4) {
    std::fprintf(stderr, "usage: engine_writer STATE_DIR TEMPLATES_DIR MAX_REQUESTS\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const std::filesystem::path state = argv[1];
  pki::CaIdentityOptions io;
  io.key_file = state / "ca.key";
  io.cert_file = state / "ca.crt";
  io.algorithm = pki::KeyAlgorithm::kEcdsaP256;
  auto identity = pki::CaIdentity::LoadOrCreate(io);
  auto store = db::OpenSqliteStore({state / "ca.db"});
  auto templates = directory::OpenLdifTemplateSource({argv[2], "openadcs-CA"});
  if (!identity.ok() || !store.ok() || !templates.ok()) {
    std::fprintf(stderr, "engine_writer: setup failed\n");
    return 1;
  }
  ca::CaSecurityOptions roles;
  roles.initial.enrollees = {"S-1-5-11"};
  auto security = ca::CaSecurity::Open(**store, roles);
  if (!security.ok()) {
    std::fprintf(stderr, "engine_writer: CA security: %s\n", security.status().ToString().c_str());
    return 1;
  }
  ca::Engine engine({}, **identity, **store, **templates, nullptr, **security);
  auto key = testing::MakeRsaKey(2048);
  testing::CsrSpec spec;
  spec.subject = {{"CN", "durability.example.com"}};
  ca::SubmitRequest request;
  request.request = testing::MakeCsrDer(key.get(), spec);
  request.attributes = "CertificateTemplate:AutoIssueSubject";
  request.caller = {"EXAMPLE\\writer", "S-1-5-21-1-2-3-1000", {"S-1-5-11"}};
  const long max = std::strtol(argv[3], nullptr, 10);
  for (long i = 0; i < max; ++i) {
    ca::SubmitResult r = engine.Submit(request);
    if (r.disposition != ca::WireDisposition::kIssued) {
      std::fprintf(stderr, "engine_writer: request not issued: %s\n", r.message.c_str());
      return 1;
    }
    auto cert = testing::ParseCertDer(r.certificate);
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    std::printf("%u %s\n", r.request_id,
                HexLower({ASN1_STRING_get0_data(serial),
                          static_cast<std::size_t>(ASN1_STRING_length(serial))})
                    .c_str());
    std::fflush(stdout);
  }
  return 0;
}
