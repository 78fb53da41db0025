// ParseRequest: transport decoding (DER or base64), format detection and the
// declared-type check, then the CMS SignedData layer (MS-WCCE
// 3.2.1.4.2.1.4.1.2 and .3). The PKCS#10 and PKIData readers live in
// pkcs10_reader.cc and cmc_reader.cc.
#include "openadcs/pki/request_parser.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <optional>
#include <vector>

#include "openadcs/util/hresult.h"
#include "pki/request_parts.h"

namespace openadcs::pki {

namespace {

using reqparse::InvalidData;
using reqparse::InvalidMsgType;

enum class Outer { kPkcs10, kContentInfo };

// Leaves OpenSSL's per-thread error queue empty whichever way we return.
struct ErrorQueueGuard {
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

Result<Bytes> DecodeTransport(std::span<const std::uint8_t> request) {
  if (request.empty()) return InvalidData("empty request");
  if (request[0] == 0x30) return Bytes(request.begin(), request.end());
  std::optional<Bytes> der =
      Base64Decode(std::string_view(reinterpret_cast<const char*>(request.data()), request.size()));
  if (!der || der->empty()) return InvalidData("request is neither DER nor base64");
  return std::move(*der);
}

// A PKCS#10 is SEQUENCE { SEQUENCE certificationRequestInfo, ... }; a CMS
// ContentInfo is SEQUENCE { OBJECT IDENTIFIER contentType, ... }.
Result<Outer> Classify(std::span<const std::uint8_t> der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return InvalidData("request too large");
  const unsigned char* p = der.data();
  const unsigned char* end = der.data() + der.size();
  long len = 0;
  int tag = 0;
  int cls = 0;
  int rc = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(der.size()));
  if ((rc & 0x80) != 0 || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL ||
      (rc & V_ASN1_CONSTRUCTED) == 0) {
    return InvalidData("request is not a DER SEQUENCE");
  }
  rc = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(end - p));
  if ((rc & 0x80) != 0 || cls != V_ASN1_UNIVERSAL) return InvalidData("malformed request");
  if (tag == V_ASN1_SEQUENCE) return Outer::kPkcs10;
  if (tag == V_ASN1_OBJECT) return Outer::kContentInfo;
  return InvalidData("request is neither a PKCS#10 nor a CMS ContentInfo");
}

Status CheckDeclared(RequestType type, RequestFormat format) {
  bool ok = false;
  switch (type) {
    case RequestType::kDetect: ok = true; break;
    case RequestType::kPkcs10: ok = format == RequestFormat::kPkcs10; break;
    case RequestType::kCms: ok = format != RequestFormat::kPkcs10; break;
    case RequestType::kCmc: ok = format == RequestFormat::kCmc; break;
    case RequestType::kKeygen:
    case RequestType::kChallengeResponse: break;
  }
  if (!ok) return InvalidMsgType("request format does not match the declared request type");
  return Status::Ok();
}

// Verifies every SignerInfo over the eContent (signer certificates are not
// chain-validated: that is policy). A SignerInfo whose certificate the
// SignedData does not carry is checked against the request's own key.
// (*has_certificate)[i] says whether SignerInfo i is one of out.signers.
Status VerifySigners(CMS_ContentInfo* cms, EVP_PKEY* request_key, ParsedRequest& out,
                     std::vector<bool>* has_certificate) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  if (CMS_set1_signers_certs(cms, nullptr, 0) < 0) {
    return Status::InvalidArgument("CMS signer certificates: " + ossl::ErrorText(), hr::kNoSigner);
  }
  std::vector<X509*> certificate_signers;
  ossl::X509Ptr request_key_holder;  // an unsigned X509 that only carries request_key
  for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    X509* signer = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &signer, nullptr, nullptr);
    has_certificate->push_back(signer != nullptr);
    if (signer != nullptr) {
      certificate_signers.push_back(signer);
      continue;
    }
    if (request_key_holder == nullptr) {
      request_key_holder.reset(X509_new());
      if (request_key_holder == nullptr ||
          X509_set_pubkey(request_key_holder.get(), request_key) != 1) {
        return Status::Internal("cannot hold the request key: " + ossl::ErrorText());
      }
    }
    CMS_SignerInfo_set1_signer_cert(si, request_key_holder.get());
  }
  if (CMS_verify(cms, nullptr, nullptr, nullptr, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) !=
      1) {
    return Status::InvalidArgument("CMS signature does not verify: " + ossl::ErrorText(),
                                   hr::kNoSigner);
  }
  for (X509* signer : certificate_signers) {
    X509_up_ref(signer);
    out.signers.push_back(RequestSigner{ossl::X509Ptr(signer), {}});
  }
  return Status::Ok();
}

