#include "testing/pki.h"

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include <stdexcept>

namespace openadcs::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "openadcs-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ossl::PKeyPtr MakeRsaKey(int bits) {
  return ossl::PKeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

ossl::PKeyPtr MakeEcKey(const char* curve) {
  return ossl::PKeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

namespace {

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + ossl::ErrorText());
}

// The szOID_ENROLLMENT_NAME_VALUE_PAIR value: SEQUENCE { BMPString name, BMPString value }.
Bytes EncodeNameValuePair(const std::string& name, const std::string& value) {
  auto bmp = [](const std::string& s) {
    ASN1_STRING* str = ASN1_STRING_type_new(V_ASN1_BMPSTRING);
    std::string utf16;
    for (char c : s) {  // tests use ASCII only
      utf16.push_back('\0');
      utf16.push_back(c);
    }
    ASN1_STRING_set(str, utf16.data(), static_cast<int>(utf16.size()));
    unsigned char* der = nullptr;
    int n = i2d_ASN1_BMPSTRING(str, &der);
    Bytes out(der, der + n);
    OPENSSL_free(der);
    ASN1_STRING_free(str);
    return out;
  };
  Bytes a = bmp(name);
  Bytes b = bmp(value);
  std::size_t len = a.size() + b.size();
  Bytes out;
  out.push_back(0x30);
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len));
  }
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

ossl::X509ReqPtr MakeCsr(EVP_PKEY* key, const CsrSpec& spec) {
  ossl::X509ReqPtr req(X509_REQ_new());
  Check(req != nullptr, "X509_REQ_new");
  Check(X509_REQ_set_version(req.get(), 0) == 1, "set_version");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  for (const auto& [field, value] : spec.subject) {
    Check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                     -1, 0) == 1,
          "add subject entry");
  }
  Check(X509_REQ_set_pubkey(req.get(), key) == 1, "set_pubkey");
  if (!spec.extensions.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    for (const auto& e : spec.extensions) {
      ossl::Asn1ObjectPtr obj(OBJ_txt2obj(e.oid.c_str(), 1));
      ossl::Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
      ASN1_OCTET_STRING_set(os.get(), e.value.data(), static_cast<int>(e.value.size()));
      X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0,
                                                         os.get());
      Check(ext != nullptr, "extension");
      sk_X509_EXTENSION_push(exts, ext);
    }
    Check(X509_REQ_add_extensions(req.get(), exts) == 1, "add_extensions");
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  for (const auto& [n, v] : spec.name_value_pairs) {
    Bytes der = EncodeNameValuePair(n, v);
    Check(X509_REQ_add1_attr_by_txt(req.get(), "1.3.6.1.4.1.311.13.2.1", V_ASN1_SEQUENCE,
                                    der.data(), static_cast<int>(der.size())) == 1,
          "name value pair");
  }
  Check(X509_REQ_sign(req.get(), key, EVP_sha256()) > 0, "X509_REQ_sign");
  return req;
}

Bytes CsrDer(X509_REQ* req) {
  unsigned char* der = nullptr;
  int n = i2d_X509_REQ(req, &der);
  Check(n > 0, "i2d_X509_REQ");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes MakeCsrDer(EVP_PKEY* key, const CsrSpec& spec) { return CsrDer(MakeCsr(key, spec).get()); }

Bytes CertDer(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  Check(n > 0, "i2d_X509");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

ossl::X509Ptr ParseCertDer(const Bytes& der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

Bytes ExtensionValue(X509* cert, const std::string& oid) {
  ossl::Asn1ObjectPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (idx < 0) return {};
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  return Bytes(ASN1_STRING_get0_data(data), ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
}

}  // namespace openadcs::testing
