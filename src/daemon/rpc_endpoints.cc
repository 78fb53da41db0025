#include "openadcs/daemon/rpc_endpoints.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cctype>
#include <system_error>
#include <utility>
#include <vector>

#include "openadcs/auth/kerberos_acceptor.h"
#include "openadcs/auth/ntlm_acceptor.h"
#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/services/cert_admin_service.h"
#include "openadcs/services/cert_passage_service.h"
#include "openadcs/services/cert_request_service.h"
#include "openadcs/services/endpoint_mapper_service.h"

namespace openadcs::daemon {
namespace {

// The host name as a NetBIOS name: upper case, at most 15 characters of
// letters, digits, '-' and '_'.
std::string NetbiosHostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "OPENADCS";
  std::string name;
  for (const char* p = host; *p != '\0' && *p != '.' && name.size() < 15; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (std::isalnum(c) != 0 || c == '-' || c == '_') {
      name.push_back(static_cast<char>(std::toupper(c)));
    }
  }
  return name.empty() ? "OPENADCS" : name;
}

Status Prefixed(const std::string& step, const Status& status) {
  if (status.ok()) return status;
  return Status::Error(status.code(), step + ": " + status.message(), status.hresult());
}

}  // namespace

Result<std::unique_ptr<RpcEndpoints>> RpcEndpoints::Prepare(
    const RpcConfig& config, const DcomConfig& dcom, const std::filesystem::path& user_file) {
  std::shared_ptr<auth::NtlmVerifier> verifier;
  if (config.ntlm_verifier == RpcConfig::NtlmVerifierKind::kWinbind) {
    if (!auth::WinbindReachable()) {
      spdlog::warn("winbindd does not answer: no domain account can authenticate until it runs");
    }
    // A logon thread waits for winbindd no longer than its connection is
    // kept for the logon; what winbindd answers later is dropped. Calls
    // given up on count until they return: with 4 per logon thread, a
    // winbindd silent for three timeouts in a row makes further logons fail
    // at once.
    auth::DeadlineVerifierOptions deadline;
    deadline.asked = "winbindd";
    deadline.timeout = config.server.auth_timeout;
    deadline.max_running = 4 * config.server.logon_threads;
    verifier = auth::NewDeadlineVerifier(auth::NewWinbindVerifier(), deadline);
  } else {
    std::error_code ec;
    if (!std::filesystem::exists(user_file, ec)) {
      spdlog::warn(
          "NTLM user file {} does not exist: no one can authenticate until `openadcs user "
          "add` creates it",
          user_file.string());
    }
    verifier =
        auth::NewUserFileVerifier({user_file, config.netbios_domain_name, config.dns_domain_name});
  }
  std::unique_ptr<RpcEndpoints> self(new RpcEndpoints());
  self->config_ = config;
  self->dcom_config_ = dcom;
  self->computer_name_ =
      config.netbios_computer_name.empty() ? NetbiosHostName() : config.netbios_computer_name;
  auth::NtlmAcceptorOptions ntlm;
  ntlm.verifier = std::move(verifier);
  ntlm.netbios_computer_name = self->computer_name_;
  ntlm.netbios_domain_name = config.netbios_domain_name;
  ntlm.dns_domain_name = config.dns_domain_name;
  ntlm.allow_weak_keys = config.ntlm_allow_weak_keys;
  Result<std::unique_ptr<auth::Acceptor>> acceptor = auth::NewNtlmAcceptor(ntlm);
  if (!acceptor.ok()) return Prefixed("NTLM acceptor", acceptor.status());
  self->acceptor_ = std::move(*acceptor);
  self->acceptors_.push_back(self->acceptor_);
  OPENADCS_RETURN_IF_ERROR(self->PrepareKerberos());
  return self;
}

// Kerberos
Status RpcEndpoints::PrepareKerberos() {
  const KerberosConfig& k = config_.kerberos;
  if (k.keytab.empty()) return Status::Ok();
  auth::KerberosAcceptorOptions options;
  options.keytab = k.keytab;
  options.realm = k.realm;
  options.netbios_domain_name =
      k.netbios_domain_name.empty() ? config_.netbios_domain_name : k.netbios_domain_name;
  Result<std::unique_ptr<auth::Acceptor>> kerberos = auth::NewKerberosAcceptor(options);
  if (!kerberos.ok()) return Prefixed("Kerberos acceptor", kerberos.status());
  std::shared_ptr<auth::Acceptor> shared = std::move(*kerberos);
  Result<std::unique_ptr<auth::Acceptor>> spnego = auth::NewSpnegoAcceptor(shared, acceptor_);
  if (!spnego.ok()) return Prefixed("SPNEGO acceptor", spnego.status());
  acceptors_.push_back(shared);
  acceptors_.push_back(std::move(*spnego));
  dcom_config_.runtime.kerberos = true;
  spdlog::info("Kerberos on: keytab {}, realm {} as domain {}", k.keytab.string(), k.realm,
               options.netbios_domain_name);
  return Status::Ok();
}

