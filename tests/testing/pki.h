// Test fixtures: keys, CSRs and temporary directories made on the fly with
// OpenSSL, so tests never depend on checked-in key material.
#ifndef OPENADCS_TESTS_TESTING_PKI_H_
#define OPENADCS_TESTS_TESTING_PKI_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"

namespace openadcs::testing {

// A fresh directory under $TMPDIR (or `base`), removed with everything in
// it on destruction.
class TempDir {
 public:
  TempDir();
  explicit TempDir(const std::filesystem::path& base);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

ossl::PKeyPtr MakeRsaKey(int bits = 2048);
ossl::PKeyPtr MakeEcKey(const char* curve = "P-256");

struct CsrSpec {
  // Subject as (short name, value) pairs in order, e.g. {{"CN", "alice"}}.
  std::vector<std::pair<std::string, std::string>> subject;
  // Extensions for the extensionRequest attribute: (oid, critical, DER value).
  struct Ext {
    std::string oid;
    bool critical = false;
    Bytes value;
  };
  std::vector<Ext> extensions;
  // szOID_ENROLLMENT_NAME_VALUE_PAIR: one attribute with a value per pair (the
  // values form a DER SET OF, so the encoding sorts them).
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
};

// A PKCS#10 request signed by `key` (SHA-256).
ossl::X509ReqPtr MakeCsr(EVP_PKEY* key, const CsrSpec& spec);
Bytes CsrDer(X509_REQ* req);
Bytes MakeCsrDer(EVP_PKEY* key, const CsrSpec& spec);

// A DER TLV with a one-byte tag (definite length): for hand-built ASN.1.
Bytes DerTlv(std::uint8_t tag, const Bytes& content);
// The szOID_ENROLLMENT_NAME_VALUE_PAIR value SEQUENCE { BMPString, BMPString } (ASCII only).
Bytes EncodeNameValuePair(const std::string& name, const std::string& value);

// A self-signed certificate for `key` (SHA-256, subject CN=`cn`, valid one day).
ossl::X509Ptr MakeSelfSignedCert(EVP_PKEY* key, const std::string& cn);

// A CA certificate for `key`: self-signed, basicConstraints CA:TRUE and
// keyCertSign, subject CN=`cn`, valid one day.
ossl::X509Ptr MakeCaCert(EVP_PKEY* key, const std::string& cn);
// A TLS server certificate for `key` issued by `issuer` (signed with
// `issuer_key`): subject CN=`cn`, subjectAltName `san` in OpenSSL's
// configuration syntax ("IP:127.0.0.1,DNS:localhost"), serverAuth, one day.
ossl::X509Ptr MakeServerCert(EVP_PKEY* key, const std::string& cn, const std::string& san,
                             X509* issuer, EVP_PKEY* issuer_key);
// PEM files (the key unencrypted, mode 0600); throw when they cannot be written.
void WriteCertPem(const std::filesystem::path& file, X509* cert);
void WriteKeyPem(const std::filesystem::path& file, EVP_PKEY* key);

inline constexpr const char* kOidData = "1.2.840.113549.1.7.1";
inline constexpr const char* kOidPkiData = "1.3.6.1.5.5.7.12.2";

struct CmsSigner {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;  // names the signer (issuer and serial) in the SignerInfo
  // false: the SignedData does not carry `cert` (a request signed by its own key).
  bool include_cert = true;
  // szOID_ENROLLMENT_NAME_VALUE_PAIR signed (authenticated) attributes.
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
};
// A CMS SignedData (SHA-256) encapsulating `content` as `content_type_oid`.
Bytes WrapInCms(const Bytes& content, const std::string& content_type_oid,
                const std::vector<CmsSigner>& signers);
// The usual case: one signer around a PKCS#10 (id-data).
Bytes WrapInCms(const Bytes& pkcs10_der, EVP_PKEY* signer_key, X509* signer_cert,
                const std::vector<std::pair<std::string, std::string>>& name_value_pairs = {});

// A CMC PKIData (RFC 5272), DER built by hand independently of the parser.
struct CmcSpec {
  std::vector<Bytes> requests;  // PKCS#10 DERs, each a tcr [0] with bodyPartID 1, 2, ...
  // One id-cmc-addExtensions control (pkiDataReference 0, no certReferences) when not empty.
  std::vector<CsrSpec::Ext> add_extensions;
  std::string reg_info;  // one id-cmc-regInfo control when not empty
  // One szOID_ENROLLMENT_NAME_VALUE_PAIR control with these values when not empty.
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
};
Bytes MakePkiData(const CmcSpec& spec);
// MakePkiData wrapped in a CMS SignedData signed by `signer_key`/`signer_cert`.
Bytes MakeCmcRequest(const CmcSpec& spec, EVP_PKEY* signer_key, X509* signer_cert);

// The SubjectPublicKeyInfo of `key`, as a request would carry it.
using X509PubkeyPtr = std::unique_ptr<X509_PUBKEY, ossl::Deleter<X509_PUBKEY_free>>;
X509PubkeyPtr PublicKeyInfo(EVP_PKEY* key);

Bytes CertDer(X509* cert);
ossl::X509Ptr ParseCertDer(const Bytes& der);
// The DER extnValue of extension `oid` in `cert`, or empty if absent.
Bytes ExtensionValue(X509* cert, const std::string& oid);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_PKI_H_
