#include "openadcs/daemon/startup_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "testing/pki.h"

namespace openadcs::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(StartupReportTest, DescribesAnRsaCa) {
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  ossl::X509Ptr cert = testing::MakeSelfSignedCert(key.get(), "Report Test CA");
  const std::vector<std::string> lines = DescribeCaCertificate(cert.get(), key.get());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "CA subject: CN=Report Test CA");
  EXPECT_EQ(lines[1], "CA key: RSA 2048 bits");
  EXPECT_THAT(lines[2], MatchesRegex("CA certificate valid from [0-9-]+T[0-9:]+Z to "
                                     "[0-9-]+T[0-9:]+Z"));
  EXPECT_EQ(lines[3], "CA certificate SHA-256 fingerprint: " + Sha256Fingerprint(cert.get()));
}

TEST(StartupReportTest, FingerprintIsTheSha256OfTheDer) {
  ossl::PKeyPtr key = testing::MakeEcKey("P-256");
  ossl::X509Ptr cert = testing::MakeSelfSignedCert(key.get(), "fp");
  const Bytes der = testing::CertDer(cert.get());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest(der.data(), der.size(), md, &len, EVP_sha256(), nullptr), 1);
  std::string expected;
  for (unsigned int i = 0; i < len; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof(hex), i == 0 ? "%02X" : ":%02X", md[i]);
    expected += hex;
  }
  EXPECT_EQ(Sha256Fingerprint(cert.get()), expected);
}

TEST(StartupReportTest, EcKeysUseTheNistName) {
  EXPECT_EQ(DescribeKey(testing::MakeEcKey("P-256").get()), "ECDSA P-256 (256 bits)");
  EXPECT_EQ(DescribeKey(testing::MakeEcKey("P-384").get()), "ECDSA P-384 (384 bits)");
}

TEST(StartupReportTest, DescribesTemplates) {
  directory::CertificateTemplate v1;
  v1.name = "User";
  v1.schema_version = 1;
  EXPECT_EQ(DescribeTemplate(v1), "template User: OID none, schema v1");

  directory::CertificateTemplate v2;
  v2.name = "OfficerApproval";
  v2.oid = "1.3.6.1.4.1.311.21.8.1.2";
  v2.schema_version = 2;
  v2.enrollment_flags = directory::enrollment_flag::kPendAllRequests;
  EXPECT_EQ(DescribeTemplate(v2),
            "template OfficerApproval: OID 1.3.6.1.4.1.311.21.8.1.2, "
            "schema v2, pend-all");
  v2.enrollment_flags = directory::enrollment_flag::kAutoEnrollment;
  EXPECT_THAT(DescribeTemplate(v2), ::testing::Not(HasSubstr("pend-all")));
}

}  // namespace
}  // namespace openadcs::daemon
