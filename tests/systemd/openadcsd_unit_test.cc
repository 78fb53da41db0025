// config/openadcsd.service as shipped, under a real systemd: the host's own
// file system behind an overlay (so that nothing the boot writes reaches the
// host), booted by systemd-nspawn with openadcsd.service as its only job, in
// the network and mount namespaces CMake runs this binary in. The unit's
// sandbox (a dynamic user, a state directory reached through a symbolic
// link, a read-only system, a system-call filter) is what the daemon meets in
// production and nowhere else in the tests. Needs root.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "testing/daemon_process.h"
#include "testing/ldap_samba.h"
#include "testing/ldap_slapd.h"
#include "testing/pki.h"
#include "testing/scoped_mount.h"

namespace openadcs {
namespace {

using testing::ChildProcess;
using testing::CommandResult;
using testing::NotifySocket;
using testing::RunCommand;

constexpr auto kBootTimeout = std::chrono::seconds(90);
constexpr auto kCommandTimeout = std::chrono::seconds(30);
constexpr const char* kPassword = "Unit-test-pass1";

const std::filesystem::path kSource = OPENADCS_SOURCE_DIR;
const std::filesystem::path kBinaries = OPENADCS_BINARY_DIR;

// Copies `from` to `to` inside the container's root, creating directories.
bool Place(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  std::filesystem::copy(
      from, to,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing,
      ec);
  return !ec;
}

class OpenadcsdUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "needs root: it mounts an overlay and boots a container";
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/systemd-nspawn"))
        << "systemd-nspawn is missing (Debian's systemd-container; scripts/install-deps)";
    // The overlay's upper layer on a tmpfs of its own: everything the boot
    // writes (the state directory, the journal, /etc) stays there.
    std::filesystem::create_directories(layers_);
    std::filesystem::create_directories(root_);
    ASSERT_TRUE(layers_mount_.Make("tmpfs", layers_, "tmpfs", 0, "size=512m,mode=0700"))
        << std::strerror(errno);
    std::filesystem::create_directories(layers_ / "upper");
    std::filesystem::create_directories(layers_ / "work");
    const std::string overlay = "lowerdir=/,upperdir=" + (layers_ / "upper").string() +
                                ",workdir=" + (layers_ / "work").string();
    ASSERT_TRUE(root_mount_.Make("overlay", root_, "overlay", 0, overlay)) << std::strerror(errno);

    ASSERT_TRUE(Place(kSource / "config" / "openadcsd.service",
                      root_ / "etc/systemd/system/openadcsd.service"));
    std::filesystem::create_directories(root_ / "etc/systemd/system/openadcsd.service.d");
    std::filesystem::create_directories(root_ / "etc/openadcs");
    std::string config = testing::ReadTextFile(kSource / "config" / "openadcsd.toml");
    ASSERT_FALSE(config.empty());
    ASSERT_NO_FATAL_FAILURE(Configure(config));
    {
      // What an operator adds before the first start (docs/configuration.md).
      std::ofstream(root_ / "etc/openadcs/openadcsd.toml")
          << config << "\n[security]\nofficers = ['EXAMPLE\\officer']\n";
    }
    ASSERT_TRUE(Place(kSource / "config" / "templates", root_ / "etc/openadcs/templates"));
    ASSERT_TRUE(Place(kBinaries / "openadcsd", root_ / "usr/sbin/openadcsd"));
    ASSERT_TRUE(Place(kBinaries / "openadcs", root_ / "usr/local/bin/openadcs"));
    // The tests' daemon is built with AddressSanitizer, whose leak check at
    // exit stops the world with ptrace, which the unit's system-call filter
    // refuses (the check fails, and the exit status with it). The other tests
    // check for leaks; this drop-in only silences that one check.
    {
      std::ofstream(root_ / "etc/systemd/system/openadcsd.service.d/sanitizer.conf")
          << "[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n";
    }
    { std::ofstream(root_ / "root/pw") << kPassword << "\n"; }
    std::filesystem::permissions(root_ / "root/pw", std::filesystem::perms::owner_read);

