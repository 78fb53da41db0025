// The connection flags every networked `openadcs` command shares, and the
// client they select: DCOM (ICertRequestD2, as certreq) by default,
// ICertPassage with --icpr where the command offers it.
#ifndef OPENADCS_CLI_CONNECTION_H_
#define OPENADCS_CLI_CONNECTION_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "openadcs/client/cert_passage_client.h"
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
  std::string level = "privacy";
  std::string authority;
  unsigned timeout_seconds = 10;
};

// Adds --host, --epm-port, -u/--user, --password-file, --level, --ca,
// --timeout, and with `offer_icpr` also --icpr and --port.
void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* f, bool offer_icpr);

// The client options the flags describe, the password read as
// cli/credentials.h says. Errors: a user name without a domain, no password.
Result<client::ConnectOptions> MakeConnectOptions(const ConnectionFlags& f);

// A DER certificate as PEM.
std::string CertificatePem(const Bytes& der);

// Prints "openadcs: <what>: <message>" to stderr; returns kExitFailure.
int Fail(const std::string& what, const Status& status);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_CONNECTION_H_
