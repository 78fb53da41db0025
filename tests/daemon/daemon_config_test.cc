#include "openadcs/daemon/daemon_config.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "openadcs/daemon/component_options.h"
#include "testing/pki.h"

namespace openadcs::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Status ParseError(std::string_view text) {
  Result<DaemonConfig> config = ParseConfig(text, "test.toml");
  EXPECT_FALSE(config.ok()) << "parsed: " << text;
  return config.status();
}

TEST(DaemonConfigTest, EmptyFileGivesTheEmbeddedDefault) {
  Result<DaemonConfig> config = ParseConfig("", "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ca.subject, "CN=openadcs Root CA");
  EXPECT_EQ(config->ca.key_algorithm, pki::KeyAlgorithm::kRsa3072);
  EXPECT_EQ(config->ca.validity_days, 3650u);
  EXPECT_EQ(config->ca.digest, "SHA256");
  EXPECT_TRUE(config->ca.chain_file.empty());
  EXPECT_TRUE(config->ca.passphrase_file.empty());
  EXPECT_EQ(config->state.dir, "/var/lib/openadcs");
  EXPECT_TRUE(config->database.synchronous_full);
  EXPECT_EQ(config->database.busy_timeout_ms, 5000u);
  EXPECT_EQ(config->templates.source, "ldif");
  EXPECT_EQ(config->templates.directory, "/etc/openadcs/templates");
  EXPECT_EQ(config->templates.enrollment_service, "");
  EXPECT_FALSE(config->policy.allow_san_attribute);
  EXPECT_TRUE(config->policy.enforce_template_permissions);
  EXPECT_EQ(config->policy.enrollee_subject_sid, ca::EnrolleeSubjectSid::kRequester);
  EXPECT_EQ(config->policy.max_request_bytes, 64u * 1024);
  EXPECT_EQ(config->policy.clock_skew_seconds, 600u);
  EXPECT_EQ(config->policy.serial_bytes, 19u);
  EXPECT_EQ(config->policy.max_requests_per_hour, 1000u);
  EXPECT_EQ(config->policy.max_stored_bytes, 256u * 1024 * 1024);
  EXPECT_EQ(config->crl.period_hours, 168u);
  EXPECT_EQ(config->crl.overlap_hours, 12u);
  EXPECT_TRUE(config->crl.distribution_points.empty());
  EXPECT_TRUE(config->crl.aia_ca_issuers.empty());
  EXPECT_EQ(config->crl.delta_period_hours, 0u);  // no delta CRLs
  EXPECT_EQ(config->crl.delta_overlap_hours, 1u);
  EXPECT_TRUE(config->crl.delta_distribution_points.empty());
  EXPECT_EQ(config->log.level, "info");

  // The defaults of the paths live in the state directory.
  EXPECT_EQ(SqliteStoreOptionsFrom(*config).path, "/var/lib/openadcs/ca.db");
  EXPECT_EQ(CrlPublishPath(*config), "/var/lib/openadcs/ca.crl");
  EXPECT_EQ(DeltaCrlPublishPath(*config), "/var/lib/openadcs/ca-delta.crl");
  EXPECT_EQ(CaIdentityOptionsFrom(*config).key_file, "/var/lib/openadcs/ca-key.pem");
  EXPECT_EQ(CaIdentityOptionsFrom(*config).cert_file, "/var/lib/openadcs/ca-cert.pem");
}

TEST(DaemonConfigTest, EveryKeyOfEverySection) {
  Result<DaemonConfig> config = ParseConfig(R"(
[ca]
subject = "CN=Example Issuing CA,O=Example,C=DE"
key_algorithm = "ECDSA-P384"
key_file = "keys/ca.key"
cert_file = "/etc/openadcs/ca.pem"
chain_file = "chain.pem"
passphrase_file = "/run/credentials/openadcsd/passphrase"
validity_days = 730
digest = "sha384"

[state]
dir = "/srv/openadcs"

[database]
path = "db/ca.sqlite"
synchronous = "normal"
busy_timeout_ms = 250

[templates]
source = "ldif"
directory = "/srv/templates"
enrollment_service = "Example-CA"

[policy]
allow_san_attribute = true
template_permissions = "Ignore"
enrollee_subject_sid = "from-request"
max_request_bytes = 1024
clock_skew_seconds = 0
serial_bytes = 16
max_requests_per_hour = 0
max_stored_bytes = 1099511627776

[crl]
period_hours = 24
overlap_hours = 2
publish_path = "/srv/www/ca.crl"
distribution_points = ["http://pki.example.com/ca.crl", "ldap:///CN=Example"]
aia_ca_issuers = ["http://pki.example.com/ca.crt"]
delta_period_hours = 4
delta_overlap_hours = 0
delta_publish_path = "/srv/www/ca-delta.crl"
delta_distribution_points = ["http://pki.example.com/ca-delta.crl"]

[log]
level = "debug"
)",
                                            "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ca.subject, "CN=Example Issuing CA,O=Example,C=DE");
  EXPECT_EQ(config->ca.key_algorithm, pki::KeyAlgorithm::kEcdsaP384);
  EXPECT_EQ(config->ca.validity_days, 730u);
  EXPECT_EQ(config->ca.digest, "SHA384");
  EXPECT_EQ(config->state.dir, "/srv/openadcs");
  EXPECT_FALSE(config->database.synchronous_full);
  EXPECT_EQ(config->templates.enrollment_service, "Example-CA");
  EXPECT_TRUE(config->policy.allow_san_attribute);
  EXPECT_FALSE(config->policy.enforce_template_permissions);
  EXPECT_EQ(config->policy.enrollee_subject_sid, ca::EnrolleeSubjectSid::kFromRequest);
  EXPECT_EQ(config->policy.max_request_bytes, 1024u);
  EXPECT_EQ(config->policy.clock_skew_seconds, 0u);
  EXPECT_EQ(config->policy.serial_bytes, 16u);
  EXPECT_EQ(config->policy.max_requests_per_hour, 0u);
  EXPECT_EQ(config->policy.max_stored_bytes, std::uint64_t{1} << 40);
  EXPECT_EQ(config->log.level, "debug");

  const pki::CaIdentityOptions identity = CaIdentityOptionsFrom(*config);
  EXPECT_EQ(identity.key_file, "/srv/openadcs/keys/ca.key");
  EXPECT_EQ(identity.cert_file, "/etc/openadcs/ca.pem");
  EXPECT_EQ(identity.chain_file, "/srv/openadcs/chain.pem");
  EXPECT_EQ(identity.passphrase_file, "/run/credentials/openadcsd/passphrase");
  EXPECT_EQ(identity.algorithm, pki::KeyAlgorithm::kEcdsaP384);
  EXPECT_EQ(identity.subject, "CN=Example Issuing CA,O=Example,C=DE");
  EXPECT_EQ(identity.validity_days, 730u);
  EXPECT_EQ(identity.digest, "SHA384");

  const db::SqliteStoreOptions store = SqliteStoreOptionsFrom(*config);
  EXPECT_EQ(store.path, "/srv/openadcs/db/ca.sqlite");
  EXPECT_FALSE(store.synchronous_full);
  EXPECT_EQ(store.busy_timeout, std::chrono::milliseconds(250));

  const directory::LdifTemplateSourceOptions templates = LdifTemplateSourceOptionsFrom(*config);
  EXPECT_EQ(templates.directory, "/srv/templates");
  EXPECT_EQ(templates.enrollment_service, "Example-CA");

  const ca::EngineOptions engine = EngineOptionsFrom(*config);
  EXPECT_EQ(engine.limits.max_request_bytes, 1024u);
  EXPECT_TRUE(engine.allow_san_attribute);
  EXPECT_FALSE(engine.enforce_template_permissions);
  EXPECT_EQ(engine.enrollee_subject_sid, ca::EnrolleeSubjectSid::kFromRequest);
  EXPECT_EQ(engine.clock_skew, std::chrono::seconds(0));
  EXPECT_EQ(engine.crl_period, std::chrono::hours(24));
  EXPECT_EQ(engine.crl_overlap, std::chrono::hours(2));
  EXPECT_EQ(engine.serial_bytes, 16u);
  EXPECT_EQ(engine.quota.max_requests_per_hour, 0u);
  EXPECT_EQ(engine.quota.max_stored_bytes, std::uint64_t{1} << 40);
  EXPECT_THAT(engine.crl_distribution_points,
              ::testing::ElementsAre("http://pki.example.com/ca.crl", "ldap:///CN=Example"));
  EXPECT_THAT(engine.aia_ca_issuers, ::testing::ElementsAre("http://pki.example.com/ca.crt"));
  EXPECT_EQ(engine.crl_delta_period, std::chrono::hours(4));
  EXPECT_EQ(engine.crl_delta_overlap, std::chrono::hours(0));
  EXPECT_THAT(engine.delta_crl_distribution_points,
              ::testing::ElementsAre("http://pki.example.com/ca-delta.crl"));

  EXPECT_EQ(CrlPublishPath(*config), "/srv/www/ca.crl");
  EXPECT_EQ(DeltaCrlPublishPath(*config), "/srv/www/ca-delta.crl");
}

TEST(DaemonConfigTest, EveryKeyAlgorithmName) {
  const std::pair<const char*, pki::KeyAlgorithm> cases[] = {
      {"rsa2048", pki::KeyAlgorithm::kRsa2048},      {"rsa3072", pki::KeyAlgorithm::kRsa3072},
      {"rsa4096", pki::KeyAlgorithm::kRsa4096},      {"ecdsa-p256", pki::KeyAlgorithm::kEcdsaP256},
      {"ecdsa-p384", pki::KeyAlgorithm::kEcdsaP384},
  };
  for (const auto& [name, algorithm] : cases) {
    Result<DaemonConfig> config =
        ParseConfig(std::string("[ca]\nkey_algorithm = \"") + name + "\"\n", "test.toml");
    ASSERT_TRUE(config.ok()) << name << ": " << config.status().ToString();
    EXPECT_EQ(config->ca.key_algorithm, algorithm) << name;
  }
  EXPECT_THAT(ParseError("[ca]\nkey_algorithm = \"dsa1024\"\n").message(),
              HasSubstr("ca.key_algorithm"));
}

TEST(DaemonConfigTest, UnknownKeyIsNamedWithItsLine) {
  const Status status = ParseError("[policy]\nserial_bytes = 16\nmax_request_byte = 2048\n");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith("test.toml:3:"));
  EXPECT_THAT(status.message(), HasSubstr("policy.max_request_byte: unknown key"));
}

