// Enrollment over DCOM (MS-DCOM activation, MS-WCCE ICertRequestD2) against
// the real daemon, started as the README starts it, with two independent
// clients: Debian's python3-impacket (tests/interop/dcom_client.py) and our
// own C++ client library and CLI.
//
// impacket always dials port 135, so this binary runs every test in a
// network namespace of its own (tests/CMakeLists.txt) and the daemon binds
// 127.0.0.1:135 there; the object exporter's port is bound as port 0 and
// read from the daemon's STATUS line.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/client/activation_connections.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/idl/iremote_scm_activator.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/icert_request.h"
#include "openadcs/ndr/remote_scm_activator.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::AnyOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

// The daemon's [dcom] object_timeout_ms: small, so that collection is seen
// quickly, and long enough for a client's activation and first call.
constexpr std::chrono::milliseconds kObjectTimeout{2000};
const std::string kTemplates = std::string(OPENADCS_SOURCE_DIR) + "/config/templates";
constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr const char* kPassword = testing::InteropDaemon::kPassword;
constexpr std::uint32_t kCrInPkcs10 = 0x100;

const rpc::SyntaxId kActivator{idl::iremote_scm_activator::kUuid, 0, 0};
const rpc::SyntaxId kCertRequestD2{idl::icert_request_d2::kUuid, 0, 0};

using testing::JsonField;

// The served templates, name -> OID, from the LDIF fixtures.
std::map<std::string, std::string> ServedTemplates() {
  std::map<std::string, std::string> oids;
  for (const auto& entry : std::filesystem::directory_iterator(kTemplates)) {
    if (entry.path().extension() != ".ldif") continue;
    const std::string text = testing::ReadTextFile(entry.path());
    std::smatch cn, oid;
    if (std::regex_search(text, oid, std::regex("msPKI-Cert-Template-OID: ([0-9.]+)")) &&
        std::regex_search(text, cn, std::regex("\ncn: ([^\n]+)"))) {
      oids[cn[1]] = oid[1];
    }
  }
  std::map<std::string, std::string> served;
  const std::string service = testing::ReadTextFile(kTemplates + "/enrollment-service.ldif");
  const std::regex line("certificateTemplates: ([^\n]+)");
  for (std::sregex_iterator it(service.begin(), service.end(), line), end; it != end; ++it) {
    served[(*it)[1]] = oids[(*it)[1]];
  }
  return served;
}

// "name\nOID\nname\nOID\n" -> name -> OID.
std::map<std::string, std::string> TemplatePairs(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::map<std::string, std::string> pairs;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) pairs[lines[i]] = lines[i + 1];
  return pairs;
}

class DcomInteropTest : public testing::InteropTest {
 protected:
  static void SetUpTestSuite() {
    const std::string config =
        "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
        "netbios_domain_name = \"EXAMPLE\"\n"
        "[dcom]\nport = 0\nobject_timeout_ms = " +
        std::to_string(kObjectTimeout.count()) + "\n";
    ASSERT_TRUE(StartDaemon(config));
    dcom_port_ = daemon_->Port("dcom");
    ASSERT_NE(dcom_port_, 0) << "no DCOM endpoint in the STATUS line: " << DaemonLog();
  }

