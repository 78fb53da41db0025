// Domain NTLM through winbind, end to end: a throwaway Samba AD DC (with
// winbindd) holds the accounts, openadcsd runs with [rpc] ntlm_verifier =
// "winbind" and no user file, and impacket (tests/interop/icpr_client.py)
// and our C++ client enroll over ICertPassage as a Samba user.
//
// Samba's ports are fixed and libwbclient only finds winbindd at
// /run/samba/winbindd, so the binary runs under `unshare -n -m`
// (tests/CMakeLists.txt), provisions the domain once and shares it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/client/cert_passage_client.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/ldap_samba.h"
#include "testing/metrics_scrape.h"
#include "testing/nobody.h"
#include "testing/occurrences.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;
using testing::JsonField;
using ::testing::Not;

constexpr const char* kCaName = testing::InteropDaemon::kCaName;
// Created with this spelling: the canonical name the CA must record.
constexpr const char* kUser = "Dave";
constexpr const char* kUserPassword = "Dave-Pass-42";
constexpr const char* kServicePassword = "Ca.Service-Acct-7";
constexpr const char* kCaHost = "ca.example.com";
constexpr auto kClientTimeout = std::chrono::seconds(60);

class WinbindInteropTest : public testing::InteropTest {
 protected:
  static void SetUpTestSuite() {
    samba_dir_ = std::make_unique<testing::TempDir>();
    std::string error;
    samba_ = testing::SambaServer::Start(samba_dir_->path(), &error);
    ASSERT_NE(samba_, nullptr) << error;
    ASSERT_EQ(samba_->ExposeWinbind(), "");
    ASSERT_EQ(samba_->AddUser(kUser, kUserPassword), "");
    user_sid_ = samba_->ObjectSid(testing::SambaServer::UserDn(kUser));
    ASSERT_THAT(user_sid_, HasSubstr("S-1-5-21-"));
    // Only Domain Users (the domain SID and 513) may enroll: what winbind
    // reports as the account's groups is what grants it.
    const std::string domain_users = user_sid_.substr(0, user_sid_.rfind('-')) + "-513";
    // Kerberos beside it, for the CA's service account; one logon thread,
    // so that one domain logon takes it and the next waits its turn.
    ASSERT_EQ(samba_->AddUser("caacct", kServicePassword), "");
    ASSERT_EQ(samba_->AddSpn("caacct", std::string("HOST/") + kCaHost), "");
    const std::filesystem::path keytab = samba_dir_->path() / "ca.keytab";
    ASSERT_EQ(samba_->ExportKeytab(keytab, "caacct"), "");
    ASSERT_EQ(samba_->GetTickets(kUser, kUserPassword, Ccache(), {std::string("host/") + kCaHost}),
              "");
    ASSERT_TRUE(
        StartDaemon("[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\nicpr_port = 0\n"
                    "netbios_domain_name = \"EXAMPLE\"\ndns_domain_name = \"example.com\"\n"
                    "ntlm_verifier = \"winbind\"\nworker_threads = 2\nlogon_threads = 1\n"
                    "[kerberos]\nkeytab = \"" +
                    keytab.string() +
                    "\"\nrealm = \"EXAMPLE.COM\"\n"
                    "[metrics]\nlisten = \"127.0.0.1:0\"\n"
                    "[security]\nreaders = ['" +
                    domain_users + "']\nenrollees = ['" + domain_users + "']\n"));
    epm_port_ = daemon_->Port("epm");
    ASSERT_NE(epm_port_, 0) << DaemonLog();
  }

  static std::filesystem::path Ccache() { return samba_dir_->path() / "dave.ccache"; }

  // openadcs request -k over ICertPassage with the suite's tickets.
  static testing::CommandResult EnrollWithKerberos(const std::string& cn) {
    const std::filesystem::path out = daemon_->dir() / cn;
    return testing::RunCommand({"/usr/bin/env",
                                "-u",
                                "OPENADCS_PASSWORD",
                                "KRB5_CONFIG=" + samba_->krb5_conf().string(),
                                "KRB5CCNAME=FILE:" + Ccache().string(),
                                std::string(OPENADCS_BINARY_DIR) + "/openadcs",
                                "request",
                                "-k",
                                "--icpr",
                                "--spn",
                                std::string("host/") + kCaHost,
                                "--epm-port",
                                std::to_string(epm_port_),
                                "--ca",
                                kCaName,
                                "-t",
                                "AutoIssueSubject",
                                "--subject",
                                "CN=" + cn,
                                "--key-out",
                                out.string() + ".key",
                                "-o",
                                out.string() + ".pem"},
                               "", kClientTimeout);
  }

  // Our C++ client's ICertPassage connection as the domain user over NTLM.
  // Its auth3 has no answer: a logon the domain refuses, or one the daemon
  // gives up on, shows only at the first call.
  static Status ConnectWithDomainNtlm() {
    client::ConnectOptions options;
    options.epm_port = epm_port_;
    options.credentials.domain = "EXAMPLE";
    options.credentials.user = kUser;
    options.credentials.password = kUserPassword;
    options.timeout = kClientTimeout;
    return client::CertPassageClient::Connect(options).status();
  }

