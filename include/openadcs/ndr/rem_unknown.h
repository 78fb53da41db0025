// IRemUnknown (MS-DCOM 3.1.1.5.6) and IRemUnknown2 (3.1.1.5.7):
// RemQueryInterface (3), RemAddRef (4), RemRelease (5), RemQueryInterface2
// (6), requests and responses in both directions; whole stubs, ORPC headers
// included.
//
//   HRESULT RemQueryInterface([in] REFIPID ripid, [in] unsigned long cRefs,
//       [in] unsigned short cIids, [in, size_is(cIids)] IID* iids,
//       [out, size_is(,cIids)] REMQIRESULT** ppQIResults);
//   HRESULT RemAddRef([in] unsigned short cInterfaceRefs,
//       [in, size_is(cInterfaceRefs)] REMINTERFACEREF InterfaceRefs[],
//       [out, size_is(cInterfaceRefs)] HRESULT* pResults);
//   HRESULT RemRelease([in] unsigned short cInterfaceRefs,
//       [in, size_is(cInterfaceRefs)] REMINTERFACEREF InterfaceRefs[]);
//   HRESULT RemQueryInterface2([in] REFIPID ripid, [in] unsigned short cIids,
//       [in, size_is(cIids)] IID* iids, [out, size_is(cIids)] HRESULT* phr,
//       [out, size_is(cIids)] MInterfacePointer** ppMIF);
//
// Decoders fail with kInvalidArgument on malformed stubs and ignore bytes
// after the last parameter.
#ifndef OPENADCS_NDR_REM_UNKNOWN_H_
#define OPENADCS_NDR_REM_UNKNOWN_H_

#include <cstdint>
#include <span>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/objref.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr::rem_unknown {

// Most IIDs or interface references one call may carry.
inline constexpr std::uint32_t kMaxEntries = 256;

struct QueryInterfaceRequest {  // RemQueryInterface and RemQueryInterface2
  orpc::OrpcThis orpcthis;
  Uuid ipid;
  std::uint32_t refs = 0;  // RemQueryInterface only
  std::vector<Uuid> iids;
  friend bool operator==(const QueryInterfaceRequest&, const QueryInterfaceRequest&) = default;
};

struct QiResult {  // REMQIRESULT
  std::uint32_t hresult = 0;
  objref::StdObjRef std;  // meaningful when hresult is S_OK
  friend bool operator==(const QiResult&, const QiResult&) = default;
};
struct QueryInterfaceResponse {
  orpc::OrpcThat orpcthat;
  std::vector<QiResult> results;  // one per IID; NULL pointer when hresult fails
  std::uint32_t hresult = 0;
  friend bool operator==(const QueryInterfaceResponse&, const QueryInterfaceResponse&) = default;
};

struct QueryInterface2Response {
  orpc::OrpcThat orpcthat;
  std::vector<std::uint32_t> hresults;  // phr
  std::vector<Bytes> objrefs;           // ppMIF: OBJREF bytes, empty = NULL
  std::uint32_t hresult = 0;
  friend bool operator==(const QueryInterface2Response&, const QueryInterface2Response&) = default;
};

struct InterfaceRef {  // REMINTERFACEREF
  Uuid ipid;
  std::uint32_t public_refs = 0;
  std::uint32_t private_refs = 0;
  friend bool operator==(const InterfaceRef&, const InterfaceRef&) = default;
};
struct RefsRequest {  // RemAddRef and RemRelease
  orpc::OrpcThis orpcthis;
  std::vector<InterfaceRef> refs;
  friend bool operator==(const RefsRequest&, const RefsRequest&) = default;
};
struct AddRefResponse {
  orpc::OrpcThat orpcthat;
  std::vector<std::uint32_t> results;
  std::uint32_t hresult = 0;
  friend bool operator==(const AddRefResponse&, const AddRefResponse&) = default;
};

// Server side.
Result<QueryInterfaceRequest> DecodeRemQueryInterfaceRequest(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits = {});
Bytes EncodeRemQueryInterfaceResponse(const QueryInterfaceResponse& out);
Result<RefsRequest> DecodeRemAddRefRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});
Bytes EncodeRemAddRefResponse(const AddRefResponse& out);
Result<RefsRequest> DecodeRemReleaseRequest(std::span<const std::uint8_t> stub,
                                            const NdrLimits& limits = {});
Result<QueryInterfaceRequest> DecodeRemQueryInterface2Request(std::span<const std::uint8_t> stub,
                                                              const NdrLimits& limits = {});
Bytes EncodeRemQueryInterface2Response(const QueryInterface2Response& out);

// Client side.
Bytes EncodeRemQueryInterfaceRequest(const QueryInterfaceRequest& in);
Result<QueryInterfaceResponse> DecodeRemQueryInterfaceResponse(std::span<const std::uint8_t> stub,
                                                               const NdrLimits& limits = {});
Bytes EncodeRemReleaseRequest(const RefsRequest& in);
Bytes EncodeRemAddRefRequest(const RefsRequest& in);
Result<AddRefResponse> DecodeRemAddRefResponse(std::span<const std::uint8_t> stub,
                                               const NdrLimits& limits = {});

}  // namespace openadcs::ndr::rem_unknown

#endif  // OPENADCS_NDR_REM_UNKNOWN_H_