  static Bytes CaCertDer() {
    const std::string pem = testing::ReadTextFile(daemon_->state_dir() / "ca-cert.pem");
    ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) return {};
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert.get(), &out);
    Bytes der(out, out + std::max(n, 0));
    OPENSSL_free(out);
    return der;
  }

  // Runs the impacket client as alice: `action` and `args`; returns its JSON line.
  static std::string RunImpacket(const std::string& action, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {action,   "--authority", kCaName,      "--domain", "EXAMPLE",
                                     "--user", "alice",       "--password", kPassword};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunInteropScript("dcom_client.py", argv);
  }

  static client::ConnectOptions CppClient() {
    client::ConnectOptions options;
    options.credentials.domain = "EXAMPLE";
    options.credentials.user = "alice";
    options.credentials.password = kPassword;
    return options;
  }

  static rpc::ClientAuth Ntlm() {
    rpc::ClientAuth a;
    a.type = auth::AuthType::kNtlm;
    a.level = auth::AuthLevel::kPrivacy;
    a.context = auth::NewNtlmClientContext(CppClient().credentials);
    return a;
  }

  // Ping2 on `ipid` over a connection of its own, as another client of the
  // same identity would call it: the fault status (0: answered).
  static Result<std::uint32_t> RawPing2(const Uuid& ipid) {
    Result<std::unique_ptr<rpc::ClientChannel>> channel =
        rpc::ClientChannel::Connect("127.0.0.1", dcom_port_);
    if (!channel.ok()) return channel.status();
    Result<rpc::Binding> binding = (*channel)->Bind(kCertRequestD2, Ntlm());
    if (!binding.ok()) return binding.status();
    ndr::icert_request::AuthorityIn in;
    in.orpcthis.cid = Uuid::Random();
    Result<rpc::CallResult> call =
        (*channel)->Call(*binding, static_cast<std::uint16_t>(idl::icert_request_d2::Opnum::kPing2),
                         ndr::icert_request::EncodeAuthorityRequest(in), ipid);
    if (!call.ok()) return call.status();
    return call->fault_status;
  }

  // A CCertRequestD activated by our client still answers Ping2.
  static void ExpectServed() {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(CppClient());
    ASSERT_TRUE(c.ok()) << c.status().ToString() << DaemonLog();
    EXPECT_TRUE((*c)->Ping2(kCaName).ok());
  }

  static testing::CommandResult RunCli(const std::vector<std::string>& args,
                                       const std::string& password = kPassword) {
    return testing::RunInteropCli(args, password);
  }

  static std::uint16_t dcom_port_;
};

std::uint16_t DcomInteropTest::dcom_port_ = 0;

TEST_F(DcomInteropTest, ImpacketRequestIssuesOnTheAutoIssueTemplate) {
  const std::string json = RunImpacket(
      "request", {"--template", "AutoIssueSubject", "--csr", CsrFile("impacket-auto").string()});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "return"), "0") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();
  const std::optional<Bytes> der = Base64Decode(JsonField(json, "certificate"));
  ASSERT_TRUE(der && !der->empty()) << json;
  ossl::X509Ptr cert = testing::ParseCertDer(*der);
  ASSERT_NE(cert, nullptr);
  char issuer[256];
  X509_NAME_oneline(X509_get_issuer_name(cert.get()), issuer, sizeof issuer);
  EXPECT_THAT(issuer, HasSubstr(kCaName));
  EXPECT_FALSE(JsonField(json, "chain").empty());
  EXPECT_EQ(JsonField(json, "released"), "0") << json;
}

TEST_F(DcomInteropTest, ImpacketRequestPendsOnTheApprovalTemplateAndRetrieveStaysPending) {
  const std::string json = RunImpacket(
      "request", {"--template", "OfficerApproval", "--csr", CsrFile("impacket-pend").string()});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "5") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "certificate"), "");
  const std::string id = JsonField(json, "request_id");
  ASSERT_NE(id, "");
  ASSERT_NE(id, "0");

  const std::string again = RunImpacket("retrieve", {"--request-id", id});
  ASSERT_EQ(JsonField(again, "error"), "") << again;
  EXPECT_EQ(JsonField(again, "request_id"), id);
  EXPECT_EQ(JsonField(again, "disposition"), "5") << again;
  EXPECT_EQ(JsonField(again, "certificate"), "");
}

TEST_F(DcomInteropTest, ImpacketRequestOnAnUnservedTemplateIsDenied) {
  const std::string json = RunImpacket(
      "request", {"--template", "NoSuchTemplate", "--csr", CsrFile("impacket-denied").string()});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "return"), "0") << json;
  const std::string disposition = JsonField(json, "disposition");
  ASSERT_NE(disposition, "") << json;
  EXPECT_NE(disposition, "3") << json;
  EXPECT_NE(disposition, "5") << json;
  EXPECT_EQ(JsonField(json, "certificate"), "") << json;
}