  // The daemon's gauge `name`, as its metrics endpoint reports it; -1 when
  // it does not answer or report it.
  static double Gauge(const std::string& name) {
    Result<std::string> text =
        testing::ScrapeMetrics(daemon_->Port("metrics"), std::chrono::seconds(10));
    if (!text.ok()) return -1;
    std::smatch m;
    if (!std::regex_search(*text, m, std::regex("\n" + name + " ([0-9.e+-]+)\n"))) return -1;
    return std::stod(m[1]);
  }

  // Whether the daemon comes to report `running` NTLM logon steps waiting
  // for winbindd and `queued` waiting for a worker, within 30 s.
  static bool RemoteLogonStepsReach(double running, double queued) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (Gauge("openadcs_rpc_remote_logon_steps_running") != running ||
           Gauge("openadcs_rpc_remote_logon_steps_queued") != queued) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval
    }
    return true;
  }
  static void TearDownTestSuite() {
    InteropTest::TearDownTestSuite();
    samba_.reset();
    samba_dir_.reset();
  }

  static std::string Enroll(const std::string& domain, const std::string& user,
                            const std::string& password, const std::string& cn) {
    return testing::RunInteropScript(
        "icpr_client.py", {"--epm-port", std::to_string(epm_port_), "--authority", kCaName,
                           "--domain", domain, "--user", user, "--password", password, "--template",
                           "AutoIssueSubject", "--csr", CsrFile(cn).string()});
  }

  static std::unique_ptr<testing::TempDir> samba_dir_;
  static std::unique_ptr<testing::SambaServer> samba_;
  static std::string user_sid_;
  static std::uint16_t epm_port_;
};

std::unique_ptr<testing::TempDir> WinbindInteropTest::samba_dir_;
std::unique_ptr<testing::SambaServer> WinbindInteropTest::samba_;
std::string WinbindInteropTest::user_sid_;
std::uint16_t WinbindInteropTest::epm_port_ = 0;

// Every spelling of the domain (NetBIOS or DNS, any case) and of the user
// reaches the same account, and the CA records its canonical name.
TEST_F(WinbindInteropTest, ImpacketEnrollsAsADomainUserInEverySpelling) {
  const std::string canonical = "icpr: EXAMPLE\\Dave from";
  const std::size_t before = testing::Occurrences(DaemonLog(), canonical);
  int n = 0;
  for (const char* domain : {"EXAMPLE", "example", "example.com", "EXAMPLE.COM"}) {
    for (const char* user : {"Dave", "dave", "DAVE"}) {
      const std::string json = Enroll(domain, user, kUserPassword, "wb-" + std::to_string(n++));
      ASSERT_EQ(JsonField(json, "error"), "")
          << domain << "\\" << user << ": " << json << DaemonLog();
      EXPECT_EQ(JsonField(json, "disposition"), "3") << domain << "\\" << user << ": " << json;
      EXPECT_FALSE(JsonField(json, "certificate").empty());
    }
  }
  const std::size_t expected = before + static_cast<std::size_t>(n);
  const std::string log = DaemonLogOnce(
      [&](const std::string& l) { return testing::Occurrences(l, canonical) >= expected; });
  EXPECT_EQ(testing::Occurrences(log, canonical), expected) << log;
  EXPECT_THAT(log, Not(HasSubstr("icpr: example")));
  EXPECT_THAT(log, Not(HasSubstr("icpr: EXAMPLE.COM")));
  EXPECT_THAT(log, Not(HasSubstr("icpr: EXAMPLE\\dave")));
}

TEST_F(WinbindInteropTest, WrongPasswordAndUnknownUserAreRefused) {
  std::string json = Enroll("EXAMPLE", kUser, "Not-The-Password-1", "wb-wrong");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;
  EXPECT_THAT(DaemonLog(), HasSubstr("NT_STATUS_WRONG_PASSWORD"));

  json = Enroll("EXAMPLE", "nobody", kUserPassword, "wb-nobody");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;
}

// The daemon keeps its connections to winbindd between logons. One that
// winbindd has closed (here by restarting; it drops idle clients the same
// way) is opened again for the next logon, which goes through.
TEST_F(WinbindInteropTest, ALogonAfterWinbinddRestartedGoesThrough) {
  std::string json = Enroll("EXAMPLE", kUser, kUserPassword, "wb-before-restart");
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  ASSERT_TRUE(samba_->Stop());
  ASSERT_TRUE(samba_->Restart());
  ASSERT_EQ(samba_->WaitForWinbind(), "");
  json = Enroll("EXAMPLE", kUser, kUserPassword, "wb-after-restart");
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json;
}

