// The parts a CA engine stands on, made for a test under one directory: a
// fresh CA key and certificate, a SQLite store and the sample LDIF templates.
// Header-only because these need openadcs_ca's layers, which the test
// binaries using them link and openadcs_testing (util and gtest) does not.
//
// Each Open* fills its out-parameters or fails the running test fatally;
// call it under ASSERT_NO_FATAL_FAILURE so that the caller stops too.
#ifndef OPENADCS_TESTS_TESTING_TEST_CA_H_
#define OPENADCS_TESTS_TESTING_TEST_CA_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <utility>

#include "openadcs/db/sqlite_store.h"
#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/pki/ca_identity.h"

namespace openadcs::testing {

// A CA kept under `dir`, named as the sample templates' enrollment service
// ("openadcs-CA") expects. ECDSA P-256 because it is quick to generate.
inline pki::CaIdentityOptions TestCaIdentityOptions(const std::filesystem::path& dir) {
  pki::CaIdentityOptions o;
  o.key_file = dir / "ca.key";
  o.cert_file = dir / "ca.crt";
  o.algorithm = pki::KeyAlgorithm::kEcdsaP256;
  o.subject = "CN=openadcs-CA,DC=example,DC=com";
  return o;
}

inline void OpenCaIdentity(const pki::CaIdentityOptions& options,
                           std::unique_ptr<pki::CaIdentity>* out) {
  auto id = pki::CaIdentity::LoadOrCreate(options);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  *out = std::move(id).value();
}

// The identity TestCaIdentityOptions(dir) names, the store ca.db under
// `dir` and, unless `templates` is null, the templates of config/templates
// in the source tree as served to openadcs-CA.
inline void OpenTestCa(const std::filesystem::path& dir, std::unique_ptr<pki::CaIdentity>* identity,
                       std::unique_ptr<db::CaStore>* store,
                       std::unique_ptr<directory::TemplateSource>* templates = nullptr) {
  ASSERT_NO_FATAL_FAILURE(OpenCaIdentity(TestCaIdentityOptions(dir), identity));
  auto opened = db::OpenSqliteStore({dir / "ca.db"});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  *store = std::move(opened).value();
  if (templates == nullptr) return;
  auto source = directory::OpenLdifTemplateSource(
      {std::filesystem::path(OPENADCS_SOURCE_DIR) / "config" / "templates", "openadcs-CA"});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  *templates = std::move(source).value();
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_TEST_CA_H_
