#include "cli/enroll_commands.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli/connection.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/pki/agent_request.h"
#include "openadcs/pki/csr_builder.h"
#include "openadcs/util/openssl.h"

namespace openadcs::cli {
namespace {

// CR_IN_PKCS10 and CR_IN_PKCS7 (MS-WCCE 3.2.1.4.2.1): the request is a
// PKCS#10, or a CMS SignedData around one.
constexpr std::uint32_t kCrInPkcs10 = 0x100;
constexpr std::uint32_t kCrInPkcs7 = 0x300;
// Largest request file read.
constexpr std::size_t kMaxRequestFileBytes = std::size_t{64} * 1024;

// The enrollment client the flags select: ICertPassage with --icpr, else
// ICertRequestD over DCOM.
class Enroller {
 public:
  static Result<Enroller> Connect(const ConnectionFlags& f) {
    Result<client::ConnectOptions> options = MakeConnectOptions(f);
    if (!options.ok()) return options.status();
    Enroller e;
    if (f.icpr) {
      Result<std::unique_ptr<client::CertPassageClient>> c =
          client::CertPassageClient::Connect(*options);
      if (!c.ok()) return c.status();
      e.icpr_ = std::move(*c);
    } else {
      Result<std::unique_ptr<client::CertRequestClient>> c =
          client::CertRequestClient::Connect(*options);
      if (!c.ok()) return c.status();
      e.dcom_ = std::move(*c);
    }
    return e;
  }

  Result<client::EnrollResult> Submit(std::uint32_t flags, const Bytes& request,
                                      const std::string& attributes, const std::string& authority) {
    return icpr_ ? icpr_->Submit(flags, request, attributes, authority)
                 : dcom_->Submit(flags, request, attributes, authority);
  }
  Result<client::EnrollResult> Retrieve(std::uint32_t id, const std::string& authority) {
    return icpr_ ? icpr_->Retrieve(id, authority) : dcom_->Retrieve(id, authority);
  }

 private:
  std::unique_ptr<client::CertPassageClient> icpr_;
  std::unique_ptr<client::CertRequestClient> dcom_;
};

// The user's PKCS#10 signed by the enrollment agent whose certificate and
// (unencrypted) key are in the PEM or DER files, naming `user`.
Result<Bytes> SignAsAgent(const Bytes& csr, const std::string& cert_path,
                          const std::string& key_path, const std::string& user) {
  constexpr std::size_t kMaxPemBytes = std::size_t{64} * 1024;
  Result<Bytes> cert_der = ReadDerOrPemFile(cert_path, kMaxPemBytes);
  if (!cert_der.ok()) return cert_der.status();
  Result<Bytes> key_der = ReadDerOrPemFile(key_path, kMaxPemBytes);
  if (!key_der.ok()) return key_der.status();
  const unsigned char* p = cert_der->data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der->size())));
  p = key_der->data();
  ossl::PKeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key_der->size())));
  ERR_clear_error();
  if (cert == nullptr) return Status::InvalidArgument(cert_path + " holds no certificate");
  if (key == nullptr) {
    return Status::InvalidArgument(key_path + " holds no unencrypted private key");
  }
  return pki::SignOnBehalfOf(csr, cert.get(), key.get(), user);
}

// Creates `path` with mode 0600 and writes `text`; refuses to replace a file.
Status WriteNewPrivateFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::IOError("cannot write " + path);
  return Status::Ok();
}