TEST_F(DcomInteropTest, ImpacketRequest2FullResponseIsACaSignedCmcResponse) {
  const std::filesystem::path ca_pem = daemon_->state_dir() / "ca-cert.pem";
  const std::string issued =
      RunImpacket("request2", {"--full-response", "--ca-pem", ca_pem.string(), "--template",
                               "AutoIssueSubject", "--csr", CsrFile("impacket-full").string()});
  ASSERT_EQ(JsonField(issued, "error"), "") << issued << DaemonLog();
  EXPECT_EQ(JsonField(issued, "disposition"), "3") << issued;
  EXPECT_EQ(JsonField(issued, "cms_verified"), "true") << issued;
  EXPECT_EQ(JsonField(issued, "econtent_type_ok"), "true") << issued;
  EXPECT_EQ(JsonField(issued, "cmc_status"), "0") << issued;
  EXPECT_FALSE(JsonField(issued, "certificate").empty());

  const std::string pending =
      RunImpacket("request2", {"--full-response", "--ca-pem", ca_pem.string(), "--template",
                               "OfficerApproval", "--csr", CsrFile("impacket-full-pend").string()});
  ASSERT_EQ(JsonField(pending, "error"), "") << pending << DaemonLog();
  EXPECT_EQ(JsonField(pending, "disposition"), "5") << pending;
  EXPECT_EQ(JsonField(pending, "cms_verified"), "true") << pending;
  EXPECT_EQ(JsonField(pending, "cmc_status"), "3") << pending;
  // The pend token names the request: its id, as a big- or little-endian integer.
  const std::string token = JsonField(pending, "pend_token");
  ASSERT_FALSE(token.empty()) << pending;
  ASSERT_LE(token.size(), 16u) << pending;
  std::uint64_t big = 0, little = 0;
  for (std::size_t i = 0; i < token.size(); i += 2) {
    const std::uint64_t byte = std::stoul(token.substr(i, 2), nullptr, 16);
    big = big << 8 | byte;
    little |= byte << (4 * i);
  }
  const std::uint64_t id = std::stoull(JsonField(pending, "request_id"));
  EXPECT_THAT(id, AnyOf(big, little)) << pending;
}

TEST_F(DcomInteropTest, ImpacketGetCaCertIsTheCaCertificate) {
  const std::string json = RunImpacket("ca-cert", {});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "return"), "0") << json;
  const std::optional<Bytes> der = Base64Decode(JsonField(json, "blob"));
  ASSERT_TRUE(der.has_value()) << json;
  EXPECT_EQ(*der, CaCertDer());
}

// impacket skips a fault's verifier: a fault must leave its sealed NTLM
// connection (the RC4 stream) usable for the next call.
TEST_F(DcomInteropTest, ImpacketCallAfterAFaultOnTheSameConnectionIsAnswered) {
  const std::string json = RunImpacket("fault-then-ca-cert", {});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_THAT(JsonField(json, "first"), HasSubstr("nca_s_op_rng_error")) << json;
  EXPECT_EQ(JsonField(json, "return"), "0") << json;
  EXPECT_EQ(Base64Decode(JsonField(json, "blob")), CaCertDer()) << json;
}

TEST_F(DcomInteropTest, ImpacketTemplateListIsTheServedTemplates) {
  const std::string json = RunImpacket("ca-property", {"--prop-id", "0x1d", "--prop-type", "4"});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "return"), "0") << json;
  std::string text = JsonField(json, "text");
  for (std::size_t at; (at = text.find("\\n")) != std::string::npos;) text.replace(at, 2, 1, '\n');
  EXPECT_EQ(TemplatePairs(text), ServedTemplates()) << json;
}

TEST_F(DcomInteropTest, ImpacketCallAfterRemReleaseFaultsWithDisconnected) {
  const std::string json = RunImpacket("release-then-call", {});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "released"), "0") << json;
  EXPECT_THAT(JsonField(json, "after_release"),
              AnyOf(HasSubstr("RPC_E_DISCONNECTED"), HasSubstr("80010108")))
      << json;
  const std::optional<Uuid> ipid = Uuid::Parse(JsonField(json, "ipid"));
  ASSERT_TRUE(ipid.has_value()) << json;
  Result<std::uint32_t> fault = RawPing2(*ipid);
  ASSERT_TRUE(fault.ok()) << fault.status().ToString();
  EXPECT_EQ(*fault, hr::kRpcDisconnected);
}