    // systemd in the container tells nspawn once its boot job (starting
    // openadcsd.service, or failing to) is done; nspawn tells us.
    notify_ = std::make_unique<NotifySocket>(dir_.path() / "notify");
    ASSERT_TRUE(notify_->ok());
    std::string error;
    std::vector<std::string> nspawn = {
        "/usr/bin/systemd-nspawn", "--directory=" + root_.string(), "--register=no",  "--keep-unit",
        "--link-journal=no",       "--machine=openadcs-unit-test",  "--console=pipe", "--quiet",
        "--notify-ready=yes"};
    for (const std::string& bind : Binds()) nspawn.push_back("--bind=" + bind);
    nspawn.insert(nspawn.end(), {"--boot", "--", "--unit=openadcsd.service"});
    nspawn_ = ChildProcess::Spawn(nspawn, {"NOTIFY_SOCKET=" + notify_->path().string()}, console_,
                                  &error);
    ASSERT_NE(nspawn_, nullptr) << error;
    ASSERT_TRUE(notify_->WaitFor("READY=1", kBootTimeout))
        << "the container did not finish booting\n"
        << testing::ReadTextFile(console_);
    init_ = ContainerInit();
    ASSERT_GT(init_, 0) << "no container init under systemd-nspawn " << nspawn_->pid();
  }

  // Changes the shipped configuration before the first start, placing the
  // files it names under root_ (and drop-ins in the unit's .d directory);
  // the example file as it is by default.
  virtual void Configure(std::string& /*toml*/) {}
  // Host folders the container sees (systemd-nspawn's --bind: "path" or
  // "host-path:container-path"): sockets, which an overlay's lower layer
  // does not pass on.
  virtual std::vector<std::string> Binds() const { return {}; }

  // Replaces the line `from` of the configuration with `to`.
  static void ReplaceLine(std::string& toml, const std::string& from, const std::string& to) {
    const std::size_t at = toml.find("\n" + from + "\n");
    ASSERT_NE(at, std::string::npos) << "no line '" << from << "' in config/openadcsd.toml";
    toml.replace(at + 1, from.size(), to);
  }

  void TearDown() override {
    if (nspawn_ != nullptr) {
      // nspawn passes SIGTERM on as a request to power off.
      EXPECT_TRUE(testing::Terminate(nspawn_, std::chrono::seconds(60)))
          << testing::ReadTextFile(console_);
    }
  }

  // The container's PID 1 as this namespace sees it: systemd-nspawn's child.
  pid_t ContainerInit() const {
    const std::string children =
        testing::ReadTextFile("/proc/" + std::to_string(nspawn_->pid()) + "/task/" +
                              std::to_string(nspawn_->pid()) + "/children");
    return children.empty() ? -1 : static_cast<pid_t>(std::stol(children));
  }

  // Runs argv inside the container (every namespace of its init).
  CommandResult InContainer(const std::vector<std::string>& argv) const {
    std::vector<std::string> command = {"/usr/bin/nsenter", "--target", std::to_string(init_),
                                        "--all"};
    command.insert(command.end(), argv.begin(), argv.end());
    return RunCommand(command, "", kCommandTimeout);
  }

  std::string Journal() const {
    return InContainer({"journalctl", "--no-pager", "-u", "openadcsd"}).output;
  }

  // Adds `account` to the daemon's user file with the CLI, as an operator
  // does (docs/operations.md).
  void AddAccount(const std::string& account) const {
    const CommandResult added =
        InContainer({"openadcs", "user", "--user-file", "/var/lib/openadcs/users", "add",
                     "--password-file", "/root/pw", account});
    ASSERT_EQ(added.exit_code, 0) << added.output;
  }