// Reports the CA's answer and writes the certificate; returns the exit code.
int Report(const client::EnrollResult& r, const std::string& out_path,
           const std::string& chain_path) {
  if (r.return_value != 0) {
    std::cerr << "openadcs: the CA refused the call: 0x" << std::hex << r.return_value << std::dec
              << '\n';
    return kExitDenied;
  }
  if (r.disposition == client::kDispositionPending) {
    std::cout << "pending: request " << r.request_id << '\n';
    if (!r.message.empty()) std::cout << r.message << '\n';
    return kExitPending;
  }
  if (r.disposition != client::kDispositionIssued) {
    std::cerr << "openadcs: request " << r.request_id << " not issued: 0x" << std::hex
              << r.disposition << std::dec << (r.message.empty() ? "" : " ") << r.message << '\n';
    return kExitDenied;
  }
  const std::string pem = CertificatePem(r.certificate);
  if (out_path.empty()) {
    std::cout << pem;
  } else {
    std::ofstream out(out_path, std::ios::trunc);
    if (!(out << pem)) return Fail("writing " + out_path, Status::IOError("write failed"));
  }
  if (!chain_path.empty()) {
    std::ofstream out(chain_path, std::ios::binary | std::ios::trunc);
    if (!out.write(reinterpret_cast<const char*>(r.chain.data()),
                   static_cast<std::streamsize>(r.chain.size()))) {
      return Fail("writing " + chain_path, Status::IOError("write failed"));
    }
  }
  std::cerr << "issued: request " << r.request_id << '\n';
  return kExitOk;
}

}  // namespace