TEST_F(DcomInteropTest, ObjectOfAVanishedClientIsCollectedAfterThePingTimeout) {
  const std::string json = RunImpacket("abandon", {});
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  const std::optional<Uuid> ipid = Uuid::Parse(JsonField(json, "ipid"));
  ASSERT_TRUE(ipid.has_value()) << json;
  // A call keeps the object alive, so each probe waits longer than the
  // daemon takes to notice (the timeout plus a sweep period).
  const auto deadline = std::chrono::steady_clock::now() + 15 * kObjectTimeout;
  std::uint32_t fault = 0;
  while (fault == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2 * kObjectTimeout);
    Result<std::uint32_t> r = RawPing2(*ipid);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    fault = *r;
  }
  EXPECT_EQ(fault, hr::kRpcDisconnected) << DaemonLog();
  ExpectServed();
}

TEST_F(DcomInteropTest, BogusIpidFaultsAndAnotherClientIsStillServed) {
  Result<std::uint32_t> fault = RawPing2(Uuid::Random());
  ASSERT_TRUE(fault.ok()) << fault.status().ToString();
  EXPECT_EQ(*fault, hr::kRpcDisconnected);
  ExpectServed();
}

TEST_F(DcomInteropTest, MalformedActivationBlobsAreRefusedAndAnotherClientIsStillServed) {
  ndr::activation::ActivationIn valid;
  valid.clsid = client::kClsidCertRequestD;
  valid.iids = {idl::icert_request_d2::kUuid};
  valid.client_version_major = 5;
  valid.client_version_minor = 7;
  valid.scm_request_present = true;
  valid.requested_protseqs = {ndr::activation::kProtseqTcp};
  const Bytes blob = ndr::activation::EncodeActivationIn(valid);
  Bytes truncated(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(blob.size() / 2));
  Bytes oversized = blob;  // the blob's dwSize (after the custom OBJREF header) claims 4 GiB
  ASSERT_GT(oversized.size(), 60u);
  for (std::size_t i = 48; i < 52; ++i) oversized[i] = 0xff;
  Bytes junk(200);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 37 + 11);

  for (const Bytes& bad : {truncated, oversized, junk}) {
    Result<std::unique_ptr<rpc::ClientChannel>> channel =
        rpc::ClientChannel::Connect("127.0.0.1", 135);
    ASSERT_TRUE(channel.ok()) << channel.status().ToString();
    Result<rpc::Binding> binding = (*channel)->Bind(kActivator, Ntlm());
    ASSERT_TRUE(binding.ok()) << binding.status().ToString();
    ndr::remote_scm_activator::ActivationRequest request;
    request.orpcthis.cid = Uuid::Random();
    request.activation_properties = bad;
    Result<rpc::CallResult> call = (*channel)->Call(
        *binding,
        static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance),
        ndr::remote_scm_activator::EncodeRemoteCreateInstanceRequest(request));
    ASSERT_TRUE(call.ok()) << call.status().ToString();
    if (call->fault_status == 0) {
      // An error HRESULT is a refusal too; success is not.
      Result<ndr::remote_scm_activator::ActivationResponse> response =
          ndr::remote_scm_activator::DecodeActivationResponse(call->stub);
      ASSERT_TRUE(response.ok()) << response.status().ToString();
      EXPECT_NE(response->hresult, 0u);
    }
  }
  ExpectServed();
}

