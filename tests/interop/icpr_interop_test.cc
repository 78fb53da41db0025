// Enrollment over ICertPassage against the real daemon, started as the README
// starts it (a config file, a state directory), with two independent
// clients: Debian's python3-impacket (tests/interop/icpr_client.py) and our
// own C++ client library. Ports are bound by the daemon (port 0) and read
// from its systemd STATUS line, so tests never collide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/client/cert_passage_client.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;

const std::string kDaemonConfig =
    "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\nicpr_port = 0\n"
    "netbios_domain_name = \"EXAMPLE\"\n";
constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr const char* kPassword = testing::InteropDaemon::kPassword;

using testing::JsonField;
using testing::RunTshark;
using testing::WaitForText;

class IcprInteropTest : public testing::InteropTest {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(StartDaemon(kDaemonConfig));
    epm_port_ = daemon_->Port("epm");
    icpr_port_ = daemon_->Port("icpr");
    ASSERT_NE(epm_port_, 0) << "no endpoints in the STATUS line: " << DaemonLog();
  }

  // Runs the impacket client with `args`; returns its JSON line.
  static std::string RunImpacket(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"--epm-port", std::to_string(epm_port_), "--authority",
                                     kCaName};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunInteropScript("icpr_client.py", argv);
  }

  static std::vector<std::string> Alice() {
    return {"--domain", "EXAMPLE", "--user", "alice", "--password", kPassword};
  }

  static client::ConnectOptions CppClient() {
    client::ConnectOptions options;
    options.epm_port = epm_port_;
    options.credentials.domain = "EXAMPLE";
    options.credentials.user = "alice";
    options.credentials.password = kPassword;
    return options;
  }

  static std::uint16_t epm_port_;
  static std::uint16_t icpr_port_;
};

std::uint16_t IcprInteropTest::epm_port_ = 0;
std::uint16_t IcprInteropTest::icpr_port_ = 0;

TEST_F(IcprInteropTest, ImpacketEnrollsOnAnAutoIssueTemplate) {
  std::vector<std::string> args = Alice();
  args.insert(args.end(),
              {"--template", "AutoIssueSubject", "--csr", CsrFile("impacket-auto").string()});
  const std::string json = RunImpacket(args);
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_THAT(JsonField(json, "binding"), HasSubstr("[" + std::to_string(icpr_port_) + "]"));
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
}

TEST_F(IcprInteropTest, ImpacketGetsPendingOnTheApprovalTemplateAndRetrieveStaysPending) {
  std::vector<std::string> args = Alice();
  args.insert(args.end(),
              {"--template", "OfficerApproval", "--csr", CsrFile("impacket-pending").string()});
  const std::string json = RunImpacket(args);
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "5") << json << DaemonLog();
  const std::string id = JsonField(json, "request_id");
  ASSERT_NE(id, "");
  ASSERT_NE(id, "0");

  std::vector<std::string> retrieve = Alice();
  retrieve.insert(retrieve.end(), {"--request-id", id});
  const std::string again = RunImpacket(retrieve);
  ASSERT_EQ(JsonField(again, "error"), "") << again;
  EXPECT_EQ(JsonField(again, "request_id"), id);
  EXPECT_EQ(JsonField(again, "disposition"), "5") << again;
  EXPECT_EQ(JsonField(again, "certificate"), "");
}

TEST_F(IcprInteropTest, WrongPasswordIsRefusedAtBind) {
  const std::string json =
      RunImpacket({"--domain", "EXAMPLE", "--user", "alice", "--password", "wrong", "--template",
                   "AutoIssueSubject", "--csr", CsrFile("impacket-wrong").string()});
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;
  EXPECT_THAT(DaemonLog(), HasSubstr("alice"));
}

TEST_F(IcprInteropTest, UnauthenticatedCallIsDenied) {
  const std::string json = RunImpacket(
      {"--level", "none", "--template", "AutoIssueSubject", "--csr", CsrFile("anon").string()});
  EXPECT_THAT(JsonField(json, "error"), HasSubstr("access_denied")) << json;
}

TEST_F(IcprInteropTest, IntegrityOnlyCallGetsEAccessDenied) {
  std::vector<std::string> args = Alice();
  args.insert(args.end(), {"--level", "integrity", "--template", "AutoIssueSubject", "--csr",
                           CsrFile("integrity").string()});
  const std::string json = RunImpacket(args);
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "return"), std::to_string(0x80000009u)) << json;
  EXPECT_EQ(JsonField(json, "certificate"), "");
}

TEST_F(IcprInteropTest, CppClientEnrollsAndRetrieves) {
  Result<std::unique_ptr<client::CertPassageClient>> c =
      client::CertPassageClient::Connect(CppClient());
  ASSERT_TRUE(c.ok()) << c.status().ToString() << DaemonLog();
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  const Bytes csr = testing::MakeCsrDer(key.get(), {{{"CN", "cpp-client"}}, {}, {}});
  Result<client::EnrollResult> issued =
      (*c)->Submit(0x100, csr, "CertificateTemplate:AutoIssueSubject", kCaName);
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
}

