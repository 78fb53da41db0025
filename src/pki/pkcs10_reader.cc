// PKCS#10 (RFC 2986) as MS-WCCE 3.2.1.4.2.1.4.1.1 reads it: proof of
// possession by the request's own signature (or, inside CMS/CMC, the null
// signature of MS-WCCE 2.2.2.6.5), extensions from the extensionRequest and
// szOID_CERT_EXTENSIONS attributes, and the name-value pair attributes.
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>
#include <utility>

#include "openadcs/ca/hresult.h"
#include "pki/request_parts.h"

namespace openadcs::pki::reqparse {

namespace {

// The first TLV inside the outer SEQUENCE of `der` (the DER bytes the
// signature covers); empty when the framing is broken.
std::span<const std::uint8_t> FirstInnerTlv(std::span<const std::uint8_t> der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return {};
  const unsigned char* p = der.data();
  const unsigned char* end = der.data() + der.size();
  long len = 0;
  int tag = 0;
  int cls = 0;
  int rc = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(der.size()));
  if ((rc & 0x80) != 0 || (rc & V_ASN1_CONSTRUCTED) == 0) return {};
  const unsigned char* inner = p;
  rc = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(end - p));
  if ((rc & 0x80) != 0 || rc == (V_ASN1_CONSTRUCTED | 1)) return {};  // error or indefinite
  return {inner, static_cast<std::size_t>(p - inner) + static_cast<std::size_t>(len)};
}

// MS-WCCE 2.2.2.6.5: signatureAlgorithm is a bare hash algorithm and the
// signature is that hash of the DER certificationRequestInfo.
bool IsNullSignature(const X509_REQ* req, std::span<const std::uint8_t> der) {
  const ASN1_BIT_STRING* signature = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_REQ_get0_signature(req, &signature, &alg);
  const ASN1_OBJECT* alg_oid = nullptr;
  X509_ALGOR_get0(&alg_oid, nullptr, nullptr, alg);
  constexpr std::array kHashes = {NID_sha1, NID_sha256, NID_sha384, NID_sha512};
  int nid = OBJ_obj2nid(alg_oid);
  if (std::find(kHashes.begin(), kHashes.end(), nid) == kHashes.end()) return false;
  std::span<const std::uint8_t> info = FirstInnerTlv(der);
  if (info.empty()) return false;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(info.data(), info.size(), md, &md_len, EVP_get_digestbynid(nid), nullptr) != 1) {
    return false;
  }
  return ASN1_STRING_length(signature) == static_cast<int>(md_len) &&
         std::equal(md, md + md_len, ASN1_STRING_get0_data(signature));
}

// Every value of every `nid` attribute, in order, as X509_EXTENSIONS.
Status AppendExtensionAttributes(const X509_REQ* req, int nid, const RequestParserLimits& limits,
                                 ParsedRequest& out) {
  for (int idx = X509_REQ_get_attr_by_NID(req, nid, -1); idx >= 0;
       idx = X509_REQ_get_attr_by_NID(req, nid, idx)) {
    X509_ATTRIBUTE* attr = X509_REQ_get_attr(req, idx);
    for (int i = 0; i < X509_ATTRIBUTE_count(attr); ++i) {
      auto exts = DecodeItem<X509_EXTENSIONS, X509_EXTENSIONS_it>(
          SequenceDer(X509_ATTRIBUTE_get0_type(attr, i)));
      if (exts == nullptr) return InvalidData("malformed extension request attribute");
      OPENADCS_RETURN_IF_ERROR(AppendExtensions(exts.get(), limits, out));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ossl::X509ReqPtr> DecodePkcs10(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidData("empty PKCS#10");
  }
  const unsigned char* p = der.data();
  ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (req == nullptr) return InvalidData("malformed PKCS#10: " + ossl::ErrorText());
  if (p != der.data() + der.size()) return InvalidData("trailing bytes after the PKCS#10");
  return req;
}

Status AdoptPkcs10(ossl::X509ReqPtr req, std::span<const std::uint8_t> der, bool wrapped,
                   const RequestParserLimits& limits, ParsedRequest& out) {
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) {
    return InvalidData("PKCS#10 public key missing or unsupported: " + ossl::ErrorText());
  }
  bool null_signature = false;
  if (X509_REQ_verify(req.get(), key) != 1) {
    std::string why = ossl::ErrorText();
    if (!wrapped || !IsNullSignature(req.get(), der)) {
      return Status::InvalidArgument("PKCS#10 signature does not verify: " + why,
                                     hr::kBadSignature);
    }
    null_signature = true;
  }
  // MS-WCCE 3.2.1.4.2.1.4.1.1: more than one value -> ERROR_INVALID_DATA.
  for (const char* single : {kOidOsVersion, kOidCspProvider}) {
    ossl::Asn1ObjectPtr oid(OBJ_txt2obj(single, 1));
    int values = 0;
    for (int idx = X509_REQ_get_attr_by_OBJ(req.get(), oid.get(), -1); idx >= 0;
         idx = X509_REQ_get_attr_by_OBJ(req.get(), oid.get(), idx)) {
      values += X509_ATTRIBUTE_count(X509_REQ_get_attr(req.get(), idx));
    }
    if (values > 1) {
      return InvalidData(std::string("request attribute ") + single + " has several values");
    }
  }
  OPENADCS_RETURN_IF_ERROR(AppendExtensionAttributes(req.get(), NID_ext_req, limits, out));
  OPENADCS_RETURN_IF_ERROR(AppendExtensionAttributes(req.get(), NID_ms_ext_req, limits, out));
  for (int i = 0; i < X509_REQ_get_attr_count(req.get()); ++i) {
    OPENADCS_RETURN_IF_ERROR(
        AppendNameValueAttribute(X509_REQ_get_attr(req.get(), i), limits, out));
  }
  out.pkcs10 = std::move(req);
  out.pkcs10_der.assign(der.begin(), der.end());
  out.pkcs10_null_signature = null_signature;
  return Status::Ok();
}

}  // namespace openadcs::pki::reqparse
