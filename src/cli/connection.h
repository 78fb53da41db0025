// The connection flags every networked `openadcs` command shares, and the
// client they select: DCOM (ICertRequestD2, as certreq) by default,
// ICertPassage with --icpr where the command offers it.
#ifndef OPENADCS_CLI_CONNECTION_H_
#define OPENADCS_CLI_CONNECTION_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "openadcs/client/cert_admin_client.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::cli {

struct ConnectionFlags {
  std::string host = "127.0.0.1";
  std::uint16_t epm_port = 135;  // endpoint mapper and DCOM activation
  std::uint16_t port = 0;        // ICertPassage port (--icpr only)
  bool icpr = false;
  std::string user;
  std::string password_file;
  bool kerberos = false;
  std::string ccache;
  std::string spn;
  std::string level = "privacy";
  std::string authority;
  unsigned timeout_seconds = 10;
};

// Adds --host, --epm-port, -u/--user or -k/--kerberos (exactly one),
// --password-file, --ccache, --spn, --level, --ca, --timeout, and with
// `offer_icpr` also --icpr and --port.
void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f, bool offer_icpr);

// The client options the flags describe: NTLM as -u, the password read as
// cli/credentials.h says, or Kerberos with the credential cache (no
// password). Errors: a user name without a domain, no password.
Result<client::ConnectOptions> MakeConnectOptions(const ConnectionFlags& f);

// A DER certificate as PEM.
std::string CertificatePem(const Bytes& der);
// DER as PEM under "-----BEGIN <label>-----".
std::string Pem(const Bytes& der, const std::string& label);

// The DER in file `path`: the file itself, or the base64 of the PEM it
// holds. Errors: kIOError when it cannot be read, kInvalidArgument when it
// is over `max_bytes` or its PEM does not decode.
Result<Bytes> ReadDerOrPemFile(const std::string& path, std::size_t max_bytes);

// A string property (UTF-16LE, NUL-terminated) as UTF-8.
Result<std::string> BlobText(const Bytes& blob);

// The CA's name as it reports it (GetCACert GETCERT_CANAME, which a CA
// serves whatever pwszAuthority says): what --ca defaults to.
Result<std::string> AskCaName(client::CertRequestClient& c);

// `s` as a JSON string literal.
std::string JsonString(const std::string& s);

// The administration client the flags describe, for the CA --ca names or,
// without --ca, the one the CA reports (asked over ICertRequestD2 first).
// The password is read once.
Result<std::unique_ptr<client::CertAdminClient>> ConnectAdmin(const ConnectionFlags& f);

// Connects as ConnectAdmin, runs `run` with the client (it returns the exit
// code), then releases the object. A failed connection is FailCall's.
int WithAdmin(const ConnectionFlags& f, const std::function<int(client::CertAdminClient&)>& run);

// Prints "openadcs: <what>: <message>" to stderr; returns kExitFailure.
int Fail(const std::string& what, const Status& status);
// As Fail, for the officer and administrator commands: returns
// ExitCodeFor(status) (cli/admin_args.h), so that a refused call exits with
// kExitAccessDenied.
int FailCall(const std::string& what, const Status& status);

// Prints "openadcs: <message>" to stderr; returns kExitUsage.
int UsageError(const Status& status);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_CONNECTION_H_
