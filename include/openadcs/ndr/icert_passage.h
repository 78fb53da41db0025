// ICertPassage::CertServerRequest (MS-ICPR 3.2.4.1.1, opnum 0): the request
// and response stubs, both directions (the server decodes requests and
// encodes responses; our own client does the reverse).
//
//   DWORD CertServerRequest([in] handle_t h, [in] DWORD dwFlags,
//       [in, string, unique] const wchar_t* pwszAuthority,
//       [in, out, ref] DWORD* pdwRequestId, [out] DWORD* pdwDisposition,
//       [in, ref] const CERTTRANSBLOB* pctbAttribs,
//       [in, ref] const CERTTRANSBLOB* pctbRequest,
//       [out, ref] CERTTRANSBLOB* pctbCert, [out, ref] CERTTRANSBLOB* pctbEncodedCert,
//       [out, ref] CERTTRANSBLOB* pctbDispositionMessage);
//
// Decoders fail with kInvalidArgument on malformed stubs (the adapter answers
// rpc::fault::kBadStubData) and ignore bytes after the last parameter, which
// some clients send.
#ifndef OPENADCS_NDR_ICERT_PASSAGE_H_
#define OPENADCS_NDR_ICERT_PASSAGE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr::icert_passage {

struct CertServerRequestIn {
  std::uint32_t flags = 0;
  // NULL (or the zero-count quirk, see NdrReader::ReadUniqueString): absent.
  std::optional<std::u16string> authority;
  std::uint32_t request_id = 0;
  // pctbAttribs: UTF-16LE "Name:Value\n..." text whose cb counts its NUL
  // (see Utf16LeBytesToString).
  Bytes attributes;
  // pctbRequest: the DER (or base64) request; empty for a retrieve.
  Bytes request;

  friend bool operator==(const CertServerRequestIn&, const CertServerRequestIn&) = default;
};

struct CertServerRequestOut {
  std::uint32_t request_id = 0;
  std::uint32_t disposition = 0;  // CR_DISP_* or an HRESULT
  Bytes cert;                     // pctbCert: degenerate CMS with the chain
  Bytes encoded_cert;             // pctbEncodedCert: DER certificate
  Bytes disposition_message;      // UTF-16LE with NUL
  std::uint32_t return_value = 0;

  friend bool operator==(const CertServerRequestOut&, const CertServerRequestOut&) = default;
};

Result<CertServerRequestIn> DecodeCertServerRequestRequest(std::span<const std::uint8_t> stub,
                                                           const NdrLimits& limits = {});
Bytes EncodeCertServerRequestResponse(const CertServerRequestOut& out);

Bytes EncodeCertServerRequestRequest(const CertServerRequestIn& in);
Result<CertServerRequestOut> DecodeCertServerRequestResponse(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits = {});

}  // namespace openadcs::ndr::icert_passage

#endif  // OPENADCS_NDR_ICERT_PASSAGE_H_
