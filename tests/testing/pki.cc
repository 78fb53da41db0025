#include "testing/pki.h"

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <initializer_list>
#include <stdexcept>

namespace openadcs::testing {

TempDir::TempDir() : TempDir(std::filesystem::temp_directory_path()) {}

TempDir::TempDir(const std::filesystem::path& base) {
  std::string tmpl = (base / "openadcs-test-XXXXXX").string();
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

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes DerInteger(long v) {
  ossl::Asn1IntegerPtr i(ASN1_INTEGER_new());
  Check(ASN1_INTEGER_set(i.get(), v) == 1, "ASN1_INTEGER_set");
  unsigned char* der = nullptr;
  int n = i2d_ASN1_INTEGER(i.get(), &der);
  Check(n > 0, "i2d_ASN1_INTEGER");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes DerOid(const std::string& oid) {
  ossl::Asn1ObjectPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  Check(obj != nullptr, "OBJ_txt2obj");
  unsigned char* der = nullptr;
  int n = i2d_ASN1_OBJECT(obj.get(), &der);
  Check(n > 0, "i2d_ASN1_OBJECT");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes DerControl(long body_part_id, const std::string& oid, const Bytes& values) {
  return DerTlv(0x30, Concat({DerInteger(body_part_id), DerOid(oid), DerTlv(0x31, values)}));
}

}  // namespace

Bytes DerTlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  std::size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    Bytes len_bytes;
    for (std::size_t l = len; l != 0; l >>= 8) {
      len_bytes.insert(len_bytes.begin(), static_cast<std::uint8_t>(l));
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | len_bytes.size()));
    out.insert(out.end(), len_bytes.begin(), len_bytes.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes EncodeNameValuePair(const std::string& name, const std::string& value) {
  auto bmp = [](const std::string& s) {
    Bytes utf16;
    for (char c : s) {  // tests use ASCII only
      utf16.push_back(0);
      utf16.push_back(static_cast<std::uint8_t>(c));
    }
    return DerTlv(V_ASN1_BMPSTRING, utf16);
  };
  return DerTlv(0x30, Concat({bmp(name), bmp(value)}));
}

namespace {

// A v3 certificate for `key` with subject CN=`cn`, valid one day from now,
// not yet signed; the issuer name is the subject's.
ossl::X509Ptr NewCert(EVP_PKEY* key, const std::string& cn, int serial) {
  ossl::X509Ptr cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), 2) == 1, "set_version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "serial");
  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "subject");
  Check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  Check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600) != nullptr, "notAfter");
  Check(X509_set_pubkey(cert.get(), key) == 1, "set_pubkey");
  return cert;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  Check(added == 1, "X509_add_ext");
}

}  // namespace

