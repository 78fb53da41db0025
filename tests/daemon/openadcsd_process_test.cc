// openadcsd as a process: started the way systemd starts it (NOTIFY_SOCKET),
// reloaded with SIGHUP, stopped with SIGTERM, restarted on the same state.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>

#include "testing/daemon_process.h"
#include "testing/metric_sample.h"
#include "testing/metrics_scrape.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using testing::ExitDescription;
using ::testing::HasSubstr;

constexpr std::chrono::seconds kStartTimeout{60};  // key generation under sanitizers
constexpr std::chrono::seconds kStepTimeout{30};
const char* const kBinary = OPENADCS_BINARY_DIR "/openadcsd";
const char* const kTemplates = OPENADCS_SOURCE_DIR "/config/templates";

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// The fingerprint from the "CA certificate SHA-256 fingerprint: ..." log line.
std::vector<std::string> LoggedFingerprints(const std::string& log) {
  static const std::regex kLine("CA certificate SHA-256 fingerprint: ([0-9A-F:]+)");
  std::vector<std::string> out;
  for (std::sregex_iterator it(log.begin(), log.end(), kLine), end; it != end; ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

// N from the "STATUS=serving N templates ..." line of a notify message; -1 if absent.
int ServedCount(const std::string& message) {
  static const std::regex kStatus("STATUS=serving ([0-9]+) templates");
  std::smatch match;
  return std::regex_search(message, match, kStatus) ? std::stoi(match[1]) : -1;
}

class OpenadcsdProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kBinary))
        << kBinary << " is not built (build the openadcsd target first)";
    state_ = dir_.path() / "state";
    config_ = dir_.path() / "openadcsd.toml";
    log_ = dir_.path() / "openadcsd.log";
    std::ofstream(config_) << "[ca]\n"
                              "subject = \"CN=Process Test CA,O=openadcs\"\n"
                              "key_algorithm = \"ecdsa-p256\"\n"
                              "[state]\n"
                              "dir = \""
                           << state_.string()
                           << "\"\n"
                              "[templates]\n"
                              "directory = \""
                           << kTemplates
                           << "\"\n"
                              // Free ports: tests run in parallel.
                              "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\n";
  }

  // Starts openadcsd with `args` and NOTIFY_SOCKET pointing at a new socket.
  std::unique_ptr<testing::ChildProcess> Start(const std::vector<std::string>& args,
                                               std::unique_ptr<testing::NotifySocket>& notify) {
    notify = std::make_unique<testing::NotifySocket>(dir_.path() /
                                                     ("notify" + std::to_string(starts_++)));
    EXPECT_TRUE(notify->ok()) << "cannot bind " << notify->path();
    std::vector<std::string> argv = {kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    auto child = testing::ChildProcess::Spawn(argv, {"NOTIFY_SOCKET=" + notify->path().string()},
                                              log_, &error);
    EXPECT_NE(child, nullptr) << error;
    return child;
  }

  // Runs openadcsd to its exit; returns the waitpid status.
  std::optional<int> RunToExit(const std::vector<std::string>& args) {
    std::unique_ptr<testing::NotifySocket> notify;
    auto child = Start(args, notify);
    if (child == nullptr) return std::nullopt;
    return child->Wait(kStepTimeout);
  }

  std::string Log() const { return testing::ReadTextFile(log_); }

  testing::TempDir dir_;
  std::filesystem::path state_, config_, log_;
  int starts_ = 0;
};

