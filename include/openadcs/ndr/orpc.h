// The ORPC headers every DCOM call carries (MS-DCOM 2.2.13): ORPCTHIS first
// in a request stub, ORPCTHAT first in a response stub, both as top-level
// [in] / [out] parameters (their extension arrays are deferred pointees and
// are flushed before the next parameter).
//
// Extensions are kept as opaque (id, bytes) pairs: the daemon acts on none of
// them (MS-DCOM 2.2.21 lists the ones Windows sends) but must read past them.
#ifndef OPENADCS_NDR_ORPC_H_
#define OPENADCS_NDR_ORPC_H_

#include <cstdint>
#include <span>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr::orpc {

// COMVERSION the daemon speaks and advertises (MS-DCOM 1.7: 5.7).
inline constexpr std::uint16_t kComVersionMajor = 5;
inline constexpr std::uint16_t kComVersionMinor = 7;
// Most extensions one header may carry; more is malformed input.
inline constexpr std::uint32_t kMaxExtensions = 64;

struct OrpcExtension {
  Uuid id;
  Bytes data;  // `size` bytes (the wire pads to 8; padding is dropped)
  friend bool operator==(const OrpcExtension&, const OrpcExtension&) = default;
};

struct OrpcThis {
  std::uint16_t version_major = kComVersionMajor;
  std::uint16_t version_minor = kComVersionMinor;
  std::uint32_t flags = 0;  // ORPCF_*: 0 (null) or 1 (local)
  std::uint32_t reserved1 = 0;
  Uuid cid;  // causality id
  std::vector<OrpcExtension> extensions;
  friend bool operator==(const OrpcThis&, const OrpcThis&) = default;
};

struct OrpcThat {
  std::uint32_t flags = 0;
  std::vector<OrpcExtension> extensions;
  friend bool operator==(const OrpcThat&, const OrpcThat&) = default;
};

// Read/write the header at the reader's/writer's position, pointees flushed.
// A client whose major version is not 5 is answered by the caller with
// RPC_E_VERSION_MISMATCH; the codec accepts any version.
Status ReadOrpcThis(NdrReader& r, OrpcThis* out);
void WriteOrpcThis(NdrWriter& w, const OrpcThis& in);
Status ReadOrpcThat(NdrReader& r, OrpcThat* out);
void WriteOrpcThat(NdrWriter& w, const OrpcThat& in);

// The response of every method whose only out-parameter is its HRESULT
// (IRemUnknown::RemRelease, ICertRequestD::Ping, most ICertAdminD setters):
// ORPCTHAT, then the HRESULT.
struct HresultOut {
  OrpcThat orpcthat;
  std::uint32_t hresult = 0;
  friend bool operator==(const HresultOut&, const HresultOut&) = default;
};
Bytes EncodeHresultResponse(const HresultOut& out);
// Errors: kInvalidArgument for a malformed stub; trailing bytes are ignored.
Result<HresultOut> DecodeHresultResponse(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits = {});

}  // namespace openadcs::ndr::orpc

#endif  // OPENADCS_NDR_ORPC_H_
