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

}  // namespace openadcs::testing
