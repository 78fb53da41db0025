// Owning handles for OpenSSL objects, and the error text OpenSSL queued.
#ifndef OPENADCS_UTIL_OPENSSL_H_
#define OPENADCS_UTIL_OPENSSL_H_

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace openadcs::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PKeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, Deleter<X509_REVOKED_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

// DER of `value` through one of OpenSSL's i2d_* functions; empty on failure.
template <typename T>
std::vector<std::uint8_t> ToDer(const T* value, int (*encode)(const T*, unsigned char**)) {
  unsigned char* der = nullptr;
  int n = encode(value, &der);
  if (n <= 0) return {};
  std::vector<std::uint8_t> out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// Drains OpenSSL's error queue of this thread into one line ("" if empty).
std::string ErrorText();

// SHA-1, SHA-256, SHA-384 or SHA-512 by NID (NID_sha1, ...), fetched from
// the default providers once per process: a digest begun with EVP_sha256()
// and its kind fetches the implementation anew each time (a name lookup
// under the provider store's lock, and allocations). Null for another NID
// or when no provider offers it. Thread-safe.
const EVP_MD* FetchedDigest(int nid);

}  // namespace openadcs::ossl

#endif  // OPENADCS_UTIL_OPENSSL_H_
