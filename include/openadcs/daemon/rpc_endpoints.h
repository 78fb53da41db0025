// The daemon's network face: the DCE/RPC server with the NTLM acceptor, the
// endpoint mapper, ICertPassage and DCOM (activation and the OXID resolver
// beside the endpoint mapper, CCertRequestD's objects on the object port),
// listening where [rpc] and [dcom] say.
#ifndef OPENADCS_DAEMON_RPC_ENDPOINTS_H_
#define OPENADCS_DAEMON_RPC_ENDPOINTS_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/ca/engine.h"
#include "openadcs/daemon/daemon_config.h"
#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/rpc/server.h"
#include "openadcs/services/cert_admin_service.h"
#include "openadcs/util/status.h"

namespace openadcs::daemon {

class RpcEndpoints {
 public:
  // Builds the NTLM acceptor with the verifier [rpc] ntlm_verifier names.
  // `user_file` is already resolved against the state directory; a missing
  // file (or, with winbind, a winbindd that does not answer) means no
  // account can authenticate yet (a warning says so). Errors: the
  // acceptor's, prefixed.
  static Result<std::unique_ptr<RpcEndpoints>> Prepare(const RpcConfig& config,
                                                       const DcomConfig& dcom,
                                                       const std::filesystem::path& user_file);

  // Builds the server and its services (endpoint mapper, ICertPassage, DCOM) on
  // `io` and listens; CCertAdminD's objects get `admin`. `engine` must outlive the endpoints; the
  // endpoints must be destroyed before `io`. Call once. Errors: the failing step's Status (e.g. the
  // port is taken or needs privileges), prefixed with the step.
  Status Start(boost::asio::io_context& io, ca::Engine& engine,
               const services::CertAdminOptions& admin);

  ~RpcEndpoints();
  RpcEndpoints(const RpcEndpoints&) = delete;
  RpcEndpoints& operator=(const RpcEndpoints&) = delete;

  std::uint16_t epm_port() const { return epm_port_; }
  std::uint16_t icpr_port() const { return icpr_port_; }
  std::uint16_t dcom_port() const { return dcom_port_; }
  // "epm 0.0.0.0:135, icpr 0.0.0.0:49731, dcom 0.0.0.0:49732" (IPv6 in
  // brackets: "epm [::]:135, ..."): for the log and systemd's STATUS.
  std::string Describe() const;

  // Stops accepting; calls in flight finish. Idempotent.
  void Stop();

 private:
  RpcEndpoints() = default;
  // Kerberos: with a keytab configured, adds the Kerberos and SPNEGO
  // acceptors and has DCOM advertise them.
  Status PrepareKerberos();

  RpcConfig config_;
  DcomConfig dcom_config_;
  std::string computer_name_;
  std::shared_ptr<auth::Acceptor> acceptor_;                // NTLM
  std::vector<std::shared_ptr<auth::Acceptor>> acceptors_;  // all, NTLM first
  std::string address_;
  std::uint16_t epm_port_ = 0;
  std::uint16_t icpr_port_ = 0;
  std::uint16_t dcom_port_ = 0;
  // The server's handlers point into the runtime: it is destroyed after them.
  std::unique_ptr<dcom::DcomRuntime> dcom_;
  std::unique_ptr<rpc::Server> server_;
};

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_RPC_ENDPOINTS_H_
