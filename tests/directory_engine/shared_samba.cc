#include "directory_engine/shared_samba.h"

#include <memory>

#include "testing/pki.h"

namespace openadcs::testing {
namespace {

struct Shared {
  TempDir dir;  // declared first: outlives the server
  std::unique_ptr<SambaServer> server;
  std::string error;
};

}  // namespace

SambaServer* SharedSamba(std::string* error) {
  // Destroyed at exit, which stops the server and removes its folder.
  static Shared shared;
  static const bool started = [] {
    std::filesystem::create_directory(shared.dir.path() / "samba");
    shared.server = SambaServer::Start(shared.dir.path() / "samba", &shared.error);
    return shared.server != nullptr;
  }();
  if (!started) {
    *error = shared.error;
    return nullptr;
  }
  if (!shared.server->running() && !shared.server->Restart()) {
    *error = "samba did not restart";
    return nullptr;
  }
  return shared.server.get();
}

bool StartTestDirectory(Server server, const std::filesystem::path& dir,
                        directory::LdapTemplateSourceOptions* options, TestDirectory* out,
                        std::string* error) {
  options->bind = directory::LdapBind::kSimple;
  if (server == Server::kSlapd) {
    std::filesystem::create_directory(dir / "slapd");
    out->slapd = SlapdServer::Start(dir / "slapd", error);
    if (out->slapd == nullptr) return false;
    SlapdServer* slapd = out->slapd.get();
    options->uris = {slapd->uri()};
    options->bind_dn = SlapdServer::admin_dn();
    options->password_file = slapd->password_file();
    out->modify = [slapd](const std::string& ldif) { return slapd->Modify(ldif); };
    return true;
  }
  SambaServer* samba = SharedSamba(error);
  if (samba == nullptr) return false;
  options->uris = {SambaServer::uri()};
  // The Samba fixture serves LDAP without TLS (ldap_samba.h).
  options->allow_cleartext = true;
  options->bind_dn = SambaServer::admin_dn();
  options->password_file = samba->password_file();
  out->modify = [samba](const std::string& ldif) { return samba->Modify(ldif); };
  return true;
}

std::string ServerName(const ::testing::TestParamInfo<Server>& param) {
  return param.param == Server::kSlapd ? "Slapd" : "Samba";
}

}  // namespace openadcs::testing