TEST(DaemonConfigTest, UnknownSectionIsNamed) {
  EXPECT_THAT(ParseError("[polcy]\nserial_bytes = 16\n").message(), HasSubstr("polcy"));
  EXPECT_THAT(ParseError("level = \"info\"\n").message(), HasSubstr("level"));
}

TEST(DaemonConfigTest, SectionThatIsNotATable) {
  EXPECT_THAT(ParseError("ca = \"x\"\n").message(), HasSubstr("ca: expected a table"));
}

TEST(DaemonConfigTest, WrongTypeIsNamed) {
  EXPECT_THAT(ParseError("[policy]\nmax_request_bytes = \"64k\"\n").message(),
              HasSubstr("policy.max_request_bytes: expected an integer, got a string"));
  EXPECT_THAT(ParseError("[policy]\nallow_san_attribute = 1\n").message(),
              HasSubstr("policy.allow_san_attribute: expected a boolean, got an integer"));
  EXPECT_THAT(ParseError("[ca]\nsubject = 5\n").message(),
              HasSubstr("ca.subject: expected a string"));
  EXPECT_THAT(ParseError("[crl]\ndistribution_points = \"http://x/ca.crl\"\n").message(),
              HasSubstr("crl.distribution_points: expected an array of strings"));
  EXPECT_THAT(ParseError("[crl]\naia_ca_issuers = [1]\n").message(),
              HasSubstr("crl.aia_ca_issuers: expected a string, got an integer"));
  EXPECT_THAT(ParseError("[crl]\nperiod_hours = 1.5\n").message(),
              HasSubstr("crl.period_hours: expected an integer, got a float"));
}

