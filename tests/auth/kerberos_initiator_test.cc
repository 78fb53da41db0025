// The Kerberos initiator's failures before any server is involved: no
// credential cache, a cache without tickets, a bad service principal. Each
// is a clear error naming the cause, never a crash. The handshake and the
// protection of PDUs run against Samba's KDC and our acceptor in
// tests/interop/dcom_kerberos_interop_test.cc.
#include "openadcs/auth/kerberos_initiator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "testing/pki.h"

namespace openadcs::auth {
namespace {

using ::testing::HasSubstr;

// MIT reads KRB5_CONFIG and KRB5CCNAME on each call: point them at files
// of the test for its duration, and put back what was there.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): the tests run on one thread.
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class KerberosInitiatorTest : public ::testing::Test {
 protected:
  KerberosInitiatorTest() : config_("KRB5_CONFIG", WriteConfig(dir_.path() / "krb5.conf")) {}

  static std::string WriteConfig(const std::filesystem::path& path) {
    std::ofstream(path) << "[libdefaults]\n default_realm = EXAMPLE.COM\n";
    return path.string();
  }

  // A FILE cache (format version 4, no header tags) whose client is
  // alice@EXAMPLE.COM and that holds no ticket, as after kdestroy-and-init.
  std::string EmptyCache() const {
    const std::filesystem::path path = dir_.path() / "empty.ccache";
    std::ofstream out(path, std::ios::binary);
    auto u32 = [&out](std::uint32_t v) {
      const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
      out.write(b, 4);
    };
    auto text = [&](const std::string& s) {
      u32(static_cast<std::uint32_t>(s.size()));
      out << s;
    };
    out.write("\x05\x04\x00\x00", 4);
    u32(1);  // KRB5_NT_PRINCIPAL
    u32(1);  // one component
    text("EXAMPLE.COM");
    text("alice");
    return path.string();
  }

  testing::TempDir dir_;
  ScopedEnvironment config_;
};

TEST_F(KerberosInitiatorTest, MissingCacheIsAClearError) {
  KerberosInitiatorOptions options;
  options.ccache = (dir_.path() / "missing.ccache").string();
  options.target = "host/ca.example.com";
  Result<std::unique_ptr<SecurityContext>> context = NewKerberosClientContext(options);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(context.status().message(),
              HasSubstr("no Kerberos credentials in credential cache " + options.ccache));
}

TEST_F(KerberosInitiatorTest, DefaultCacheComesFromKrb5ccname) {
  const std::string missing = (dir_.path() / "default.ccache").string();
  ScopedEnvironment cache("KRB5CCNAME", "FILE:" + missing);
  KerberosInitiatorOptions options;
  options.target = "host/ca.example.com";
  Result<std::unique_ptr<SecurityContext>> context = NewKerberosClientContext(options);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(context.status().message(), HasSubstr("the default credential cache"));
  EXPECT_THAT(context.status().message(), HasSubstr(missing));
}

TEST_F(KerberosInitiatorTest, CacheWithoutTicketsIsAClearError) {
  KerberosInitiatorOptions options;
  options.ccache = EmptyCache();
  options.target = "host/ca.example.com";
  Result<std::unique_ptr<SecurityContext>> context = NewKerberosClientContext(options);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(context.status().message(), HasSubstr(options.ccache));
}

TEST_F(KerberosInitiatorTest, RefusesAServicePrincipalWithoutAHost) {
  for (const char* target : {"", "host", "ca.example.com"}) {
    KerberosInitiatorOptions options;
    options.ccache = EmptyCache();
    options.target = target;
    Result<std::unique_ptr<SecurityContext>> context = NewKerberosClientContext(options);
    ASSERT_FALSE(context.ok()) << target;
    EXPECT_EQ(context.status().code(), StatusCode::kInvalidArgument) << target;
  }
}

}  // namespace
}  // namespace openadcs::auth
