// Decoding of certificate requests as MS-WCCE 3.2.1.4.2.1.4.1 accepts them:
// a bare PKCS#10, a CMS SignedData wrapping a PKCS#10, or a CMS SignedData
// wrapping a CMC PKIData (RFC 5272) with exactly one request. Bytes come from
// the network: every decoder bounds its input and never asserts.
#ifndef OPENADCS_PKI_REQUEST_PARSER_H_
#define OPENADCS_PKI_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
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
  // The name-value pairs of its own authenticated attributes (also in
  // ParsedRequest::name_value_pairs): what this signer vouches for beyond
  // the content, e.g. an enrollment agent's requestername.
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
};

struct ParsedRequest {
  RequestFormat format = RequestFormat::kPkcs10;
  ossl::X509ReqPtr pkcs10;  // the inner PKCS#10, its own signature verified
  Bytes pkcs10_der;         // as received (the eContent / tcr bytes for CMS and CMC)
  // True when the inner PKCS#10 of a CMS or CMC request carries the "null
  // signature" of MS-WCCE 2.2.2.6.5 (a bare hash of certificationRequestInfo)
  // instead of a signature: the requester has NOT proven possession of the
  // key; only the CMS signers vouch for the request. Never true for kPkcs10.
  bool pkcs10_null_signature = false;
  // From the PKCS#10 extensionRequest attribute (1.2.840.113549.1.9.14) and,
  // for CMC, from addExtensions controls; in order, duplicates kept.
  std::vector<RequestedExtension> extensions;
  // szOID_ENROLLMENT_NAME_VALUE_PAIR (1.3.6.1.4.1.311.13.2.1) from the PKCS#10
  // attributes, the CMS authenticated attributes and CMC regInfo / taggedAttributes.
  // Order: PKCS#10 attributes, then CMC controls in order, then each signer's
  // authenticated attributes. Names and values as sent (UTF-8; BMPStrings
  // converted, regInfo "a=b&c=d" split and %XX-decoded); duplicates kept.
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
  // How many leading name_value_pairs come from the content (PKCS#10
  // attributes, CMC controls), which every CMS signer signed; the rest are
  // signers' authenticated attributes, which only their own signer signed.
  std::size_t content_name_value_pairs = 0;
  // Signers of the outer CMS whose signatures verified (empty for PKCS#10).
  // The PKCS#10's own signer (self-signed by the requested key) is not one.
  std::vector<RequestSigner> signers;
  // Signer infos present in the CMS, verified or not (RA checks count both).
  std::size_t signer_info_count = 0;
};

// Every limit fails the request with kInvalidData and a warning in the log.
struct RequestParserLimits {
  std::size_t max_request_bytes =
      std::size_t{64} * 1024;               // before any decoding (base64 text included)
  std::size_t max_extensions = 64;          // all sources together
  std::size_t max_name_value_pairs = 64;    // all sources together
  std::size_t max_name_value_bytes = 4096;  // each name and each value, in UTF-8
  std::size_t max_signer_infos = 16;
  std::size_t max_cmc_controls = 64;  // PKIData controlSequence entries
};

// Parses `request` (DER, or base64 with or without PEM armour) as `type`
// declares it (kDetect: whichever format it is). Input that starts with 0x30
// is taken as DER, anything else as base64. Every error is InvalidArgument
// with an HRESULT:
// - kInvalidData (0x8007000D): over max_request_bytes or another limit; not
//   base64; DER that is truncated, garbled or followed by trailing bytes
//   (the outer structure must use every byte); a SEQUENCE that is neither a
//   PKCS#10 nor a ContentInfo (an X.509 certificate, say); a SignedData with
//   detached or non-PKCS#10 id-data content; a PKIData that is not exactly
//   one tcr request, carries nested cmsSequence content, or has a malformed
//   control; a name-value pair that is not two BMPStrings.
// - kInvalidMsgType (0x80091004): a well-formed structure of another type: a
//   PKCS#10 declared as kCms/kCmc, a CMS declared as kPkcs10, id-data content
//   declared as kCmc, a ContentInfo that is not SignedData, a SignedData
//   whose eContentType is neither id-data nor id-cct-PKIData; kKeygen,
//   kChallengeResponse and any other type value (unsupported).
// - kBadSignature (0x80090006): the PKCS#10 has no usable signature (inside
//   CMS/CMC a valid null signature, MS-WCCE 2.2.2.6.5, is accepted instead).
// - kNoSigner (0x8009200E): a SignedData without SignerInfos, or one
//   SignerInfo whose signature does not verify. A SignerInfo whose
//   certificate is not in the SignedData is verified with the inner
//   PKCS#10's public key (a request signed by its own key); it then counts
//   in signer_info_count but is not in signers. Signer certificates are not
//   chain-validated here.
// Thread-safe; leaves nothing on OpenSSL's error queue.
Result<ParsedRequest> ParseRequest(std::span<const std::uint8_t> request, RequestType type,
                                   const RequestParserLimits& limits);

// Parses the request attributes string (MS-WCCE 3.2.1.4.2.1.2): lines
// "Name:Value" split on '\n' (a trailing '\r' dropped); spaces and '-' are
// removed from names; lines without ':' or with an empty name are skipped.
// Values are kept as written (trimmed of surrounding white space), empty
// values included; order and duplicates are kept. REQUIRES: the caller bounds
// the length of `text` (it comes from the network).
std::vector<std::pair<std::string, std::string>> ParseRequestAttributes(std::string_view text);

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_REQUEST_PARSER_H_
