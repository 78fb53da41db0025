// What the directory tests look at: served template names, every field of a
// template in one comparable line, the log lines a source writes, and how a
// source's templates compare with what ldapsearch exports.
// Header-only: it needs the directory layer, which openadcs_testing does not
// link.
#ifndef OPENADCS_TESTS_TESTING_TEMPLATE_INSPECTION_H_
#define OPENADCS_TESTS_TESTING_TEMPLATE_INSPECTION_H_

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "openadcs/directory/certificate_template.h"
#include "openadcs/directory/ldif_template_source.h"
#include "testing/daemon_process.h"
#include "testing/ldap_slapd.h"
#include "testing/occurrences.h"

namespace openadcs::testing {

// The templates config/templates/ serves: all but SubCA and EnrollmentAgent,
// which its enrollment service does not list.
inline const std::vector<std::string> kSampleTemplateNames = {"User",
                                                              "Machine",
                                                              "WebServer",
                                                              "OfficerApproval",
                                                              "AutoIssueSubject",
                                                              "Workstation",
                                                              "DomainController",
                                                              "KerberosAuthentication"};

// Routes spdlog's default logger to memory for its lifetime.
class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)),
        previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string Text() const {
    std::string all;
    for (const std::string& line : sink_->last_formatted()) all += line;
    return all;
  }
  // How many times `what` occurs in Text().
  std::size_t Count(const std::string& what) const { return Occurrences(Text(), what); }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

inline std::vector<std::string> TemplateNames(const directory::TemplateSnapshot& snapshot) {
  std::vector<std::string> names;
  for (const directory::CertificateTemplate& t : snapshot.templates()) names.push_back(t.name);
  return names;
}

// Every field of the model, for whole-template comparisons.
inline std::string DescribeTemplate(const directory::CertificateTemplate& t) {
  const auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += x + ";";
    return s;
  };
  return fmt::format("{}|{}|{}|{}|{}.{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                     t.name, t.display_name, t.oid, t.schema_version, t.major_revision,
                     t.minor_revision, t.general_flags, t.enrollment_flags, t.name_flags,
                     t.private_key_flags, t.minimal_key_size, t.ra_signature,
                     list(t.ra_application_policies), list(t.ra_policies), t.default_key_spec,
                     t.key_usage.value_or(0xffff), t.max_issuing_depth, list(t.critical_extensions),
                     t.validity_seconds, t.overlap_seconds, list(t.extended_key_usage),
                     list(t.application_policies), list(t.certificate_policies),
                     list(t.supersede_templates), list(t.default_csps));
}

// What the LDAP source loaded (`loaded`) is what the LDIF source reads from
// ldapsearch's export of the same container and enrollment service, field by
// field. `server` is the test's directory (slapd or Samba: anything with
// Search(base, scope, filter)); the export is written under `dir`.
template <typename Server>
void ExpectSameAsLdapsearchExport(const directory::TemplateSnapshot& loaded, Server& server,
                                  const std::filesystem::path& dir) {
  const std::filesystem::path exported = dir / "export";
  std::filesystem::create_directory(exported);
  const CommandResult templates =
      server.Search(kExampleTemplatesDn, "one", "(objectClass=pKICertificateTemplate)");
  const CommandResult service = server.Search(kExampleServiceDn, "base", "(objectClass=*)");
  ASSERT_EQ(templates.exit_code, 0) << templates.output;
  ASSERT_EQ(service.exit_code, 0) << service.output;
  std::ofstream(exported / "all.ldif") << templates.output << "\n" << service.output;
  Result<std::unique_ptr<directory::TemplateSource>> ldif =
      directory::OpenLdifTemplateSource({exported, "openadcs-CA"});
  ASSERT_TRUE(ldif.ok()) << ldif.status().ToString();
  std::vector<std::string> from_ldap;
  std::vector<std::string> from_ldapsearch;
  for (const directory::CertificateTemplate& t : loaded.templates()) {
    from_ldap.push_back(DescribeTemplate(t));
  }
  for (const directory::CertificateTemplate& t : (*ldif)->Current()->templates()) {
    from_ldapsearch.push_back(DescribeTemplate(t));
  }
  EXPECT_THAT(from_ldap, ::testing::UnorderedElementsAreArray(from_ldapsearch));
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_TEMPLATE_INSPECTION_H_
