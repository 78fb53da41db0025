// Enrollment over ICertPassage against the real daemon, started as the README
// starts it (a config file, a state directory), with two independent
// clients: Debian's python3-impacket (tests/interop/icpr_client.py) and our
// own C++ client library. Ports are bound by the daemon (port 0) and read
// from its systemd STATUS line, so tests never collide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "openadcs/auth/user_file.h"
#include "openadcs/client/cert_passage_client.h"
#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kClientTimeout{60};
const std::string kDaemon = std::string(OPENADCS_BINARY_DIR) + "/openadcsd";
const std::string kScript = std::string(OPENADCS_SOURCE_DIR) + "/tests/interop/icpr_client.py";
const std::string kTemplates = std::string(OPENADCS_SOURCE_DIR) + "/config/templates";
constexpr const char* kCaName = "Interop Test CA";
constexpr const char* kPassword = "Correct-Horse-7";

// One value of the client script's JSON line; "" when absent.
std::string JsonField(const std::string& json, const std::string& name) {
  std::smatch m;
  const std::regex number("\"" + name + "\": (-?[0-9]+)");
  if (std::regex_search(json, m, number)) return m[1];
  const std::regex text("\"" + name + "\": \"([^\"]*)\"");
  if (std::regex_search(json, m, text)) return m[1];
  return "";
}

class IcprInteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::filesystem::path state = dir_->path() / "state";
    std::filesystem::create_directories(state);
    std::filesystem::permissions(state, std::filesystem::perms::owner_all);
    Result<auth::UserFile> users = auth::UserFile::Load(state / "users");
    ASSERT_TRUE(users.ok()) << users.status().ToString();
    ASSERT_TRUE(users->Add("EXAMPLE", "alice", kPassword).ok());
    ASSERT_TRUE(users->Save().ok());

    const std::filesystem::path config = dir_->path() / "openadcsd.toml";
    std::ofstream(config) << "[ca]\nsubject = \"CN=" << kCaName
                          << "\"\nkey_algorithm = \"ecdsa-p256\"\n"
                             "[state]\ndir = \""
                          << state.string()
                          << "\"\n"
                             "[templates]\nsource = \"ldif\"\ndirectory = \""
                          << kTemplates
                          << "\"\n"
                             "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\nicpr_port = 0\n"
                             "netbios_domain_name = \"EXAMPLE\"\n";
    notify_ = new testing::NotifySocket(dir_->path() / "notify");
    ASSERT_TRUE(notify_->ok());
    std::string error;
    daemon_ = testing::ChildProcess::Spawn({kDaemon, "--config", config.string()},
                                           {"NOTIFY_SOCKET=" + notify_->path().string()},
                                           dir_->path() / "openadcsd.log", &error)
                  .release();
    ASSERT_NE(daemon_, nullptr) << error;
    ASSERT_TRUE(notify_->WaitFor("READY=1", kStartTimeout)) << DaemonLog();
    static const std::regex kPorts("epm [0-9.]+:([0-9]+), icpr [0-9.]+:([0-9]+)");
    for (const std::string& m : notify_->messages()) {
      std::smatch match;
      if (std::regex_search(m, match, kPorts)) {
        epm_port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
        icpr_port_ = static_cast<std::uint16_t>(std::stoi(match[2]));
      }
    }
    ASSERT_NE(epm_port_, 0) << "no endpoints in the STATUS line: " << DaemonLog();
  }

  static void TearDownTestSuite() {
    if (daemon_ != nullptr) {
      daemon_->Signal(SIGTERM);
      std::optional<int> status = daemon_->Wait(std::chrono::seconds(30));
      EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << DaemonLog();
    }
    delete daemon_;
    delete notify_;
    delete dir_;
    daemon_ = nullptr;
    notify_ = nullptr;
    dir_ = nullptr;
  }

  static std::string DaemonLog() { return testing::ReadTextFile(dir_->path() / "openadcsd.log"); }

  // A fresh P-256 key's CSR for `cn`, written to a file for the script.
  static std::filesystem::path CsrFile(const std::string& cn) {
    ossl::PKeyPtr key = testing::MakeRsaKey(2048);
    const Bytes der = testing::MakeCsrDer(key.get(), {{{"CN", cn}}, {}, {}});
    const std::filesystem::path path = dir_->path() / (cn + ".csr");
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
    return path;
  }

  // Runs the impacket client with `args`; returns its JSON line.
  static std::string RunImpacket(const std::vector<std::string>& args) {
    static int runs = 0;
    const std::filesystem::path out = dir_->path() / ("impacket" + std::to_string(runs++) + ".out");
    std::vector<std::string> argv = {"/usr/bin/python3",        kScript,       "--epm-port",
                                     std::to_string(epm_port_), "--authority", kCaName};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    auto child = testing::ChildProcess::Spawn(argv, {}, out, &error);
    EXPECT_NE(child, nullptr) << error;
    if (child == nullptr) return "";
    std::optional<int> status = child->Wait(kClientTimeout);
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << testing::ReadTextFile(out);
    return testing::ReadTextFile(out);
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

  static testing::TempDir* dir_;
  static testing::NotifySocket* notify_;
  static testing::ChildProcess* daemon_;
  static std::uint16_t epm_port_;
  static std::uint16_t icpr_port_;
};

testing::TempDir* IcprInteropTest::dir_ = nullptr;
testing::NotifySocket* IcprInteropTest::notify_ = nullptr;
testing::ChildProcess* IcprInteropTest::daemon_ = nullptr;
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

TEST_F(IcprInteropTest, CppClientWithWrongPasswordIsRefused) {
  client::ConnectOptions options = CppClient();
  options.credentials.password = "not-it";
  Result<std::unique_ptr<client::CertPassageClient>> c =
      client::CertPassageClient::Connect(options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied) << c.status().ToString();
}

}  // namespace
}  // namespace openadcs
