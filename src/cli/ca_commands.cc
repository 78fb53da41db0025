#include "cli/ca_commands.h"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/connection.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"

namespace openadcs::cli {
namespace {

// GetCAProperty ids and types (MS-WCCE 3.2.1.4.3.2).
constexpr std::int32_t kPropCaName = 0x06;
constexpr std::int32_t kPropSanitizedName = 0x07;
constexpr std::int32_t kPropCaType = 0x0A;
constexpr std::int32_t kPropSigCertChain = 0x0D;
constexpr std::int32_t kPropDnsName = 0x16;
constexpr std::int32_t kPropTemplates = 0x1D;
constexpr std::int32_t kPropCdpUrls = 0x29;
constexpr std::int32_t kPropAiaUrls = 0x2A;
constexpr std::int32_t kTypeLong = 1;
constexpr std::int32_t kTypeBinary = 3;
constexpr std::int32_t kTypeString = 4;
// GetCACert's fchain for the current signing certificate.
constexpr std::uint32_t kGetCertCaSigCert = 0;

Result<std::unique_ptr<client::CertRequestClient>> Connect(const ConnectionFlags& f) {
  Result<client::ConnectOptions> options = MakeConnectOptions(f);
  if (!options.ok()) return options.status();
  return client::CertRequestClient::Connect(*options);
}

// --ca, or when not given the name the CA reports: the other methods check
// pwszAuthority against it.
Result<std::string> Authority(client::CertRequestClient& c, const ConnectionFlags& f) {
  if (!f.authority.empty()) return f.authority;
  return AskCaName(c);
}

// A PROPTYPE_STRING value: UTF-16LE, NUL-terminated.
Result<std::string> StringProperty(client::CertRequestClient& c, std::int32_t id,
                                   const std::string& authority) {
  Result<Bytes> blob = c.GetCaProperty(id, 0, kTypeString, authority);
  if (!blob.ok()) return blob.status();
  return BlobText(*blob);
}

// "a\nb\n" -> {"a", "b"}.
std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  for (std::string_view line : SplitFields(s, '\n')) {
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

std::string CaTypeName(std::int32_t type) {
  switch (type) {
    case 0: return "enterprise root";
    case 1: return "enterprise subordinate";
    case 3: return "standalone root";
    case 4: return "standalone subordinate";
    default: return "unknown";
  }
}

std::string NameText(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string TimeText(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// The certificates of a degenerate PKCS#7 (the CA's chain), as PEM.
Result<std::string> ChainPem(const Bytes& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS7, ossl::Deleter<PKCS7_free>> p7(
      d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (p7 == nullptr || !PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr) {
    return Status::InvalidArgument("the CA's chain is not a PKCS#7 SignedData");
  }
  std::string pem;
  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    unsigned char* out = nullptr;
    const int n = i2d_X509(sk_X509_value(certs, i), &out);
    if (n <= 0) return Status::InvalidArgument("a certificate of the chain does not encode");
    const Bytes cert(out, out + n);
    OPENSSL_free(out);
    pem += CertificatePem(cert);
  }
  if (pem.empty()) return Status::InvalidArgument("the CA's chain holds no certificate");
  return pem;
}

struct CaInfo {
  std::string name;
  std::string sanitized_name;
  std::optional<std::int32_t> type;
  std::string dns_name;
  std::vector<std::pair<std::string, std::string>> templates;  // name, OID
  std::string subject;
  std::string not_after;
  std::vector<std::string> crl_urls;
  std::vector<std::string> aia_urls;
};

// Every property but the CA name is optional: a CA may not implement it.
Result<CaInfo> ReadCaInfo(client::CertRequestClient& c, const std::string& authority) {
  CaInfo info;
  Result<std::string> name = StringProperty(c, kPropCaName, authority);
  if (!name.ok()) return name.status();
  info.name = std::move(*name);
  // A transport failure ends the command; a refused property is left out.
  auto optional_string = [&](std::int32_t id, std::string* out) -> Status {
    Result<std::string> v = StringProperty(c, id, authority);
    if (v.ok()) {
      *out = std::move(*v);
    } else if (!v.status().hresult()) {
      return v.status();
    }
    return Status::Ok();
  };
  OPENADCS_RETURN_IF_ERROR(optional_string(kPropSanitizedName, &info.sanitized_name));
  OPENADCS_RETURN_IF_ERROR(optional_string(kPropDnsName, &info.dns_name));
  std::string text;
  OPENADCS_RETURN_IF_ERROR(optional_string(kPropTemplates, &text));
  const std::vector<std::string> lines = Lines(text);
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) {
    info.templates.emplace_back(lines[i], lines[i + 1]);
  }
  text.clear();
  OPENADCS_RETURN_IF_ERROR(optional_string(kPropCdpUrls, &text));
  info.crl_urls = Lines(text);
  text.clear();
  OPENADCS_RETURN_IF_ERROR(optional_string(kPropAiaUrls, &text));
  info.aia_urls = Lines(text);

  // CAINFO (MS-WCCE 2.2.2.4) holds CAType at offset 4; a bare long is read too.
  Result<Bytes> type = c.GetCaProperty(kPropCaType, 0, kTypeLong, authority);
  if (type.ok()) {
    const std::size_t at = type->size() >= 8 ? 4 : 0;
    if (type->size() >= at + 4) {
      const std::uint8_t* b = type->data() + at;
      info.type = static_cast<std::int32_t>(b[0] | b[1] << 8 | b[2] << 16 |
                                            static_cast<std::uint32_t>(b[3]) << 24);
    }
  } else if (!type.status().hresult()) {
    return type.status();
  }

  Result<Bytes> der = c.GetCaCert(kGetCertCaSigCert, authority);
  if (!der.ok()) return der.status();
  const unsigned char* p = der->data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  if (cert == nullptr) return Status::InvalidArgument("the CA certificate does not parse");
  info.subject = NameText(X509_get_subject_name(cert.get()));
  info.not_after = TimeText(X509_get0_notAfter(cert.get()));
  return info;
}

void PrintText(const CaInfo& info) {
  std::cout << "CA name:        " << info.name << '\n'
            << "Sanitized name: " << info.sanitized_name << '\n'
            << "CA type:        "
            << (info.type ? fmt::format("{} ({})", CaTypeName(*info.type), *info.type) : "?")
            << '\n'
            << "DNS name:       " << info.dns_name << '\n'
            << "Subject:        " << info.subject << '\n'
            << "Expires:        " << info.not_after << '\n'
            << "Templates:\n";
  for (const auto& [name, oid] : info.templates) std::cout << "  " << name << " (" << oid << ")\n";
  std::cout << "CRL URLs:\n";
  for (const std::string& u : info.crl_urls) std::cout << "  " << u << '\n';
  std::cout << "AIA URLs:\n";
  for (const std::string& u : info.aia_urls) std::cout << "  " << u << '\n';
}

void PrintJson(const CaInfo& info) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + JsonString(v[i]);
    return out + "]";
  };
  std::string templates = "[";
  for (std::size_t i = 0; i < info.templates.size(); ++i) {
    templates +=
        fmt::format("{}{{\"name\": {}, \"oid\": {}}}", i ? ", " : "",
                    JsonString(info.templates[i].first), JsonString(info.templates[i].second));
  }
  templates += "]";
  std::cout << "{\"ca_name\": " << JsonString(info.name)
            << ", \"sanitized_name\": " << JsonString(info.sanitized_name)
            << ", \"ca_type\": " << (info.type ? std::to_string(*info.type) : "null")
            << ", \"dns_name\": " << JsonString(info.dns_name)
            << ", \"subject\": " << JsonString(info.subject)
            << ", \"not_after\": " << JsonString(info.not_after) << ", \"templates\": " << templates
            << ", \"crl_urls\": " << list(info.crl_urls)
            << ", \"aia_urls\": " << list(info.aia_urls) << "}\n";
}

}  // namespace

void RegisterCaCommands(CLI::App& app, int* exit_code) {
  struct CertFlags {
    ConnectionFlags connection;
    bool chain = false;
    std::string out;
  };
  auto cf = std::make_shared<CertFlags>();
  CLI::App* ca_cert =
      app.add_subcommand("ca-cert", "fetch the CA certificate (or its chain) as PEM, over DCOM");
  AddConnectionFlags(ca_cert, &cf->connection, false);
  ca_cert->add_flag("--chain", cf->chain, "every certificate of the CA's chain");
  ca_cert->add_option("-o,--out", cf->out, "PEM file (default: standard output)");
  ca_cert->callback([cf, exit_code] {
    Result<std::unique_ptr<client::CertRequestClient>> c = Connect(cf->connection);
    if (!c.ok()) {
      *exit_code = Fail("connecting to the CA", c.status());
      return;
    }
    Result<std::string> authority = Authority(**c, cf->connection);
    Result<std::string> pem = authority;  // replaced by the PEM when the name is known
    if (authority.ok() && cf->chain) {
      Result<Bytes> der = (*c)->GetCaProperty(kPropSigCertChain, 0, kTypeBinary, *authority);
      pem = der.ok() ? ChainPem(*der) : Result<std::string>(der.status());
    } else if (authority.ok()) {
      Result<Bytes> der = (*c)->GetCaCert(kGetCertCaSigCert, *authority);
      pem =
          der.ok() ? Result<std::string>(CertificatePem(*der)) : Result<std::string>(der.status());
    }
    (void)(*c)->Release();
    if (!pem.ok()) {
      *exit_code = Fail("fetching the CA certificate", pem.status());
      return;
    }
    if (cf->out.empty()) {
      std::cout << *pem;
    } else {
      std::ofstream out(cf->out, std::ios::trunc);
      if (!(out << *pem)) {
        *exit_code = Fail("writing " + cf->out, Status::IOError("write failed"));
        return;
      }
    }
    *exit_code = kExitOk;
  });

  struct InfoFlags {
    ConnectionFlags connection;
    bool json = false;
  };
  auto nf = std::make_shared<InfoFlags>();
  CLI::App* ca_info = app.add_subcommand(
      "ca-info", "show the CA's names, type, templates, certificate and URLs, over DCOM");
  AddConnectionFlags(ca_info, &nf->connection, false);
  ca_info->add_flag("--json", nf->json, "one JSON object instead of text");
  ca_info->callback([nf, exit_code] {
    Result<std::unique_ptr<client::CertRequestClient>> c = Connect(nf->connection);
    if (!c.ok()) {
      *exit_code = Fail("connecting to the CA", c.status());
      return;
    }
    Result<std::string> authority = Authority(**c, nf->connection);
    Result<CaInfo> info =
        authority.ok() ? ReadCaInfo(**c, *authority) : Result<CaInfo>(authority.status());
    (void)(*c)->Release();
    if (!info.ok()) {
      *exit_code = Fail("reading the CA's properties", info.status());
      return;
    }
    if (nf->json) {
      PrintJson(*info);
    } else {
      PrintText(*info);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace openadcs::cli
