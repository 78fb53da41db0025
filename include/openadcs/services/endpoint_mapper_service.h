// The endpoint mapper (MS-RPCE 2.2.1.2, C706 appendix O) for the interfaces
// this process serves: ept_map answers the ncacn_ip_tcp tower of a
// registered interface, ept_lookup lists them. Registration is local only:
// the remote insert/delete operations are refused, as is anything else that
// would let a client change the map.
//
// A tower's address is the IPv4 address the client reached (a wildcard
// listener's: the connection's local address); a client over IPv6 gets
// 0.0.0.0, since the tower's address floor holds IPv4 only and clients dial
// the host they asked on the tower's port (docs/protocols.md, "IPv6").
#ifndef OPENADCS_SERVICES_ENDPOINT_MAPPER_SERVICE_H_
#define OPENADCS_SERVICES_ENDPOINT_MAPPER_SERVICE_H_

#include <mutex>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/rpc/server.h"

namespace openadcs::services {

// Thread-safe.
class EndpointMapperService : public rpc::InterfaceHandler {
 public:
  explicit EndpointMapperService(ndr::NdrLimits limits = {});

  // Publishes where an interface is served (the local RpcEpRegister). Every
  // listener of the process can dispatch every interface, but clients are
  // sent to the port designated for each, as Windows does.
  void Register(const rpc::Endpoint& endpoint);

  rpc::SyntaxId syntax() const override;
  std::uint16_t opnum_count() const override;
  // Clients look endpoints up before they authenticate.
  auth::AuthLevel minimum_auth_level() const override { return auth::AuthLevel::kNone; }
  rpc::CallResult Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override;

 private:
  rpc::CallResult Map(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult Lookup(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);

  std::vector<rpc::Endpoint> Snapshot() const;

  ndr::NdrLimits limits_;
  mutable std::mutex mu_;
  std::vector<rpc::Endpoint> endpoints_;  // guarded by mu_
};

}  // namespace openadcs::services

#endif  // OPENADCS_SERVICES_ENDPOINT_MAPPER_SERVICE_H_
