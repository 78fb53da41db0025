#include "openadcs/pki/agent_request.h"

#include <openssl/cms.h>
#include <openssl/err.h>

#include <string>

#include "openadcs/util/der.h"
#include "openadcs/util/utf16.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {
namespace {

using der::Tlv;

constexpr const char* kEnrollmentNameValuePair = "1.3.6.1.4.1.311.13.2.1";
constexpr std::uint8_t kTagBmpString = 0x1E;
constexpr std::uint8_t kTagSequence = 0x30;

Result<Bytes> BmpString(std::string_view utf8) {
  Result<std::u16string> text = Utf8ToUtf16(utf8);
  if (!text.ok()) return text.status();
  Bytes be;
  for (char16_t c : *text) {
    be.push_back(static_cast<std::uint8_t>(c >> 8));
    be.push_back(static_cast<std::uint8_t>(c));
  }
  return Tlv(kTagBmpString, be);
}

}  // namespace

Result<Bytes> SignOnBehalfOf(std::span<const std::uint8_t> pkcs10_der, X509* agent_cert,
                             EVP_PKEY* agent_key, std::string_view requester_name) {
  constexpr std::size_t kMaxName = 1024;
  if (requester_name.empty() || requester_name.size() > kMaxName) {
    return Status::InvalidArgument("the requester name must have 1 to 1024 bytes");
  }
  Result<Bytes> name = BmpString("requestername");
  Result<Bytes> value = BmpString(requester_name);
  if (!value.ok()) return Status::InvalidArgument("the requester name is not UTF-8");
  Bytes pair_contents = *name;
  pair_contents.insert(pair_contents.end(), value->begin(), value->end());
  const Bytes pair = Tlv(kTagSequence, pair_contents);

  if (X509_check_private_key(agent_cert, agent_key) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("the agent key does not match the agent certificate");
  }
  auto failed = [](const char* what) {
    Status s = Status::Internal(std::string(what) + ": " + ossl::ErrorText());
    ERR_clear_error();
    return s;
  };
  ossl::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY));
  if (cms == nullptr) return failed("CMS_sign");
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), agent_cert, agent_key, EVP_sha256(), CMS_BINARY);
  if (si == nullptr) return failed("CMS_add1_signer");
  if (CMS_signed_add1_attr_by_txt(si, kEnrollmentNameValuePair, V_ASN1_SEQUENCE, pair.data(),
                                  static_cast<int>(pair.size())) != 1) {
    return failed("adding the requestername attribute");
  }
  ossl::BioPtr in(BIO_new_mem_buf(pkcs10_der.data(), static_cast<int>(pkcs10_der.size())));
  if (in == nullptr || CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    return failed("CMS_final");
  }
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms.get(), &der);
  if (n <= 0) return failed("i2d_CMS_ContentInfo");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace openadcs::pki
