// The fixture of the engine tests: a CA under a temporary directory (key,
// certificate, SQLite store, sample templates), its CA security, an Engine
// whose clock is now_, an RSA key for requests and the test callers.
// Header-only for the reason test_ca.h gives.
//
// Contract: SetUp opens the CA, calls OpenSecurity() (default
// OpenTestCaSecurity: TestAdmin() Admin, TestOfficer() Officer) and, unless
// StartsEngine() is false, StartEngine(Options()). A test that needs other
// EngineOptions overrides Options(), or returns false from StartsEngine() and
// calls StartEngine itself. now_ may be moved by the test at any time.
#ifndef OPENADCS_TESTS_TESTING_ENGINE_FIXTURE_H_
#define OPENADCS_TESTS_TESTING_ENGINE_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "openadcs/ca/engine.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::testing {

class EngineTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenTestCa(dir_.path(), &identity_, &store_, &templates_));
    ASSERT_NO_FATAL_FAILURE(OpenSecurity());
    if (StartsEngine()) StartEngine(Options());
    key_ = MakeRsaKey(2048);
  }

  // Fills security_ from store_; fails the test fatally if it cannot.
  virtual void OpenSecurity() { OpenTestCaSecurity(*store_, &security_); }
  // The options of the engine SetUp starts.
  virtual ca::EngineOptions Options() const { return {}; }
  // Whether SetUp starts the engine (false: the test calls StartEngine).
  virtual bool StartsEngine() const { return true; }

  // (Re)places engine_ by one with `options` on this CA, clocked by now_.
  void StartEngine(const ca::EngineOptions& options) {
    engine_ = std::make_unique<ca::Engine>(options, *identity_, *store_, *templates_, lookup_,
                                           *security_, [this] { return now_; });
  }

  // Submits `request` with `attributes` as `caller` to openadcs-CA.
  ca::SubmitResult SubmitAs(const ca::Caller& caller, const Bytes& request,
                            const std::string& attributes) {
    ca::SubmitRequest r;
    r.request = request;
    r.attributes = attributes;
    r.caller = caller;
    r.authority = "openadcs-CA";
    return engine_->Submit(r);
  }
  ca::SubmitResult Submit(const Bytes& request, const std::string& attributes) {
    return SubmitAs(requester_, request, attributes);
  }

  // A CSR of key_ for CN=`cn`.
  Bytes Csr(const std::string& cn) {
    CsrSpec s;
    s.subject = {{"CN", cn}};
    return MakeCsrDer(key_.get(), s);
  }

  // The engine's directory: none unless a test sets one before StartEngine.
  directory::IdentityLookup* lookup_ = nullptr;
  TempDir dir_;
  std::int64_t now_ = 1'800'000'000;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<directory::TemplateSource> templates_;
  std::unique_ptr<ca::CaSecurity> security_;
  std::unique_ptr<ca::Engine> engine_;
  ossl::PKeyPtr key_;
  const ca::Caller officer_ = TestOfficer();
  const ca::Caller requester_ = TestRequester();
  const ca::Caller admin_ = TestAdmin();
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_ENGINE_FIXTURE_H_
