// The endpoint mapper's stubs (C706 Appendix O as amended by MS-RPCE
// 2.2.1.2): ept_lookup (opnum 2) and ept_map (opnum 3), requests and
// responses in both directions, and the protocol tower (C706 Appendix L,
// MS-RPCE 2.2.1.2.2) that names an endpoint.
//
// Decoders fail with kInvalidArgument on malformed stubs or on values outside
// the IDL's range() attributes, and ignore bytes after the last parameter.
#ifndef OPENADCS_NDR_EPM_H_
#define OPENADCS_NDR_EPM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr::epm {

// [range(0,2000)] tower_length (MS-RPCE 2.2.1.2.2).
inline constexpr std::uint32_t kMaxTowerLength = 2000;
// [range(0,500)] max_towers and max_ents (MS-RPCE 2.2.1.2.4, 2.2.1.2.5).
inline constexpr std::uint32_t kMaxEntries = 500;
// ept_max_annotation_size (C706 Appendix O), NUL included.
inline constexpr std::size_t kMaxAnnotationSize = 64;

// status values (MS-RPCE 2.2.1.2.1, 2.2.1.2.4).
inline constexpr std::uint32_t kStatusOk = 0;
inline constexpr std::uint32_t kStatusNotRegistered = 0x16c9a0d6;  // EPT_S_NOT_REGISTERED
inline constexpr std::uint32_t kStatusCantPerformOp = 0x000006d8;  // EPT_S_CANT_PERFORM_OP

// Floor protocol identifiers (C706 Appendix I, L).
inline constexpr std::uint8_t kFloorUuid = 0x0d;                // interface / transfer syntax
inline constexpr std::uint8_t kFloorConnectionOriented = 0x0b;  // ncacn (RPC protocol)
inline constexpr std::uint8_t kFloorTcp = 0x07;                 // port, big-endian
inline constexpr std::uint8_t kFloorIp = 0x09;                  // IPv4 address, big-endian

// ept_lookup_handle_t on the wire: a context handle, 20 bytes.
struct ContextHandle {
  std::uint32_t attributes = 0;
  Uuid uuid;
  bool IsNull() const { return attributes == 0 && uuid.IsNil(); }
  friend bool operator==(const ContextHandle&, const ContextHandle&) = default;
};

// RPC_IF_ID, and the contents of a tower's UUID floors.
struct InterfaceId {
  Uuid uuid;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  friend bool operator==(const InterfaceId&, const InterfaceId&) = default;
};

// One floor: left-hand side (protocol id and data) and right-hand side.
struct TowerFloor {
  Bytes lhs;
  Bytes rhs;
  friend bool operator==(const TowerFloor&, const TowerFloor&) = default;
};

// Tower octets: floor count (u16 LE), then each floor as lhs length (u16 LE),
// lhs, rhs length (u16 LE), rhs. Bytes after the last floor are ignored.
Result<std::vector<TowerFloor>> ParseTowerFloors(std::span<const std::uint8_t> octets);
// REQUIRES: fewer than 2^16 floors, each side shorter than 2^16 bytes.
Bytes SerializeTowerFloors(const std::vector<TowerFloor>& floors);

// The ncacn_ip_tcp tower: floor 1 the interface, 2 the transfer syntax, 3
// connection-oriented RPC (0x0b), 4 the TCP port (0x07), 5 the IPv4 address
// (0x09). Further floors are ignored on decode.
struct TcpTower {
  InterfaceId interface;
  InterfaceId transfer_syntax;
  std::uint16_t port = 0;
  std::array<std::uint8_t, 4> ipv4{};  // in network order, as written a.b.c.d
  friend bool operator==(const TcpTower&, const TcpTower&) = default;
};
// Fails (kInvalidArgument) on a tower that is not ncacn_ip_tcp or whose
// floors are malformed: for the endpoint mapper that means "not registered",
// not bad stub data.
Result<TcpTower> DecodeTcpTower(std::span<const std::uint8_t> octets);
Bytes EncodeTcpTower(const TcpTower& tower);

// ept_map([in, ptr] UUID* obj, [in, ptr] twr_p_t map_tower,
//         [in, out] ept_lookup_handle_t* entry_handle,
//         [in, range(0,500)] unsigned long max_towers, [out] ...)
struct EptMapRequest {
  std::optional<Uuid> object;
  std::optional<Bytes> tower;  // the tower's octets; see DecodeTcpTower
  ContextHandle entry_handle;
  std::uint32_t max_towers = 0;
  friend bool operator==(const EptMapRequest&, const EptMapRequest&) = default;
};

// ([in, out] entry_handle, [out] num_towers,
//  [out, ptr, size_is(max_towers), length_is(*num_towers)] twr_p_t* ITowers,
//  [out] error_status* status)
struct EptMapResponse {
  ContextHandle entry_handle;
  // The array's size (the request's max_towers); the encoder writes at least
  // towers.size().
  std::uint32_t max_towers = 0;
  std::vector<Bytes> towers;  // num_towers = towers.size(); a NULL tower decodes as empty
  std::uint32_t status = kStatusOk;
  friend bool operator==(const EptMapResponse&, const EptMapResponse&) = default;
};

// ept_lookup([in] inquiry_type, [in, ptr] UUID* object, [in, ptr] RPC_IF_ID* Ifid,
//            [in] vers_option, [in, out] entry_handle, [in, range(0,500)] max_ents, ...)
struct EptLookupRequest {
  std::uint32_t inquiry_type = 0;
  std::optional<Uuid> object;
  std::optional<InterfaceId> interface_id;
  std::uint32_t vers_option = 0;
  ContextHandle entry_handle;
  std::uint32_t max_ents = 0;
  friend bool operator==(const EptLookupRequest&, const EptLookupRequest&) = default;
};

// ept_entry_t {uuid_t object; twr_p_t tower; [string] char annotation[64];}
struct EptEntry {
  Uuid object;
  std::optional<Bytes> tower;
  std::string annotation;  // without its NUL; at most kMaxAnnotationSize - 1 bytes
  friend bool operator==(const EptEntry&, const EptEntry&) = default;
};

// ([in, out] entry_handle, [out] num_ents,
//  [out, length_is(*num_ents), size_is(max_ents)] ept_entry_t entries[], [out] status)
struct EptLookupResponse {
  ContextHandle entry_handle;
  std::uint32_t max_ents = 0;  // the array's size; the encoder writes at least entries.size()
  std::vector<EptEntry> entries;
  std::uint32_t status = kStatusOk;
  friend bool operator==(const EptLookupResponse&, const EptLookupResponse&) = default;
};

Result<EptMapRequest> DecodeEptMapRequest(std::span<const std::uint8_t> stub,
                                          const NdrLimits& limits = {});
Bytes EncodeEptMapResponse(const EptMapResponse& out);
Bytes EncodeEptMapRequest(const EptMapRequest& in);
Result<EptMapResponse> DecodeEptMapResponse(std::span<const std::uint8_t> stub,
                                            const NdrLimits& limits = {});

Result<EptLookupRequest> DecodeEptLookupRequest(std::span<const std::uint8_t> stub,
                                                const NdrLimits& limits = {});
// REQUIRES: each annotation shorter than kMaxAnnotationSize (longer ones are
// truncated).
Bytes EncodeEptLookupResponse(const EptLookupResponse& out);
Bytes EncodeEptLookupRequest(const EptLookupRequest& in);
Result<EptLookupResponse> DecodeEptLookupResponse(std::span<const std::uint8_t> stub,
                                                  const NdrLimits& limits = {});

}  // namespace openadcs::ndr::epm

#endif  // OPENADCS_NDR_EPM_H_