// NTLM's last leg (AUTH3) has no answer: the refusal arrives with the first call.
TEST_F(IcprInteropTest, CppClientWithWrongPasswordIsRefused) {
  client::ConnectOptions options = CppClient();
  options.credentials.password = "not-it";
  Result<std::unique_ptr<client::CertPassageClient>> c =
      client::CertPassageClient::Connect(options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Result<client::EnrollResult> r = (*c)->Retrieve(1, kCaName);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
}

// The CLI as the README shows it: a generated key and CSR, the password from
// the environment, exit codes a script can use.
TEST_F(IcprInteropTest, CliRequestsRetrievesAndReportsPending) {
  const std::string epm = std::to_string(epm_port_);
  const std::filesystem::path key = daemon_->dir() / "cli.key";
  const std::filesystem::path pem = daemon_->dir() / "cli.pem";
  const testing::CommandResult issued = testing::RunInteropCli(
      {"request", "--epm-port", epm, "-u", "EXAMPLE\\alice", "-t", "AutoIssueSubject", "--subject",
       "CN=cli", "--key-out", key.string(), "-o", pem.string()},
      kPassword);
  EXPECT_EQ(issued.exit_code, 0) << issued.output;
  EXPECT_THAT(testing::ReadTextFile(pem), HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  const testing::CommandResult pending = testing::RunInteropCli(
      {"request", "--epm-port", epm, "-u", "EXAMPLE\\alice", "-t", "OfficerApproval", "--subject",
       "CN=cli-pending", "--key-out", (daemon_->dir() / "cli2.key").string()},
      kPassword);
  EXPECT_EQ(pending.exit_code, 3) << pending.output;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(pending.output, id, std::regex("pending: request ([0-9]+)")))
      << pending.output;
  EXPECT_EQ(testing::RunInteropCli({"retrieve", "--epm-port", epm, "-u", "EXAMPLE\\alice", id[1]},
                                   kPassword)
                .exit_code,
            3);
  EXPECT_EQ(testing::RunInteropCli({"retrieve", "--epm-port", epm, "-u", "EXAMPLE\\alice", id[1]},
                                   "wrong")
                .exit_code,
            2);
  EXPECT_EQ(testing::RunInteropCli({"retrieve", "--epm-port", epm}, kPassword).exit_code, 1);
}

// tshark is an independent decoder of everything on the wire: the endpoint
// mapper, the binds with NTLMSSP, and (given the password) the sealed calls.
TEST_F(IcprInteropTest, TsharkDecodesEveryPduWithoutMalformedPackets) {
  if (geteuid() != 0) GTEST_SKIP() << "capturing on lo needs root (CI runs as root)";
  const std::filesystem::path capture = daemon_->dir() / "icpr.pcapng";
  const std::filesystem::path capture_log = daemon_->dir() / "tshark-capture.log";
  const std::string filter =
      "tcp port " + std::to_string(epm_port_) + " or tcp port " + std::to_string(icpr_port_);
  std::string error;
  auto tshark = testing::ChildProcess::Spawn(
      {"/usr/bin/tshark", "-i", "lo", "-f", filter, "-w", capture.string()}, {}, capture_log,
      &error);
  ASSERT_NE(tshark, nullptr) << error;
  ASSERT_TRUE(WaitForText(capture_log, "Capturing on", std::chrono::seconds(30)))
      << testing::ReadTextFile(capture_log);

  std::vector<std::string> args = Alice();
  args.insert(args.end(), {"--template", "AutoIssueSubject", "--csr", CsrFile("tshark").string()});
  const std::string json = RunImpacket(args);
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json;
  ASSERT_NO_FATAL_FAILURE(testing::StopCaptureAfterFin(*tshark, capture, icpr_port_));

  const std::vector<std::string> decode = {"/usr/bin/tshark",
                                           "-r",
                                           capture.string(),
                                           "-d",
                                           "tcp.port==" + std::to_string(epm_port_) + ",dcerpc",
                                           "-d",
                                           "tcp.port==" + std::to_string(icpr_port_) + ",dcerpc",
                                           "-o",
                                           std::string("ntlmssp.nt_password:") + kPassword};
  std::vector<std::string> types = decode;
  types.insert(types.end(), {"-Y", "dcerpc", "-T", "fields", "-e", "dcerpc.pkt_type"});
  // Endpoint mapper: bind, bind_ack, request, response; ICertPassage: the
  // same with an AUTH3 after the bind_ack.
  EXPECT_EQ(RunTshark(types), "11\n12\n0\n2\n11\n12\n16\n0\n2\n");
  std::vector<std::string> malformed = decode;
  malformed.insert(malformed.end(), {"-Y", "_ws.malformed || _ws.expert.severity >= error"});
  EXPECT_EQ(RunTshark(malformed), "");
}

}  // namespace
}  // namespace openadcs