TEST_F(DcomInteropTest, CppClientEnrollsRetrievesAndReadsTheCa) {
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  const Bytes csr = testing::MakeCsrDer(key.get(), {{{"CN", "cpp-dcom"}}, {}, {}});
  const Bytes csr2 = testing::MakeCsrDer(key.get(), {{{"CN", "cpp-dcom-2"}}, {}, {}});
  Result<std::unique_ptr<client::CertRequestClient>> c =
      client::CertRequestClient::Connect(CppClient());
  ASSERT_TRUE(c.ok()) << c.status().ToString() << DaemonLog();
  EXPECT_EQ((*c)->endpoint().port, dcom_port_);
  EXPECT_EQ((*c)->endpoint().host, "127.0.0.1");

  Result<client::EnrollResult> issued =
      (*c)->Submit(kCrInPkcs10, csr, "CertificateTemplate:AutoIssueSubject", kCaName);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->return_value, 0u);
  ASSERT_EQ(issued->disposition, client::kDispositionIssued) << issued->message;
  ossl::X509Ptr cert = testing::ParseCertDer(issued->certificate);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()), 1);

  Result<client::EnrollResult> again = (*c)->Retrieve(issued->request_id, kCaName);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->disposition, client::kDispositionIssued);
  EXPECT_EQ(again->certificate, issued->certificate);

  Result<client::EnrollResult> full =
      (*c)->Submit2(kCrInPkcs10 | client::kCrInFullResponse, csr2,
                    "CertificateTemplate:AutoIssueSubject", kCaName);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->disposition, client::kDispositionIssued) << full->message;
  EXPECT_FALSE(full->chain.empty());

  Result<Bytes> ca = (*c)->GetCaCert(0, kCaName);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(*ca, CaCertDer());
  Result<Bytes> templates = (*c)->GetCaProperty(0x1D, 0, 4, kCaName);
  ASSERT_TRUE(templates.ok()) << templates.status().ToString();
  Result<std::u16string> units = Utf16LeBytesToString(*templates);
  ASSERT_TRUE(units.ok());
  Result<std::string> text = Utf16ToUtf8(*units);
  ASSERT_TRUE(text.ok());
  // The property is a NUL-terminated string: the pairs end at the first NUL.
  EXPECT_EQ(TemplatePairs(text->substr(0, text->find('\0'))), ServedTemplates());
  Result<std::pair<std::int32_t, Bytes>> info = (*c)->GetCaPropertyInfo(kCaName);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_GT(info->first, 0);
  EXPECT_TRUE((*c)->Ping2(kCaName).ok());

  ASSERT_TRUE((*c)->Release().ok()) << DaemonLog();
  const Status gone = (*c)->Ping2(kCaName);
  EXPECT_EQ(gone.code(), StatusCode::kNotFound) << gone.ToString();
  EXPECT_EQ(gone.hresult(), std::optional<std::uint32_t>(hr::kRpcDisconnected));
}