TEST(DaemonConfigTest, OutOfRangeIsNamedWithTheRange) {
  EXPECT_THAT(ParseError("[policy]\nmax_request_bytes = 1023\n").message(),
              HasSubstr("policy.max_request_bytes: 1023 is out of range [1024, 1048576]"));
  EXPECT_THAT(ParseError("[policy]\nmax_request_bytes = 1048577\n").message(),
              HasSubstr("policy.max_request_bytes"));
  EXPECT_THAT(ParseError("[policy]\nserial_bytes = 15\n").message(),
              HasSubstr("policy.serial_bytes: 15 is out of range [16, 20]"));
  EXPECT_THAT(ParseError("[policy]\nserial_bytes = 21\n").message(),
              HasSubstr("policy.serial_bytes"));
  EXPECT_THAT(ParseError("[policy]\nclock_skew_seconds = -1\n").message(),
              HasSubstr("policy.clock_skew_seconds"));
  EXPECT_THAT(ParseError("[policy]\nmax_requests_per_hour = -1\n").message(),
              HasSubstr("policy.max_requests_per_hour: -1 is out of range [0, 1000000]"));
  EXPECT_THAT(ParseError("[policy]\nmax_stored_bytes = 1125899906842625\n").message(),
              HasSubstr("policy.max_stored_bytes"));
  EXPECT_THAT(ParseError("[ca]\nvalidity_days = 0\n").message(), HasSubstr("ca.validity_days"));
  EXPECT_THAT(ParseError("[crl]\nperiod_hours = 0\n").message(), HasSubstr("crl.period_hours"));
  EXPECT_THAT(ParseError("[crl]\ndelta_period_hours = -1\n").message(),
              HasSubstr("crl.delta_period_hours"));
  EXPECT_THAT(ParseError("[crl]\ndelta_distribution_points = [\"no scheme\"]\n").message(),
              HasSubstr("crl.delta_distribution_points"));
  EXPECT_THAT(ParseError("[crl]\noverlap_hours = 9000\n").message(),
              HasSubstr("crl.overlap_hours"));
  EXPECT_THAT(ParseError("[database]\nbusy_timeout_ms = 99\n").message(),
              HasSubstr("database.busy_timeout_ms"));
  // Far outside every integer type the settings use.
  EXPECT_THAT(ParseError("[policy]\nserial_bytes = 9223372036854775807\n").message(),
              HasSubstr("policy.serial_bytes"));
}

