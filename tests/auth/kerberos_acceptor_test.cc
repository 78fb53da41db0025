#include "openadcs/auth/kerberos_acceptor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "testing/nobody.h"
#include "testing/pki.h"

namespace openadcs::auth {
namespace {

// As nobody, without root's groups: the acceptor from `keytab`, its status
// printed; exits 0 when it was refused as unavailable.
[[noreturn]] void AcceptorAsNobody(const std::filesystem::path& keytab) {
  testing::BecomeNobody();
  KerberosAcceptorOptions options;
  options.keytab = keytab;
  options.realm = "EXAMPLE.COM";
  options.netbios_domain_name = "EXAMPLE";
  const Status status = NewKerberosAcceptor(options).status();
  std::fprintf(stderr, "%s\n", status.message().c_str());
  std::_Exit(status.code() == StatusCode::kUnavailable ? 0 : 1);
}

// A keytab root keeps to itself, as an operator leaves it beside a unit
// with DynamicUser=: the start says it cannot be read, and why, rather than
// MIT's "nonexistent or empty".
TEST(KerberosAcceptorTest, AKeytabTheDaemonsUserCannotReadIsNamedWithTheReason) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to become another user";
  const testing::TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all |
                                               std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_exec);
  const std::filesystem::path keytab = dir.path() / "ca.keytab";
  { std::ofstream(keytab) << "not read"; }
  std::filesystem::permissions(
      keytab, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EXIT(AcceptorAsNobody(keytab), ::testing::ExitedWithCode(0),
              "Kerberos keytab .*/ca.keytab cannot be read: Permission denied \\(the daemon's "
              "user must read it; under systemd, LoadCredential=\\)");
}

}  // namespace
}  // namespace openadcs::auth
