// The DCOM plumbing every client of a CA class shares: activation through
// IRemoteSCMActivator on the activation port, the object connection to the
// exporter the reply names (ChooseStringBinding), calls by IPID, and
// RemRelease through IRemUnknown2; both connections kept in
// ConnectOptions::activation_connections when given. CertRequestClient
// (CCertRequestD) and CertAdminClient (CCertAdminD) are typed method sets on
// top of it.
// Internal to openadcs_client.
//
// Lifetime: no pinging; an object idle longer than the server's object
// timeout is collected there and later calls fail with RPC_E_DISCONNECTED.
// Blocking; one call at a time (not thread-safe). Every network wait is
// bounded by ConnectOptions::timeout.
#ifndef OPENADCS_SRC_CLIENT_DCOM_OBJECT_CLIENT_H_
#define OPENADCS_SRC_CLIENT_DCOM_OBJECT_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/client/activation_connections.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/object_endpoint.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::client {

// ORPCTHIS for a new call: no flags, a new causality id.
ndr::orpc::OrpcThis NewOrpcThis();

// A fault PDU's status as an error carrying it as hresult():
// kPermissionDenied for access denied (nca 5 or E_ACCESSDENIED), kNotFound
// for RPC_E_DISCONNECTED, kInvalidArgument otherwise.
Status FaultStatus(std::uint32_t fault, std::string_view what);

// A failing method HRESULT as an error carrying it: kPermissionDenied for
// E_ACCESSDENIED, kInvalidArgument otherwise.
Status MethodFailed(std::uint32_t hresult, std::string_view what);

// "" as an absent [string, unique] parameter, anything else as UTF-16.
// Errors: kInvalidArgument for text that is not UTF-8.
Result<std::optional<std::u16string>> OptionalUtf16(const std::string& s);

// The class to activate and the interface whose IPID the calls go to.
struct DcomClass {
  Uuid clsid;
  std::string_view class_name;      // for messages, e.g. "CCertRequestD"
  rpc::SyntaxId interface;          // bound on the object connection
  std::string_view interface_name;  // for messages
  // Asked of the activation; must hold interface.uuid. References to every
  // one granted are released together.
  std::vector<Uuid> iids;
};

class DcomObjectClient {
 public:
  // Activates `cls` at options.host:options.epm_port, then connects to the
  // exporter and binds `cls.interface` and IRemUnknown2 at options.level,
  // each new connection with a new NTLM or Kerberos context; either
  // connection is a kept one when options.activation_connections holds one
  // for it. Errors: kPermissionDenied when the server refuses the
  // credentials or the activation (or there are no Kerberos tickets),
  // kNotFound when the class is not registered or does not grant the
  // interface, kUnavailable on transport failure, kInvalidArgument on
  // replies that do not decode.
  static Result<std::unique_ptr<DcomObjectClient>> Activate(const ConnectOptions& options,
                                                            const DcomClass& cls);
  // Releases the object (best effort) when Release() was not called, and
  // gives the object connection back to the ActivationConnections it may be
  // kept in when it is ready for another call.
  ~DcomObjectClient();
  DcomObjectClient(const DcomObjectClient&) = delete;
  DcomObjectClient& operator=(const DcomObjectClient&) = delete;

  // One call on the interface's IPID: the response stub, or the transport
  // error or FaultStatus(fault, what).
  Result<Bytes> CallObject(std::uint16_t opnum, const Bytes& stub, std::string_view what);

  // RemRelease of every reference the activation gave, through IRemUnknown2
  // on the object connection. Later calls fault (the object is gone).
  // Idempotent.
  Status Release();

  const ObjectEndpoint& endpoint() const { return endpoint_; }

 private:
  struct InterfaceRef {
    Uuid ipid;
    std::uint32_t public_refs = 0;
  };
  // Where an object connection goes when the object is done with it.
  struct KeepIn {
    std::shared_ptr<ActivationConnections> connections;  // null: closed
    std::string key;
  };
  DcomObjectClient(std::unique_ptr<rpc::ClientChannel> channel, rpc::Binding binding,
                   rpc::Binding rem_unknown, ObjectEndpoint endpoint, Uuid ipid_rem_unknown,
                   std::vector<InterfaceRef> refs, KeepIn keep_in)
      : channel_(std::move(channel)),
        binding_(binding),
        rem_unknown_(rem_unknown),
        endpoint_(std::move(endpoint)),
        ipid_rem_unknown_(ipid_rem_unknown),
        refs_(std::move(refs)),
        keep_in_(std::move(keep_in)) {}

  // A new authenticated connection to the activation port, bound to
  // IRemoteSCMActivator, for activations asking under `key`.
  static Result<std::unique_ptr<ActivationConnections::Idle>> OpenActivation(
      const ConnectOptions& options, std::string key);

  std::unique_ptr<rpc::ClientChannel> channel_;
  rpc::Binding binding_;
  rpc::Binding rem_unknown_;  // IRemUnknown2, under binding_'s security context
  ObjectEndpoint endpoint_;
  Uuid ipid_rem_unknown_;
  std::vector<InterfaceRef> refs_;  // emptied by Release()
  KeepIn keep_in_;
};

// A connection between activations: to the activation port (bound to
// IRemoteSCMActivator) or to an object exporter (bound to the object's
// interface, then IRemUnknown2).
struct ActivationConnections::Idle {
  std::string key;  // who may take it: see ActivationKey and ObjectKey in the .cc
  std::unique_ptr<rpc::ClientChannel> channel;
  std::vector<rpc::Binding> bindings;
  std::chrono::steady_clock::time_point since;  // set by Put
};

}  // namespace openadcs::client

#endif  // OPENADCS_SRC_CLIENT_DCOM_OBJECT_CLIENT_H_
