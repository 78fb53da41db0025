// Test fixtures: keys, CSRs and temporary directories made on the fly with
// OpenSSL, so tests never depend on checked-in key material.
#ifndef OPENADCS_TESTS_TESTING_PKI_H_
#define OPENADCS_TESTS_TESTING_PKI_H_

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"

namespace openadcs::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
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
  // szOID_ENROLLMENT_NAME_VALUE_PAIR attributes.
  std::vector<std::pair<std::string, std::string>> name_value_pairs;
};

// A PKCS#10 request signed by `key` (SHA-256).
ossl::X509ReqPtr MakeCsr(EVP_PKEY* key, const CsrSpec& spec);
Bytes CsrDer(X509_REQ* req);
Bytes MakeCsrDer(EVP_PKEY* key, const CsrSpec& spec);

Bytes CertDer(X509* cert);
ossl::X509Ptr ParseCertDer(const Bytes& der);
// The DER extnValue of extension `oid` in `cert`, or empty if absent.
Bytes ExtensionValue(X509* cert, const std::string& oid);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_PKI_H_