  // `openadcs COMMAND -u account --password-file /root/pw ARGS...` inside.
  CommandResult Cli(const std::string& command, const std::string& account,
                    const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"openadcs", command,           "-u",
                                     account,    "--password-file", "/root/pw"};
    argv.insert(argv.end(), args.begin(), args.end());
    return InContainer(argv);
  }

  // `openadcs request` as `account` on AutoIssueSubject, over DCOM: the
  // certificate arrives in /root/<name>.pem.
  void ExpectIssued(const std::string& account, const std::string& name) const {
    const CommandResult issued =
        Cli("request", account,
            {"-t", "AutoIssueSubject", "--subject", "CN=" + name, "--key-out",
             "/root/" + name + ".key", "-o", "/root/" + name + ".pem"});
    EXPECT_EQ(issued.exit_code, 0) << issued.output << Journal();
    EXPECT_NE(testing::ReadTextFile(root_ / "root" / (name + ".pem")).find("BEGIN CERTIFICATE"),
              std::string::npos);
  }

  // `systemctl show openadcsd --value -p property`, without the newline.
  std::string UnitProperty(const std::string& property) const {
    std::string value =
        InContainer({"systemctl", "show", "openadcsd", "--value", "-p", property}).output;
    while (!value.empty() && value.back() == '\n') value.pop_back();
    return value;
  }

  testing::TempDir dir_;
  const std::filesystem::path layers_ = dir_.path() / "layers";
  const std::filesystem::path root_ = dir_.path() / "root";
  const std::filesystem::path console_ = dir_.path() / "console.log";
  testing::ScopedMount layers_mount_;  // after dir_, and before root_mount_:
  testing::ScopedMount root_mount_;    // unmounted first, then layers_mount_
  std::unique_ptr<NotifySocket> notify_;
  std::unique_ptr<ChildProcess> nspawn_;
  pid_t init_ = -1;
};

TEST_F(OpenadcsdUnitTest, StartsAsADynamicUserWithItsStateOwnerOnly) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  EXPECT_EQ(UnitProperty("NRestarts"), "0") << Journal();
  EXPECT_EQ(UnitProperty("StatusText").rfind("serving 8 templates", 0), 0u)
      << UnitProperty("StatusText");
  // journald keeps every line of the unit, audit lines included, at any rate.
  EXPECT_EQ(UnitProperty("LogRateLimitIntervalUSec"), "0");
  // DynamicUser= keeps the state in /var/lib/private and links to it.
  EXPECT_TRUE(std::filesystem::is_symlink(layers_ / "upper/var/lib/openadcs"));
  // Owned by the dynamic user (a UID systemd allocates in 61184-65519; its
  // name resolves only where libnss-systemd is installed).
  const CommandResult modes =
      InContainer({"stat", "-c", "%u %a %n", "/var/lib/private/openadcs",
                   "/var/lib/private/openadcs/ca-key.pem", "/var/lib/private/openadcs/ca.db"});
  EXPECT_TRUE(
      std::regex_match(modes.output, std::regex("(6[1-5][0-9]{3}) 700 /var/lib/private/openadcs\n"
                                                "\\1 600 /var/lib/private/openadcs/ca-key.pem\n"
                                                "\\1 600 /var/lib/private/openadcs/ca.db\n")))
      << modes.output << Journal();
}

TEST_F(OpenadcsdUnitTest, EnrollsOverDcomAndIcprWithItsWorkersInSchedBatch) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  ASSERT_NO_FATAL_FAILURE(AddAccount("EXAMPLE\\alice"));
  for (const std::vector<std::string>& protocol :
       {std::vector<std::string>{}, std::vector<std::string>{"--icpr"}}) {
    const std::string name = protocol.empty() ? "dcom" : "icpr";
    std::vector<std::string> request = {"openadcs", "request"};
    request.insert(request.end(), protocol.begin(), protocol.end());
    request.insert(request.end(), {"-u", "EXAMPLE\\alice", "--password-file", "/root/pw", "-t",
                                   "AutoIssueSubject", "--subject", "CN=" + name, "--key-out",
                                   "/root/" + name + ".key", "-o", "/root/" + name + ".pem"});
    const CommandResult issued = InContainer(request);
    EXPECT_EQ(issued.exit_code, 0) << name << ": " << issued.output << Journal();
    EXPECT_TRUE(std::regex_search(issued.output, std::regex("issued: request [0-9]+")))
        << issued.output;
    EXPECT_NE(testing::ReadTextFile(root_ / "root" / (name + ".pem")).find("BEGIN CERTIFICATE"),
              std::string::npos);
  }
  // The workers that ran the calls asked for SCHED_BATCH (policy 3); the
  // unit's system-call filter gives sched_setscheduler back for that.
  const CommandResult policies = InContainer(
      {"sh", "-c", "grep -h '^policy' /proc/" + UnitProperty("MainPID") + "/task/*/sched"});
  EXPECT_TRUE(std::regex_search(policies.output, std::regex("policy +: +3"))) << policies.output;
  EXPECT_EQ(Journal().find("keep the default scheduling policy"), std::string::npos) << Journal();
}

