// Enrolling over DCOM as certreq does (MS-WCCE ICertRequestD/ICertRequestD2):
// activation of CCertRequestD through IRemoteSCMActivator on the activation
// port, then calls on the object exporter the reply names, and RemRelease
// through IRemUnknown2 when the client closes. The `openadcs` CLI and the
// benchmarks stand on this.
//
// Addresses: the reply's TCP string binding ("10.0.0.5[49731]") gives the
// object port. When its address is not the host dialled for activation, the
// dialled host is used with the advertised port, so a CA behind NAT or known
// by another name still works.
//
// Lifetime: the client does not ping; an object left idle longer than the
// server's object timeout is collected there and later calls fail with
// RPC_E_DISCONNECTED (a kNotFound Status whose hresult() is 0x80010108).
//
// Blocking; one call at a time per client (not thread-safe). Every network
// wait is bounded by ConnectOptions::timeout.
#ifndef OPENADCS_CLIENT_CERT_REQUEST_CLIENT_H_
#define OPENADCS_CLIENT_CERT_REQUEST_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/object_endpoint.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::client {

class DcomObjectClient;

// CLSID_CCertRequestD (MS-WCCE 1.9).
inline constexpr Uuid kClsidCertRequestD{
    0xd99e6e74, 0xfc88, 0x11d0, {0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03, 0x12, 0xf3}};

// Request2's dwFlags bit asking for the CA-signed CMC response in
// pctbFullResponse (CR_IN_FULLRESPONSE).
inline constexpr std::uint32_t kCrInFullResponse = 0x40000;

class CertRequestClient {
 public:
  // Activates CCertRequestD at options.host:options.epm_port (options.port is
  // not used; the connection kept in options.activation_connections when
  // there is one), then connects and binds ICertRequestD2 at options.level,
  // each new connection with a new NTLM or Kerberos context. Errors: kPermissionDenied
  // when the server refuses the credentials or there are no Kerberos
  // tickets, kNotFound when the class or interface is not there,
  // kUnavailable on transport failure, kInvalidArgument on replies that do
  // not decode.
  static Result<std::unique_ptr<CertRequestClient>> Connect(const ConnectOptions& options);
  // Releases the object (best effort) when Release() was not called.
  ~CertRequestClient();
  CertRequestClient(const CertRequestClient&) = delete;
  CertRequestClient& operator=(const CertRequestClient&) = delete;

  // ICertRequestD::Request: a new request (`request` DER PKCS#10, CMS or CMC
  // as `flags` says; `attributes` "Name:Value" lines). `chain` is
  // pctbCertChain. Errors for every call: transport failures, faults
  // (kPermissionDenied for access denied, kNotFound for RPC_E_DISCONNECTED,
  // kInvalidArgument otherwise; the fault status as hresult()), undecodable
  // responses. The method's own HRESULT is EnrollResult::return_value.
  Result<EnrollResult> Submit(std::uint32_t flags, const Bytes& request,
                              const std::string& attributes, const std::string& authority);
  // Request with an empty request and `request_id`.
  Result<EnrollResult> Retrieve(std::uint32_t request_id, const std::string& authority);
  // ICertRequestD2::Request2: as Submit, or a retrieve when `request` is
  // empty (by `request_id`, or by `serial_number` when not empty). `chain`
  // is pctbFullResponse: with kCrInFullResponse in `flags`, the CA-signed
  // CMC response.
  Result<EnrollResult> Submit2(std::uint32_t flags, const Bytes& request,
                               const std::string& attributes, const std::string& authority,
                               std::uint32_t request_id = 0, const std::string& serial_number = {});

  // GetCACert (fchain is the GETCERT_* selector, 0: the CA certificate) and
  // GetCAProperty: the blob. A failing method HRESULT is an error carrying it
  // as hresult() (kPermissionDenied for E_ACCESSDENIED, kInvalidArgument
  // otherwise).
  Result<Bytes> GetCaCert(std::uint32_t fchain, const std::string& authority);
  Result<Bytes> GetCaProperty(std::int32_t prop_id, std::int32_t prop_index, std::int32_t prop_type,
                              const std::string& authority);
  // GetCAPropertyInfo: the property count and the CATRANSPROP blob.
  Result<std::pair<std::int32_t, Bytes>> GetCaPropertyInfo(const std::string& authority);
  // Ping2: Ok when the method returned S_OK.
  Status Ping2(const std::string& authority);

  // RemRelease of every interface reference the activation gave, through
  // IRemUnknown2 on the object connection. Later calls fault (the object is
  // gone). Idempotent.
  Status Release();

  const ObjectEndpoint& endpoint() const;

 private:
  explicit CertRequestClient(std::unique_ptr<DcomObjectClient> object);
  Result<EnrollResult> CallRequest(bool request2, std::uint32_t flags, std::uint32_t request_id,
                                   const Bytes& request, const std::string& attributes,
                                   const std::string& authority, const std::string& serial);

  std::unique_ptr<DcomObjectClient> object_;
};

}  // namespace openadcs::client

#endif  // OPENADCS_CLIENT_CERT_REQUEST_CLIENT_H_
