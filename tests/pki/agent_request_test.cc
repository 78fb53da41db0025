#include "openadcs/pki/agent_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "openadcs/pki/request_parser.h"
#include "testing/pki.h"

namespace openadcs::pki {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

class AgentRequestTest : public ::testing::Test {
 protected:
  ossl::PKeyPtr user_key_ = testing::MakeRsaKey(2048);
  ossl::PKeyPtr agent_key_ = testing::MakeRsaKey(2048);
  ossl::X509Ptr agent_cert_ = testing::MakeSelfSignedCert(agent_key_.get(), "agent");
  Bytes csr_ = Csr();

  Bytes Csr() {
    testing::CsrSpec spec;
    spec.subject = {{"CN", "bob"}};
    return testing::MakeCsrDer(user_key_.get(), spec);
  }
};

TEST_F(AgentRequestTest, AgentSignsTheRequestAndNamesTheUser) {
  auto cms = SignOnBehalfOf(csr_, agent_cert_.get(), agent_key_.get(),
                            "EXAMPLE\\b\xC3\xB6"
                            "b");
  ASSERT_TRUE(cms.ok()) << cms.status().ToString();
  auto parsed = ParseRequest(*cms, RequestType::kCms, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format, RequestFormat::kCmsPkcs10);
  EXPECT_EQ(parsed->pkcs10_der, csr_);
  ASSERT_EQ(parsed->signers.size(), 1u);
  EXPECT_EQ(X509_cmp(parsed->signers[0].certificate.get(), agent_cert_.get()), 0);
  EXPECT_THAT(parsed->signers[0].name_value_pairs, ElementsAre(Pair("requestername",
                                                                    "EXAMPLE\\b\xC3\xB6"
                                                                    "b")));
}

// Each DER length form of the name and of the pair around it: under 128
// bytes, one length byte, two.
TEST_F(AgentRequestTest, NamesOfEveryLengthFormSurviveTheRoundTrip) {
  for (std::size_t length : {1u, 49u, 50u, 63u, 64u, 127u, 128u, 1024u}) {
    const std::string name(length, 'n');
    auto cms = SignOnBehalfOf(csr_, agent_cert_.get(), agent_key_.get(), name);
    ASSERT_TRUE(cms.ok()) << length << ": " << cms.status().ToString();
    auto parsed = ParseRequest(*cms, RequestType::kCms, {});
    ASSERT_TRUE(parsed.ok()) << length << ": " << parsed.status().ToString();
    ASSERT_EQ(parsed->signers.size(), 1u);
    EXPECT_THAT(parsed->signers[0].name_value_pairs, ElementsAre(Pair("requestername", name)))
        << length;
  }
}

TEST_F(AgentRequestTest, RefusesAnEmptyNameAndAKeyOfAnotherCertificate) {
  EXPECT_EQ(SignOnBehalfOf(csr_, agent_cert_.get(), agent_key_.get(), "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SignOnBehalfOf(csr_, agent_cert_.get(), user_key_.get(), "EXAMPLE\\bob").status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::pki