// MS-CERSOD 3.5: a request waits for an officer, who approves it; the
// requester then retrieves the certificate.
TEST_F(OpenadcsdUnitTest, IssuesAPendingRequestOnceTheOfficerApprovesIt) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  ASSERT_NO_FATAL_FAILURE(AddAccount("EXAMPLE\\alice"));
  ASSERT_NO_FATAL_FAILURE(AddAccount("EXAMPLE\\officer"));
  const CommandResult pending =
      Cli("request", "EXAMPLE\\alice",
          {"-t", "OfficerApproval", "--subject", "CN=alice", "--key-out", "/root/alice.key"});
  EXPECT_EQ(pending.exit_code, 3) << pending.output << Journal();
  std::smatch id;
  ASSERT_TRUE(std::regex_search(pending.output, id, std::regex("pending: request ([0-9]+)")))
      << pending.output;
  const CommandResult approved = Cli("approve", "EXAMPLE\\officer", {id[1]});
  ASSERT_EQ(approved.exit_code, 0) << approved.output << Journal();
  const CommandResult retrieved =
      Cli("retrieve", "EXAMPLE\\alice", {id[1], "-o", "/root/alice.pem"});
  EXPECT_EQ(retrieved.exit_code, 0) << retrieved.output << Journal();
  EXPECT_NE(testing::ReadTextFile(root_ / "root/alice.pem").find("BEGIN CERTIFICATE"),
            std::string::npos);
  // The audit trail, read offline by root through the state directory's link.
  const CommandResult audit = InContainer({"openadcs", "audit", "/var/lib/openadcs/ca.db"});
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_TRUE(
      std::regex_search(audit.output, std::regex("EXAMPLE\\\\officer +issue +" + id[1].str() +
                                                 " .*resubmitted; template OfficerApproval")))
      << audit.output;
  const CommandResult chain =
      InContainer({"openadcs", "audit", "verify", "/var/lib/openadcs/ca.db"});
  EXPECT_EQ(chain.exit_code, 0) << chain.output;
}

