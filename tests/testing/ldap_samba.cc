#include "testing/ldap_samba.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace openadcs::testing {
namespace {

// samba-tool provision takes about 5 s on an idle machine and over a minute
// on a loaded one.
constexpr std::chrono::minutes kProvisionTimeout{10};
constexpr std::chrono::minutes kStartTimeout{3};
constexpr std::chrono::seconds kStopTimeout{30};
constexpr std::chrono::seconds kToolTimeout{30};
// Readiness is an LDAP answer on the rootDSE, asked at this interval (samba
// gives no other signal in the foreground).
constexpr std::chrono::milliseconds kProbeInterval{100};
constexpr char kAdminPassword[] = "Passw0rd.Test1";
constexpr char kNetworkTimeout[] = "nettimeout=10";

const std::filesystem::path kSourceDir = OPENADCS_SOURCE_DIR;
// winbind: where libwbclient looks for winbindd, and how long the AD DC's
// winbindd may take to reach its own domain controller.
const std::filesystem::path kWinbindSocketDir = "/run/samba/winbindd";
constexpr std::chrono::seconds kWinbindTimeout{60};
constexpr std::chrono::milliseconds kWinbindProbeInterval{250};

// Debian's python3-samba loads only under /usr/bin/python3, whatever the
// PATH says.
const std::vector<std::string> kSambaTool = {"/usr/bin/python3", "/usr/bin/samba-tool"};

std::string SmbConf(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  std::ostringstream conf;
  conf << "[global]\n"
       << "netbios name = DC1\nrealm = EXAMPLE.COM\nworkgroup = EXAMPLE\n"
       << "server role = active directory domain controller\n"
       << "server services = ldap kdc winbindd\n"
       << "interfaces = lo\nbind interfaces only = yes\n"
       // Simple binds on 389, and no TLS keys to generate at first start.
       << "ldap server require strong auth = no\ntls enabled = no\n"
       << "private dir = " << d << "/private\nstate directory = " << d << "/state\n"
       << "cache directory = " << d << "/cache\nlock directory = " << d << "/lock\n"
       << "pid directory = " << d << "/pid\nncalrpc dir = " << d << "/ncalrpc\n"
       << "winbindd socket directory = " << d << "/winbindd\nbinddns dir = " << d
       << "/bind-dns\nlog file = " << d << "/log.samba\n";
  return conf.str();
}

// config/templates/*.ldif as one LDIF that ldbadd takes (it refuses
// `version:` and comments).
std::string SampleTemplates() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(kSourceDir / "config" / "templates")) {
    if (entry.path().extension() == ".ldif") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const std::filesystem::path& file : files) {
    std::istringstream lines(ReadTextFile(file));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("version:", 0) == 0 || line.rfind('#', 0) == 0) continue;
      all += line + "\n";
    }
    all += "\n";
  }
  return all;
}

// A krb5.conf for the KDC. A one-line realm block does not parse: the
// braces need lines of their own.
std::string Krb5Conf() {
  return "[libdefaults]\n default_realm = EXAMPLE.COM\n dns_lookup_kdc = false\n"
         " dns_lookup_realm = false\n rdns = false\n"
         "[realms]\nEXAMPLE.COM = {\n kdc = 127.0.0.1\n}\n";
}

}  // namespace

std::unique_ptr<SambaServer> SambaServer::Start(const std::filesystem::path& dir,
                                                std::string* error) {
  std::ofstream(dir / "empty.conf").close();
  // ldapsearch -y sends the whole file: no newline.
  std::ofstream(dir / "admin-password") << kAdminPassword;
  std::vector<std::string> provision = kSambaTool;
  for (const char* arg : {"domain", "provision", "--realm=EXAMPLE.COM", "--domain=EXAMPLE",
                          "--server-role=dc", "--dns-backend=NONE", "--host-name=dc1"}) {
    provision.emplace_back(arg);
  }
  // An empty -s file keeps the system smb.conf out.
  provision.push_back("-s");
  provision.push_back((dir / "empty.conf").string());
  provision.push_back("--targetdir=" + dir.string());
  provision.push_back(std::string("--adminpass=") + kAdminPassword);
  CommandResult provisioned = RunCommand(provision, "", kProvisionTimeout);
  if (provisioned.exit_code != 0) {
    *error = "samba-tool domain provision failed: " + provisioned.output;
    return nullptr;
  }
  std::ofstream(dir / "etc" / "smb.conf") << SmbConf(dir);
  std::ofstream(dir / "krb5.conf") << Krb5Conf();
  std::unique_ptr<SambaServer> server(new SambaServer(dir));
  CommandResult added = RunCommand({"ldbadd", "-H", (dir / "private" / "sam.ldb").string()},
                                   SampleTemplates(), kToolTimeout);
  if (added.exit_code != 0) {
    *error = "ldbadd of the sample templates failed: " + added.output;
    return nullptr;
  }
  if (!server->Launch(error)) return nullptr;
  return server;
}

