// A throwaway Samba AD DC for tests: a domain EXAMPLE.COM (so the DNs are
// those of ldap_slapd.h, DC=example,DC=com) provisioned with samba-tool into
// a temporary folder, every path of its smb.conf inside that folder, the
// sample templates and enrollment service of config/templates/ added
// offline, and `samba -i -M single` (with the default prefork model change
// notifications arrive seconds late) serving LDAP, Kerberos (the KDC on
// 127.0.0.1:88) and winbindd (see the winbind block below).
//
// Samba's ports are fixed (389, 636, 3268, 3269): one instance per network
// namespace. Run the test binary under `unshare -n` (tests/CMakeLists.txt
// does); Start fails when port 389 is taken. Provisioning takes seconds to
// a minute: provision once per test binary and share the server. The
// server is a child of the test process; every wait is bounded.
#ifndef OPENADCS_TESTS_TESTING_LDAP_SAMBA_H_
#define OPENADCS_TESTS_TESTING_LDAP_SAMBA_H_

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testing/daemon_process.h"
#include "testing/ldap_slapd.h"

namespace openadcs::testing {

class SambaServer {
 public:
  // Provisions the domain in `dir` (which must exist and be empty), adds the
  // sample templates and starts samba. Null with the reason in *error when
  // it cannot.
  static std::unique_ptr<SambaServer> Start(const std::filesystem::path& dir, std::string* error);
  ~SambaServer();  // stops the server
  SambaServer(const SambaServer&) = delete;
  SambaServer& operator=(const SambaServer&) = delete;

  static std::string uri() { return "ldap://127.0.0.1"; }
  // Simple bind as the domain administrator (Samba takes the UPN).
  static std::string admin_dn() { return "Administrator@example.com"; }
  std::filesystem::path password_file() const { return dir_ / "admin-password"; }

  // SIGTERM, then waits for the exit. True when it stopped.
  bool Stop();
  // Starts it again on the same database; true once it answers LDAP.
  bool Restart();
  bool running() const { return process_ != nullptr; }

  // ldapmodify as the administrator with `ldif` (change records). Empty on
  // success, else the tool's output.
  std::string Modify(const std::string& ldif);
  // ldbmodify on the stopped server's sam.ldb (an offline change).
  std::string ModifyOffline(const std::string& ldif);
  // ldapsearch -LLL as the administrator; the LDIF it prints.
  CommandResult Search(const std::string& base, const std::string& scope,
                       const std::string& filter);

  // Kerberos
  static std::string realm() { return "EXAMPLE.COM"; }
  static std::string netbios_domain() { return "EXAMPLE"; }
  // A krb5.conf naming the KDC on 127.0.0.1 (for KRB5_CONFIG), written at
  // Start.
  std::filesystem::path krb5_conf() const { return dir_ / "krb5.conf"; }
  // samba-tool user create over LDAP as the administrator. Empty on
  // success, else the tool's output.
  std::string AddUser(const std::string& name, const std::string& password);
  // samba-tool user setpassword: a new key version for `name`.
  std::string SetPassword(const std::string& name, const std::string& password);
  // samba-tool spn add: `spn` ("HOST/ca.example.com") names `account`.
  std::string AddSpn(const std::string& account, const std::string& spn);
  // samba-tool domain exportkeytab of `principal`'s current keys into
  // `keytab` (read from the local sam.ldb; the server may run).
  std::string ExportKeytab(const std::filesystem::path& keytab, const std::string& principal);
  // MIT kinit as `user`@EXAMPLE.COM into `ccache`, then kvno: a service
  // ticket to each of `services` ("host/ca.example.com") in the same cache.
  // Empty on success, else the tools' output.
  std::string GetTickets(const std::string& user, const std::string& password,
                         const std::filesystem::path& ccache,
                         const std::vector<std::string>& services);
  // The same with `principal`'s keys from `keytab` (kinit -k): for an
  // account whose password is not known, such as the DC's own (DC1$).
  std::string GetTicketsWithKeytab(const std::string& principal,
                                   const std::filesystem::path& keytab,
                                   const std::filesystem::path& ccache,
                                   const std::vector<std::string>& services);

  // winbind
  //
  // samba runs winbindd too, its socket in <dir>/winbindd. libwbclient looks
  // only at the compiled-in /run/samba/winbindd (its environment override
  // needs nss_wrapper preloaded), so this bind-mounts the server's socket
  // directory there. That is only done in a private mount namespace: run
  // the test binary under `unshare -n -m`. Then waits (bounded) until
  // winbindd reaches the domain controller (`wbinfo --ping-dc`). Empty on
  // success, else why not.
  std::string ExposeWinbind();
  // Waits (bounded) until winbindd reaches the domain controller again, as
  // after Restart. Empty once it does, else why not.
  std::string WaitForWinbind();
  // Stops winbindd (SIGSTOP) or lets it go on (SIGCONT): a domain's logon
  // service that stops answering, and recovers. Requests sent meanwhile
  // wait in its socket. Empty on success, else why not.
  std::string PauseWinbind();
  std::string ResumeWinbind();

  // Accounts: entries added and changed over LDAP as the administrator (a
  // user created so has no password and is disabled, which a lookup does
  // not mind). Each returns "" on success, else the tool's output. Tests
  // use names of their own (sAMAccountName: at most 20 characters) and
  // delete what they create (Modify(DeleteEntry(dn)), ldap_template_edits.h).
  static std::string UserDn(const std::string& name);      // CN=name,CN=Users,...
  static std::string ComputerDn(const std::string& name);  // CN=name,CN=Computers,...
  // A user with sAMAccountName `name` and `attributes` (e.g. mail).
  std::string CreateUser(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& attributes = {});
  // A workstation account: sAMAccountName name + "$", dNSHostName.
  std::string CreateComputer(const std::string& name, const std::string& dns_host_name);
  // A global security group under CN=Users.
  std::string CreateGroup(const std::string& name);
  std::string AddMember(const std::string& group_dn, const std::string& member_dn);
  // Replaces every value of `attribute`; an empty `value` removes it.
  std::string SetAttribute(const std::string& dn, const std::string& attribute,
                           const std::string& value);
  // The objectSid of `dn` in string form as ldbsearch prints it from the
  // database file (not over LDAP); "" when it cannot be read.
  std::string ObjectSid(const std::string& dn);
  // Its objectGUID the same way: 8-4-4-4-12 lower-case hex digits.
  std::string ObjectGuid(const std::string& dn);

 private:
  explicit SambaServer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  bool Launch(std::string* error);
  std::string SignalWinbind(int signal_number);
  // samba-tool `args` with our smb.conf, over LDAP as the administrator or
  // on the local database.
  CommandResult RunSambaTool(const std::vector<std::string>& args, bool over_ldap);
  // The same; empty on success, else its output.
  std::string SambaTool(const std::vector<std::string>& args, bool over_ldap);
  // The first value of `attribute` of `dn` as ldbsearch prints it; "".
  std::string LdbValue(const std::string& dn, const std::string& attribute);
  // kvno: a ticket to each of `services` into `ccache`.
  std::string GetServiceTickets(const std::filesystem::path& ccache,
                                const std::vector<std::string>& services);

  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_LDAP_SAMBA_H_
