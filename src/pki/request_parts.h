// The pieces ParseRequest assembles a ParsedRequest from: the PKCS#10 reader,
// the CMC PKIData reader and the collectors of extensions and name-value
// pairs that enforce RequestParserLimits. Internal to the pki layer; every
// failure is InvalidArgument with an HRESULT as request_parser.h lists.
#ifndef OPENADCS_PKI_REQUEST_PARTS_H_
#define OPENADCS_PKI_REQUEST_PARTS_H_

#include <openssl/asn1t.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "openadcs/pki/request_parser.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"
#include "pki/asn1_util.h"

namespace openadcs::pki::reqparse {

inline constexpr const char* kOidNameValuePair = "1.3.6.1.4.1.311.13.2.1";
inline constexpr const char* kOidOsVersion = "1.3.6.1.4.1.311.13.2.3";
inline constexpr const char* kOidCspProvider = "1.3.6.1.4.1.311.13.2.2";
inline constexpr const char* kOidCmcAddExtensions = "1.3.6.1.5.5.7.7.8";
inline constexpr const char* kOidCmcRegInfo = "1.3.6.1.5.5.7.7.18";
// szOID_CMC_ADD_ATTRIBUTES: where Windows clients put request attributes in CMC.
inline constexpr const char* kOidMsCmcAddAttributes = "1.3.6.1.4.1.311.10.10.1";

using internal::ItemPtr;

// The whole TLV of an ANY that holds a SEQUENCE; empty for any other type.
std::span<const std::uint8_t> SequenceDer(const ASN1_TYPE* value);

Status InvalidData(std::string message);
Status InvalidMsgType(std::string message);
// Logs which limit tripped and returns kInvalidData.
Status LimitExceeded(std::string_view what, std::size_t limit);

// Dotted form of `obj`; kInvalidData when it is absurdly long.
Result<std::string> OidText(const ASN1_OBJECT* obj);
bool OidIs(const ASN1_OBJECT* obj, const char* dotted);

// Appends `exts` to out.extensions, in order.
Status AppendExtensions(const STACK_OF(X509_EXTENSION) * exts, const RequestParserLimits& limits,
                        ParsedRequest& out);
// Appends one szOID_ENROLLMENT_NAME_VALUE_PAIR attribute value: a
// SEQUENCE { BMPString name, BMPString value } or a SEQUENCE OF them.
Status AppendNameValuePairs(const ASN1_TYPE* value, const RequestParserLimits& limits,
                            ParsedRequest& out);
// Appends every name-value pair in the values of `attr` when it is a
// szOID_ENROLLMENT_NAME_VALUE_PAIR attribute; other attributes are ignored.
Status AppendNameValueAttribute(const X509_ATTRIBUTE* attr, const RequestParserLimits& limits,
                                ParsedRequest& out);
// Appends a CMC regInfo value (UTF-8 "Name=Value&Name=Value", MS-WCCE
// 2.2.2.6.3; names and values %XX-decoded, entries without '=' skipped).
Status AppendRegInfo(std::string_view reg_info, const RequestParserLimits& limits,
                     ParsedRequest& out);

// A decoded PKCS#10. `signature_verified`: its own signature was already
// found good while decoding (RSA PKCS#1 v1.5 and ECDSA with SHA-2, checked
// without a second decoding); false says nothing, AdoptPkcs10 then checks.
struct DecodedPkcs10 {
  ossl::X509ReqPtr req;
  bool signature_verified = false;
};
// Decodes a PKCS#10 that must use every byte of `der` (kInvalidData otherwise).
Result<DecodedPkcs10> DecodePkcs10(std::span<const std::uint8_t> der);
// Verifies `decoded` (from `der`) and moves it into out.pkcs10 with its
// extensions and name-value pairs. `wrapped`: inside CMS or CMC, where the
// MS-WCCE 2.2.2.6.5 null signature is accepted.
Status AdoptPkcs10(DecodedPkcs10 decoded, std::span<const std::uint8_t> der, bool wrapped,
                   const RequestParserLimits& limits, ParsedRequest& out);
// Reads a PKIData (eContent of id-cct-PKIData): its one tcr request through
// AdoptPkcs10, then the addExtensions, regInfo and name-value pair controls.
Status ReadPkiData(std::span<const std::uint8_t> der, const RequestParserLimits& limits,
                   ParsedRequest& out);

}  // namespace openadcs::pki::reqparse

#endif  // OPENADCS_PKI_REQUEST_PARTS_H_
