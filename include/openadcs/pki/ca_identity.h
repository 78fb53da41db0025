// The CA's key and certificate: generated on first start, or loaded from
// files the operator provides. All signing goes through OpenSSL's EVP API
// (EVP_DigestSign*), so a provider-backed key (PKCS#11) can stand in later.
#ifndef OPENADCS_PKI_CA_IDENTITY_H_
#define OPENADCS_PKI_CA_IDENTITY_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

enum class KeyAlgorithm { kRsa2048, kRsa3072, kRsa4096, kEcdsaP256, kEcdsaP384 };

// "rsa2048", "rsa3072", "rsa4096", "ecdsa-p256", "ecdsa-p384".
Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);

// MS-WCCE 3.1.1.4.1.1 on a UTF-8 name: every UTF-16 code unit below 0x20,
// from 0x7F up, or in the disallowed table becomes "!xxxx" (lower-case hex).
std::string SanitizeCaName(std::string_view utf8_name);
// The short sanitized name: the sanitized name when it is at most 51
// characters; otherwise its first 51 characters (an escape cut in half is
// dropped whole), '-', and the five-digit hash of the dropped characters.
std::string SanitizedShortName(std::string_view utf8_name);

struct CaIdentityOptions {
  std::filesystem::path key_file;         // PEM private key; 0600, not readable by group/others
  std::filesystem::path cert_file;        // PEM CA certificate
  std::filesystem::path chain_file;       // optional PEM: issuers above cert_file, nearest first
  std::filesystem::path passphrase_file;  // optional: decrypts key_file; also 0600
  // Used only when key_file and cert_file are both missing: generate them.
  KeyAlgorithm algorithm = KeyAlgorithm::kRsa3072;
  std::string subject = "CN=openadcs Root CA";  // RFC 4514 order, most significant last
  std::uint32_t validity_days = 3650;
  // For RSA: SHA256, SHA384 or SHA512. ECDSA uses SHA256 (P-256) / SHA384 (P-384).
  std::string digest = "SHA256";
};

class CaIdentity {
 public:
  // Loads key_file and cert_file when both exist; when neither exists,
  // generates a key (written 0600) and a self-signed CA certificate
  // (basicConstraints CA:TRUE critical, keyUsage keyCertSign|cRLSign|
  // digitalSignature critical, SKI, AKI) and writes both, each to a temporary
  // file renamed into place (the key 0600, the certificate 0644). A generated
  // key is encrypted (AES-256-CBC) when passphrase_file exists; chain_file is
  // not read for a generated root. The passphrase is the passphrase file's
  // content without its trailing newline. Errors: PermissionDenied for a key
  // or passphrase file readable or writable by group or others;
  // InvalidArgument when only one of the two files exists, when the key does
  // not decrypt or does not match the certificate, when the certificate is
  // not a CA (basicConstraints CA:TRUE, keyCertSign if keyUsage is present)
  // or has no CN, when a chain certificate did not issue the one below it,
  // or for bad options (subject, digest, validity_days 0, key type); IOError
  // when a file cannot be read or written.
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
  const std::string& sanitized_short_name() const { return sanitized_short_name_; }
  std::uint32_t key_bits() const;

  // Signs with the CA key and the configured digest. Thread-safe.
  Status SignCertificate(X509* cert) const;
  Status SignCrl(X509_CRL* crl) const;
  // Signs arbitrary bytes (a TBSCertificate, or for benchmarks the raw
  // signing rate) with what signature_algorithm() names.
  Result<Bytes> SignBytes(std::span<const std::uint8_t> data) const;
  // Checks `signature` over `data` with the CA certificate's public key and
  // the configured digest, as MS-CSRA 3.1.4.1.6 asks of each CRL before it
  // is published. Thread-safe. NTE_BAD_SIGNATURE when it does not verify.
  Status VerifySignature(std::span<const std::uint8_t> data,
                         std::span<const std::uint8_t> signature) const;
  // The DER AlgorithmIdentifier of the CA's signatures (key and digest), as
  // certificates and CRLs name it.
  const Bytes& signature_algorithm() const { return signature_algorithm_; }

 private:
  CaIdentity() = default;
  // `passphrase` is null when no passphrase_file is configured.
  Status Load(const CaIdentityOptions& options, const std::string* passphrase);
  Status Create(const CaIdentityOptions& options, const std::string* passphrase);
  // A context of its own per call (the EVP_PKEY is shared, a context is
  // not): a copy of signing_template_ once LoadOrCreate has made it, since
  // initialising one fetches the provider's algorithms anew each time.
  Result<ossl::MdCtxPtr> SigningContext() const;
  Result<Bytes> SignatureAlgorithm() const;

  ossl::PKeyPtr key_;
  ossl::X509Ptr cert_;
  std::vector<ossl::X509Ptr> chain_;
  Bytes cert_der_;
  std::string common_name_;
  std::string sanitized_name_;
  std::string sanitized_short_name_;
  std::string digest_name_;  // "SHA256", "SHA384" or "SHA512"
  Bytes signature_algorithm_;
  // Initialised once, only ever copied from (EVP_MD_CTX_copy_ex reads it).
  ossl::MdCtxPtr signing_template_;
};

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_CA_IDENTITY_H_
