#include "openadcs/daemon/startup_report.h"

#include <fmt/format.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include <array>
#include <ctime>

#include "openadcs/pki/name.h"

namespace openadcs::daemon {
namespace {

std::string FormatTime(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return "(unreadable)";
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(text.data(), n);
}

}  // namespace

std::string Sha256Fingerprint(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &len) != 1) return "(unavailable)";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i > 0) out += ':';
    out += fmt::format("{:02X}", md[i]);
  }
  return out;
}

std::string DescribeKey(EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return fmt::format("RSA {} bits", bits);
    case EVP_PKEY_EC: {
      std::array<char, 64> group{};
      std::size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &len) != 1) {
        return fmt::format("ECDSA, unknown curve ({} bits)", bits);
      }
      // OpenSSL names P-256 "prime256v1"; print the NIST name operators configure.
      const char* nist = EC_curve_nid2nist(OBJ_sn2nid(group.data()));
      return fmt::format("ECDSA {} ({} bits)", nist != nullptr ? nist : group.data(), bits);
    }
    default: return fmt::format("{} {} bits", OBJ_nid2sn(EVP_PKEY_get_base_id(key)), bits);
  }
}

std::vector<std::string> DescribeCaCertificate(X509* cert, EVP_PKEY* key) {
  return {
      fmt::format("CA subject: {}", pki::FormatDistinguishedName(X509_get_subject_name(cert))),
      fmt::format("CA key: {}", DescribeKey(key)),
      fmt::format("CA certificate valid from {} to {}", FormatTime(X509_get0_notBefore(cert)),
                  FormatTime(X509_get0_notAfter(cert))),
      fmt::format("CA certificate SHA-256 fingerprint: {}", Sha256Fingerprint(cert)),
  };
}

std::string DescribeTemplate(const directory::CertificateTemplate& tmpl) {
  return fmt::format("template {}: OID {}, schema v{}{}", tmpl.name,
                     tmpl.oid.empty() ? "none" : tmpl.oid, tmpl.schema_version,
                     tmpl.pend_all_requests() ? ", pend-all" : "");
}

}  // namespace openadcs::daemon
