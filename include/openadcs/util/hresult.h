// HRESULT values the protocols carry: AD CS (MS-WCCE 2.2.2.x, MS-CSRA,
// MS-ICPR), COM and DCOM (MS-DCOM, MS-ERREF), with certsrv.h and winerror.h
// where the specs are silent. One place, each with its meaning, so that the
// engine, the runtimes, the protocol adapters and the clients agree.
#ifndef OPENADCS_UTIL_HRESULT_H_
#define OPENADCS_UTIL_HRESULT_H_

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
// A template that builds the subject or SAN from the directory, and the
// requester's entry lacks the attribute (winerror.h CERTSRV_E_SUBJECT_*_REQUIRED).
inline constexpr std::uint32_t kSubjectUpnRequired = 0x8009480D;
inline constexpr std::uint32_t kSubjectDirectoryGuidRequired = 0x8009480E;
inline constexpr std::uint32_t kSubjectDnsRequired = 0x8009480F;
inline constexpr std::uint32_t kKeyLength = 0x80094811;
inline constexpr std::uint32_t kSubjectEmailRequired = 0x80094812;
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
inline constexpr std::uint32_t kNotImpl = 0x80004001;         // E_NOTIMPL
inline constexpr std::uint32_t kFail = 0x80004005;            // E_FAIL
inline constexpr std::uint32_t kNotSupported = 0x80070032;    // ERROR_NOT_SUPPORTED as HRESULT
// A requester over its quota of stored requests (ca::RequesterQuota):
// HRESULT_FROM_WIN32(ERROR_NOT_ENOUGH_QUOTA), "Not enough quota is
// available to process this command."
inline constexpr std::uint32_t kNotEnoughQuota = 0x80070718;
// MS-CSRA 3.1.4.1.26 ImportCertificate: the serial number is in the
// database (HRESULT_FROM_WIN32(ERROR_OBJECT_EXISTS)); the certificate is
// not signed by this CA (CERT_E_ISSUERCHAINING).
inline constexpr std::uint32_t kObjectExists = 0x80071392;
inline constexpr std::uint32_t kIssuerChaining = 0x800B0107;
// Directory errors as HRESULTs (HRESULT_FROM_WIN32 of ERROR_DS_*).
inline constexpr std::uint32_t kDsServerDown = 0x8007203A;          // ERROR_DS_SERVER_DOWN
inline constexpr std::uint32_t kDsGenericError = 0x80072095;        // ERROR_DS_GENERIC_ERROR
inline constexpr std::uint32_t kDsInsuffAccessRights = 0x80072098;  // ERROR_DS_INSUFF_ACCESS_RIGHTS
// MS-ICPR 3.2.4.1.1: CertServerRequest below the required protection level.
inline constexpr std::uint32_t kIcprAccessDenied = 0x80000009;

// COM and DCOM (MS-DCOM, MS-ERREF 2.1).
inline constexpr std::uint32_t kNoInterface = 0x80004002;         // E_NOINTERFACE
inline constexpr std::uint32_t kRpcDisconnected = 0x80010108;     // RPC_E_DISCONNECTED
inline constexpr std::uint32_t kRpcVersionMismatch = 0x80010110;  // RPC_E_VERSION_MISMATCH
inline constexpr std::uint32_t kClassNoAggregation = 0x80040110;  // CLASS_E_NOAGGREGATION
inline constexpr std::uint32_t kClassNotRegistered = 0x80040154;  // REGDB_E_CLASSNOTREG
// HRESULT_FROM_WIN32(RPC_S_PROTSEQ_NOT_SUPPORTED): the client offered no
// protocol sequence the exporter listens on.
inline constexpr std::uint32_t kProtseqNotSupported = 0x800706A7;

}  // namespace openadcs::hr

#endif  // OPENADCS_UTIL_HRESULT_H_
