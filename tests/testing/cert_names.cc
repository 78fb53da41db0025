#include "testing/cert_names.h"

#include <openssl/x509v3.h>

#include <cstdio>

namespace openadcs::testing {
namespace {

std::string Text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string OidText(const ASN1_OBJECT* oid) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, oid, 1);
  return buf;
}

// 16 bytes as Windows stores a GUID (the first three fields little-endian)
// in its text form; "?" when not 16 bytes.
std::string GuidText(const ASN1_OCTET_STRING* s) {
  if (ASN1_STRING_length(s) != 16) return "?";
  const unsigned char* b = ASN1_STRING_get0_data(s);
  constexpr int kOrder[] = {3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15};
  std::string out;
  for (int i : kOrder) {
    if (i < 0) {
      out += '-';
      continue;
    }
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b[i]);
    out += hex;
  }
  return out;
}

// Takes ownership of `names`.
std::vector<std::string> Names(GENERAL_NAMES* names) {
  std::vector<std::string> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      out.push_back("dns=" + Text(name->d.dNSName));
    } else if (name->type == GEN_EMAIL) {
      out.push_back("email=" + Text(name->d.rfc822Name));
    } else if (name->type == GEN_OTHERNAME) {
      const std::string oid = OidText(name->d.otherName->type_id);
      const ASN1_TYPE* value = name->d.otherName->value;
      std::string shown = "?";
      if (oid == kDirectoryGuidOid && value->type == V_ASN1_OCTET_STRING) {
        shown = GuidText(value->value.octet_string);
      } else if (value->type == V_ASN1_UTF8STRING || value->type == V_ASN1_OCTET_STRING) {
        shown = Text(value->value.asn1_string);
      }
      out.push_back(oid + "=" + shown);
    } else {
      out.push_back("type " + std::to_string(name->type));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

std::vector<std::string> SubjectAltNames(X509* cert) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  return names != nullptr ? Names(names) : std::vector<std::string>{};
}

bool SubjectAltNameIsCritical(X509* cert) {
  int critical = -1;
  GENERAL_NAMES_free(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  return critical == 1;
}

std::vector<std::string> SidExtension(X509* cert) {
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.311.25.2", 1);
  const int at = X509_get_ext_by_OBJ(cert, oid, -1);
  ASN1_OBJECT_free(oid);
  if (at < 0) return {};
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, at));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  GENERAL_NAMES* names = d2i_GENERAL_NAMES(nullptr, &p, ASN1_STRING_length(data));
  return names != nullptr ? Names(names) : std::vector<std::string>{"undecodable"};
}

std::vector<std::string> ExtendedKeyUsages(X509* cert) {
  std::vector<std::string> out;
  auto* eku =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  if (eku == nullptr) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    out.push_back(OidText(sk_ASN1_OBJECT_value(eku, i)));
  }
  EXTENDED_KEY_USAGE_free(eku);
  return out;
}

}  // namespace openadcs::testing
