// What the daemon's configuration becomes in the adapters' options: the
// configuration entries GetConfigEntry serves (certutil -getreg names).
#include "openadcs/daemon/component_options.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>

#include "openadcs/daemon/daemon_config.h"

namespace openadcs::daemon {
namespace {

std::variant<std::int32_t, std::string> Entry(const services::CertAdminOptions& options,
                                              const std::string& name) {
  for (const services::ConfigEntry& e : options.config_entries) {
    if (e.name == name) return e.value;
  }
  ADD_FAILURE() << "no entry " << name;
  return std::string();
}

TEST(CertAdminOptionsFromTest, CrlPeriodsComeFromTheCrlSection) {
  DaemonConfig config;
  config.crl.period_hours = 48;
  config.crl.overlap_hours = 6;
  config.crl.delta_period_hours = 4;
  config.crl.delta_overlap_hours = 1;
  const services::CertAdminOptions options = CertAdminOptionsFrom(config, "openadcs-CA");
  EXPECT_EQ(Entry(options, "CommonName"), (std::variant<std::int32_t, std::string>("openadcs-CA")));
  EXPECT_EQ(Entry(options, "CRLPeriodUnits"), (std::variant<std::int32_t, std::string>(48)));
  EXPECT_EQ(Entry(options, "CRLOverlapUnits"), (std::variant<std::int32_t, std::string>(6)));
  EXPECT_EQ(Entry(options, "CRLDeltaPeriodUnits"), (std::variant<std::int32_t, std::string>(4)));
  EXPECT_EQ(Entry(options, "CRLDeltaOverlapUnits"), (std::variant<std::int32_t, std::string>(1)));
  for (const char* unit :
       {"CRLPeriod", "CRLOverlapPeriod", "CRLDeltaPeriod", "CRLDeltaOverlapPeriod"}) {
    EXPECT_EQ(Entry(options, unit), (std::variant<std::int32_t, std::string>("Hours"))) << unit;
  }
}

TEST(CertAdminOptionsFromTest, DeltaCrlsOffByDefaultIsZeroUnits) {
  const services::CertAdminOptions options = CertAdminOptionsFrom(DaemonConfig{}, "CA");
  EXPECT_EQ(Entry(options, "CRLDeltaPeriodUnits"), (std::variant<std::int32_t, std::string>(0)));
}

TEST(CertAdminOptionsFromTest, EditFlagsMirrorTheSanAttributeSetting) {
  DaemonConfig config;
  EXPECT_EQ(Entry(CertAdminOptionsFrom(config, "CA"), "EditFlags"),
            (std::variant<std::int32_t, std::string>(0)));
  config.policy.allow_san_attribute = true;
  EXPECT_EQ(Entry(CertAdminOptionsFrom(config, "CA"), "EditFlags"),
            (std::variant<std::int32_t, std::string>(0x00040000)));
}

}  // namespace
}  // namespace openadcs::daemon