TEST_F(OpenadcsdUnitTest, ReloadsAndStopsCleanly) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  const CommandResult reloaded = InContainer({"systemctl", "reload", "openadcsd"});
  ASSERT_EQ(reloaded.exit_code, 0) << reloaded.output << Journal();
  const CommandResult stopped = InContainer({"systemctl", "stop", "openadcsd"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output << Journal();
  EXPECT_EQ(UnitProperty("Result"), "success") << Journal();
  EXPECT_EQ(UnitProperty("ExecMainStatus"), "0") << Journal();
  EXPECT_EQ(UnitProperty("NRestarts"), "0") << Journal();
  const std::string journal = Journal();
  EXPECT_NE(journal.find("SIGHUP"), std::string::npos) << journal;
  EXPECT_NE(journal.find("openadcsd stopped"), std::string::npos) << journal;
}

// docs/operations.md's backups, by root beside the dynamic user: SQLite's
// own backup of the live database, and one while the unit is stopped,
// after which the daemon still opens its files.
TEST_F(OpenadcsdUnitTest, BacksUpWithSqliteWhileRunningAndWhileStopped) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  const auto back_up = [this](const std::string& copy) {
    const CommandResult backup =
        InContainer({"sqlite3", "/var/lib/openadcs/ca.db", ".backup " + copy});
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
    const CommandResult check = InContainer({"openadcs", "audit", "verify", copy});
    EXPECT_EQ(check.exit_code, 0) << copy << ": " << check.output;
  };
  ASSERT_NO_FATAL_FAILURE(back_up("/root/running.db"));
  const CommandResult stopped = InContainer({"systemctl", "stop", "openadcsd"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output << Journal();
  ASSERT_NO_FATAL_FAILURE(back_up("/root/stopped.db"));
  const CommandResult started = InContainer({"systemctl", "start", "openadcsd"});
  ASSERT_EQ(started.exit_code, 0) << started.output << Journal();
  EXPECT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  // Nothing root made is left for the daemon's user to trip over.
  const CommandResult owners =
      InContainer({"sh", "-c", "stat -c '%u %n' /var/lib/private/openadcs/*"});
  EXPECT_EQ(owners.output.find("\n0 "), std::string::npos) << owners.output;
  EXPECT_NE(owners.output.rfind("0 ", 0), 0u) << owners.output;
}

// The templates from a directory over LDAPS, as a production CA reads them
// (config/openadcsd.toml's [directory]): a private slapd with the sample
// layout, on the fixed ports of this network namespace, which the
// container shares.
class OpenadcsdUnitOnLdapTest : public OpenadcsdUnitTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "slapd");
    std::string error;
    slapd_ = testing::SlapdServer::StartWithTls(dir_.path() / "slapd", 389, 636, &error);
    ASSERT_NE(slapd_, nullptr) << error;
    OpenadcsdUnitTest::SetUp();
  }

  void Configure(std::string& toml) override {
    ASSERT_TRUE(Place(slapd_->ca_file(), root_ / "etc/openadcs/ldap-ca.pem"));
    // Certificates are public; the daemon's dynamic user must read it.
    std::filesystem::permissions(
        root_ / "etc/openadcs/ldap-ca.pem",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
            std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    // The bind password as the example configuration suggests: a systemd
    // credential, which only the service can read.
    ASSERT_TRUE(Place(slapd_->password_file(), root_ / "etc/openadcs/ldap-password"));
    {
      std::ofstream(root_ / "etc/systemd/system/openadcsd.service.d/credential.conf")
          << "[Service]\nLoadCredential=ldap-password:/etc/openadcs/ldap-password\n";
    }
    ReplaceLine(toml, "bind = \"anonymous\"", "bind = \"simple\"");
    ReplaceLine(toml, "# bind_dn = \"CN=openadcs,CN=Users,DC=example,DC=com\"",
                "bind_dn = \"" + testing::SlapdServer::admin_dn() + "\"");
    ReplaceLine(toml, "# password_file = \"/run/credentials/openadcsd.service/ldap-password\"",
                "password_file = \"/run/credentials/openadcsd.service/ldap-password\"");
    ReplaceLine(toml, "source = \"ldif\"", "source = \"ldap\"");
    ReplaceLine(toml, "enrollment_service = \"\"", "enrollment_service = \"openadcs-CA\"");
    ReplaceLine(toml, "uris = []", "uris = [\"ldaps://127.0.0.1:636\"]");
    ReplaceLine(toml, "# ca_file = \"/etc/openadcs/ldap-ca.pem\"",
                "ca_file = \"/etc/openadcs/ldap-ca.pem\"");
    // The requesters here are accounts of the user file, not the directory's.
    ReplaceLine(toml, "identity_lookup = true", "identity_lookup = false");
  }

  std::unique_ptr<testing::SlapdServer> slapd_;
};

TEST_F(OpenadcsdUnitOnLdapTest, ServesTheDirectorysTemplatesAndEnrollsOnOne) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  EXPECT_EQ(UnitProperty("StatusText").rfind("serving ", 0), 0u) << UnitProperty("StatusText");
  ASSERT_NO_FATAL_FAILURE(AddAccount("EXAMPLE\\alice"));
  ExpectIssued("EXAMPLE\\alice", "alice");
}

