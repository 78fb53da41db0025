#include "openadcs/pki/csr_builder.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "openadcs/pki/name.h"

namespace openadcs::pki {

Result<ossl::PKeyPtr> GenerateKey(KeyAlgorithm algorithm) {
  EVP_PKEY* key = nullptr;
  switch (algorithm) {
    case KeyAlgorithm::kRsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
      break;
    case KeyAlgorithm::kRsa3072:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072});
      break;
    case KeyAlgorithm::kRsa4096:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{4096});
      break;
    case KeyAlgorithm::kEcdsaP256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyAlgorithm::kEcdsaP384: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
  }
  if (key == nullptr) return Status::Internal("key generation: " + ossl::ErrorText());
  return ossl::PKeyPtr(key);
}

Result<Bytes> BuildCsr(EVP_PKEY* key, const CsrSpec& spec) {
  ossl::X509ReqPtr req(X509_REQ_new());
  if (!req) return Status::Internal("X509_REQ_new: " + ossl::ErrorText());
  Result<ossl::X509NamePtr> subject = ParseDistinguishedName(spec.subject);
  if (!subject.ok()) return subject.status();
  if (X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject->get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1) {
    return Status::Internal("building the request: " + ossl::ErrorText());
  }
  if (!spec.dns_names.empty()) {
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    auto free_extensions = [](STACK_OF(X509_EXTENSION) * s) {
      sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
    };
    std::unique_ptr<STACK_OF(X509_EXTENSION), decltype(free_extensions)> exts(
        sk_X509_EXTENSION_new_null(), free_extensions);
    bool ok = names != nullptr && exts != nullptr;
    for (const std::string& dns : spec.dns_names) {
      if (!ok) break;
      GENERAL_NAME* gn = GENERAL_NAME_new();
      ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
      ok = gn != nullptr && ia5 != nullptr &&
           ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size())) == 1;
      if (ok) {
        GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
        ok = sk_GENERAL_NAME_push(names, gn) > 0;
        if (!ok) GENERAL_NAME_free(gn);
      } else {
        GENERAL_NAME_free(gn);
        ASN1_IA5STRING_free(ia5);
      }
    }
    X509_EXTENSION* san = ok ? X509V3_EXT_i2d(NID_subject_alt_name, 0, names) : nullptr;
    GENERAL_NAMES_free(names);
    ok = san != nullptr && sk_X509_EXTENSION_push(exts.get(), san) > 0;
    if (!ok) {
      X509_EXTENSION_free(san);
      return Status::Internal("building the subjectAltName: " + ossl::ErrorText());
    }
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return Status::Internal("adding the extension request: " + ossl::ErrorText());
    }
  }
  const EVP_MD* md = EVP_sha256();
  if (EVP_PKEY_is_a(key, "EC") == 1 && EVP_PKEY_get_bits(key) > 256) md = EVP_sha384();
  if (X509_REQ_sign(req.get(), key, md) <= 0) {
    return Status::Internal("signing the request: " + ossl::ErrorText());
  }
  Bytes der = ossl::ToDer(req.get(), i2d_X509_REQ);
  if (der.empty()) return Status::Internal("encoding the request: " + ossl::ErrorText());
  return der;
}

Result<std::string> PrivateKeyPem(EVP_PKEY* key) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("writing the private key: " + ossl::ErrorText());
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace openadcs::pki
