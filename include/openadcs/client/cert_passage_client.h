// Enrolling over ICertPassage (MS-ICPR) as a client: the endpoint-mapper
// lookup, an NTLM or Kerberos bind at the requested protection, and
// CertServerRequest.
// The `openadcs` CLI and the benchmarks stand on this.
//
// Blocking; one call at a time per client (not thread-safe). Every network
// wait is bounded by ConnectOptions::timeout.
#ifndef OPENADCS_CLIENT_CERT_PASSAGE_CLIENT_H_
#define OPENADCS_CLIENT_CERT_PASSAGE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "openadcs/auth/ntlm_client.h"
#include "openadcs/auth/security_context.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::client {

class ActivationConnections;

// Kerberos from a credential cache (auth type 16), as `kinit` leaves it.
struct KerberosCredentials {
  // The cache; empty: MIT's default (KRB5CCNAME). See
  // auth::KerberosInitiatorOptions.
  std::string ccache;
  // The CA's service principal; empty: "host/<ConnectOptions::host>".
  std::string spn;
};

struct ConnectOptions {
  std::string host = "127.0.0.1";
  // Where the endpoint mapper listens; ignored when `port` is set.
  std::uint16_t epm_port = 135;
  // The ICertPassage port, when known; otherwise asked of the endpoint mapper.
  std::optional<std::uint16_t> port;
  // NTLM with `credentials` unless `kerberos` is set. Every connection of a
  // client (endpoint mapper aside: it is not authenticated) uses the same.
  auth::NtlmCredentials credentials;
  std::optional<KerberosCredentials> kerberos;
  // kPrivacy or kIntegrity (a server may refuse integrity).
  auth::AuthLevel level = auth::AuthLevel::kPrivacy;
  std::chrono::milliseconds timeout{10'000};
  // DCOM activation only: connections to the activation port kept between
  // activations (activation_connections.h); null opens one per activation.
  std::shared_ptr<ActivationConnections> activation_connections;
};

// The answer of CertServerRequest, as MS-WCCE 3.2.1.4.2.1 defines it.
struct EnrollResult {
  std::uint32_t request_id = 0;
  // CR_DISP_ISSUED (3), CR_DISP_UNDER_SUBMISSION (5), ... or an HRESULT.
  std::uint32_t disposition = 0;
  Bytes certificate;  // DER, when issued
  Bytes chain;        // degenerate CMS, when issued
  std::string message;
  std::uint32_t return_value = 0;  // the method's own HRESULT
};

inline constexpr std::uint32_t kDispositionIssued = 3;
inline constexpr std::uint32_t kDispositionPending = 5;

// The TCP port the endpoint mapper at host:epm_port gives for the
// interface. Errors: kNotFound when it is not registered, kUnavailable on
// transport failure.
Result<std::uint16_t> LookupTcpPort(const std::string& host, std::uint16_t epm_port,
                                    const rpc::SyntaxId& iface, std::chrono::milliseconds timeout);

class CertPassageClient {
 public:
  // Looks the port up (unless given), connects and binds with NTLM or
  // Kerberos at options.level. Errors: kPermissionDenied when the server
  // refuses the credentials or there are no Kerberos tickets,
  // kNotFound/kUnavailable as LookupTcpPort and ClientChannel.
  static Result<std::unique_ptr<CertPassageClient>> Connect(const ConnectOptions& options);

  // A new request: `request` DER or base64 PKCS#10, CMS or CMC (dwFlags
  // carries its type), `attributes` "Name:Value" lines. Errors: transport
  // failures, faults (kPermissionDenied for access denied, kInvalidArgument
  // otherwise, with the status in the message), undecodable responses.
  Result<EnrollResult> Submit(std::uint32_t flags, const Bytes& request,
                              const std::string& attributes, const std::string& authority);
  // Retrieve by request id (empty request).
  Result<EnrollResult> Retrieve(std::uint32_t request_id, const std::string& authority);

 private:
  CertPassageClient(std::unique_ptr<rpc::ClientChannel> channel, rpc::Binding binding)
      : channel_(std::move(channel)), binding_(binding) {}
  Result<EnrollResult> Call(std::uint32_t flags, std::uint32_t request_id, const Bytes& request,
                            const std::string& attributes, const std::string& authority);

  std::unique_ptr<rpc::ClientChannel> channel_;
  rpc::Binding binding_;
};

}  // namespace openadcs::client

#endif  // OPENADCS_CLIENT_CERT_PASSAGE_CLIENT_H_
