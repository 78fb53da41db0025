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
#include "openadcs/ndr/objref.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::client {

// CLSID_CCertRequestD (MS-WCCE 1.9).
inline constexpr Uuid kClsidCertRequestD{
    0xd99e6e74, 0xfc88, 0x11d0, {0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03, 0x12, 0xf3}};

// Request2's dwFlags bit asking for the CA-signed CMC response in
// pctbFullResponse (CR_IN_FULLRESPONSE).
inline constexpr std::uint32_t kCrInFullResponse = 0x40000;
// RPC_E_DISCONNECTED: the object is gone (released or collected).
inline constexpr std::uint32_t kRpcEDisconnected = 0x80010108;

// Where the object exporter was reached, for logs and tests.
struct ObjectEndpoint {
  std::string host;
  std::uint16_t port = 0;
  Uuid ipid;  // of ICertRequestD2
  std::uint64_t oxid = 0;
};

// Which host and port to open for the object, given the host dialled for
// activation and the exporter's bindings: a TCP binding whose address is
// `dialled` wins; otherwise `dialled` with the first TCP binding's port.
// Errors: kNotFound when no TCP binding parses.
Result<std::pair<std::string, std::uint16_t>> ChooseStringBinding(
    const std::string& dialled, const ndr::objref::DualStringArray& bindings);

class CertRequestClient {
 public:
  // Activates CCertRequestD at options.host:options.epm_port (options.port is
  // not used), then connects and binds ICertRequestD2 at options.level, each
  // step with a new NTLM context. Errors: kPermissionDenied when the server
  // refuses the credentials, kNotFound when the class or interface is not
  // there, kUnavailable on transport failure, kInvalidArgument on replies
  // that do not decode.
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

  const ObjectEndpoint& endpoint() const { return endpoint_; }

 private:
  struct InterfaceRef {
    Uuid ipid;
    std::uint32_t public_refs = 0;
  };
  CertRequestClient(const ConnectOptions& options, std::unique_ptr<rpc::ClientChannel> channel,
                    rpc::Binding binding, ObjectEndpoint endpoint, Uuid ipid_rem_unknown,
                    std::vector<InterfaceRef> refs)
      : options_(options),
        channel_(std::move(channel)),
        binding_(binding),
        endpoint_(std::move(endpoint)),
        ipid_rem_unknown_(ipid_rem_unknown),
        refs_(std::move(refs)) {}
  // One call on the ICertRequestD2 IPID; the response stub or the error.
  Result<Bytes> CallObject(std::uint16_t opnum, const Bytes& stub, const char* what);
  Result<EnrollResult> CallRequest(bool request2, std::uint32_t flags, std::uint32_t request_id,
                                   const Bytes& request, const std::string& attributes,
                                   const std::string& authority, const std::string& serial);

  ConnectOptions options_;
  std::unique_ptr<rpc::ClientChannel> channel_;
  rpc::Binding binding_;
  ObjectEndpoint endpoint_;
  Uuid ipid_rem_unknown_;
  std::vector<InterfaceRef> refs_;  // emptied by Release()
};

}  // namespace openadcs::client

#endif  // OPENADCS_CLIENT_CERT_REQUEST_CLIENT_H_
