// Decoding of certificate requests as MS-WCCE 3.2.1.4.2.1.4.1 accepts them:
// a bare PKCS#10, a CMS SignedData wrapping a PKCS#10, or a CMS SignedData
// wrapping a CMC PKIData (RFC 5272) with exactly one request. Bytes come from
// the network: every decoder bounds its input and never asserts.
#ifndef OPENADCS_PKI_REQUEST_PARSER_H_
#define OPENADCS_PKI_REQUEST_PARSER_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

// dwFlags bits 8-15 (MS-WCCE 3.2.1.4.2.1).
enum class RequestType : std::uint32_t {
  kDetect = 0x000,
  kPkcs10 = 0x100,
  kKeygen = 0x200,
  kCms = 0x300,  // "PKCS7": CMS SignedData around a PKCS#10 or a CMC PKIData
  kCmc = 0x400,
  kChallengeResponse = 0x500,
};
inline constexpr std::uint32_t kRequestTypeMask = 0xFF00;

enum class RequestFormat { kPkcs10, kCmsPkcs10, kCmc };

struct RequestedExtension {
  std::string oid;
  bool critical = false;
  Bytes value;  // extnValue contents
};

// A CMS/CMC signer whose signature verified over the content.
struct RequestSigner {
  ossl::X509Ptr certificate;  // as carried in the SignedData certificates
};

struct ParsedRequest {
  RequestFormat format = RequestFormat::kPkcs10;
  ossl::X509ReqPtr pkcs10;  // the inner PKCS#10, its own signature verified
  Bytes pkcs10_der;
  // From the PKCS#10 extensionRequest attribute (1.2.840.113549.1.9.14) and,
  // for CMC, from addExtensions controls; in order, duplicates kept.
  std::vector<RequestedExtension> extensions;
  // szOID_ENROLLMENT_NAME_VALUE_PAIR (1.3.6.1.4.1.311.13.2.1) from the PKCS#10
  // attributes, the CMS authenticated attributes and CMC regInfo / taggedAttributes.
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
  // Signers of the outer CMS whose signatures verified (empty for PKCS#10).
  // The PKCS#10's own signer (self-signed by the requested key) is not one.
  std::vector<RequestSigner> signers;
  // Signer infos present in the CMS, verified or not (RA checks count both).
  std::size_t signer_info_count = 0;
};

struct RequestParserLimits {
  std::size_t max_request_bytes = 64 * 1024;
};

// Parses `request` (DER, or base64 with or without PEM armour) as `type`
// declares it (kDetect: whichever format it is). Errors carry an HRESULT:
// kInvalidMsgType (0x80091004) for a request that is not of the declared
// type or not a request at all, kInvalidData for bytes over the size limit
// or truncated/garbled DER, kBadSignature when the PKCS#10 signature does not
// verify, kNoSigner for a CMS whose signer cannot be verified.
Result<ParsedRequest> ParseRequest(std::span<const std::uint8_t> request, RequestType type,
                                   const RequestParserLimits& limits);

// Parses the request attributes string (MS-WCCE 3.2.1.4.2.1.2): lines
// "Name:Value" split on '\n' (a trailing '\r' dropped); spaces and '-' are
// removed from names; lines without ':' or with an empty name are skipped.
// Values are kept as written (trimmed of surrounding spaces).
std::vector<std::pair<std::string, std::string>> ParseRequestAttributes(std::string_view text);

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_REQUEST_PARSER_H_