// winbindd stops answering: a domain NTLM logon waits for it, taking the
// one logon thread, and another waits for its turn; meanwhile a Kerberos logon, which needs no
// other host, goes through and its certificate is issued. Once winbindd answers again both NTLM
// logons go through.
TEST_F(WinbindInteropTest, KerberosLogonsGoOnWhileWinbinddDoesNotAnswer) {
  std::vector<std::thread> ntlm;
  std::vector<Status> connected(2, Status::Internal("not run"));
  // On the way out, however the test ends: winbindd answers again, then the
  // logons waiting for it are joined.
  struct Join {
    std::vector<std::thread>& threads;
    ~Join() {
      for (std::thread& t : threads) t.join();
    }
  } join_at_exit{ntlm};
  ASSERT_EQ(samba_->PauseWinbind(), "");
  struct Resume {
    ~Resume() { EXPECT_EQ(samba_->ResumeWinbind(), ""); }
  } resume_at_exit;
  for (std::size_t i = 0; i < connected.size(); ++i) {
    ntlm.emplace_back([&connected, i] { connected[i] = ConnectWithDomainNtlm(); });
  }
  ASSERT_TRUE(RemoteLogonStepsReach(1, 1)) << DaemonLog();

  const testing::CommandResult issued = EnrollWithKerberos("wb-kerberos-while-stopped");
  EXPECT_EQ(issued.exit_code, 0) << issued.output << DaemonLog();
  EXPECT_THAT(issued.output, HasSubstr("issued"));
  EXPECT_EQ(Gauge("openadcs_rpc_remote_logon_steps_queued"), 1);

  ASSERT_EQ(samba_->ResumeWinbind(), "");
  for (std::thread& t : ntlm) t.join();
  ntlm.clear();
  for (const Status& status : connected) EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(RemoteLogonStepsReach(0, 0));
}

// winbindd stops answering for longer than a logon may wait: the logon
// thread gives up on it at the authentication timeout (10 s), while winbindd
// still does not answer. Once winbindd answers again a domain logon goes
// through.
TEST_F(WinbindInteropTest, ALogonThreadGivesUpOnAWinbinddThatDoesNotAnswer) {
  std::thread ntlm;
  struct Join {
    std::thread& thread;
    ~Join() {
      if (thread.joinable()) thread.join();
    }
  } join_at_exit{ntlm};
  ASSERT_EQ(samba_->PauseWinbind(), "");
  struct Resume {
    ~Resume() { EXPECT_EQ(samba_->ResumeWinbind(), ""); }
  } resume_at_exit;
  ntlm = std::thread([] { (void)ConnectWithDomainNtlm(); });
  ASSERT_TRUE(RemoteLogonStepsReach(1, 0)) << DaemonLog();
  EXPECT_TRUE(RemoteLogonStepsReach(0, 0)) << DaemonLog();
  EXPECT_THAT(DaemonLog(), HasSubstr("winbindd gave no answer within 10000 ms"));

  ASSERT_EQ(samba_->ResumeWinbind(), "");
  const std::string json = Enroll("EXAMPLE", kUser, kUserPassword, "wb-after-silence");
  EXPECT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
}

// As nobody, without root's groups: a verification's status, printed, and
// the exit status 0 when winbind could not be asked.
[[noreturn]] void VerifyAsNobody() {
  testing::BecomeNobody();
  const std::array<std::uint8_t, 24> nt_response{};
  auth::NtlmResponse response;
  response.domain = "EXAMPLE";
  response.user = kUser;
  response.workstation = "WS1";
  response.nt_response = nt_response;
  const Status status = auth::NewWinbindVerifier()->Verify(response).status();
  std::fprintf(stderr, "%s\n", status.message().c_str());
  std::_Exit(status.code() == StatusCode::kUnavailable ? 0 : 1);
}

// A daemon outside winbindd's group (a service's own user without
// SupplementaryGroups=) reaches winbindd's ordinary pipe but not the
// privileged one that checks responses: it says so, rather than that
// winbindd is not running. The fixture's privileged pipe is in its
// root-only folder.
TEST_F(WinbindInteropTest, AVerifierOutsideWinbinddsGroupSaysThePrivilegedPipeIsOutOfReach) {
  EXPECT_EXIT(VerifyAsNobody(), ::testing::ExitedWithCode(0),
              "winbindd answers, but its privileged pipe cannot be reached .*"
              "SupplementaryGroups=winbindd_priv\\); cannot verify EXAMPLE\\\\Dave");
}

TEST_F(WinbindInteropTest, CppClientEnrollsAsADomainUser) {
  client::ConnectOptions options;
  options.epm_port = epm_port_;
  options.credentials.domain = "example.com";
  options.credentials.user = "dave";
  options.credentials.password = kUserPassword;
  Result<std::unique_ptr<client::CertPassageClient>> c =
      client::CertPassageClient::Connect(options);
  ASSERT_TRUE(c.ok()) << c.status().ToString() << DaemonLog();
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  const Bytes csr = testing::MakeCsrDer(key.get(), {{{"CN", "wb-cpp"}}, {}, {}});
  Result<client::EnrollResult> issued =
      (*c)->Submit(0x100, csr, "CertificateTemplate:AutoIssueSubject", kCaName);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->disposition, client::kDispositionIssued) << issued->message << DaemonLog();
  // Our client sends a MIC (the CHALLENGE carries a timestamp), which the
  // acceptor checked against the key winbind gave it.
  EXPECT_THAT(DaemonLog(), HasSubstr("authenticated EXAMPLE\\Dave"));
}

}  // namespace
}  // namespace openadcs
