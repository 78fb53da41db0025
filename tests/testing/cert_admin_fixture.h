// The fixture of the CCertAdminD tests: a CertAdminObject on a real engine
// (a CA under a temporary directory, its SQLite store, the sample templates,
// the test CA security), called with stubs from the client-side encoders as
// the DCOM runtime would call it. Header-only for the reason test_ca.h gives.
//
// Contract: SetUp opens the CA and its security, an Engine with the default
// EngineOptions, the object with Options() (its open-view counter sized by
// Options().max_open_views_per_client, shared as views_) and acts as
// InitialCaller() through who_. A test replaces object_ or calls ActAs at will.
#ifndef OPENADCS_TESTS_TESTING_CERT_ADMIN_FIXTURE_H_
#define OPENADCS_TESTS_TESTING_CERT_ADMIN_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "openadcs/ca/engine.h"
#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/services/cert_admin_service.h"
#include "testing/call_result.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::testing {

class CertAdminTestBase : public ::testing::Test {
 protected:
  using Op = idl::icert_admin_d2::Opnum;

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenTestCa(dir_.path(), &identity_, &store_, &templates_));
    ASSERT_NO_FATAL_FAILURE(OpenTestCaSecurity(*store_, &security_));
    engine_ = std::make_unique<ca::Engine>(ca::EngineOptions{}, *identity_, *store_, *templates_,
                                           nullptr, *security_);
    const services::CertAdminOptions options = Options();
    views_ = std::make_shared<services::OpenViewCounter>(options.max_open_views_per_client);
    object_ = std::make_unique<services::CertAdminObject>(*engine_, options, views_);
    ActAs(InitialCaller());
  }

  // The options of the object SetUp makes.
  virtual services::CertAdminOptions Options() const { return {}; }
  // Whom SetUp acts as.
  virtual ca::Caller InitialCaller() const { return TestAdmin(); }

  // The calls that follow come from `caller`, authenticated as `who`
  // (who_ unless given), at privacy level, from 127.0.0.1.
  void ActAs(auth::Identity& who, const ca::Caller& caller) {
    const std::size_t slash = caller.name.find('\\');
    who = {caller.name.substr(0, slash), caller.name.substr(slash + 1), caller.sid,
           caller.group_sids};
    ctx_.client = &who;
    ctx_.auth_level = auth::AuthLevel::kPrivacy;
    ctx_.peer_address = "127.0.0.1";
  }
  void ActAs(const ca::Caller& caller) { ActAs(who_, caller); }

  // Calls ICertAdminD2 method `op` with `stub`.
  rpc::CallResult Call(Op op, const Bytes& stub) {
    return testing::AsSent(
        object_->Call(ctx_, object_->interfaces()[1], static_cast<std::uint16_t>(op), stub));
  }

  // The HRESULT `op` answers (0xFFFFFFFF, and a failure, when the answer
  // is a fault or does not decode).
  std::uint32_t HresultOf(Op op, const Bytes& stub) {
    rpc::CallResult r = Call(op, stub);
    EXPECT_EQ(r.fault_status, 0u);
    auto out = ndr::orpc::DecodeHresultResponse(r.stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? out->hresult : 0xFFFFFFFF;
  }

  TempDir dir_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<directory::TemplateSource> templates_;
  std::unique_ptr<ca::CaSecurity> security_;
  std::unique_ptr<ca::Engine> engine_;
  std::shared_ptr<services::OpenViewCounter> views_;
  std::unique_ptr<services::CertAdminObject> object_;
  auth::Identity who_;
  rpc::CallContext ctx_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_CERT_ADMIN_FIXTURE_H_