// A CRL published outside the state directory, for a web server to serve:
// the unit's file system is read-only there, so the folder is writable only
// as docs/operations.md says (ReadWritePaths= in a drop-in, and a group the
// folder lets write, since the dynamic user's UID is not known beforehand).
class OpenadcsdUnitPublishingTest : public OpenadcsdUnitTest {
 protected:
  static constexpr const char* kGroup = "pki-publish";
  static constexpr unsigned kGid = 2950;  // free in the host's /etc/group

  void Configure(std::string& toml) override {
    { std::ofstream(root_ / "etc/group", std::ios::app) << kGroup << ":x:" << kGid << ":\n"; }
    const std::filesystem::path folder = root_ / "srv/pki";
    std::filesystem::create_directories(folder);
    ASSERT_EQ(::chown(folder.c_str(), 0, kGid), 0) << std::strerror(errno);
    // setgid, so the files the daemon writes there keep the folder's group.
    ASSERT_EQ(::chmod(folder.c_str(), 02775), 0) << std::strerror(errno);
    {
      std::ofstream(root_ / "etc/systemd/system/openadcsd.service.d/publish.conf")
          << "[Service]\nReadWritePaths=/srv/pki\nSupplementaryGroups=" << kGroup << "\n";
    }
    ReplaceLine(toml, "publish_path = \"ca.crl\"", "publish_path = \"/srv/pki/ca.crl\"");
  }
};

TEST_F(OpenadcsdUnitPublishingTest, PublishesTheCrlWhereTheWebServerReadsIt) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  EXPECT_EQ(UnitProperty("NRestarts"), "0") << Journal();
  const CommandResult mode = InContainer({"stat", "-c", "%a %g", "/srv/pki/ca.crl"});
  EXPECT_EQ(mode.output, "644 " + std::to_string(kGid) + "\n") << mode.output << Journal();
  // Signed by the CA the daemon made on its first start.
  const CommandResult verified =
      InContainer({"openssl", "crl", "-inform", "DER", "-in", "/srv/pki/ca.crl", "-noout",
                   "-CAfile", "/var/lib/openadcs/ca-cert.pem"});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("verify OK"), std::string::npos) << verified.output;
}

