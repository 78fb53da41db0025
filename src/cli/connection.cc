#include "cli/connection.h"

#include <iostream>
#include <utility>

#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "openadcs/auth/user_file.h"

namespace openadcs::cli {

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f, bool offer_icpr) {
  cmd->add_option("--host", f->host, "CA host name or address")->capture_default_str();
  cmd->add_option("--epm-port", f->epm_port, "endpoint mapper / DCOM activation port")
      ->capture_default_str();
  if (offer_icpr) {
    cmd->add_flag("--icpr", f->icpr, "use ICertPassage (MS-ICPR) instead of DCOM (MS-WCCE)");
    cmd->add_option("--port", f->port,
                    "ICertPassage port (with --icpr; skips the endpoint mapper)");
  }
  cmd->add_option("-u,--user", f->user, "DOMAIN\\user to authenticate as (NTLM)")->required();
  cmd->add_option("--password-file", f->password_file,
                  "file whose first line is the password (else $OPENADCS_PASSWORD, else a prompt)");
  cmd->add_option("--level", f->level, "RPC protection: privacy or integrity")
      ->check(CLI::IsMember({"privacy", "integrity"}))
      ->capture_default_str();
  cmd->add_option("--ca", f->authority,
                  "CA name (pwszAuthority); ca-cert/ca-info ask the CA when not given");
  cmd->add_option("--timeout", f->timeout_seconds, "seconds to wait for each network step")
      ->check(CLI::Range(1u, 600u))
      ->capture_default_str();
}

Result<client::ConnectOptions> MakeConnectOptions(const ConnectionFlags& f) {
  Result<std::pair<std::string, std::string>> name = auth::SplitQualifiedName(f.user);
  if (!name.ok()) return name.status();
  Result<std::string> password =
      ReadPassword(f.password_file, "Password for " + f.user + ": ", false);
  if (!password.ok()) return password.status();
  client::ConnectOptions options;
  options.host = f.host;
  options.epm_port = f.epm_port;
  if (f.port != 0) options.port = f.port;
  options.credentials.domain = name->first;
  options.credentials.user = name->second;
  options.credentials.password = std::move(*password);
  options.level = f.level == "integrity" ? auth::AuthLevel::kIntegrity : auth::AuthLevel::kPrivacy;
  options.timeout = std::chrono::seconds(f.timeout_seconds);
  return options;
}

std::string CertificatePem(const Bytes& der) {
  const std::string b64 = Base64Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

int Fail(const std::string& what, const Status& status) {
  std::cerr << "openadcs: " << what << ": " << status.message() << '\n';
  return kExitFailure;
}

}  // namespace openadcs::cli
