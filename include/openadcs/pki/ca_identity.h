// The CA's key and certificate: generated on first start, or loaded from
// files the operator provides. All signing goes through OpenSSL's EVP API
// (EVP_DigestSign*), so a provider-backed key (PKCS#11) can stand in later.
#ifndef OPENADCS_PKI_CA_IDENTITY_H_
#define OPENADCS_PKI_CA_IDENTITY_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

enum class KeyAlgorithm { kRsa2048, kRsa3072, kRsa4096, kEcdsaP256, kEcdsaP384 };

// "rsa2048", "rsa3072", "rsa4096", "ecdsa-p256", "ecdsa-p384".
Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);

struct CaIdentityOptions {
  std::filesystem::path key_file;    // PEM private key; 0600, not readable by group/others
  std::filesystem::path cert_file;   // PEM CA certificate
  std::filesystem::path chain_file;  // optional PEM: issuers above cert_file, nearest first
  std::filesystem::path passphrase_file;  // optional: decrypts key_file; also 0600
  // Used only when key_file and cert_file are both missing: generate them.
  KeyAlgorithm algorithm = KeyAlgorithm::kRsa3072;
  std::string subject = "CN=openadcs Root CA";  // RFC 4514 order, most significant last
  std::uint32_t validity_days = 3650;
  std::string digest = "SHA256";  // for RSA; ECDSA uses SHA256 (P-256) / SHA384 (P-384)
};

class CaIdentity {
 public:
  // Loads key_file and cert_file when both exist; when neither exists,
  // generates a key (written 0600) and a self-signed CA certificate
  // (basicConstraints CA:TRUE critical, keyUsage keyCertSign|cRLSign|
  // digitalSignature critical, SKI, AKI) and writes both. Errors:
  // PermissionDenied for a key file readable by group or others,
  // InvalidArgument when only one of the two files exists, when the key
  // does not match the certificate, or when the certificate is not a CA.
  static Result<std::unique_ptr<CaIdentity>> LoadOrCreate(const CaIdentityOptions& options);

  EVP_PKEY* key() const { return key_.get(); }
  X509* certificate() const { return cert_.get(); }
  // Issuers above the CA certificate, nearest first (empty for a root).
  const std::vector<ossl::X509Ptr>& chain() const { return chain_; }
  const Bytes& certificate_der() const { return cert_der_; }

  // The CA's common name, and the sanitized name of MS-WCCE 3.1.1.4.1.1
  // (characters outside the allowed set replaced by !xxxx).
  const std::string& common_name() const { return common_name_; }
  const std::string& sanitized_name() const { return sanitized_name_; }
  std::uint32_t key_bits() const;

  // Signs with the CA key and the configured digest. Thread-safe.
  Status SignCertificate(X509* cert) const;
  Status SignCrl(X509_CRL* crl) const;
  // Signs arbitrary bytes (for benchmarks: the raw signing rate).
  Result<Bytes> SignBytes(std::span<const std::uint8_t> data) const;

 private:
  CaIdentity() = default;
  const EVP_MD* digest() const;

  ossl::PKeyPtr key_;
  ossl::X509Ptr cert_;
  std::vector<ossl::X509Ptr> chain_;
  Bytes cert_der_;
  std::string common_name_;
  std::string sanitized_name_;
  std::string digest_name_;
};

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_CA_IDENTITY_H_