TEST(DaemonConfigTest, RangesAcceptTheirEnds) {
  Result<DaemonConfig> low = ParseConfig(
      "[policy]\nmax_request_bytes = 1024\nserial_bytes = 16\n[crl]\nperiod_hours = 1\n", "t");
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  Result<DaemonConfig> high =
      ParseConfig("[policy]\nmax_request_bytes = 1048576\nserial_bytes = 20\n", "t");
  ASSERT_TRUE(high.ok()) << high.status().ToString();
  EXPECT_EQ(high->policy.max_request_bytes, 1048576u);
  EXPECT_EQ(high->policy.serial_bytes, 20u);
}

TEST(DaemonConfigTest, ChoicesAreChecked) {
  EXPECT_THAT(ParseError("[database]\nsynchronous = \"off\"\n").message(),
              HasSubstr("database.synchronous: \"off\" is not one of full, normal"));
  EXPECT_THAT(ParseError("[templates]\nsource = \"ldap\"\n").message(),
              HasSubstr("templates.source"));
  EXPECT_THAT(ParseError("[ca]\ndigest = \"md5\"\n").message(), HasSubstr("ca.digest"));
  EXPECT_THAT(ParseError("[log]\nlevel = \"verbose\"\n").message(), HasSubstr("log.level"));
  EXPECT_THAT(ParseError("[policy]\nenrollee_subject_sid = \"any\"\n").message(),
              HasSubstr("policy.enrollee_subject_sid: \"any\" is not one of requester, "
                        "from-request, none"));
  Result<DaemonConfig> none = ParseConfig("[policy]\nenrollee_subject_sid = \"none\"\n", "t");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->policy.enrollee_subject_sid, ca::EnrolleeSubjectSid::kNone);
}

TEST(DaemonConfigTest, MetricsAndLogFormat) {
  Result<DaemonConfig> defaults = ParseConfig("", "t");
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->metrics.enabled());
  EXPECT_FALSE(defaults->metrics.allow_remote);
  EXPECT_EQ(defaults->log.format, "text");

  Result<DaemonConfig> set =
      ParseConfig("[metrics]\nlisten = \"127.0.0.1:9464\"\n[log]\nformat = \"JSON\"\n", "t");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->metrics.enabled());
  EXPECT_EQ(set->metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(set->log.format, "json");
  Result<DaemonConfig> v6 = ParseConfig("[metrics]\nlisten = \"[::1]:0\"\n", "t");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  Result<DaemonConfig> remote =
      ParseConfig("[metrics]\nlisten = \"0.0.0.0:9464\"\nallow_remote = true\n", "t");
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  EXPECT_TRUE(remote->metrics.allow_remote);

  EXPECT_THAT(ParseError("[metrics]\nlisten = \"0.0.0.0:9464\"\n").message(),
              HasSubstr("metrics.listen: 0.0.0.0 is not a loopback address"));
  EXPECT_THAT(ParseError("[metrics]\nlisten = \"localhost:9464\"\n").message(),
              HasSubstr("is not an IP address"));
  EXPECT_THAT(ParseError("[metrics]\nlisten = \"127.0.0.1\"\n").message(),
              HasSubstr("metrics.listen"));
  EXPECT_THAT(ParseError("[metrics]\nlisten = \"127.0.0.1:65536\"\n").message(),
              HasSubstr("the port is not 0-65535"));
  EXPECT_THAT(ParseError("[metrics]\nlisten = \"::1:9464\"\n").message(), HasSubstr("in brackets"));
  EXPECT_THAT(ParseError("[metrics]\nport = 9464\n").message(), HasSubstr("metrics.port"));
  EXPECT_THAT(ParseError("[log]\nformat = \"xml\"\n").message(),
              HasSubstr("log.format: \"xml\" is not one of text, json"));
}

TEST(DaemonConfigTest, IdentityLookupIsOnWhenTheDirectoryIsSet) {
  Result<DaemonConfig> defaults = ParseConfig("", "t");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->directory.identity_lookup);
  EXPECT_FALSE(defaults->directory.IdentityLookupEnabled()) << "no uris";

  Result<DaemonConfig> set = ParseConfig(R"([directory]
uris = ["ldaps://dc1.example.com"]
default_naming_context = "DC=corp,DC=example,DC=com"
identity_cache_entries = 0
identity_cache_ttl_seconds = 86400
)",
                                         "t");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->directory.IdentityLookupEnabled()) << "with templates from files too";
  EXPECT_EQ(set->directory.default_naming_context, "DC=corp,DC=example,DC=com");
  EXPECT_EQ(set->directory.identity_cache_entries, 0u);
  EXPECT_EQ(set->directory.identity_cache_ttl_seconds, 86400u);

  Result<DaemonConfig> off =
      ParseConfig("[directory]\nuris = [\"ldap://dc1\"]\nidentity_lookup = false\n", "t");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_FALSE(off->directory.IdentityLookupEnabled());

  EXPECT_THAT(ParseError("[directory]\nidentity_cache_ttl_seconds = 86401\n").message(),
              HasSubstr("directory.identity_cache_ttl_seconds: 86401 is out of range"));
  EXPECT_THAT(ParseError("[directory]\nidentity_cache_entries = -1\n").message(),
              HasSubstr("directory.identity_cache_entries"));
  EXPECT_THAT(ParseError("[directory]\nuris = [\"ldap://dc1\"]\nbind = \"simple\"\n").message(),
              HasSubstr("needs bind_dn and password_file"));
}

