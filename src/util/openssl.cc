#include "openadcs/util/openssl.h"

#include <openssl/err.h>
#include <openssl/obj_mac.h>

namespace openadcs::ossl {

std::string ErrorText() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

const EVP_MD* FetchedDigest(int nid) {
  static EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  switch (nid) {
    case NID_sha1: return kSha1;
    case NID_sha256: return kSha256;
    case NID_sha384: return kSha384;
    case NID_sha512: return kSha512;
    default: return nullptr;
  }
}

}  // namespace openadcs::ossl