// The CA in a domain, as docs/operations.md sets it up ("Joining an Active
// Directory or Samba AD domain"), against a throwaway Samba AD DC in this
// network namespace: the CA's service account's keytab passed as a systemd
// credential; with it, Kerberos for the RPC clients and a SASL GSSAPI bind
// (signed and sealed) for the directory, where the account, set up as steps
// 1 and 5 say and no more, reads the templates and the requester's entry
// (the certificate's subject; the caller's SIDs come from the ticket's PAC).
class OpenadcsdUnitInDomainTest : public OpenadcsdUnitTest {
 protected:
  static constexpr const char* kCaHost = "ca.example.com";
  static constexpr const char* kUserPassword = "Unit.Alice-Pass1";

  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "samba");
    std::string error;
    samba_ = testing::SambaServer::Start(dir_.path() / "samba", &error);
    ASSERT_NE(samba_, nullptr) << error;
    // A running DC registers its LDAP principal itself (samba_spnupdate, a
    // service the fixture's DC does not run).
    ASSERT_EQ(samba_->AddSpn("DC1$", "ldap/dc1.example.com"), "");
    ASSERT_EQ(samba_->AddUser("caacct", "Unit.Ca-Service1"), "");
    ASSERT_EQ(samba_->AddSpn("caacct", std::string("HOST/") + kCaHost), "");
    ASSERT_EQ(samba_->AddMember("CN=Windows Authorization Access Group,CN=Builtin,DC=example,"
                                "DC=com",
                                testing::SambaServer::UserDn("caacct")),
              "");
    ASSERT_EQ(samba_->ExportKeytab(dir_.path() / "ca.keytab", "caacct"), "");
    ASSERT_EQ(samba_->AddUser("alice", kUserPassword), "");
    ASSERT_EQ(
        samba_->SetAttribute(testing::SambaServer::UserDn("alice"), "mail", "alice@example.com"),
        "");
    ASSERT_EQ(samba_->GetTickets("alice", kUserPassword, dir_.path() / "alice.ccache",
                                 {std::string("host/") + kCaHost}),
              "");
    OpenadcsdUnitTest::SetUp();
  }

  void Configure(std::string& toml) override {
    // The host names a production CA resolves through DNS, and the realm's
    // KDC, as a joined host's /etc/hosts and /etc/krb5.conf give them.
    {
      std::ofstream(root_ / "etc/hosts")
          << "127.0.0.1 dc1.example.com dc1\n127.0.0.1 " << kCaHost << "\n127.0.0.1 localhost\n";
    }
    ASSERT_TRUE(Place(samba_->krb5_conf(), root_ / "etc/krb5.conf"));
    ASSERT_TRUE(Place(dir_.path() / "ca.keytab", root_ / "etc/openadcs/ca.keytab"));
    ASSERT_TRUE(Place(dir_.path() / "alice.ccache", root_ / "root/alice.ccache"));
    {
      std::ofstream(root_ / "etc/systemd/system/openadcsd.service.d/keytab.conf")
          << "[Service]\nLoadCredential=ca.keytab:/etc/openadcs/ca.keytab\n";
    }
    const std::string keytab = "\"/run/credentials/openadcsd.service/ca.keytab\"";
    ReplaceLine(toml, "keytab = \"\"", "keytab = " + keytab);
    ReplaceLine(toml, "realm = \"\"", "realm = \"EXAMPLE.COM\"");
    ReplaceLine(toml, "netbios_domain_name = \"\"", "netbios_domain_name = \"EXAMPLE\"");
    ReplaceLine(toml, "source = \"ldif\"", "source = \"ldap\"");
    ReplaceLine(toml, "enrollment_service = \"\"", "enrollment_service = \"openadcs-CA\"");
    ReplaceLine(toml, "uris = []", "uris = [\"ldap://dc1.example.com\"]");
    ReplaceLine(toml, "bind = \"anonymous\"", "bind = \"gssapi\"");
    ReplaceLine(toml, "# keytab = " + keytab, "keytab = " + keytab);
  }

  // `openadcs request -k` as alice on the User template, over DCOM or
  // ICertPassage, with a CSR that names someone else; the certificate's
  // subject as OpenSSL prints it (RFC 2253), or the failure.
  std::string EnrollAsAlice(bool icpr) const {
    const std::string name = icpr ? "icpr" : "dcom";
    std::vector<std::string> argv = {"env",
                                     "KRB5CCNAME=FILE:/root/alice.ccache",
                                     "openadcs",
                                     "request",
                                     "-k",
                                     "--spn",
                                     std::string("host/") + kCaHost,
                                     "-t",
                                     "User",
                                     "--subject",
                                     "CN=mallory",
                                     "--key-out",
                                     "/root/" + name + ".key",
                                     "-o",
                                     "/root/" + name + ".pem"};
    if (icpr) {
      argv.emplace_back("--icpr");
    } else {
      argv.insert(argv.end(), {"--ccache", "/root/alice.ccache"});
    }
    const CommandResult issued = InContainer(argv);
    if (issued.exit_code != 0) return name + " failed: " + issued.output;
    return InContainer({"openssl", "x509", "-in", "/root/" + name + ".pem", "-noout", "-subject",
                        "-nameopt", "RFC2253"})
        .output;
  }

  std::unique_ptr<testing::SambaServer> samba_;
};