TEST(DaemonConfigTest, CleartextDirectoryBindsAreRefusedUnlessAllowed) {
  Result<DaemonConfig> defaults = ParseConfig("", "t");
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->directory.allow_cleartext);

  const Status refused =
      ParseError("[directory]\nuris = [\"ldaps://dc1\", \"ldap://dc2\", \"LDAP://dc3\"]\n");
  EXPECT_THAT(refused.message(), HasSubstr(":1:1: directory.uris: ldap://dc2, LDAP://dc3 would "
                                           "carry the anonymous bind"));
  EXPECT_THAT(refused.message(), HasSubstr("allow_cleartext = true"));
  EXPECT_THAT(ParseError("[templates]\nsource = \"ldap\"\nenrollment_service = \"x\"\n"
                         "[directory]\nuris = [\"ldap://dc1\"]\nbind = \"external\"\n"
                         "identity_lookup = false\n")
                  .message(),
              HasSubstr("ldap://dc1 would carry the external bind"));

  for (const char* protected_text : {
           "uris = [\"ldap://dc1\"]\nstart_tls = true\n",
           "uris = [\"ldap://dc1\"]\nbind = \"gssapi\"\n",
           "uris = [\"ldaps://dc1\", \"ldapi://%2Frun%2Fslapd%2Fldapi\"]\n",
           // The directory is not used.
           "uris = [\"ldap://dc1\"]\nidentity_lookup = false\n",
       }) {
    Result<DaemonConfig> config = ParseConfig(std::string("[directory]\n") + protected_text, "t");
    EXPECT_TRUE(config.ok()) << protected_text << config.status().ToString();
  }

  Result<DaemonConfig> allowed =
      ParseConfig("[directory]\nuris = [\"ldap://dc1\"]\nallow_cleartext = true\n", "t");
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_TRUE(allowed->directory.allow_cleartext);
  EXPECT_THAT(CleartextDirectoryUris(*allowed), ::testing::ElementsAre("ldap://dc1"));
  EXPECT_THAT(ParseError("[directory]\nallow_cleartext = 1\n").message(),
              HasSubstr("directory.allow_cleartext"));
}

TEST(DaemonConfigTest, PathsAreChecked) {
  EXPECT_THAT(ParseError("[state]\ndir = \"state\"\n").message(),
              HasSubstr("state.dir: must be an absolute path"));
  EXPECT_THAT(ParseError("[templates]\ndirectory = \"templates\"\n").message(),
              HasSubstr("templates.directory: must be an absolute path"));
  EXPECT_THAT(ParseError("[ca]\nkey_file = \"\"\n").message(),
              HasSubstr("ca.key_file: must not be empty"));
  EXPECT_THAT(ParseError("[database]\npath = \"a\\u0000b\"\n").message(),
              HasSubstr("database.path: contains a NUL"));
  // Optional files may be set to "" to mean none.
  Result<DaemonConfig> config = ParseConfig("[ca]\nchain_file = \"\"\n", "t");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(CaIdentityOptionsFrom(*config).chain_file.empty());
}

TEST(DaemonConfigTest, RelativePathsFollowTheStateDirectory) {
  Result<DaemonConfig> config = ParseConfig(
      "[ca]\nkey_file = \"k.pem\"\n[database]\npath = \"sub/x.db\"\n[crl]\npublish_path = "
      "\"pub/ca.crl\"\n",
      "t");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ConfigOverrides overrides;
  overrides.state_dir = "/tmp/elsewhere";
  ASSERT_TRUE(ApplyOverrides(overrides, *config).ok());
  EXPECT_EQ(CaIdentityOptionsFrom(*config).key_file, "/tmp/elsewhere/k.pem");
  EXPECT_EQ(SqliteStoreOptionsFrom(*config).path, "/tmp/elsewhere/sub/x.db");
  EXPECT_EQ(CrlPublishPath(*config), "/tmp/elsewhere/pub/ca.crl");
}

