// Encoders for the extensions that point relying parties at revocation
// status: CRL distribution points and the authority information access.
// Like the other ext:: encoders they return empty Bytes for input they
// cannot encode: an empty list, a URI that is empty or not ASCII.
#include <openssl/x509v3.h>

#include <algorithm>

#include "openadcs/pki/x509_builder.h"

namespace openadcs::pki::ext {
namespace {

bool EncodableUri(const std::string& uri) {
  return !uri.empty() && std::all_of(uri.begin(), uri.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
}

// A GEN_URI GeneralName, or null when allocation fails.
GENERAL_NAME* UriName(const std::string& uri) {
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (gn == nullptr || ia5 == nullptr ||
      ASN1_STRING_set(ia5, uri.data(), static_cast<int>(uri.size())) != 1) {
    GENERAL_NAME_free(gn);
    ASN1_IA5STRING_free(ia5);
    return nullptr;
  }
  GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
  return gn;
}

bool AllEncodable(std::span<const std::string> uris) {
  return !uris.empty() && std::all_of(uris.begin(), uris.end(), EncodableUri);
}

}  // namespace

Bytes CrlDistributionPoints(std::span<const std::string> uris) {
  if (!AllEncodable(uris)) return {};
  CRL_DIST_POINTS* points = sk_DIST_POINT_new_null();
  bool ok = points != nullptr;
  for (std::size_t i = 0; ok && i < uris.size(); ++i) {
    DIST_POINT* dp = DIST_POINT_new();
    GENERAL_NAME* name = UriName(uris[i]);
    ok = dp != nullptr && name != nullptr && (dp->distpoint = DIST_POINT_NAME_new()) != nullptr &&
         (dp->distpoint->name.fullname = sk_GENERAL_NAME_new_null()) != nullptr;
    if (ok) {
      dp->distpoint->type = 0;  // fullName
      ok = sk_GENERAL_NAME_push(dp->distpoint->name.fullname, name) > 0;
      if (ok) name = nullptr;
    }
    GENERAL_NAME_free(name);
    if (ok && sk_DIST_POINT_push(points, dp) > 0) continue;
    DIST_POINT_free(dp);
    ok = false;
  }
  Bytes out = ok ? ossl::ToDer(points, i2d_CRL_DIST_POINTS) : Bytes{};
  CRL_DIST_POINTS_free(points);
  return out;
}

Bytes AuthorityInfoAccess(std::span<const std::string> ca_issuer_uris) {
  if (!AllEncodable(ca_issuer_uris)) return {};
  AUTHORITY_INFO_ACCESS* aia = sk_ACCESS_DESCRIPTION_new_null();
  bool ok = aia != nullptr;
  for (std::size_t i = 0; ok && i < ca_issuer_uris.size(); ++i) {
    ACCESS_DESCRIPTION* ad = ACCESS_DESCRIPTION_new();
    GENERAL_NAME* name = UriName(ca_issuer_uris[i]);
    ok = ad != nullptr && name != nullptr;
    if (ok) {
      ASN1_OBJECT_free(ad->method);
      ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
      GENERAL_NAME_free(ad->location);
      ad->location = name;
      name = nullptr;
      if (sk_ACCESS_DESCRIPTION_push(aia, ad) > 0) continue;
    }
    GENERAL_NAME_free(name);
    ACCESS_DESCRIPTION_free(ad);
    ok = false;
  }
  Bytes out = ok ? ossl::ToDer(aia, i2d_AUTHORITY_INFO_ACCESS) : Bytes{};
  AUTHORITY_INFO_ACCESS_free(aia);
  return out;
}

}  // namespace openadcs::pki::ext
