// An engine on the LDAP template source of a test directory (a private slapd
// or the shared Samba, the test's parameter), with one template of the
// test's own, listed by the sample enrollment service while the test runs,
// so the shared Samba keeps its samples.
#ifndef OPENADCS_TESTS_DIRECTORY_ENGINE_ENGINE_ON_DIRECTORY_H_
#define OPENADCS_TESTS_DIRECTORY_ENGINE_ENGINE_ON_DIRECTORY_H_

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "directory_engine/shared_samba.h"
#include "openadcs/ca/engine.h"
#include "openadcs/directory/ldap_template_source.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::testing {

class EngineOnDirectoryTest : public ::testing::TestWithParam<Server> {
 protected:
  static constexpr std::chrono::seconds kChangeTimeout{10};

  // `name`: the test's template, added by `ldif` (NewTemplate) at SetUp and
  // removed at TearDown.
  EngineOnDirectoryTest(std::string name, std::string ldif)
      : name_(std::move(name)), ldif_(std::move(ldif)) {}

  void SetUp() override {
    directory::LdapTemplateSourceOptions options;
    options.enrollment_service = "openadcs-CA";
    std::string error;
    ASSERT_TRUE(StartTestDirectory(GetParam(), dir_.path(), &options, &server_, &error)) << error;
    modify_ = server_.modify;
    ASSERT_EQ(modify_(ldif_), "");
    ASSERT_EQ(modify_(ListTemplate(name_)), "");

    auto templates = directory::OpenLdapTemplateSource(options);
    ASSERT_TRUE(templates.ok()) << templates.status().ToString();
    templates_ = std::move(templates).value();
    ASSERT_NO_FATAL_FAILURE(OpenTestCa(dir_.path(), &identity_, &store_));
    ASSERT_NO_FATAL_FAILURE(OpenTestCaSecurity(*store_, &security_));
    engine_ = std::make_unique<ca::Engine>(ca::EngineOptions{}, *identity_, *store_, *templates_,
                                           nullptr, *security_);
    key_ = MakeRsaKey(2048);
  }

  void TearDown() override {
    if (modify_) {
      templates_.reset();  // no reload races the clean-up
      modify_(ListTemplate(name_, "delete"));
      modify_(DeleteEntry(TemplateDn(name_)));
    }
  }

  // Applies `ldif` and waits until the engine's source serves the result.
  void Change(const std::string& ldif) {
    const std::uint64_t before = templates_->State().generation;
    ASSERT_EQ(modify_(ldif), "");
    ASSERT_TRUE(templates_->WaitForGeneration(before, kChangeTimeout)) << ldif;
  }

  // A request for the test's template from `caller`, subject CN=`common_name`.
  ca::SubmitResult Submit(const ca::Caller& caller, const std::string& common_name) {
    CsrSpec spec;
    spec.subject = {{"CN", common_name}};
    ca::SubmitRequest r;
    r.request = MakeCsrDer(key_.get(), spec);
    r.attributes = "CertificateTemplate:" + name_;
    r.caller = caller;
    r.authority = "openadcs-CA";
    return engine_->Submit(r);
  }

  const std::string name_;
  const std::string ldif_;
  TempDir dir_;
  TestDirectory server_;
  std::function<std::string(const std::string&)> modify_;
  std::unique_ptr<directory::LdapTemplateSource> templates_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<ca::CaSecurity> security_;
  std::unique_ptr<ca::Engine> engine_;
  ossl::PKeyPtr key_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_DIRECTORY_ENGINE_ENGINE_ON_DIRECTORY_H_