TEST(DaemonConfigTest, UrlsAreChecked) {
  EXPECT_THAT(ParseError("[crl]\ndistribution_points = [\"pki.example.com/ca.crl\"]\n").message(),
              HasSubstr("crl.distribution_points: \"pki.example.com/ca.crl\" is not a URL"));
  EXPECT_THAT(ParseError("[crl]\naia_ca_issuers = [\"http://a b\"]\n").message(),
              HasSubstr("crl.aia_ca_issuers"));
  std::string many = "[crl]\ndistribution_points = [";
  for (int i = 0; i < 17; ++i) many += "\"http://x/" + std::to_string(i) + "\",";
  many += "]\n";
  EXPECT_THAT(ParseError(many).message(), HasSubstr("17 entries, at most 16"));
  const std::string long_url = "http://x/" + std::string(2048, 'a');
  EXPECT_THAT(ParseError("[crl]\naia_ca_issuers = [\"" + long_url + "\"]\n").message(),
              HasSubstr("at most 2048"));
}

TEST(DaemonConfigTest, SubjectMustBeADistinguishedName) {
  EXPECT_THAT(ParseError("[ca]\nsubject = \"no equals sign\"\n").message(),
              HasSubstr("ca.subject"));
  EXPECT_THAT(ParseError("[ca]\nsubject = \"\"\n").message(), HasSubstr("ca.subject"));
}

TEST(DaemonConfigTest, SyntaxErrorHasAPosition) {
  const Status status = ParseError("[policy]\nserial_bytes = = 3\n");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith("test.toml:2:"));
}

TEST(DaemonConfigTest, OverridesReplaceFileValues) {
  DaemonConfig config;
  ConfigOverrides overrides;
  overrides.state_dir = "relative/state";
  overrides.templates_dir = "/abs/templates";
  overrides.log_level = "warn";
  ASSERT_TRUE(ApplyOverrides(overrides, config).ok());
  EXPECT_EQ(config.state.dir, std::filesystem::current_path() / "relative/state");
  EXPECT_EQ(config.templates.directory, "/abs/templates");
  EXPECT_EQ(config.log.level, "warn");

  ConfigOverrides bad_level;
  bad_level.log_level = "loud";
  const Status status = ApplyOverrides(bad_level, config);
  EXPECT_THAT(status.message(), HasSubstr("--log-level"));
  EXPECT_EQ(config.log.level, "warn");
}

TEST(DaemonConfigTest, LoadConfigFile) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "openadcsd.toml";
  std::ofstream(file) << "[policy]\nserial_bytes = 17\n";
  Result<DaemonConfig> config = LoadConfigFile(file);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->policy.serial_bytes, 17u);

  std::ofstream(file) << "[policy]\nserial_bytes = 99\n";
  config = LoadConfigFile(file);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), StartsWith(file.string() + ":2:"));

  EXPECT_EQ(LoadConfigFile(dir.path() / "missing.toml").status().code(), StatusCode::kIOError);
}

TEST(DaemonConfigTest, TheShippedExampleParses) {
  Result<DaemonConfig> config = LoadConfigFile(OPENADCS_SOURCE_DIR "/config/openadcsd.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  // The example documents the defaults: it must not change them.
  const DaemonConfig defaults;
  EXPECT_EQ(config->ca.subject, defaults.ca.subject);
  EXPECT_EQ(config->ca.key_algorithm, defaults.ca.key_algorithm);
  EXPECT_EQ(config->state.dir, defaults.state.dir);
  EXPECT_EQ(config->templates.directory, defaults.templates.directory);
  EXPECT_EQ(config->policy.max_request_bytes, defaults.policy.max_request_bytes);
  EXPECT_EQ(config->policy.serial_bytes, defaults.policy.serial_bytes);
  EXPECT_EQ(config->crl.period_hours, defaults.crl.period_hours);
  EXPECT_EQ(config->crl.publish_path, defaults.crl.publish_path);
  EXPECT_EQ(config->log.level, defaults.log.level);
  EXPECT_EQ(config->log.format, defaults.log.format);
  EXPECT_EQ(config->metrics.listen, defaults.metrics.listen);
  EXPECT_EQ(config->rpc.ntlm_verifier, defaults.rpc.ntlm_verifier);
  EXPECT_EQ(config->rpc.dns_domain_name, defaults.rpc.dns_domain_name);
  EXPECT_EQ(config->directory.identity_lookup, defaults.directory.identity_lookup);
  EXPECT_EQ(config->directory.default_naming_context, defaults.directory.default_naming_context);
  EXPECT_EQ(config->directory.identity_cache_entries, defaults.directory.identity_cache_entries);
  EXPECT_EQ(config->directory.identity_cache_ttl_seconds,
            defaults.directory.identity_cache_ttl_seconds);
}

}  // namespace
}  // namespace openadcs::daemon

