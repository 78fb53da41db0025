// The DCOM server runtime (MS-DCOM 3.1): the SCM activator, the OXID
// resolver, IRemUnknown(2) and the dispatch of object calls by IPID, all as
// rpc::InterfaceHandlers for the DCE/RPC server, plus the object table and
// its lifetime rules.
//
// One object exporter (one OXID) serves every object of the process. Every
// handler is reachable on every listener of the server; clients activate on
// the port-135 listener and call objects on the object port, whose number
// the activation reply advertises with the local address of the socket the
// activation arrived on.
//
// Lifetime: an object lives while it holds public references and its client
// keeps it alive: a call on it, a SimplePing/ComplexPing of a ping set that
// holds its OID, or its creation, at least once per object_timeout.
// RemRelease of the last reference frees it at once; otherwise the sweep
// (every object_timeout / 4) collects it. Calls on freed or unknown IPIDs
// fault with RPC_E_DISCONNECTED (0x80010108) as Windows does, and calls by
// another identity than the activating one fault with access denied.
//
// IRemUnknown(2) answers on one ipidRemUnknown for the whole exporter; the
// IPIDs a call names must be the caller's own (others answer as unknown).
// Reference counts are public ones per IPID (private ones are ignored).
// RemoteGetClassObject exports a class object implementing IUnknown only.
#ifndef OPENADCS_DCOM_DCOM_RUNTIME_H_
#define OPENADCS_DCOM_DCOM_RUNTIME_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/dcom/com_object.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::dcom {

struct DcomOptions {
  // See the lifetime rules above. MS-DCOM's default is three missed pings
  // of 120 s. [100 ms, 24 h]
  std::chrono::milliseconds object_timeout{360'000};
  // Objects alive at once, in all and per client identity; an activation
  // beyond either is answered E_OUTOFMEMORY. [1, 1'000'000] each.
  std::size_t max_objects = 16384;
  std::size_t max_objects_per_client = 1024;
  // Ping sets alive at once (a set expires like an object). [1, 1'000'000]
  std::size_t max_ping_sets = 16384;
  // Ping sets one authenticated account, or one address calling
  // unauthenticated, may hold; unauthenticated callers together hold at most
  // half of max_ping_sets. A ComplexPing beyond either is answered
  // ERROR_NOT_ENOUGH_MEMORY. Objects need no such cap by address: only authenticated
  // callers activate, and max_objects_per_client caps each account.
  // [1, 1'000'000]
  std::size_t max_ping_sets_per_client = 1024;
  // Calls on the activator, IRemUnknown(2) and objects below this level
  // fault with access denied; the OXID resolver's pings and ServerAlive(2)
  // are served unauthenticated, as Windows serves them. kIntegrity or
  // kPrivacy (the default).
  auth::AuthLevel minimum_auth_level = auth::AuthLevel::kPrivacy;
  // Whether the RPC server accepts Kerberos and SPNEGO: the OXID bindings
  // then advertise them (before NTLM) as well as NTLM.
  bool kerberos = false;
  // Time source for tests; null: std::chrono::steady_clock.
  std::function<std::chrono::steady_clock::time_point()> clock;

  Status Validate() const;
};

class DcomRuntime {
 public:
  // Errors: options out of range.
  static Result<std::unique_ptr<DcomRuntime>> Create(DcomOptions options);
  ~DcomRuntime();  // NOLINT(bugprone-exception-escape): see dcom_runtime.cc
  DcomRuntime(const DcomRuntime&) = delete;
  DcomRuntime& operator=(const DcomRuntime&) = delete;

  // An interface objects may implement: calls bound to it dispatch by the
  // PDU's object UUID (the IPID). Opnums 0-2 (IUnknown) fault as out of
  // range, as on Windows. REQUIRES: before Handlers(). Errors: registered
  // twice.
  Status RegisterObjectInterface(const rpc::SyntaxId& iface, std::uint16_t opnum_count);
  // A class clients may activate. REQUIRES: before Handlers(). Errors:
  // registered twice.
  Status RegisterClass(const Uuid& clsid, ClassFactory factory);

  // The handlers to Register with the rpc::Server: IRemoteSCMActivator,
  // IObjectExporter, IRemUnknown, IRemUnknown2 and one per object interface.
  std::vector<std::shared_ptr<rpc::InterfaceHandler>> Handlers();

  // The port object calls arrive on, advertised in activation replies and
  // ResolveOxid(2). REQUIRES: before the first activation is served.
  void SetObjectPort(std::uint16_t port);

  // Starts the periodic sweep on `io`; Stop() cancels it. The runtime must
  // outlive `io`'s run or Stop() must come first.
  void StartSweeping(boost::asio::io_context& io);
  void Stop();

  // Frees every object whose client stopped keeping it alive; returns how
  // many. The sweep calls it; tests may too.
  std::size_t CollectExpired();
  std::size_t object_count() const;

 private:
  struct Impl;
  explicit DcomRuntime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openadcs::dcom

#endif  // OPENADCS_DCOM_DCOM_RUNTIME_H_