TEST_F(DcomInteropTest, CppClientKeepsBothConnectionsBetweenActivations) {
  client::ConnectOptions options = CppClient();
  options.activation_connections = std::make_shared<client::ActivationConnections>();
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  for (int i = 0; i < 3; ++i) {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(options);
    ASSERT_TRUE(c.ok()) << c.status().ToString() << DaemonLog();
    // The activation connection, back after each activation; the object
    // connection is in use.
    EXPECT_EQ(options.activation_connections->idle_count(), 1u);
    const Bytes csr =
        testing::MakeCsrDer(key.get(), {{{"CN", "kept-" + std::to_string(i)}}, {}, {}});
    Result<client::EnrollResult> issued =
        (*c)->Submit(kCrInPkcs10, csr, "CertificateTemplate:AutoIssueSubject", kCaName);
    ASSERT_TRUE(issued.ok()) << issued.status().ToString();
    EXPECT_EQ(issued->disposition, client::kDispositionIssued) << issued->message;
    // RemRelease on the IRemUnknown2 context bound with the interface.
    ASSERT_TRUE((*c)->Release().ok()) << DaemonLog();
    EXPECT_EQ((*c)->Ping2(kCaName).hresult(), std::optional<std::uint32_t>(hr::kRpcDisconnected));
    c->reset();
    // Both kept, and no third: every activation after the first took the
    // object connection the one before gave back.
    EXPECT_EQ(options.activation_connections->idle_count(), 2u);
  }
  // Another identity takes neither.
  client::ConnectOptions other = options;
  other.credentials.user = "nobody";
  EXPECT_EQ(client::CertRequestClient::Connect(other).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(options.activation_connections->idle_count(), 2u);
}

TEST_F(DcomInteropTest, CppClientOpensAnObjectConnectionPerActivationWhenAskedTo) {
  client::ConnectOptions options = CppClient();
  client::ActivationConnectionsOptions certreq;
  certreq.keep_object_connections = false;
  options.activation_connections = std::make_shared<client::ActivationConnections>(certreq);
  for (int i = 0; i < 2; ++i) {
    Result<std::unique_ptr<client::CertRequestClient>> c =
        client::CertRequestClient::Connect(options);
    ASSERT_TRUE(c.ok()) << c.status().ToString() << DaemonLog();
    EXPECT_TRUE((*c)->Ping2(kCaName).ok());
    c->reset();
    EXPECT_EQ(options.activation_connections->idle_count(), 1u);
  }
}

TEST_F(DcomInteropTest, CppClientWithWrongPasswordIsRefused) {
  client::ConnectOptions options = CppClient();
  options.credentials.password = "not-it";
  Result<std::unique_ptr<client::CertRequestClient>> c =
      client::CertRequestClient::Connect(options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied) << c.status().ToString();
}

TEST_F(DcomInteropTest, CliRequestsRetrievesAndReadsTheCaOverDcom) {
  const std::filesystem::path key = daemon_->dir() / "cli.key";
  const std::filesystem::path pem = daemon_->dir() / "cli.pem";
  const testing::CommandResult issued =
      RunCli({"request", "-u", "EXAMPLE\\alice", "--ca", kCaName, "-t", "AutoIssueSubject",
              "--subject", "CN=cli-dcom", "--key-out", key.string(), "-o", pem.string()});
  EXPECT_EQ(issued.exit_code, 0) << issued.output << DaemonLog();
  EXPECT_THAT(testing::ReadTextFile(pem), HasSubstr("BEGIN CERTIFICATE"));

  EXPECT_TRUE(std::filesystem::exists(key));

  const std::filesystem::path pending_key = daemon_->dir() / "cli2.key";
  const testing::CommandResult pending =
      RunCli({"request", "-u", "EXAMPLE\\alice", "-t", "OfficerApproval", "--subject",
              "CN=cli-dcom-pending", "--key-out", pending_key.string()});
  EXPECT_EQ(pending.exit_code, 3) << pending.output;
  EXPECT_TRUE(std::filesystem::exists(pending_key)) << "a pending request keeps its key";
  std::smatch id;
  ASSERT_TRUE(std::regex_search(pending.output, id, std::regex("pending: request ([0-9]+)")))
      << pending.output;
  EXPECT_EQ(RunCli({"retrieve", "-u", "EXAMPLE\\alice", id[1]}).exit_code, 3);
  EXPECT_EQ(RunCli({"retrieve", "--icpr", "-u", "EXAMPLE\\alice", id[1]}).exit_code, 3);
  EXPECT_EQ(RunCli({"retrieve", "-u", "EXAMPLE\\alice", id[1]}, "wrong").exit_code, 2);

  // Refused before anything was sent, or denied by the CA: the key made for
  // the request goes with it.
  const std::filesystem::path refused_key = daemon_->dir() / "cli-refused.key";
  const testing::CommandResult refused =
      RunCli({"request", "-u", "EXAMPLE\\alice", "-t", "AutoIssueSubject", "--subject",
              "CN=cli-refused", "--key-out", refused_key.string()},
             "wrong");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_FALSE(std::filesystem::exists(refused_key));
  const std::filesystem::path denied_key = daemon_->dir() / "cli-denied.key";
  const testing::CommandResult denied =
      RunCli({"request", "-u", "EXAMPLE\\alice", "-t", "NoSuchTemplate", "--subject",
              "CN=cli-denied", "--key-out", denied_key.string()});
  EXPECT_EQ(denied.exit_code, 4) << denied.output;
  EXPECT_FALSE(std::filesystem::exists(denied_key));

  const testing::CommandResult ca_cert = RunCli({"ca-cert", "-u", "EXAMPLE\\alice"});
  EXPECT_EQ(ca_cert.exit_code, 0) << ca_cert.output;
  EXPECT_THAT(ca_cert.output, HasSubstr(Base64Encode(CaCertDer()).substr(0, 64)));
  const testing::CommandResult chain = RunCli({"ca-cert", "--chain", "-u", "EXAMPLE\\alice"});
  EXPECT_EQ(chain.exit_code, 0) << chain.output;
  EXPECT_THAT(chain.output, HasSubstr("BEGIN CERTIFICATE"));

  const testing::CommandResult info = RunCli({"ca-info", "--json", "-u", "EXAMPLE\\alice"});
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_THAT(info.output, HasSubstr(std::string("\"ca_name\": \"") + kCaName + "\""));
  for (const auto& [name, oid] : ServedTemplates()) {
    EXPECT_THAT(info.output, HasSubstr(fmt::format(R"({{"name": "{}", "oid": "{}"}})", name, oid)));
  }
  const testing::CommandResult text = RunCli({"ca-info", "-u", "EXAMPLE\\alice"});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("AutoIssueSubject ("));
  EXPECT_EQ(RunCli({"ca-info"}).exit_code, 1);
  EXPECT_EQ(RunCli({"ca-cert", "--help"}).exit_code, 0);
}

