// The NTLM acceptor of the auth tests (header-only: tests/CMakeLists.txt
// builds only *_test.cc files into auth_test): one user file and one
// acceptor for the whole binary, made on first use; tests add their own
// users.
#ifndef OPENADCS_TESTS_AUTH_NTLM_TEST_ENVIRONMENT_H_
#define OPENADCS_TESTS_AUTH_NTLM_TEST_ENVIRONMENT_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

#include "openadcs/auth/ntlm_acceptor.h"
#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/auth/security_context.h"
#include "openadcs/auth/user_file.h"
#include "testing/pki.h"

namespace openadcs::testing {

class NtlmEnvironment {
 public:
  static constexpr const char* kComputer = "CATESTHOST";
  static constexpr const char* kDomain = "TESTDOM";
  static constexpr const char* kDnsDomain = "testdom.example";

  static NtlmEnvironment& Get() {
    // Destroyed at exit, which removes the file.
    static NtlmEnvironment environment;
    return environment;
  }

  auth::Acceptor& acceptor() { return *acceptor_; }
  const std::filesystem::path& user_file() const { return user_file_; }
  // Adds (or re-passwords) DOMAIN\user in the shared user file.
  Status AddUser(std::string_view domain, std::string_view user, std::string_view password) {
    auto file = auth::UserFile::Load(user_file_);
    if (!file.ok()) return file.status();
    Status status = file->Add(domain, user, password);
    if (status.code() == StatusCode::kAlreadyExists) {
      status = file->SetPassword(domain, user, password);
    }
    OPENADCS_RETURN_IF_ERROR(status);
    return file->Save();
  }

 private:
  NtlmEnvironment() : user_file_(dir_.path() / "users") {
    auth::NtlmAcceptorOptions options;
    options.verifier = auth::NewUserFileVerifier({user_file_, kDomain, kDnsDomain});
    options.netbios_computer_name = kComputer;
    options.netbios_domain_name = kDomain;
    options.dns_domain_name = kDnsDomain;
    auto acceptor = auth::NewNtlmAcceptor(options);
    if (!acceptor.ok()) {
      ADD_FAILURE() << acceptor.status().ToString();
      std::abort();
    }
    acceptor_ = std::move(*acceptor);
  }
  TempDir dir_;
  std::filesystem::path user_file_;
  std::unique_ptr<auth::Acceptor> acceptor_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_AUTH_NTLM_TEST_ENVIRONMENT_H_
