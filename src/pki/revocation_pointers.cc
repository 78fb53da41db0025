// Encoders for the extensions that point relying parties at revocation
// status: CRL distribution points and the authority information access.
#include <openssl/x509v3.h>

#include "openadcs/pki/x509_builder.h"

namespace openadcs::pki::ext {
namespace {

GENERAL_NAME* UriName(const std::string& uri) {
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  ASN1_STRING_set(ia5, uri.data(), static_cast<int>(uri.size()));
  GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
  return gn;
}

}  // namespace

Bytes CrlDistributionPoints(std::span<const std::string> uris) {
  CRL_DIST_POINTS* points = sk_DIST_POINT_new_null();
  for (const auto& uri : uris) {
    DIST_POINT* dp = DIST_POINT_new();
    dp->distpoint = DIST_POINT_NAME_new();
    dp->distpoint->type = 0;  // fullName
    dp->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
    sk_GENERAL_NAME_push(dp->distpoint->name.fullname, UriName(uri));
    sk_DIST_POINT_push(points, dp);
  }
  Bytes out = ossl::ToDer(points, i2d_CRL_DIST_POINTS);
  CRL_DIST_POINTS_free(points);
  return out;
}

Bytes AuthorityInfoAccess(std::span<const std::string> ca_issuer_uris) {
  AUTHORITY_INFO_ACCESS* aia = sk_ACCESS_DESCRIPTION_new_null();
  for (const auto& uri : ca_issuer_uris) {
    ACCESS_DESCRIPTION* ad = ACCESS_DESCRIPTION_new();
    ASN1_OBJECT_free(ad->method);
    ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
    GENERAL_NAME_free(ad->location);
    ad->location = UriName(uri);
    sk_ACCESS_DESCRIPTION_push(aia, ad);
  }
  Bytes out = ossl::ToDer(aia, i2d_AUTHORITY_INFO_ACCESS);
  AUTHORITY_INFO_ACCESS_free(aia);
  return out;
}

}  // namespace openadcs::pki::ext