Status RpcEndpoints::Start(boost::asio::io_context& io, ca::Engine& engine,
                           const services::CertAdminOptions& admin) {
  services::CertPassageOptions icpr;
  icpr.required_level = config_.icpr_level;
  OPENADCS_RETURN_IF_ERROR(Prefixed("ICertPassage", icpr.Validate()));
  Result<std::unique_ptr<dcom::DcomRuntime>> runtime =
      dcom::DcomRuntime::Create(dcom_config_.runtime);
  if (!runtime.ok()) return Prefixed("DCOM", runtime.status());
  dcom_ = std::move(*runtime);
  OPENADCS_RETURN_IF_ERROR(
      Prefixed("registering CCertRequestD",
               services::RegisterCertRequestClass(*dcom_, engine, services::CertRequestOptions{})));
  OPENADCS_RETURN_IF_ERROR(
      Prefixed("registering CCertAdminD", services::RegisterCertAdminClass(*dcom_, engine, admin)));
  Result<std::unique_ptr<rpc::Server>> server = rpc::Server::Create(io, config_.server, acceptors_);
  if (!server.ok()) return Prefixed("RPC server", server.status());
  server_ = std::move(*server);
  address_ = config_.address;

  rpc::Server* raw = server_.get();
  auto epm_service = std::make_shared<services::EndpointMapperService>();
  OPENADCS_RETURN_IF_ERROR(Prefixed("registering the endpoint mapper", raw->Register(epm_service)));
  auto icpr_service = std::make_shared<services::CertPassageService>(engine, icpr);
  OPENADCS_RETURN_IF_ERROR(Prefixed("registering ICertPassage", raw->Register(icpr_service)));
  for (const std::shared_ptr<rpc::InterfaceHandler>& handler : dcom_->Handlers()) {
    OPENADCS_RETURN_IF_ERROR(Prefixed("registering DCOM", raw->Register(handler)));
  }

  Result<std::uint16_t> epm = raw->Listen(config_.address, config_.epm_port);
  if (!epm.ok()) {
    return Prefixed(fmt::format("endpoint mapper on {}:{}", config_.address, config_.epm_port),
                    epm.status());
  }
  Result<std::uint16_t> icpr_port = raw->Listen(config_.address, config_.icpr_port);
  if (!icpr_port.ok()) {
    return Prefixed(fmt::format("ICertPassage on {}:{}", config_.address, config_.icpr_port),
                    icpr_port.status());
  }
  Result<std::uint16_t> dcom_port = raw->Listen(config_.address, dcom_config_.port);
  if (!dcom_port.ok()) {
    return Prefixed(fmt::format("DCOM objects on {}:{}", config_.address, dcom_config_.port),
                    dcom_port.status());
  }
  epm_port_ = *epm;
  icpr_port_ = *icpr_port;
  dcom_port_ = *dcom_port;
  dcom_->SetObjectPort(dcom_port_);
  dcom_->StartSweeping(io);
  epm_service->Register({epm_service->syntax(), config_.address, epm_port_});
  epm_service->Register({icpr_service->syntax(), config_.address, icpr_port_});
  auto level_name = [](auth::AuthLevel level) {
    return level == auth::AuthLevel::kPrivacy ? "privacy" : "integrity";
  };
  spdlog::info("listening: {} (NTLM as {}\\{}, ICertPassage requires {}, DCOM {})", Describe(),
               config_.netbios_domain_name, computer_name_, level_name(config_.icpr_level),
               level_name(dcom_config_.runtime.minimum_auth_level));
  return Status::Ok();
}

RpcEndpoints::~RpcEndpoints() {
  Stop();
}

std::string RpcEndpoints::Describe() const {
  return fmt::format("epm {}, icpr {}, dcom {}", JoinListenAddress(address_, epm_port_),
                     JoinListenAddress(address_, icpr_port_),
                     JoinListenAddress(address_, dcom_port_));
}

void RpcEndpoints::Stop() {
  if (dcom_) dcom_->Stop();
  if (server_) server_->Stop();
}

}  // namespace openadcs::daemon