void RegisterEnrollCommands(CLI::App& app, int* exit_code) {
  struct RequestFlags {
    ConnectionFlags connection;
    std::string csr;
    std::string template_name;
    std::vector<std::string> attributes;
    std::string subject;
    std::vector<std::string> dns;
    std::string key_out;
    std::string key_algorithm = "rsa2048";
    std::string out;
    std::string chain_out;
    std::string on_behalf_of;
    std::string agent_cert;
    std::string agent_key;
  };
  auto rf = std::make_shared<RequestFlags>();
  CLI::App* request = app.add_subcommand(
      "request", "submit a certificate request (a CSR file, or a key and CSR made here)");
  AddConnectionFlags(request, &rf->connection, true);
  request->add_option("--csr", rf->csr, "PKCS#10 request file (PEM or DER)");
  request->add_option("-t,--template", rf->template_name, "certificate template name");
  request->add_option("-a,--attribute", rf->attributes, "extra request attribute Name:Value");
  request->add_option("--subject", rf->subject, "subject of a generated CSR (RFC 4514)");
  request->add_option("--dns", rf->dns, "dNSName for a generated CSR's subjectAltName");
  request->add_option("--key-out", rf->key_out,
                      "where to write a generated key (mode 0600; removed again when the request "
                      "cannot be sent or the CA refuses or denies it)");
  request->add_option("--key-algorithm", rf->key_algorithm, "generated key: rsa2048 ... ecdsa-p384")
      ->capture_default_str();
  request->add_option("-o,--out", rf->out, "certificate PEM file (default: standard output)");
  request->add_option("--chain-out", rf->chain_out, "write the CA's PKCS#7 chain (DER) here");
  CLI::Option* on_behalf_of = request->add_option(
      "--on-behalf-of", rf->on_behalf_of,
      "DOMAIN\\user to enroll for, as an enrollment agent (needs --agent-cert, --agent-key)");
  CLI::Option* agent_cert =
      request->add_option("--agent-cert", rf->agent_cert, "the enrollment agent's certificate");
  CLI::Option* agent_key = request->add_option("--agent-key", rf->agent_key,
                                               "the enrollment agent's private key (unencrypted)");
  on_behalf_of->needs(agent_cert)->needs(agent_key);
  agent_cert->needs(on_behalf_of);
  agent_key->needs(on_behalf_of);
  request->callback([rf, exit_code] {
    Bytes csr;
    if (!rf->csr.empty()) {
      if (!rf->key_out.empty() || !rf->subject.empty() || !rf->dns.empty()) {
        std::cerr << "openadcs: --csr excludes --key-out, --subject and --dns\n";
        *exit_code = kExitUsage;
        return;
      }
      Result<Bytes> read = ReadDerOrPemFile(rf->csr, kMaxRequestFileBytes);
      if (!read.ok()) {
        *exit_code = Fail("reading the request", read.status());
        return;
      }
      csr = std::move(*read);
    } else {
      if (rf->key_out.empty()) {
        std::cerr << "openadcs: give --csr FILE, or --key-out FILE to generate a key and CSR\n";
        *exit_code = kExitUsage;
        return;
      }
      Result<pki::KeyAlgorithm> algorithm = pki::ParseKeyAlgorithm(rf->key_algorithm);
      if (!algorithm.ok()) {
        std::cerr << "openadcs: " << algorithm.status().message() << '\n';
        *exit_code = kExitUsage;
        return;
      }
      Result<ossl::PKeyPtr> key = pki::GenerateKey(*algorithm);
      Result<Bytes> built = key.ok() ? pki::BuildCsr(key->get(), {rf->subject, rf->dns})
                                     : Result<Bytes>(key.status());
      Result<std::string> pem =
          key.ok() ? pki::PrivateKeyPem(key->get()) : Result<std::string>(key.status());
      if (!built.ok() || !pem.ok()) {
        *exit_code = Fail("making the request", built.ok() ? pem.status() : built.status());
        return;
      }
      Status written = WriteNewPrivateFile(rf->key_out, *pem);
      if (!written.ok()) {
        *exit_code = Fail("writing the key", written);
        return;
      }
      csr = std::move(*built);
    }
    std::string attributes;
    if (!rf->template_name.empty()) attributes = "CertificateTemplate:" + rf->template_name;
    for (const std::string& a : rf->attributes) {
      if (!attributes.empty()) attributes += '\n';
      attributes += a;
    }
    // A key made here is kept only for a request the CA may hold (issued,
    // pending, or sent without a clear answer): a key left behind by a
    // request that was never sent, or that the CA turned down for good,
    // would look like one that is waiting.
    const auto drop_generated_key = [&] {
      if (rf->key_out.empty()) return;
      std::error_code ignored;
      std::filesystem::remove(rf->key_out, ignored);
    };
    std::uint32_t flags = kCrInPkcs10;
    if (!rf->on_behalf_of.empty()) {
      Result<Bytes> signed_request =
          SignAsAgent(csr, rf->agent_cert, rf->agent_key, rf->on_behalf_of);
      if (!signed_request.ok()) {
        drop_generated_key();
        *exit_code = Fail("signing as the enrollment agent", signed_request.status());
        return;
      }
      csr = std::move(*signed_request);
      flags = kCrInPkcs7;
    }
    Result<Enroller> c = Enroller::Connect(rf->connection);
    if (!c.ok()) {
      drop_generated_key();
      *exit_code = Fail("connecting to the CA", c.status());
      return;
    }
    Result<client::EnrollResult> r = c->Submit(flags, csr, attributes, rf->connection.authority);
    *exit_code = r.ok() ? Report(*r, rf->out, rf->chain_out) : Fail("submitting", r.status());
    if (r.ok() && *exit_code == kExitDenied) drop_generated_key();
  });

  struct RetrieveFlags {
    ConnectionFlags connection;
    std::uint32_t request_id = 0;
    std::string out;
    std::string chain_out;
  };
  auto tf = std::make_shared<RetrieveFlags>();
  CLI::App* retrieve =
      app.add_subcommand("retrieve", "fetch the outcome of an earlier request by its id");
  AddConnectionFlags(retrieve, &tf->connection, true);
  retrieve->add_option("id", tf->request_id, "request id")->required()->check(CLI::PositiveNumber);
  retrieve->add_option("-o,--out", tf->out, "certificate PEM file (default: standard output)");
  retrieve->add_option("--chain-out", tf->chain_out, "write the CA's PKCS#7 chain (DER) here");
  retrieve->callback([tf, exit_code] {
    Result<Enroller> c = Enroller::Connect(tf->connection);
    if (!c.ok()) {
      *exit_code = Fail("connecting to the CA", c.status());
      return;
    }
    Result<client::EnrollResult> r = c->Retrieve(tf->request_id, tf->connection.authority);
    *exit_code = r.ok() ? Report(*r, tf->out, tf->chain_out) : Fail("retrieving", r.status());
  });
}

}  // namespace openadcs::cli
