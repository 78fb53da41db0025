#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "openadcs/pki/x509_builder.h"

namespace openadcs::pki {
namespace {

TEST(RevocationPointersTest, CrlDistributionPointsParseBack) {
  const std::string uris[] = {"http://pki.example.com/ca.crl", "ldap:///CN=ca,DC=example"};
  Bytes der = ext::CrlDistributionPoints(uris);
  const unsigned char* p = der.data();
  CRL_DIST_POINTS* points = d2i_CRL_DIST_POINTS(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(points, nullptr);
  ASSERT_EQ(sk_DIST_POINT_num(points), 2);
  GENERAL_NAME* gn =
      sk_GENERAL_NAME_value(sk_DIST_POINT_value(points, 0)->distpoint->name.fullname, 0);
  ASSERT_EQ(gn->type, GEN_URI);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(
                ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier))),
            uris[0]);
  CRL_DIST_POINTS_free(points);
}

TEST(RevocationPointersTest, AuthorityInfoAccessParsesBack) {
  const std::string uris[] = {"http://pki.example.com/ca.crt"};
  Bytes der = ext::AuthorityInfoAccess(uris);
  const unsigned char* p = der.data();
  AUTHORITY_INFO_ACCESS* aia =
      d2i_AUTHORITY_INFO_ACCESS(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(aia, nullptr);
  ASSERT_EQ(sk_ACCESS_DESCRIPTION_num(aia), 1);
  EXPECT_EQ(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 0)->method), NID_ad_ca_issuers);
  AUTHORITY_INFO_ACCESS_free(aia);
}

TEST(RevocationPointersTest, UnencodableInputGivesEmptyBytes) {
  const std::string empty_list[1] = {};
  EXPECT_TRUE(ext::CrlDistributionPoints(std::span<const std::string>()).empty());
  EXPECT_TRUE(ext::CrlDistributionPoints(empty_list).empty());
  const std::string non_ascii[] = {"http://pki.example.com/\xc3\xa9.crl"};
  EXPECT_TRUE(ext::CrlDistributionPoints(non_ascii).empty());
  EXPECT_TRUE(ext::AuthorityInfoAccess(non_ascii).empty());
}

}  // namespace
}  // namespace openadcs::pki
