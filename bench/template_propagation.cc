// How fast a template change made in the directory reaches the CA: the time
// from an LDAP modify (sent with libldap) to the LDAP template source serving
// a snapshot with the new value (median and p99 over --edits edits of the
// AutoIssueSubject template), and the time one full load of --templates
// templates takes (Reload: connect, bind, discovery, paged search, parse).
//
// It starts its own server with the test fixtures: a private slapd
// (RFC 4533), or a throwaway Samba AD DC (`-M single`, AD notification).
// Samba's ports are fixed, so with --server samba the program re-runs itself
// under `unshare -n` (root) in a network namespace of its own.
#include <fmt/format.h>
#include <ldap.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "openadcs/directory/ldap_template_source.h"
#include "testing/ldap_samba.h"
#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"

namespace {

using namespace openadcs;
using Clock = std::chrono::steady_clock;

// Set in the re-run under unshare, so that it does not re-run again.
constexpr char kInNamespaceVariable[] = "OPENADCS_BENCH_NETNS";
// One edit must arrive within this; a miss is reported as a failure.
constexpr std::chrono::seconds kEditTimeout{10};
constexpr int kLoadRuns = 5;
constexpr char kEdited[] = "AutoIssueSubject";

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

// The directory under test, reachable by the source and by our own handle.
struct Server {
  std::unique_ptr<testing::SlapdServer> slapd;
  std::unique_ptr<testing::SambaServer> samba;
  std::string uri, bind_dn;
  std::filesystem::path password_file;
  std::string Modify(const std::string& ldif) {
    return slapd ? slapd->Modify(ldif) : samba->Modify(ldif);
  }
};

int ReRunInNamespace(int argc, char** argv) {
  setenv(kInNamespaceVariable, "1", 1);
  std::vector<char*> args = {const_cast<char*>("unshare"), const_cast<char*>("-n"),
                             const_cast<char*>("sh"), const_cast<char*>("-c"),
                             const_cast<char*>("ip link set lo up && exec \"$0\" \"$@\"")};
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execvp("unshare", args.data());
  fmt::print(stderr, "cannot run unshare -n (root needed): {}\n", std::strerror(errno));
  return 1;
}

int Run(const std::string& kind, int edits, int template_count) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "server");
  Server server;
  std::string error;
  if (kind == "slapd") {
    server.slapd = testing::SlapdServer::Start(dir.path() / "server", &error);
    if (!server.slapd) return fmt::print(stderr, "{}\n", error), 1;
    server.uri = server.slapd->uri();
    server.bind_dn = testing::SlapdServer::admin_dn();
    server.password_file = server.slapd->password_file();
  } else {
    server.samba = testing::SambaServer::Start(dir.path() / "server", &error);
    if (!server.samba) return fmt::print(stderr, "{}\n", error), 1;
    server.uri = testing::SambaServer::uri();
    server.bind_dn = testing::SambaServer::admin_dn();
    server.password_file = server.samba->password_file();
  }

  directory::LdapTemplateSourceOptions options;
  options.uris = {server.uri};
  options.bind = directory::LdapBind::kSimple;
  options.bind_dn = server.bind_dn;
  options.password_file = server.password_file;
  options.enrollment_service = "openadcs-CA";
  auto opened = directory::OpenLdapTemplateSource(options);
  if (!opened.ok()) return fmt::print(stderr, "{}\n", opened.status().ToString()), 1;
  std::unique_ptr<directory::LdapTemplateSource> source = std::move(opened).value();

  // Our own connection for the edits, so no process start is timed.
  LDAP* ld = nullptr;
  std::string password = testing::ReadTextFile(server.password_file);
  password.erase(password.find_last_not_of("\r\n") + 1);
  berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
  const int version = LDAP_VERSION3;
  if (ldap_initialize(&ld, server.uri.c_str()) != LDAP_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
      ldap_sasl_bind_s(ld, server.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr,
                       nullptr) != LDAP_SUCCESS) {
    fmt::print(stderr, "cannot bind to {}\n", server.uri);
    return 1;
  }
  const std::string dn = testing::TemplateDn(kEdited);
  std::vector<double> latencies;
  for (int i = 0; i < edits; ++i) {
    const std::uint32_t revision = static_cast<std::uint32_t>(100 + i);
    std::string value = std::to_string(revision);
    char* values[] = {value.data(), nullptr};
    LDAPMod mod{};
    mod.mod_op = LDAP_MOD_REPLACE;
    mod.mod_type = const_cast<char*>("msPKI-Template-Minor-Revision");
    mod.mod_values = values;
    LDAPMod* mods[] = {&mod, nullptr};
    const std::uint64_t generation = source->State().generation;
    const Clock::time_point start = Clock::now();
    if (ldap_modify_ext_s(ld, dn.c_str(), mods, nullptr, nullptr) != LDAP_SUCCESS) {
      fmt::print(stderr, "modify {} failed\n", i);
      return 1;
    }
    std::uint64_t seen = generation;
    for (;;) {
      const directory::CertificateTemplate* t = source->Current()->FindByName(kEdited);
      if (t != nullptr && t->minor_revision == revision) break;
      if (!source->WaitForGeneration(seen, kEditTimeout)) {
        fmt::print(stderr, "edit {} not seen within {} s\n", i, kEditTimeout.count());
        return 1;
      }
      seen = source->State().generation;
    }
    latencies.push_back(Ms(Clock::now() - start));
  }
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  if (!latencies.empty()) {
    fmt::print("{}: propagation over {} edits: median {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
               kind, latencies.size(), Percentile(latencies, 0.5), Percentile(latencies, 0.99),
               *std::max_element(latencies.begin(), latencies.end()));
  }

  if (template_count > 0) {
    std::string adds, listed;
    for (int i = 0; i < template_count; ++i) {
      const std::string cn = fmt::format("Bench{:05}", i);
      adds += testing::NewTemplate(cn, std::to_string(10'000 + i)) + "\n";
      listed += fmt::format("certificateTemplates: {}\n", cn);
    }
    source.reset();  // no reload per added entry
    const std::string all =
        adds + fmt::format("dn: {}\nchangetype: modify\nadd: certificateTemplates\n{}",
                           testing::kExampleServiceDn, listed);
    std::string failed;
    if (server.slapd) {
      failed = server.Modify(all);
    } else if (!server.samba->Stop()) {
      failed = "samba did not stop";
    } else {
      // Samba commits each add over LDAP to disk: seconds per hundred entries.
      failed = server.samba->ModifyOffline(all);
      if (failed.empty() && !server.samba->Restart()) failed = "samba did not restart";
    }
    if (!failed.empty()) return fmt::print(stderr, "{}\n", failed.substr(0, 2000)), 1;
    options.notification = directory::LdapNotification::kNone;
    auto loader = directory::OpenLdapTemplateSource(options);
    if (!loader.ok()) return fmt::print(stderr, "{}\n", loader.status().ToString()), 1;
    std::vector<double> loads;
    for (int run = 0; run < kLoadRuns; ++run) {
      const Clock::time_point start = Clock::now();
      const Status reloaded = (*loader)->Reload();
      if (!reloaded.ok()) return fmt::print(stderr, "{}\n", reloaded.ToString()), 1;
      loads.push_back(Ms(Clock::now() - start));
    }
    fmt::print("{}: full load of {} templates ({} served): median {:.0f} ms, max {:.0f} ms\n", kind,
               template_count, (*loader)->Current()->templates().size(), Percentile(loads, 0.5),
               *std::max_element(loads.begin(), loads.end()));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Template change propagation and load time against a real directory server"};
  std::string kind = "slapd";
  int edits = 100;
  int templates = 1000;
  app.add_option("--server", kind, "slapd or samba")->check(CLI::IsMember({"slapd", "samba"}));
  app.add_option("--edits", edits, "template edits timed")->check(CLI::Range(0, 100'000));
  app.add_option("--templates", templates, "templates added, then loaded")
      ->check(CLI::Range(0, 100'000));
  CLI11_PARSE(app, argc, argv);
  if (kind == "samba" && std::getenv(kInNamespaceVariable) == nullptr) {
    return ReRunInNamespace(argc, argv);
  }
  spdlog::set_level(spdlog::level::warn);
  return Run(kind, edits, templates);
}