TEST_F(OpenadcsdUnitInDomainTest, EnrollsADomainUserWithKerberosAndTheDirectorysNames) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  EXPECT_EQ(UnitProperty("NRestarts"), "0") << Journal();
  EXPECT_EQ(UnitProperty("StatusText").rfind("serving ", 0), 0u) << UnitProperty("StatusText");
  const std::string subject =
      "subject=emailAddress=alice@example.com,CN=alice,CN=Users,DC=example,DC=com\n";
  EXPECT_EQ(EnrollAsAlice(false), subject) << Journal();
  EXPECT_EQ(EnrollAsAlice(true), subject) << Journal();
  EXPECT_NE(Journal().find("authenticated EXAMPLE\\alice"), std::string::npos) << Journal();
}

// Domain NTLM under the unit: [rpc] ntlm_verifier = "winbind" with a joined
// host's winbindd (a throwaway Samba AD DC's). Checking a response takes
// winbindd's privileged pipe, which only root and its group may reach; the
// dynamic user joins that group with SupplementaryGroups= in a drop-in, as
// docs/operations.md says.
class OpenadcsdUnitWithWinbindTest : public OpenadcsdUnitTest {
 protected:
  static constexpr const char* kPrivilegedGroup = "winbindd_priv";  // Debian's winbind package's

  void SetUp() override {
    std::string error;
    samba_ = testing::SambaServer::Start(samba_dir_.path(), &error);
    ASSERT_NE(samba_, nullptr) << error;
    ASSERT_EQ(samba_->AddUser("dave", kPassword), "");
    // Waits until winbindd answers and reaches its DC.
    ASSERT_EQ(samba_->ExposeWinbind(), "");
    // The privileged pipe's folder, as Debian's package leaves
    // /var/lib/samba/winbindd_privileged: root's, and its group's.
    const group* privileged = ::getgrnam(kPrivilegedGroup);
    ASSERT_NE(privileged, nullptr) << kPrivilegedGroup << " is not a group here";
    std::filesystem::path pipe_dir;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(samba_dir_.path())) {
      if (entry.path().filename() == "winbindd_privileged") pipe_dir = entry.path();
    }
    ASSERT_FALSE(pipe_dir.empty()) << "winbindd made no privileged pipe";
    ASSERT_EQ(::chown(pipe_dir.c_str(), 0, privileged->gr_gid), 0) << std::strerror(errno);
    ASSERT_EQ(::chmod(pipe_dir.c_str(), 0750), 0) << std::strerror(errno);
    // The folders above it open to all, as /var/lib/samba is (mkdtemp's is
    // root's alone; Samba's private folder keeps its own 0700).
    ASSERT_EQ(::chmod(samba_dir_.path().c_str(), 0755), 0) << std::strerror(errno);
    OpenadcsdUnitTest::SetUp();
  }

  void Configure(std::string& toml) override {
    {
      std::ofstream(root_ / "etc/systemd/system/openadcsd.service.d/winbind.conf")
          << "[Service]\nSupplementaryGroups=" << kPrivilegedGroup << "\n";
    }
    ReplaceLine(toml, "ntlm_verifier = \"user_file\"", "ntlm_verifier = \"winbind\"");
    ReplaceLine(toml, "netbios_domain_name = \"WORKGROUP\"", "netbios_domain_name = \"EXAMPLE\"");
  }

  // winbindd's socket where libwbclient looks, and the Samba folder at its
  // own path, since winbindd names the privileged pipe by it.
  std::vector<std::string> Binds() const override {
    return {samba_dir_.path().string(),
            (samba_dir_.path() / "winbindd").string() + ":/run/samba/winbindd"};
  }

  // Outside /tmp, which the unit's PrivateTmp= replaces for the daemon.
  testing::TempDir samba_dir_{"/run"};
  std::unique_ptr<testing::SambaServer> samba_;
};

TEST_F(OpenadcsdUnitWithWinbindTest, EnrollsADomainAccountThatWinbindChecks) {
  ASSERT_EQ(UnitProperty("ActiveState"), "active") << Journal();
  ExpectIssued("EXAMPLE\\dave", "dave");
  EXPECT_NE(Journal().find("authenticated EXAMPLE\\dave"), std::string::npos) << Journal();
}

}  // namespace
}  // namespace openadcs
