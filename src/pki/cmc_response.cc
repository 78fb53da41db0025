#include "openadcs/pki/cmc_response.h"

#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <ctime>

#include "openadcs/util/der.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {
namespace {

constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagUtf8String = 0x0C;
constexpr std::uint8_t kTagGeneralizedTime = 0x18;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagSet = 0x31;
constexpr std::uint32_t kBodyPartRequest = 1;
constexpr std::uint32_t kBodyPartStatus = 1;
constexpr std::uint32_t kFailInfoBadRequest = 2;  // CMCFailInfo badRequest

using der::Tlv;

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A non-negative INTEGER, minimal octets.
Bytes Integer(std::uint32_t v) {
  Bytes content;
  do {
    content.insert(content.begin(), static_cast<std::uint8_t>(v & 0xFF));
    v >>= 8;
  } while (v != 0);
  if (content[0] & 0x80) content.insert(content.begin(), 0);
  return Tlv(kTagInteger, content);
}

Result<Bytes> Oid(const char* dotted) {
  ossl::Asn1ObjectPtr obj(OBJ_txt2obj(dotted, 1));
  if (obj == nullptr) return Status::Internal(std::string("bad OID ") + dotted);
  unsigned char* der = nullptr;
  const int n = i2d_ASN1_OBJECT(obj.get(), &der);
  if (n <= 0) return Status::Internal("i2d_ASN1_OBJECT: " + ossl::ErrorText());
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 form).
Bytes GeneralizedTime(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
  const std::string s(buf);
  return Tlv(kTagGeneralizedTime, Bytes(s.begin(), s.end()));
}

Bytes CmcStatusInfo(const CmcResponseSpec& spec) {
  Bytes fields = Concat({Integer(static_cast<std::uint32_t>(spec.status)),
                         Tlv(kTagSequence, Integer(kBodyPartRequest))});
  if (!spec.status_string.empty()) {
    const Bytes text(spec.status_string.begin(), spec.status_string.end());
    fields = Concat({fields, Tlv(kTagUtf8String, text)});
  }
  if (spec.status == CmcStatus::kPending) {
    Bytes token(4);
    for (int i = 0; i < 4; ++i) token[i] = static_cast<std::uint8_t>(spec.request_id >> (8 * i));
    fields = Concat({fields, Tlv(kTagSequence, Concat({Tlv(kTagOctetString, token),
                                                       GeneralizedTime(spec.pend_time)}))});
  } else if (spec.status == CmcStatus::kFailed) {
    fields = Concat({fields, Integer(kFailInfoBadRequest)});
  }
  return Tlv(kTagSequence, fields);
}

Result<Bytes> PkiResponse(const CmcResponseSpec& spec) {
  auto oid = Oid(kOidCmcStatusInfo);
  if (!oid.ok()) return oid.status();
  const Bytes tagged = Tlv(
      kTagSequence, Concat({Integer(kBodyPartStatus), *oid, Tlv(kTagSet, CmcStatusInfo(spec))}));
  return Tlv(kTagSequence,
             Concat({Tlv(kTagSequence, tagged), Tlv(kTagSequence, {}), Tlv(kTagSequence, {})}));
}

}  // namespace

Result<Bytes> BuildCmcResponse(const CmcResponseSpec& spec, const CaIdentity& ca) {
  std::vector<ossl::X509Ptr> certs;
  for (const Bytes& der : spec.certificates) {
    auto cert = internal::FromDer<ossl::X509Ptr>(d2i_X509, der);
    if (cert == nullptr) return Status::InvalidArgument("a response certificate does not parse");
    certs.push_back(std::move(cert));
  }
  auto content = PkiResponse(spec);
  if (!content.ok()) return content.status();

  constexpr unsigned kFlags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  ossl::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (cms == nullptr) return Status::Internal("CMS_sign: " + ossl::ErrorText());
  ossl::Asn1ObjectPtr type(OBJ_txt2obj(kOidPkiResponse, 1));
  if (type == nullptr || CMS_set1_eContentType(cms.get(), type.get()) != 1) {
    return Status::Internal("CMS_set1_eContentType: " + ossl::ErrorText());
  }
  // The digest is the key's default (SHA-256 for RSA and P-256).
  if (CMS_add1_signer(cms.get(), ca.certificate(), ca.key(), nullptr, kFlags) == nullptr) {
    return Status::Internal("CMS_add1_signer: " + ossl::ErrorText());
  }
  for (const auto& cert : certs) {
    if (X509_cmp(cert.get(), ca.certificate()) == 0) continue;  // the signer's is there
    if (CMS_add1_cert(cms.get(), cert.get()) != 1) {
      return Status::Internal("CMS_add1_cert: " + ossl::ErrorText());
    }
  }
  ossl::BioPtr in(BIO_new_mem_buf(content->data(), static_cast<int>(content->size())));
  if (in == nullptr || CMS_final(cms.get(), in.get(), nullptr, kFlags) != 1) {
    return Status::Internal("CMS_final: " + ossl::ErrorText());
  }
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms.get(), &der);
  if (n <= 0) return Status::Internal("i2d_CMS_ContentInfo: " + ossl::ErrorText());
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace openadcs::pki
