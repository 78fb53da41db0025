#include "cli/connection.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <utility>

#include "cli/admin_args.h"
#include "cli/credentials.h"
#include "cli/exit_codes.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/util/utf16.h"

namespace openadcs::cli {
namespace {

// GetCACert's fchain for the CA's name (GETCERT_CANAME "name", MS-WCCE
// 3.2.1.4.3.2).
constexpr std::uint32_t kGetCertCaName = 0x6E616D65;

}  // namespace

Result<Bytes> ReadDerOrPemFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) return Status::InvalidArgument(path + " is too large");
  if (text.find("-----BEGIN") != std::string::npos) {
    std::optional<Bytes> der = Base64Decode(text);
    if (!der) return Status::InvalidArgument(path + " is PEM whose base64 does not decode");
    return *der;
  }
  return Bytes(text.begin(), text.end());
}

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f, bool offer_icpr) {
  cmd->add_option("--host", f->host, "CA host name or address")->capture_default_str();
  cmd->add_option("--epm-port", f->epm_port, "endpoint mapper / DCOM activation port")
      ->capture_default_str();
  if (offer_icpr) {
    cmd->add_flag("--icpr", f->icpr, "use ICertPassage (MS-ICPR) instead of DCOM (MS-WCCE)");
    cmd->add_option("--port", f->port,
                    "ICertPassage port (with --icpr; skips the endpoint mapper)");
  }
  // One way to authenticate: NTLM as a user, or Kerberos as the cache's.
  CLI::Option_group* who = cmd->add_option_group("authentication", "NTLM (-u) or Kerberos (-k)");
  who->add_option("-u,--user", f->user, "DOMAIN\\user to authenticate as (NTLM)");
  CLI::Option* kerberos = who->add_flag(
      "-k,--kerberos", f->kerberos,
      "authenticate with Kerberos, with the tickets of the credential cache (kinit; no password)");
  who->require_option(1);
  cmd->add_option("--password-file", f->password_file,
                  "file whose first line is the password (else $OPENADCS_PASSWORD, else a prompt)");
  cmd->add_option("--ccache", f->ccache,
                  "Kerberos credential cache (with -k; default: $KRB5CCNAME, else MIT's default)")
      ->needs(kerberos);
  cmd->add_option("--spn", f->spn,
                  "the CA's Kerberos service principal (with -k; default: host/<--host>)")
      ->needs(kerberos);
  cmd->add_option("--level", f->level, "RPC protection: privacy or integrity")
      ->check(CLI::IsMember({"privacy", "integrity"}))
      ->capture_default_str();
  cmd->add_option("--ca", f->authority, "CA name (pwszAuthority); asked of the CA when not given");
  cmd->add_option("--timeout", f->timeout_seconds, "seconds to wait for each network step")
      ->check(CLI::Range(1u, 600u))
      ->capture_default_str();
}

Result<client::ConnectOptions> MakeConnectOptions(const ConnectionFlags& f) {
  client::ConnectOptions options;
  options.host = f.host;
  options.epm_port = f.epm_port;
  if (f.port != 0) options.port = f.port;
  if (f.kerberos) {
    options.kerberos = client::KerberosCredentials{f.ccache, f.spn};
  } else {
    Result<std::pair<std::string, std::string>> name = auth::SplitQualifiedName(f.user);
    if (!name.ok()) return name.status();
    Result<std::string> password =
        ReadPassword(f.password_file, "Password for " + f.user + ": ", false);
    if (!password.ok()) return password.status();
    options.credentials.domain = name->first;
    options.credentials.user = name->second;
    options.credentials.password = std::move(*password);
  }
  options.level = f.level == "integrity" ? auth::AuthLevel::kIntegrity : auth::AuthLevel::kPrivacy;
  options.timeout = std::chrono::seconds(f.timeout_seconds);
  return options;
}

std::string CertificatePem(const Bytes& der) {
  return Pem(der, "CERTIFICATE");
}

std::string Pem(const Bytes& der, const std::string& label) {
  const std::string b64 = Base64Encode(der);
  std::string pem = "-----BEGIN " + label + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END " + label + "-----\n";
}

Result<std::string> BlobText(const Bytes& blob) {
  if (blob.size() % 2 != 0) return Status::InvalidArgument("odd-length string property");
  Result<std::u16string> units = Utf16LeBytesToString(blob);
  if (!units.ok()) return units.status();
  while (!units->empty() && units->back() == u'\0') units->pop_back();
  return Utf16ToUtf8(*units);
}

Result<std::string> AskCaName(client::CertRequestClient& c) {
  Result<Bytes> name = c.GetCaCert(kGetCertCaName, "");
  if (!name.ok()) return name.status();
  return BlobText(*name);
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

Result<std::unique_ptr<client::CertAdminClient>> ConnectAdmin(const ConnectionFlags& f) {
  Result<client::ConnectOptions> options = MakeConnectOptions(f);
  if (!options.ok()) return options.status();
  std::string authority = f.authority;
  if (authority.empty()) {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(*options);
    if (!c.ok()) return c.status();
    Result<std::string> name = AskCaName(**c);
    (void)(*c)->Release();
    if (!name.ok()) return name.status();
    authority = std::move(*name);
  }
  return client::CertAdminClient::Connect(*options, std::move(authority));
}

int Fail(const std::string& what, const Status& status) {
  std::cerr << "openadcs: " << what << ": " << status.message() << '\n';
  return kExitFailure;
}

int FailCall(const std::string& what, const Status& status) {
  (void)Fail(what, status);
  return ExitCodeFor(status);
}

int WithAdmin(const ConnectionFlags& f, const std::function<int(client::CertAdminClient&)>& run) {
  Result<std::unique_ptr<client::CertAdminClient>> c = ConnectAdmin(f);
  if (!c.ok()) return FailCall("connecting to the CA", c.status());
  const int code = run(**c);
  (void)(*c)->Release();
  return code;
}

int UsageError(const Status& status) {
  std::cerr << "openadcs: " << status.message() << '\n';
  return kExitUsage;
}

}  // namespace openadcs::cli
