// IObjectExporter, the OXID resolver (MS-DCOM 3.1.2.5.1): ResolveOxid (0),
// SimplePing (1), ComplexPing (2), ServerAlive (3), ResolveOxid2 (4) and
// ServerAlive2 (5), requests and responses in both directions. These are
// plain RPC (no ORPCTHIS); every method returns an error_status_t.
//
// Decoders fail with kInvalidArgument on malformed stubs and ignore bytes
// after the last parameter.
#ifndef OPENADCS_NDR_OXID_RESOLVER_H_
#define OPENADCS_NDR_OXID_RESOLVER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/objref.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr::oxid_resolver {

// Status values (MS-DCOM 3.1.2.5.1).
inline constexpr std::uint32_t kOk = 0;
inline constexpr std::uint32_t kObjectNotFound =
    0x000006d3;                                           // RPC_S_OBJECT_NOT_FOUND (unknown OXID)
inline constexpr std::uint32_t kInvalidSet = 0x80070057;  // E_INVALIDARG (unknown SETID)
inline constexpr std::uint32_t kOutOfResources = 0x00000008;  // ERROR_NOT_ENOUGH_MEMORY
// Most OIDs one ComplexPing may add or delete.
inline constexpr std::uint32_t kMaxPingOids = 4096;

// ResolveOxid / ResolveOxid2 (same in-parameters).
struct ResolveOxidRequest {
  std::uint64_t oxid = 0;
  std::vector<std::uint16_t> requested_protseqs;  // cRequestedProtseqs >= 1
  friend bool operator==(const ResolveOxidRequest&, const ResolveOxidRequest&) = default;
};
struct ResolveOxidResponse {
  objref::DualStringArray bindings;  // NULL pointer when status != 0
  Uuid ipid_rem_unknown;
  std::uint32_t authn_hint = 0;
  std::uint16_t version_major = 5;  // ResolveOxid2 only
  std::uint16_t version_minor = 7;
  std::uint32_t status = 0;
  friend bool operator==(const ResolveOxidResponse&, const ResolveOxidResponse&) = default;
};

struct SimplePingRequest {
  std::uint64_t set_id = 0;
  friend bool operator==(const SimplePingRequest&, const SimplePingRequest&) = default;
};

struct ComplexPingRequest {
  std::uint64_t set_id = 0;  // 0: create a set
  std::uint16_t sequence = 0;
  std::vector<std::uint64_t> add;
  std::vector<std::uint64_t> remove;
  friend bool operator==(const ComplexPingRequest&, const ComplexPingRequest&) = default;
};
struct ComplexPingResponse {
  std::uint64_t set_id = 0;
  std::uint16_t ping_backoff_factor = 0;
  std::uint32_t status = 0;
  friend bool operator==(const ComplexPingResponse&, const ComplexPingResponse&) = default;
};

struct ServerAlive2Response {
  std::uint16_t version_major = 5;
  std::uint16_t version_minor = 7;
  objref::DualStringArray bindings;  // the resolver's own addresses
  std::uint32_t status = 0;
  friend bool operator==(const ServerAlive2Response&, const ServerAlive2Response&) = default;
};

// Server side.
Result<ResolveOxidRequest> DecodeResolveOxidRequest(std::span<const std::uint8_t> stub,
                                                    const NdrLimits& limits = {});
Bytes EncodeResolveOxidResponse(const ResolveOxidResponse& out);
Bytes EncodeResolveOxid2Response(const ResolveOxidResponse& out);
Result<SimplePingRequest> DecodeSimplePingRequest(std::span<const std::uint8_t> stub);
Result<ComplexPingRequest> DecodeComplexPingRequest(std::span<const std::uint8_t> stub,
                                                    const NdrLimits& limits = {});
Bytes EncodeComplexPingResponse(const ComplexPingResponse& out);
Bytes EncodeStatusResponse(std::uint32_t status);  // SimplePing, ServerAlive
Bytes EncodeServerAlive2Response(const ServerAlive2Response& out);

// Client side.
Bytes EncodeResolveOxidRequest(const ResolveOxidRequest& in);  // both versions
Result<ResolveOxidResponse> DecodeResolveOxid2Response(std::span<const std::uint8_t> stub,
                                                       const NdrLimits& limits = {});
Bytes EncodeSimplePingRequest(const SimplePingRequest& in);
Bytes EncodeComplexPingRequest(const ComplexPingRequest& in);
Result<ComplexPingResponse> DecodeComplexPingResponse(std::span<const std::uint8_t> stub);
Result<std::uint32_t> DecodeStatusResponse(std::span<const std::uint8_t> stub);
Result<ServerAlive2Response> DecodeServerAlive2Response(std::span<const std::uint8_t> stub,
                                                        const NdrLimits& limits = {});

}  // namespace openadcs::ndr::oxid_resolver

#endif  // OPENADCS_NDR_OXID_RESOLVER_H_
