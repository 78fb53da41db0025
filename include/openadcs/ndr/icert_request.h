// ICertRequestD (MS-WCCE 3.2.1.4.2: Request 3, GetCACert 4, Ping 5) and
// ICertRequestD2 (3.2.1.4.3: Request2 6, GetCAProperty 7, GetCAPropertyInfo
// 8, Ping2 9): requests and responses in both directions. Stubs are whole:
// ORPCTHIS first in a request, ORPCTHAT first in a response, the HRESULT
// last.
//
// The [string, unique, range(1, 1536)] strings are bounded here (a longer
// one, counting its NUL, fails to decode); the zero-count pwszAttributes
// quirk (client-interop.md) decodes as absent. Decoders fail with
// kInvalidArgument on malformed stubs and ignore bytes after the last
// parameter.
#ifndef OPENADCS_NDR_ICERT_REQUEST_H_
#define OPENADCS_NDR_ICERT_REQUEST_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr::icert_request {

inline constexpr std::size_t kMaxStringUnits = 1536;  // range(1, 1536), NUL included
inline constexpr std::size_t kMaxSerialUnits = 64;    // range(1, 64)

// Request (opnum 3) and Request2 (opnum 6) share one shape; serial_number is
// Request2's pwszSerialNumber (always absent for Request).
struct RequestIn {
  orpc::OrpcThis orpcthis;
  std::uint32_t flags = 0;
  std::optional<std::u16string> authority;
  std::optional<std::u16string> serial_number;
  std::uint32_t request_id = 0;
  std::optional<std::u16string> attributes;
  Bytes request;  // pctbRequest: empty for a retrieve
  friend bool operator==(const RequestIn&, const RequestIn&) = default;
};
struct RequestOut {
  orpc::OrpcThat orpcthat;
  std::uint32_t request_id = 0;
  std::uint32_t disposition = 0;  // CR_DISP_* or an HRESULT
  // Request: pctbCertChain (degenerate CMS). Request2: pctbFullResponse
  // (the chain CMS, or with FULLRESPONSE the CA-signed CMC response).
  Bytes cert_chain;
  Bytes encoded_cert;         // DER certificate
  Bytes disposition_message;  // UTF-16LE with NUL
  std::uint32_t hresult = 0;
  friend bool operator==(const RequestOut&, const RequestOut&) = default;
};

struct GetCaCertIn {
  orpc::OrpcThis orpcthis;
  std::uint32_t fchain = 0;
  std::optional<std::u16string> authority;
  friend bool operator==(const GetCaCertIn&, const GetCaCertIn&) = default;
};
struct BlobOut {  // GetCACert's pctbOut, GetCAProperty's pctbPropertyValue
  orpc::OrpcThat orpcthat;
  Bytes blob;
  std::uint32_t hresult = 0;
  friend bool operator==(const BlobOut&, const BlobOut&) = default;
};

struct AuthorityIn {  // Ping, Ping2, GetCAPropertyInfo
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  friend bool operator==(const AuthorityIn&, const AuthorityIn&) = default;
};
struct GetCaPropertyIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::int32_t prop_id = 0;
  std::int32_t prop_index = 0;
  std::int32_t prop_type = 0;
  friend bool operator==(const GetCaPropertyIn&, const GetCaPropertyIn&) = default;
};

struct GetCaPropertyInfoOut {
  orpc::OrpcThat orpcthat;
  std::int32_t property_count = 0;
  Bytes prop_info;  // CATRANSPROP array and its strings
  std::uint32_t hresult = 0;
  friend bool operator==(const GetCaPropertyInfoOut&, const GetCaPropertyInfoOut&) = default;
};

// Server side.
Result<RequestIn> DecodeRequestRequest(std::span<const std::uint8_t> stub,
                                       const NdrLimits& limits = {});
Result<RequestIn> DecodeRequest2Request(std::span<const std::uint8_t> stub,
                                        const NdrLimits& limits = {});
Bytes EncodeRequestResponse(const RequestOut& out);  // Request and Request2
Result<GetCaCertIn> DecodeGetCaCertRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});
Bytes EncodeBlobResponse(const BlobOut& out);  // GetCACert, GetCAProperty
Result<AuthorityIn> DecodeAuthorityRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});
Result<GetCaPropertyIn> DecodeGetCaPropertyRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits = {});
Bytes EncodeGetCaPropertyInfoResponse(const GetCaPropertyInfoOut& out);

// Client side.
Bytes EncodeRequestRequest(const RequestIn& in);
Bytes EncodeRequest2Request(const RequestIn& in);
Result<RequestOut> DecodeRequestResponse(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits = {});
Bytes EncodeGetCaCertRequest(const GetCaCertIn& in);
Result<BlobOut> DecodeBlobResponse(std::span<const std::uint8_t> stub,
                                   const NdrLimits& limits = {});
Bytes EncodeAuthorityRequest(const AuthorityIn& in);
Bytes EncodeGetCaPropertyRequest(const GetCaPropertyIn& in);
Result<GetCaPropertyInfoOut> DecodeGetCaPropertyInfoResponse(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits = {});

}  // namespace openadcs::ndr::icert_request

#endif  // OPENADCS_NDR_ICERT_REQUEST_H_