// The officer's flow with the CLI over ICertAdminD2, against a daemon whose
// [security] makes EXAMPLE\officer the officer: a request pends on
// OfficerApproval, `pending` lists it, `set-extension` adds an extension,
// `approve` issues it, and the requester retrieves a certificate carrying
// the extension. A requester without the role is refused with exit code 5.
class DcomAdminCliTest : public testing::InteropTest {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(
        StartDaemon(std::string("[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
                                "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n") +
                    testing::InteropDaemon::kAdminSecurity));
  }

  static testing::CommandResult RunCli(const std::vector<std::string>& args) {
    return testing::RunInteropCli(args, kPassword);
  }
};

TEST_F(DcomAdminCliTest, OfficerApprovesAPendingRequestWithTheCli) {
  const std::filesystem::path key = daemon_->dir() / "officer-flow.key";
  const std::filesystem::path pem = daemon_->dir() / "officer-flow.pem";
  const testing::CommandResult pending =
      RunCli({"request", "-u", "EXAMPLE\\alice", "--ca", kCaName, "-t", "OfficerApproval",
              "--subject", "CN=cli-officer-flow", "--key-out", key.string()});
  ASSERT_EQ(pending.exit_code, 3) << pending.output << DaemonLog();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(pending.output, match, std::regex("pending: request ([0-9]+)")))
      << pending.output;
  const std::string id = match[1];

  // Without --ca: the CLI asks the CA for its name first.
  const testing::CommandResult listed = RunCli({"pending", "--json", "-u", "EXAMPLE\\officer"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output << DaemonLog();
  EXPECT_THAT(listed.output, HasSubstr("\"Request.RequestID\": " + id)) << listed.output;
  // The template column is filled while the request pends: OfficerApproval's
  // OID (config/templates/officer-approval.ldif), a schema 2 template.
  EXPECT_THAT(listed.output,
              HasSubstr("\"CertificateTemplate\": \"1.3.6.1.4.1.311.21.8.11034890.834619.12601478."
                        "16236816.7255827.176.8245731.9624577\""))
      << listed.output;
  // In text, the template by its name (the CA's served list gives it).
  const testing::CommandResult table = RunCli({"pending", "-u", "EXAMPLE\\officer"});
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, ContainsRegex("\n" + id + " .* OfficerApproval ")) << table.output;
  const testing::CommandResult text =
      RunCli({"view", "-u", "EXAMPLE\\officer", "--ca", kCaName, "-r", "RequestID>=" + id, "-r",
              "Disposition=pending", "-r", "CertificateTemplate=officerapproval", "-c",
              "Request.RequestID,Request.Disposition,CertificateTemplate"});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, ContainsRegex("\n" + id + " +9 \\(pending\\) +OfficerApproval\n"))
      << text.output;

  const testing::CommandResult roles = RunCli({"roles", "-u", "EXAMPLE\\officer", "--ca", kCaName});
  EXPECT_EQ(roles.exit_code, 0) << roles.output;
  EXPECT_THAT(roles.output, HasSubstr("Officer"));

  // alice may request but not approve.
  const testing::CommandResult refused =
      RunCli({"approve", id, "-u", "EXAMPLE\\alice", "--ca", kCaName});
  EXPECT_EQ(refused.exit_code, 5) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("0x80070005"));

  const testing::CommandResult extension =
      RunCli({"set-extension", id, "1.3.6.1.4.1.99999.1", "--type", "string", "--value", "hello",
              "-u", "EXAMPLE\\officer", "--ca", kCaName});
  EXPECT_EQ(extension.exit_code, 0) << extension.output << DaemonLog();
  const testing::CommandResult shown =
      RunCli({"show", id, "-u", "EXAMPLE\\officer", "--ca", kCaName});
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("1.3.6.1.4.1.99999.1")) << shown.output;

  const testing::CommandResult approved =
      RunCli({"approve", id, "-u", "EXAMPLE\\officer", "--ca", kCaName});
  EXPECT_EQ(approved.exit_code, 0) << approved.output << DaemonLog();
  const testing::CommandResult retrieved =
      RunCli({"retrieve", id, "-u", "EXAMPLE\\alice", "-o", pem.string()});
  ASSERT_EQ(retrieved.exit_code, 0) << retrieved.output << DaemonLog();

  const std::string cert_pem = testing::ReadTextFile(pem);
  ossl::BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(cert, nullptr) << cert_pem;
  std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>> oid(
      OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1));
  const int at = X509_get_ext_by_OBJ(cert.get(), oid.get(), -1);
  ASSERT_GE(at, 0) << "the issued certificate lacks the officer's extension";
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert.get(), at));
  // SetExtension's PROPTYPE_STRING becomes an IA5String (MS-CSRA 3.1.4.1.1).
  const Bytes expected = {0x16, 0x05, 'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(Bytes(value->data, value->data + value->length), expected);

  EXPECT_EQ(RunCli({"approve", "--help"}).exit_code, 0);
  EXPECT_EQ(RunCli({"revoke", "ab01", "-u", "EXAMPLE\\officer"}).exit_code, 1);
}