// Appends each SignerInfo's name-value pairs after the content's, and
// gives a certificate signer its own.
Status ReadSignedAttributes(CMS_ContentInfo* cms, const std::vector<bool>& has_certificate,
                            const RequestParserLimits& limits, ParsedRequest& out) {
  out.content_name_value_pairs = out.name_value_pairs.size();
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  std::size_t next_signer = 0;
  for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    const std::size_t first = out.name_value_pairs.size();
    for (int j = 0; j < CMS_signed_get_attr_count(si); ++j) {
      OPENADCS_RETURN_IF_ERROR(
          reqparse::AppendNameValueAttribute(CMS_signed_get_attr(si, j), limits, out));
    }
    if (!has_certificate[static_cast<std::size_t>(i)]) continue;
    out.signers[next_signer++].name_value_pairs.assign(
        out.name_value_pairs.begin() + static_cast<std::ptrdiff_t>(first),
        out.name_value_pairs.end());
  }
  return Status::Ok();
}

Result<ParsedRequest> ParseCms(std::span<const std::uint8_t> der, RequestType type,
                               const RequestParserLimits& limits) {
  const unsigned char* p = der.data();
  ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (cms == nullptr) return InvalidData("malformed CMS: " + ossl::ErrorText());
  if (p != der.data() + der.size()) return InvalidData("trailing bytes after the CMS");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return InvalidMsgType("CMS content is not SignedData");
  }
  ParsedRequest out;
  int content_nid = OBJ_obj2nid(CMS_get0_eContentType(cms.get()));
  if (content_nid == NID_pkcs7_data) {
    out.format = RequestFormat::kCmsPkcs10;
  } else if (content_nid == NID_id_cct_PKIData) {
    out.format = RequestFormat::kCmc;
  } else {
    return InvalidMsgType("SignedData holds neither a PKCS#10 nor a CMC PKIData");
  }
  OPENADCS_RETURN_IF_ERROR(CheckDeclared(type, out.format));

  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr) {
    return InvalidData("SignedData without encapsulated content");
  }
  std::span<const std::uint8_t> inner(ASN1_STRING_get0_data(*content),
                                      static_cast<std::size_t>(ASN1_STRING_length(*content)));
  auto infos = static_cast<std::size_t>(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())));
  if (infos == 0) return Status::InvalidArgument("request is not signed", hr::kNoSigner);
  if (infos > limits.max_signer_infos) {
    return reqparse::LimitExceeded("CMS signer infos", limits.max_signer_infos);
  }
  out.signer_info_count = infos;

  if (out.format == RequestFormat::kCmsPkcs10) {
    Result<reqparse::DecodedPkcs10> req = reqparse::DecodePkcs10(inner);
    if (!req.ok()) return req.status();
    OPENADCS_RETURN_IF_ERROR(
        reqparse::AdoptPkcs10(std::move(*req), inner, /*wrapped=*/true, limits, out));
  } else {
    OPENADCS_RETURN_IF_ERROR(reqparse::ReadPkiData(inner, limits, out));
  }
  std::vector<bool> has_certificate;
  OPENADCS_RETURN_IF_ERROR(
      VerifySigners(cms.get(), X509_REQ_get0_pubkey(out.pkcs10.get()), out, &has_certificate));
  OPENADCS_RETURN_IF_ERROR(ReadSignedAttributes(cms.get(), has_certificate, limits, out));
  return out;
}

}  // namespace

Result<ParsedRequest> ParseRequest(std::span<const std::uint8_t> request, RequestType type,
                                   const RequestParserLimits& limits) {
  ErrorQueueGuard clear_errors;
  if (request.size() > limits.max_request_bytes) {
    return reqparse::LimitExceeded("request bytes", limits.max_request_bytes);
  }
  switch (type) {
    case RequestType::kDetect:
    case RequestType::kPkcs10:
    case RequestType::kCms:
    case RequestType::kCmc: break;
    case RequestType::kKeygen: return InvalidMsgType("KEYGEN requests are not supported");
    case RequestType::kChallengeResponse:
      return InvalidMsgType("challenge-response requests are not supported");
    default: return InvalidMsgType("unknown request type");
  }
  Result<Bytes> der = DecodeTransport(request);
  if (!der.ok()) return der.status();
  Result<Outer> outer = Classify(*der);
  if (!outer.ok()) return outer.status();
  if (*outer == Outer::kContentInfo) return ParseCms(*der, type, limits);

  Result<reqparse::DecodedPkcs10> req = reqparse::DecodePkcs10(*der);
  if (!req.ok()) return req.status();
  OPENADCS_RETURN_IF_ERROR(CheckDeclared(type, RequestFormat::kPkcs10));
  ParsedRequest out;
  out.format = RequestFormat::kPkcs10;
  OPENADCS_RETURN_IF_ERROR(
      reqparse::AdoptPkcs10(std::move(*req), *der, /*wrapped=*/false, limits, out));
  out.content_name_value_pairs = out.name_value_pairs.size();
  return out;
}

}  // namespace openadcs::pki