TEST_F(OpenadcsdProcessTest, StartsReloadsStopsAndRestartsOnTheSameState) {
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon = Start({"--config", config_.string()}, notify);
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();

  EXPECT_EQ(ModeOf(state_), 0700u);
  EXPECT_EQ(ModeOf(state_ / "ca-key.pem"), 0600u);
  EXPECT_TRUE(std::filesystem::exists(state_ / "ca-cert.pem"));
  EXPECT_TRUE(std::filesystem::exists(state_ / "ca.db"));
  const std::string crl = testing::ReadTextFile(state_ / "ca.crl");
  const auto* p = reinterpret_cast<const unsigned char*>(crl.data());
  ossl::X509CrlPtr parsed(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl.size())));
  EXPECT_NE(parsed, nullptr) << "ca.crl is not a DER CRL";
  const std::string cert_pem = testing::ReadTextFile(state_ / "ca-cert.pem");
  EXPECT_THAT(cert_pem, HasSubstr("BEGIN CERTIFICATE"));

  ASSERT_TRUE(daemon->Signal(SIGHUP));
  EXPECT_TRUE(notify->WaitFor("RELOADING=1", kStepTimeout)) << Log();
  EXPECT_TRUE(notify->WaitFor("READY=1", kStepTimeout)) << Log();

  ASSERT_TRUE(daemon->Signal(SIGTERM));
  EXPECT_TRUE(notify->WaitFor("STOPPING=1", kStepTimeout)) << Log();
  std::optional<int> status = daemon->Wait(kStepTimeout);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();

  // Second start: the CA is loaded, not generated again.
  auto again = Start({"--config", config_.string()}, notify);
  ASSERT_NE(again, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();
  EXPECT_EQ(testing::ReadTextFile(state_ / "ca-cert.pem"), cert_pem);
  const std::vector<std::string> fingerprints = LoggedFingerprints(Log());
  ASSERT_EQ(fingerprints.size(), 2u) << Log();
  EXPECT_EQ(fingerprints[0], fingerprints[1]);
  ASSERT_TRUE(again->Signal(SIGINT));
  status = again->Wait(kStepTimeout);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();
}

// libldap writes with write(2): a request written on a connection the
// directory server has reset raises SIGPIPE (a Samba DC stopping under the
// interop tests once left the daemon gone without a log line). The daemon
// must live through it.
TEST_F(OpenadcsdProcessTest, ASigpipeDoesNotStopIt) {
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon = Start({"--config", config_.string()}, notify);
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();

  ASSERT_TRUE(daemon->Signal(SIGPIPE));
  // Still there to take the next signal, and to stop cleanly.
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  EXPECT_TRUE(notify->WaitFor("RELOADING=1", kStepTimeout)) << Log();
  EXPECT_TRUE(notify->WaitFor("READY=1", kStepTimeout)) << Log();
  ASSERT_TRUE(daemon->Signal(SIGTERM));
  const std::optional<int> status = daemon->Wait(kStepTimeout);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();
}

TEST_F(OpenadcsdProcessTest, FailedReloadKeepsTheTemplates) {
  const std::filesystem::path templates = dir_.path() / "templates";
  std::filesystem::copy(kTemplates, templates);
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon = Start({"--config", config_.string(), "--templates", templates.string()}, notify);
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();
  const std::string ready = notify->messages().back();
  ASSERT_GT(ServedCount(ready), 0) << ready;

  // Without its enrollment service the folder cannot be loaded.
  std::filesystem::remove_all(templates);
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  ASSERT_TRUE(notify->WaitFor("RELOADING=1", kStepTimeout)) << Log();
  ASSERT_TRUE(notify->WaitFor("READY=1", kStepTimeout)) << Log();
  const std::string after = notify->messages().back();
  // The old snapshot is still served: the same number of templates.
  EXPECT_EQ(ServedCount(after), ServedCount(ready));
  EXPECT_THAT(after, HasSubstr("last reload failed"));
  EXPECT_THAT(Log(), HasSubstr("template reload failed"));

  ASSERT_TRUE(daemon->Signal(SIGTERM));
  const std::optional<int> status = daemon->Wait(kStepTimeout);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();
}

TEST_F(OpenadcsdProcessTest, CommandLineStateDirectory) {
  const std::filesystem::path other = dir_.path() / "other-state";
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon = Start(
      {"--config", config_.string(), "--state-dir", other.string(), "--log-level", "warn"}, notify);
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();
  EXPECT_EQ(ModeOf(other), 0700u);
  EXPECT_TRUE(std::filesystem::exists(other / "ca.db"));
  EXPECT_FALSE(std::filesystem::exists(state_));
  // warn hides the startup report.
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr("CA subject")));
  ASSERT_TRUE(daemon->Signal(SIGTERM));
  const std::optional<int> status = daemon->Wait(kStepTimeout);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();
}