// A requester over its hourly quota ([policy] max_requests_per_hour) gets
// ERROR_NOT_ENOUGH_QUOTA in the disposition over DCOM and over ICPR, and the
// daemon logs it once.
TEST(DcomQuotaInteropTest, CliOverItsQuotaGetsNotEnoughQuotaOverDcomAndIcpr) {
  std::string error;
  std::unique_ptr<testing::InteropDaemon> daemon = testing::InteropDaemon::Start(
      "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
      "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n"
      "[policy]\nmax_requests_per_hour = 1\n",
      &error);
  ASSERT_NE(daemon, nullptr) << error;
  const auto request = [&](const std::string& cn, bool icpr) {
    std::vector<std::string> args = {"request",
                                     "-u",
                                     "EXAMPLE\\alice",
                                     "-t",
                                     "AutoIssueSubject",
                                     "--subject",
                                     "CN=" + cn,
                                     "--key-out",
                                     (daemon->dir() / (cn + ".key")).string()};
    if (icpr) args.push_back("--icpr");
    return testing::RunInteropCli(args, kPassword);
  };
  const testing::CommandResult first = request("quota-1", false);
  EXPECT_EQ(first.exit_code, 0) << first.output << daemon->Log();
  for (bool icpr : {false, true}) {
    const testing::CommandResult over = request(icpr ? "quota-icpr" : "quota-dcom", icpr);
    EXPECT_EQ(over.exit_code, 4) << over.output;
    EXPECT_THAT(over.output, HasSubstr("not issued: 0x80070718"));
    EXPECT_THAT(over.output, HasSubstr("over its quota"));
  }
  const std::string log = daemon->Log();
  EXPECT_THAT(log, HasSubstr("requests from EXAMPLE\\alice denied until it is within its quota"));
  EXPECT_EQ(log.find("within its quota"), log.rfind("within its quota")) << log;
  EXPECT_TRUE(daemon->Stop()) << daemon->Log();
}

}  // namespace
}  // namespace openadcs
