// HRESULT values the AD CS protocols carry (MS-WCCE 2.2.2.x, MS-CSRA,
// certsrv.h and winerror.h where the specs are silent). One place, each with
// its meaning, so the engine and the protocol adapters agree.
#ifndef OPENADCS_CA_HRESULT_H_
#define OPENADCS_CA_HRESULT_H_

#include <cstdint>

namespace openadcs::hr {

inline constexpr std::uint32_t kOk = 0;
inline constexpr std::uint32_t kBadRequestSubject = 0x80094001;  // no subject and no SAN
inline constexpr std::uint32_t kNoRequest = 0x80094002;
inline constexpr std::uint32_t kBadRequestStatus = 0x80094003;  // wrong state for the operation
inline constexpr std::uint32_t kPropertyEmpty = 0x80094004;     // request id / serial not found
inline constexpr std::uint32_t kRestrictedOfficer = 0x80094009;
inline constexpr std::uint32_t kEnrollDenied = 0x80094011;
inline constexpr std::uint32_t kTemplateDenied = 0x80094012;
inline constexpr std::uint32_t kAdminDeniedRequest = 0x80094014;
inline constexpr std::uint32_t kUnsupportedCertType = 0x80094800;  // unknown or not served
inline constexpr std::uint32_t kNoCertType = 0x80094801;
inline constexpr std::uint32_t kTemplateConflict = 0x80094802;
inline constexpr std::uint32_t kSubjectAltNameRequired = 0x80094806;
inline constexpr std::uint32_t kBadTemplateVersion = 0x80094807;
inline constexpr std::uint32_t kSignaturePolicyRequired = 0x80094809;
inline constexpr std::uint32_t kSignatureCount = 0x8009480A;
inline constexpr std::uint32_t kSignatureRejected = 0x8009480B;
inline constexpr std::uint32_t kKeyLength = 0x80094811;
inline constexpr std::uint32_t kAccessDenied = 0x80070005;
inline constexpr std::uint32_t kHandle = 0x80070006;
inline constexpr std::uint32_t kInvalidData = 0x8007000D;
inline constexpr std::uint32_t kInvalidArg = 0x80070057;
inline constexpr std::uint32_t kFileNotFound = 0x80070002;
inline constexpr std::uint32_t kUnexpected = 0x8000FFFF;
inline constexpr std::uint32_t kOutOfMemory = 0x8007000E;
inline constexpr std::uint32_t kInvalidMsgType = 0x80091004;  // CRYPT_E_INVALID_MSG_TYPE
inline constexpr std::uint32_t kNoSigner = 0x8009200E;        // CRYPT_E_NO_SIGNER
inline constexpr std::uint32_t kBadSignature = 0x80090006;    // NTE_BAD_SIGNATURE
inline constexpr std::uint32_t kAsn1BadTag = 0x8009310B;      // CRYPT_E_ASN1_BADTAG
inline constexpr std::uint32_t kDbBusy = 0x800700AA;          // ERROR_BUSY as HRESULT

}  // namespace openadcs::hr

#endif  // OPENADCS_CA_HRESULT_H_
