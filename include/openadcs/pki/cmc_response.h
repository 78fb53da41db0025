// The CMC Full PKI Response a CA returns when a client asks for one
// (MS-WCCE 3.2.1.4.3.1, CR_IN_FULLRESPONSE; MS-WCCE 2.2.2.8): a CMS
// SignedData signed by the CA key whose eContentType is id-cct-PKIResponse
// and whose content is a PKIResponse (RFC 5272 3.2.2).
//
// The controlSequence holds one TaggedAttribute, id-cmc-statusInfo
// (CMCStatusInfo, RFC 5272 6.1.1), about body part 1 (the request: a PKCS#10
// travels as body part 1 once wrapped in CMC). A pending status carries
// pendInfo { pendToken = the request id as a 4-byte little-endian DWORD, as
// Windows clients read it; pendTime }; a failed one carries failInfo
// badRequest and the reason in statusString. cmsSequence and
// otherMsgSequence are empty. The SignedData's certificates hold the CA
// certificate (the signer's) and the ones given (the issued certificate and
// the issuers above the CA).
#ifndef OPENADCS_PKI_CMC_RESPONSE_H_
#define OPENADCS_PKI_CMC_RESPONSE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

inline constexpr const char* kOidPkiResponse = "1.3.6.1.5.5.7.12.3";   // id-cct-PKIResponse
inline constexpr const char* kOidCmcStatusInfo = "1.3.6.1.5.5.7.7.1";  // id-cmc-statusInfo

// CMCStatus values used by the CA.
enum class CmcStatus : std::uint32_t { kSuccess = 0, kFailed = 2, kPending = 3 };

struct CmcResponseSpec {
  CmcStatus status = CmcStatus::kSuccess;
  std::uint32_t request_id = 0;  // pendToken (pending only)
  std::int64_t pend_time = 0;    // Unix seconds (pending only)
  std::string status_string;     // UTF-8; omitted when empty
  // DER certificates to carry besides the CA's: the issued one first, then
  // the issuers above the CA.
  std::vector<Bytes> certificates;
};

// Errors: InvalidArgument for a certificate that does not parse; Internal
// when OpenSSL fails to sign.
Result<Bytes> BuildCmcResponse(const CmcResponseSpec& spec, const CaIdentity& ca);

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_CMC_RESPONSE_H_