ossl::X509Ptr MakeSelfSignedCert(EVP_PKEY* key, const std::string& cn) {
  ossl::X509Ptr cert = NewCert(key, cn, 1);
  Check(X509_sign(cert.get(), key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

ossl::X509Ptr MakeCaCert(EVP_PKEY* key, const std::string& cn) {
  ossl::X509Ptr cert = NewCert(key, cn, 1);
  AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  Check(X509_sign(cert.get(), key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

ossl::X509Ptr MakeServerCert(EVP_PKEY* key, const std::string& cn, const std::string& san,
                             X509* issuer, EVP_PKEY* issuer_key) {
  ossl::X509Ptr cert = NewCert(key, cn, 2);
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) == 1, "issuer");
  AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExtension(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), issuer, NID_subject_alt_name, san);
  AddExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid");
  Check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void WriteCertPem(const std::filesystem::path& file, X509* cert) {
  ossl::BioPtr bio(BIO_new_file(file.c_str(), "w"));
  Check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
}

void WriteKeyPem(const std::filesystem::path& file, EVP_PKEY* key) {
  ossl::BioPtr bio(BIO_new_file(file.c_str(), "w"));
  Check(bio != nullptr, "BIO_new_file");
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
}

Bytes WrapInCms(const Bytes& content, const std::string& content_type_oid,
                const std::vector<CmsSigner>& signers) {
  ossl::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY));
  Check(cms != nullptr, "CMS_sign");
  ossl::Asn1ObjectPtr type(OBJ_txt2obj(content_type_oid.c_str(), 1));
  Check(CMS_set1_eContentType(cms.get(), type.get()) == 1, "CMS_set1_eContentType");
  for (const CmsSigner& s : signers) {
    unsigned flags = CMS_BINARY | (s.include_cert ? 0 : CMS_NOCERTS);
    CMS_SignerInfo* si = CMS_add1_signer(cms.get(), s.cert, s.key, EVP_sha256(), flags);
    Check(si != nullptr, "CMS_add1_signer");
    for (const auto& [n, v] : s.name_value_pairs) {
      Bytes der = EncodeNameValuePair(n, v);
      Check(CMS_signed_add1_attr_by_txt(si, "1.3.6.1.4.1.311.13.2.1", V_ASN1_SEQUENCE, der.data(),
                                        static_cast<int>(der.size())) == 1,
            "signed name value pair");
    }
  }
  ossl::BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  Check(CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) == 1, "CMS_final");
  unsigned char* der = nullptr;
  int n = i2d_CMS_ContentInfo(cms.get(), &der);
  Check(n > 0, "i2d_CMS_ContentInfo");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes WrapInCms(const Bytes& pkcs10_der, EVP_PKEY* signer_key, X509* signer_cert,
                const std::vector<std::pair<std::string, std::string>>& name_value_pairs) {
  CmsSigner signer;
  signer.key = signer_key;
  signer.cert = signer_cert;
  signer.name_value_pairs = name_value_pairs;
  return WrapInCms(pkcs10_der, kOidData, {signer});
}

Bytes MakePkiData(const CmcSpec& spec) {
  long next_id = 1;
  Bytes requests;
  for (const Bytes& req : spec.requests) {
    requests = Concat({requests, DerTlv(0xA0, Concat({DerInteger(next_id++), req}))});
  }
  Bytes controls;
  if (!spec.add_extensions.empty()) {
    Bytes exts;
    for (const auto& e : spec.add_extensions) {
      Bytes critical = e.critical ? Bytes{0x01, 0x01, 0xFF} : Bytes{};
      exts = Concat({exts, DerTlv(0x30, Concat({DerOid(e.oid), critical, DerTlv(0x04, e.value)}))});
    }
    Bytes add = DerTlv(0x30, Concat({DerInteger(0), DerTlv(0x30, {}), DerTlv(0x30, exts)}));
    controls = Concat({controls, DerControl(next_id++, "1.3.6.1.5.5.7.7.8", add)});
  }
  if (!spec.reg_info.empty()) {
    Bytes text(spec.reg_info.begin(), spec.reg_info.end());
    controls = Concat({controls, DerControl(next_id++, "1.3.6.1.5.5.7.7.18", DerTlv(0x04, text))});
  }
  if (!spec.name_value_pairs.empty()) {
    Bytes pairs;
    for (const auto& [n, v] : spec.name_value_pairs)
      pairs = Concat({pairs, EncodeNameValuePair(n, v)});
    controls = Concat({controls, DerControl(next_id++, "1.3.6.1.4.1.311.13.2.1", pairs)});
  }
  return DerTlv(0x30, Concat({DerTlv(0x30, controls), DerTlv(0x30, requests), DerTlv(0x30, {}),
                              DerTlv(0x30, {})}));
}

Bytes MakeCmcRequest(const CmcSpec& spec, EVP_PKEY* signer_key, X509* signer_cert) {
  CmsSigner signer;
  signer.key = signer_key;
  signer.cert = signer_cert;
  return WrapInCms(MakePkiData(spec), kOidPkiData, {signer});
}

ossl::X509ReqPtr MakeCsr(EVP_PKEY* key, const CsrSpec& spec) {
  ossl::X509ReqPtr req(X509_REQ_new());
  Check(req != nullptr, "X509_REQ_new");
  Check(X509_REQ_set_version(req.get(), 0) == 1, "set_version");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  for (const auto& [field, value] : spec.subject) {
    Check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0) == 1,
          "add subject entry");
  }
  Check(X509_REQ_set_pubkey(req.get(), key) == 1, "set_pubkey");
  if (!spec.extensions.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    for (const auto& e : spec.extensions) {
      ossl::Asn1ObjectPtr obj(OBJ_txt2obj(e.oid.c_str(), 1));
      ossl::Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
      ASN1_OCTET_STRING_set(os.get(), e.value.data(), static_cast<int>(e.value.size()));
      X509_EXTENSION* ext =
          X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0, os.get());
      Check(ext != nullptr, "extension");
      sk_X509_EXTENSION_push(exts, ext);
    }
    Check(X509_REQ_add_extensions(req.get(), exts) == 1, "add_extensions");
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  // One attribute with a value per pair: OpenSSL refuses duplicate attributes.
  if (!spec.name_value_pairs.empty()) {
    X509_ATTRIBUTE* attr = X509_ATTRIBUTE_new();
    Check(attr != nullptr, "X509_ATTRIBUTE_new");
    ossl::Asn1ObjectPtr obj(OBJ_txt2obj("1.3.6.1.4.1.311.13.2.1", 1));
    bool ok = X509_ATTRIBUTE_set1_object(attr, obj.get()) == 1;
    for (const auto& [n, v] : spec.name_value_pairs) {
      Bytes der = EncodeNameValuePair(n, v);
      ok = ok && X509_ATTRIBUTE_set1_data(attr, V_ASN1_SEQUENCE, der.data(),
                                          static_cast<int>(der.size())) == 1;
    }
    ok = ok && X509_REQ_add1_attr(req.get(), attr) == 1;
    X509_ATTRIBUTE_free(attr);
    Check(ok, "name value pairs");
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

Bytes MakeCsrDer(EVP_PKEY* key, const CsrSpec& spec) {
  return CsrDer(MakeCsr(key, spec).get());
}

X509PubkeyPtr PublicKeyInfo(EVP_PKEY* key) {
  X509_PUBKEY* raw = nullptr;
  Check(X509_PUBKEY_set(&raw, key) == 1, "X509_PUBKEY_set");
  return X509PubkeyPtr(raw);
}

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