SambaServer::~SambaServer() {
  Stop();
}

bool SambaServer::Launch(std::string* error) {
  process_ = SpawnUntilReady(
      {"/usr/sbin/samba", "-i", "-M", "single", "-s", (dir_ / "etc" / "smb.conf").string()},
      dir_ / "samba.log", [this] { return Search("", "base", "(objectClass=*)").exit_code == 0; },
      kStartTimeout, kProbeInterval, "samba", error);
  return process_ != nullptr;
}

bool SambaServer::Stop() {
  return Terminate(process_, kStopTimeout);
}

bool SambaServer::Restart() {
  if (process_ != nullptr) return true;
  std::string error;
  return Launch(&error);
}

// Kerberos

std::string SambaServer::AddUser(const std::string& name, const std::string& password) {
  return SambaTool({"user", "create", name, password}, true);
}

std::string SambaServer::SetPassword(const std::string& name, const std::string& password) {
  return SambaTool({"user", "setpassword", name, "--newpassword=" + password}, true);
}

std::string SambaServer::AddSpn(const std::string& account, const std::string& spn) {
  return SambaTool({"spn", "add", spn, account}, true);
}

std::string SambaServer::ExportKeytab(const std::filesystem::path& keytab,
                                      const std::string& principal) {
  return SambaTool({"domain", "exportkeytab", keytab.string(), "--principal=" + principal}, false);
}

std::string SambaServer::GetTickets(const std::string& user, const std::string& password,
                                    const std::filesystem::path& ccache,
                                    const std::vector<std::string>& services) {
  const std::string config = "KRB5_CONFIG=" + krb5_conf().string();
  CommandResult r =
      RunCommand({"/usr/bin/env", config, "kinit", "-c", ccache.string(), user + "@" + realm()},
                 password + "\n", kToolTimeout);
  if (r.exit_code != 0) return "kinit: " + r.output;
  return GetServiceTickets(ccache, services);
}

std::string SambaServer::GetTicketsWithKeytab(const std::string& principal,
                                              const std::filesystem::path& keytab,
                                              const std::filesystem::path& ccache,
                                              const std::vector<std::string>& services) {
  CommandResult r =
      RunCommand({"/usr/bin/env", "KRB5_CONFIG=" + krb5_conf().string(), "kinit", "-k", "-t",
                  keytab.string(), "-c", ccache.string(), principal + "@" + realm()},
                 "", kToolTimeout);
  if (r.exit_code != 0) return "kinit -k: " + r.output;
  return GetServiceTickets(ccache, services);
}

std::string SambaServer::GetServiceTickets(const std::filesystem::path& ccache,
                                           const std::vector<std::string>& services) {
  for (const std::string& service : services) {
    CommandResult r = RunCommand({"/usr/bin/env", "KRB5_CONFIG=" + krb5_conf().string(), "kvno",
                                  "-c", ccache.string(), service},
                                 "", kToolTimeout);
    if (r.exit_code != 0) return "kvno " + service + ": " + r.output;
  }
  return "";
}

CommandResult SambaServer::RunSambaTool(const std::vector<std::string>& args, bool over_ldap) {
  std::vector<std::string> argv = kSambaTool;
  argv.insert(argv.end(), args.begin(), args.end());
  if (over_ldap) {
    argv.push_back("-H");
    argv.push_back(uri());
    argv.push_back(std::string("-UAdministrator%") + kAdminPassword);
  }
  argv.push_back("-s");
  argv.push_back((dir_ / "etc" / "smb.conf").string());
  return RunCommand(argv, "", kToolTimeout);
}

std::string SambaServer::SambaTool(const std::vector<std::string>& args, bool over_ldap) {
  CommandResult r = RunSambaTool(args, over_ldap);
  return r.exit_code == 0 ? "" : "samba-tool " + args[0] + " " + args[1] + ": " + r.output;
}

std::string SambaServer::Modify(const std::string& ldif) {
  CommandResult r = RunCommand({"ldapmodify", "-x", "-H", uri(), "-D", admin_dn(), "-y",
                                password_file().string(), "-o", kNetworkTimeout},
                               ldif, kToolTimeout);
  return r.exit_code == 0 ? "" : "ldapmodify: " + r.output;
}

std::string SambaServer::ModifyOffline(const std::string& ldif) {
  CommandResult r =
      RunCommand({"ldbmodify", "-H", (dir_ / "private" / "sam.ldb").string()}, ldif, kToolTimeout);
  return r.exit_code == 0 ? "" : "ldbmodify: " + r.output;
}

CommandResult SambaServer::Search(const std::string& base, const std::string& scope,
                                  const std::string& filter) {
  return RunCommand({"ldapsearch",
                     "-LLL",
                     "-x",
                     "-H",
                     uri(),
                     "-D",
                     admin_dn(),
                     "-y",
                     password_file().string(),
                     "-o",
                     kNetworkTimeout,
                     "-o",
                     "ldif-wrap=no",
                     "-l",
                     "10",
                     "-b",
                     base,
                     "-s",
                     scope,
                     filter},
                    "", kToolTimeout);
}