namespace openadcs::daemon {
namespace {

// How the daemon names its endpoints (STATUS, logs): what SplitListenAddress reads.
TEST(DaemonConfigTest, JoinListenAddressBracketsIpv6AndSplitsBack) {
  EXPECT_EQ(JoinListenAddress("127.0.0.1", 9464), "127.0.0.1:9464");
  EXPECT_EQ(JoinListenAddress("::1", 135), "[::1]:135");
  for (const std::string address : {"127.0.0.1", "::", "fe80::1"}) {
    Result<std::pair<std::string, std::uint16_t>> split =
        SplitListenAddress(JoinListenAddress(address, 8080));
    ASSERT_TRUE(split.ok()) << split.status().ToString();
    EXPECT_EQ(split->first, address);
    EXPECT_EQ(split->second, 8080);
  }
}

TEST(DaemonConfigRpcTest, DefaultsAndEveryKey) {
  Result<DaemonConfig> defaults = ParseConfig("", "test.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->rpc.address, "0.0.0.0");
  EXPECT_EQ(defaults->rpc.epm_port, 135);
  EXPECT_EQ(defaults->rpc.icpr_port, 0);
  EXPECT_EQ(defaults->rpc.icpr_level, auth::AuthLevel::kPrivacy);
  EXPECT_EQ(defaults->rpc.user_file, "users");
  EXPECT_EQ(defaults->rpc.ntlm_verifier, RpcConfig::NtlmVerifierKind::kUserFile);
  EXPECT_EQ(defaults->rpc.dns_domain_name, "");
  EXPECT_FALSE(defaults->rpc.ntlm_allow_weak_keys);

  Result<DaemonConfig> config = ParseConfig(R"(
[rpc]
address = "127.0.0.1"
epm_port = 1135
icpr_port = 4321
icpr_level = "integrity"
user_file = "/etc/openadcs/users"
netbios_computer_name = "CA1"
netbios_domain_name = "EXAMPLE"
ntlm_verifier = "winbind"
dns_domain_name = "example.com"
ntlm_allow_weak_keys = true
max_connections = 10
max_connections_per_peer = 4
max_queued_reply_bytes = 32768
auth_timeout_ms = 700
write_timeout_ms = 900
max_fragment_size = 4280
max_request_stub_bytes = 65536
max_outstanding_calls = 2
read_timeout_ms = 1000
idle_timeout_ms = 2000
worker_threads = 3
logon_threads = 5
)",
                                            "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const RpcConfig& rpc = config->rpc;
  EXPECT_EQ(rpc.address, "127.0.0.1");
  EXPECT_EQ(rpc.epm_port, 1135);
  EXPECT_EQ(rpc.icpr_port, 4321);
  EXPECT_EQ(rpc.icpr_level, auth::AuthLevel::kIntegrity);
  EXPECT_EQ(rpc.user_file, "/etc/openadcs/users");
  EXPECT_EQ(rpc.netbios_computer_name, "CA1");
  EXPECT_EQ(rpc.netbios_domain_name, "EXAMPLE");
  EXPECT_EQ(rpc.ntlm_verifier, RpcConfig::NtlmVerifierKind::kWinbind);
  EXPECT_EQ(rpc.dns_domain_name, "example.com");
  EXPECT_TRUE(rpc.ntlm_allow_weak_keys);
  EXPECT_EQ(rpc.server.max_connections, 10u);
  EXPECT_EQ(rpc.server.max_connections_per_peer, 4u);
  EXPECT_EQ(rpc.server.max_queued_reply_bytes, 32768u);
  EXPECT_EQ(rpc.server.auth_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(rpc.server.write_timeout, std::chrono::milliseconds(900));
  EXPECT_EQ(rpc.server.max_fragment_size, 4280);
  EXPECT_EQ(rpc.server.max_request_stub, 65536u);
  EXPECT_EQ(rpc.server.max_outstanding_calls, 2u);
  EXPECT_EQ(rpc.server.read_timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(rpc.server.idle_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(rpc.server.worker_threads, 3u);
  EXPECT_EQ(rpc.server.logon_threads, 5u);
  EXPECT_TRUE(rpc.server.Validate().ok());
}

TEST(DaemonConfigRpcTest, RefusesWhatCouldWeakenOrBreakIt) {
  EXPECT_THAT(ParseError("[rpc]\nicpr_level = \"none\"\n").message(), HasSubstr("rpc.icpr_level"));
  EXPECT_THAT(ParseError("[rpc]\nepm_port = 70000\n").message(), HasSubstr("rpc.epm_port"));
  EXPECT_THAT(ParseError("[rpc]\nmax_fragment_size = 100\n").message(),
              HasSubstr("rpc.max_fragment_size"));
  EXPECT_THAT(ParseError("[rpc]\nnetbios_domain_name = \"A-NAME-LONGER-THAN-15\"\n").message(),
              HasSubstr("rpc.netbios_domain_name"));
  EXPECT_THAT(ParseError("[rpc]\nuser_file = \"\"\n").message(), HasSubstr("rpc.user_file"));
  EXPECT_THAT(ParseError("[rpc]\nntlm_verifier = \"gss\"\n").message(),
              HasSubstr("rpc.ntlm_verifier"));
  EXPECT_THAT(ParseError("[rpc]\nport = 1\n").message(), HasSubstr("rpc.port"));
  for (const char* address : {"ca.example.com", "[::]", "127.0.0.1:135", ""}) {
    EXPECT_THAT(ParseError(fmt::format("[rpc]\naddress = \"{}\"\n", address)).message(),
                HasSubstr("rpc.address"))
        << address;
  }
  EXPECT_THAT(ParseError("[rpc]\nmax_connections_per_peer = 0\n").message(),
              HasSubstr("rpc.max_connections_per_peer"));
  EXPECT_THAT(ParseError("[rpc]\nauth_timeout_ms = 0\n").message(),
              HasSubstr("rpc.auth_timeout_ms"));
  EXPECT_THAT(ParseError("[rpc]\nwrite_timeout_ms = 600001\n").message(),
              HasSubstr("rpc.write_timeout_ms"));
  EXPECT_THAT(ParseError("[rpc]\nmax_queued_reply_bytes = 0\n").message(),
              HasSubstr("rpc.max_queued_reply_bytes"));
}

TEST(DaemonConfigRpcTest, AddressIsIpv4OrIpv6) {
  for (const char* address : {"::", "::1", "2001:db8::7", "fe80::1%lo", "192.0.2.1"}) {
    Result<DaemonConfig> config =
        ParseConfig(fmt::format("[rpc]\naddress = \"{}\"\n", address), "test.toml");
    ASSERT_TRUE(config.ok()) << address << ": " << config.status().ToString();
    EXPECT_EQ(config->rpc.address, address);
  }
}

// Kerberos
TEST(DaemonConfigKerberosTest, OffByDefaultAndEveryKey) {
  Result<DaemonConfig> defaults = ParseConfig("", "test.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->rpc.kerberos.keytab.empty());
  Result<DaemonConfig> config = ParseConfig(
      "[kerberos]\nkeytab = \"ca.keytab\"\nrealm = \"EXAMPLE.COM\"\n"
      "netbios_domain_name = \"EXAMPLE\"\n",
      "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->rpc.kerberos.keytab, "ca.keytab");
  EXPECT_EQ(config->rpc.kerberos.realm, "EXAMPLE.COM");
  EXPECT_EQ(config->rpc.kerberos.netbios_domain_name, "EXAMPLE");
  EXPECT_THAT(ParseError("[kerberos]\nnetbios_domain_name = \"A-NAME-LONGER-THAN-15\"\n").message(),
              HasSubstr("kerberos.netbios_domain_name"));
  EXPECT_THAT(ParseError("[kerberos]\nkdc = \"x\"\n").message(), HasSubstr("kerberos.kdc"));
}

TEST(DaemonConfigDcomTest, DefaultsAndEveryKey) {
  Result<DaemonConfig> defaults = ParseConfig("", "test.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->dcom.port, 0);
  EXPECT_EQ(defaults->dcom.runtime.minimum_auth_level, auth::AuthLevel::kPrivacy);
  EXPECT_EQ(defaults->dcom.runtime.object_timeout, std::chrono::minutes(6));

  Result<DaemonConfig> config = ParseConfig(R"(
[dcom]
port = 4500
level = "integrity"
object_timeout_ms = 1500
max_objects = 10
max_objects_per_client = 2
max_ping_sets = 3
max_ping_sets_per_client = 2
)",
                                            "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const DcomConfig& dcom = config->dcom;
  EXPECT_EQ(dcom.port, 4500);
  EXPECT_EQ(dcom.runtime.minimum_auth_level, auth::AuthLevel::kIntegrity);
  EXPECT_EQ(dcom.runtime.object_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(dcom.runtime.max_objects, 10u);
  EXPECT_EQ(dcom.runtime.max_objects_per_client, 2u);
  EXPECT_EQ(dcom.runtime.max_ping_sets, 3u);
  EXPECT_EQ(dcom.runtime.max_ping_sets_per_client, 2u);
  EXPECT_TRUE(dcom.runtime.Validate().ok());
}

TEST(DaemonConfigDcomTest, RefusesWhatCouldWeakenOrBreakIt) {
  EXPECT_THAT(ParseError("[dcom]\nlevel = \"connect\"\n").message(), HasSubstr("dcom.level"));
  EXPECT_THAT(ParseError("[dcom]\nobject_timeout_ms = 10\n").message(),
              HasSubstr("dcom.object_timeout_ms"));
  EXPECT_THAT(ParseError("[dcom]\nmax_objects = 0\n").message(), HasSubstr("dcom.max_objects"));
  EXPECT_THAT(ParseError("[dcom]\nping = 1\n").message(), HasSubstr("dcom.ping"));
}

}  // namespace
}  // namespace openadcs::daemon