// A port of 0 for the metrics endpoint: STATUS says which one was taken.
TEST_F(OpenadcsdProcessTest, StatusNamesTheMetricsEndpointAsBound) {
  std::ofstream(config_, std::ios::app) << "[metrics]\nlisten = \"127.0.0.1:0\"\n";
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon = Start({"--config", config_.string()}, notify);
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();
  const std::uint16_t port = testing::StatusPort(*notify, "metrics");
  ASSERT_NE(port, 0) << Log();
  Result<std::string> body = testing::ScrapeMetrics(port, kStepTimeout);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(testing::MetricSample(*body, "openadcs_rpc_connections"), 0) << *body;
  EXPECT_THAT(Log(), HasSubstr("metrics: serving http://127.0.0.1:" + std::to_string(port)));
  ASSERT_TRUE(daemon->Signal(SIGTERM));
  const std::optional<int> status = daemon->Wait(kStepTimeout);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();
}

TEST_F(OpenadcsdProcessTest, BadConfigurationExitsTwoNamingTheKey) {
  std::ofstream(config_, std::ios::app) << "[policy]\nmax_request_bytes = 100\n";
  const std::optional<int> status = RunToExit({"--config", config_.string()});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT(Log(), HasSubstr("policy.max_request_bytes"));
  EXPECT_FALSE(std::filesystem::exists(state_)) << "nothing may start on a bad configuration";
}

TEST_F(OpenadcsdProcessTest, CleartextDirectoryExitsTwoUnlessAllowedThenWarns) {
  // Identity lookup connects at the first lookup: nothing needs to listen.
  std::ofstream(config_, std::ios::app) << "[directory]\nuris = [\"ldap://127.0.0.1:1\"]\n";
  std::optional<int> status = RunToExit({"--config", config_.string()});
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 2)
      << ExitDescription(status) << "\n"
      << Log();
  EXPECT_THAT(Log(), HasSubstr("allow_cleartext = true"));

  std::ofstream(config_, std::ios::app) << "allow_cleartext = true\n";
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon = Start({"--config", config_.string()}, notify);
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(notify->WaitFor("READY=1", kStartTimeout)) << Log();
  EXPECT_THAT(Log(), HasSubstr("[warning] directory: allow_cleartext = true (for labs): binds to "
                               "ldap://127.0.0.1:1 may cross the network in cleartext"));
  ASSERT_TRUE(daemon->Signal(SIGTERM));
  status = daemon->Wait(kStepTimeout);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << ExitDescription(status) << "\n"
      << Log();
}

TEST_F(OpenadcsdProcessTest, UnknownKeyExitsTwo) {
  std::ofstream(config_, std::ios::app) << "[crl]\nperiod = 24\n";
  const std::optional<int> status = RunToExit({"--config", config_.string(), "--check-config"});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT(Log(), HasSubstr("crl.period: unknown key"));
}

TEST_F(OpenadcsdProcessTest, CheckConfigAcceptsAGoodFile) {
  const std::optional<int> status = RunToExit({"--config", config_.string(), "--check-config"});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0) << Log();
  EXPECT_FALSE(std::filesystem::exists(state_));
}

TEST_F(OpenadcsdProcessTest, UsageErrorsExitTwo) {
  std::optional<int> status = RunToExit({"--no-such-option"});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);

  status = RunToExit({"--config", (dir_.path() / "missing.toml").string()});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);

  status = RunToExit({"--log-level", "loud", "--check-config"});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT(Log(), HasSubstr("--log-level"));
}

TEST_F(OpenadcsdProcessTest, RuntimeFailureExitsOne) {
  // The templates folder does not exist: configuration is valid, startup fails.
  std::unique_ptr<testing::NotifySocket> notify;
  auto daemon =
      Start({"--config", config_.string(), "--templates", (dir_.path() / "no-templates").string()},
            notify);
  ASSERT_NE(daemon, nullptr);
  const std::optional<int> status = daemon->Wait(kStartTimeout);
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 1) << Log();
  EXPECT_THAT(Log(), HasSubstr("no-templates"));
  EXPECT_FALSE(notify->WaitFor("READY=1", std::chrono::milliseconds(0)));
}

TEST_F(OpenadcsdProcessTest, VersionAndHelpExitZero) {
  std::optional<int> status = RunToExit({"--version"});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_THAT(Log(), HasSubstr("openadcsd 0."));
  status = RunToExit({"--help"});
  ASSERT_TRUE(status && WIFEXITED(*status)) << ExitDescription(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_THAT(Log(), HasSubstr("--check-config"));
}

}  // namespace
}  // namespace openadcs