// winbind

std::string SambaServer::ExposeWinbind() {
  std::error_code ec;
  if (std::filesystem::read_symlink("/proc/self/ns/mnt", ec) ==
      std::filesystem::read_symlink("/proc/1/ns/mnt", ec)) {
    return "not in a private mount namespace (run the test under unshare -n -m)";
  }
  std::filesystem::create_directories(kWinbindSocketDir, ec);
  if (ec) return "cannot create " + kWinbindSocketDir.string() + ": " + ec.message();
  // winbindd makes its socket some time after samba answers LDAP.
  const auto deadline = std::chrono::steady_clock::now() + kWinbindTimeout;
  while (!std::filesystem::exists(dir_ / "winbindd" / "pipe", ec)) {
    if (std::chrono::steady_clock::now() >= deadline) return "winbindd made no socket";
    std::this_thread::sleep_for(kWinbindProbeInterval);
  }
  CommandResult mounted =
      RunCommand({"mount", "--bind", (dir_ / "winbindd").string(), kWinbindSocketDir.string()}, "",
                 kToolTimeout);
  if (mounted.exit_code != 0) return "mount --bind of winbindd's socket: " + mounted.output;
  return WaitForWinbind();
}

std::string SambaServer::WaitForWinbind() {
  const auto deadline = std::chrono::steady_clock::now() + kWinbindTimeout;
  CommandResult ping;
  while (std::chrono::steady_clock::now() < deadline) {
    ping = RunCommand({"wbinfo", "--ping-dc"}, "", kToolTimeout);
    if (ping.exit_code == 0) return "";
    std::this_thread::sleep_for(kWinbindProbeInterval);
  }
  return "winbindd did not reach the DC: " + ping.output;
}

std::string SambaServer::PauseWinbind() {
  return SignalWinbind(SIGSTOP);
}
std::string SambaServer::ResumeWinbind() {
  return SignalWinbind(SIGCONT);
}

std::string SambaServer::SignalWinbind(int signal_number) {
  const std::filesystem::path pid_file = dir_ / "pid" / "winbindd.pid";
  std::ifstream in(pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return "no winbindd pid in " + pid_file.string();
  if (::kill(pid, signal_number) != 0) {
    return "kill " + std::to_string(pid) + ": " + std::strerror(errno);
  }
  return "";
}

// Accounts

std::string SambaServer::UserDn(const std::string& name) {
  return "CN=" + name + ",CN=Users,DC=example,DC=com";
}

std::string SambaServer::ComputerDn(const std::string& name) {
  return "CN=" + name + ",CN=Computers,DC=example,DC=com";
}

std::string SambaServer::CreateUser(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& attributes) {
  std::string ldif = "dn: " + UserDn(name) +
                     "\nchangetype: add\nobjectClass: user\nsAMAccountName: " + name + "\n";
  for (const auto& [attribute, value] : attributes) {
    ldif.append(attribute).append(": ").append(value).append("\n");
  }
  return Modify(ldif);
}

std::string SambaServer::CreateComputer(const std::string& name, const std::string& dns_host_name) {
  // 4096: WORKSTATION_TRUST_ACCOUNT.
  return Modify("dn: " + ComputerDn(name) +
                "\nchangetype: add\nobjectClass: computer\nsAMAccountName: " + name +
                "$\nuserAccountControl: 4096\ndNSHostName: " + dns_host_name + "\n");
}

std::string SambaServer::CreateGroup(const std::string& name) {
  return Modify("dn: " + UserDn(name) +
                "\nchangetype: add\nobjectClass: group\nsAMAccountName: " + name + "\n");
}

std::string SambaServer::AddMember(const std::string& group_dn, const std::string& member_dn) {
  return Modify("dn: " + group_dn + "\nchangetype: modify\nadd: member\nmember: " + member_dn +
                "\n");
}

std::string SambaServer::SetAttribute(const std::string& dn, const std::string& attribute,
                                      const std::string& value) {
  std::string ldif = "dn: " + dn + "\nchangetype: modify\nreplace: " + attribute + "\n";
  if (!value.empty()) ldif += attribute + ": " + value + "\n";
  return Modify(ldif);
}

std::string SambaServer::ObjectSid(const std::string& dn) {
  return LdbValue(dn, "objectSid");
}

std::string SambaServer::ObjectGuid(const std::string& dn) {
  return LdbValue(dn, "objectGUID");
}

std::string SambaServer::LdbValue(const std::string& dn, const std::string& attribute) {
  CommandResult r = RunCommand({"ldbsearch", "-H", (dir_ / "private" / "sam.ldb").string(), "-b",
                                dn, "-s", "base", attribute},
                               "", kToolTimeout);
  if (r.exit_code != 0) return "";
  std::istringstream lines(r.output);
  std::string line;
  const std::string prefix = attribute + ": ";
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

}  // namespace openadcs::testing
