// PKCS#10 (RFC 2986) as MS-WCCE 3.2.1.4.2.1.4.1.1 reads it: proof of
// possession by the request's own signature (or, inside CMS/CMC, the null
// signature of MS-WCCE 2.2.2.6.5), extensions from the extensionRequest and
// szOID_CERT_EXTENSIONS attributes, and the name-value pair attributes.
//
// RSA and EC keys are decoded through OpenSSL's legacy key functions
// (deprecated in 3.0, hence the define): d2i_X509_REQ decodes the key with a
// provider decoder chain that OpenSSL 3.0 builds anew for every call, which
// costs ten times an ECDSA signature and was most of the CA's time per request.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <utility>

#include "openadcs/util/hresult.h"
#include "openadcs/util/openssl.h"
#include "pki/request_parts.h"

namespace openadcs::pki::reqparse {

namespace {

// clang-format off
// Twins of X509_REQ_INFO and X509_REQ that keep the SubjectPublicKeyInfo as
// undecoded DER and the certificationRequestInfo's encoding as received, so
// its signature is checked over exactly the bytes the requester signed.
struct Pkcs10InfoTwin {
  ASN1_ENCODING enc;
  ASN1_INTEGER* version;
  X509_NAME* subject;
  ASN1_TYPE* public_key_info;  // SEQUENCE kept whole
  STACK_OF(X509_ATTRIBUTE)* attributes;
};
ASN1_SEQUENCE_enc(Pkcs10InfoTwin, enc, 0) = {
    ASN1_SIMPLE(Pkcs10InfoTwin, version, ASN1_INTEGER),
    ASN1_SIMPLE(Pkcs10InfoTwin, subject, X509_NAME),
    ASN1_SIMPLE(Pkcs10InfoTwin, public_key_info, ASN1_ANY),
    ASN1_IMP_SET_OF_OPT(Pkcs10InfoTwin, attributes, X509_ATTRIBUTE, 0),
} ASN1_SEQUENCE_END_enc(Pkcs10InfoTwin, Pkcs10InfoTwin)

struct Pkcs10Twin {
  Pkcs10InfoTwin* info;
  X509_ALGOR* signature_algorithm;
  ASN1_BIT_STRING* signature;
};
ASN1_SEQUENCE(Pkcs10Twin) = {
    ASN1_SIMPLE(Pkcs10Twin, info, Pkcs10InfoTwin),
    ASN1_SIMPLE(Pkcs10Twin, signature_algorithm, X509_ALGOR),
    ASN1_SIMPLE(Pkcs10Twin, signature, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(Pkcs10Twin)

using Pkcs10TwinPtr = ItemPtr<Pkcs10Twin, Pkcs10Twin_it>;
// clang-format on

// clang-format off
// A SubjectPublicKeyInfo's two parts, the key left undecoded (X509_PUBKEY
// would decode it, and d2i_RSA_PUBKEY on an EC key decodes the EC key in
// full before it finds the key is not RSA).
struct SpkiTwin {
  X509_ALGOR* algorithm;
  ASN1_BIT_STRING* public_key;
};
ASN1_SEQUENCE(SpkiTwin) = {
    ASN1_SIMPLE(SpkiTwin, algorithm, X509_ALGOR),
    ASN1_SIMPLE(SpkiTwin, public_key, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(SpkiTwin)

using SpkiTwinPtr = ItemPtr<SpkiTwin, SpkiTwin_it>;
// clang-format on

EC_GROUP* NewNamedCurve(int nid) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
  if (group != nullptr) EC_GROUP_set_asn1_flag(group, OPENSSL_EC_NAMED_CURVE);
  return group;
}

// The group of the named curve `curve` (an OBJECT IDENTIFIER) for the curves
// requesters use, each built once, as d2i_EC_PUBKEY would build it: building
// one costs about half an ECDSA verification, and d2i_EC_PUBKEY builds one
// per key. Null for other curves. Thread-safe (the groups are only read).
const EC_GROUP* KnownCurve(const ASN1_OBJECT* curve) {
  static EC_GROUP* const kP256 = NewNamedCurve(NID_X9_62_prime256v1);
  static EC_GROUP* const kP384 = NewNamedCurve(NID_secp384r1);
  static EC_GROUP* const kP521 = NewNamedCurve(NID_secp521r1);
  switch (OBJ_obj2nid(curve)) {
    case NID_X9_62_prime256v1: return kP256;
    case NID_secp384r1: return kP384;
    case NID_secp521r1: return kP521;
    default: return nullptr;
  }
}

// The key of an id-ecPublicKey SubjectPublicKeyInfo, decoded as
// d2i_EC_PUBKEY decodes it (o2i_ECPublicKey checks the point is on the
// curve) but on a copy of a group built once when the curve is a known
// named one; null when it does not decode.
EC_KEY* EcPublicKey(const SpkiTwin& parts, std::span<const std::uint8_t> spki) {
  int parameter_type = V_ASN1_UNDEF;
  const void* parameter = nullptr;
  X509_ALGOR_get0(nullptr, &parameter_type, &parameter, parts.algorithm);
  const EC_GROUP* group = parameter_type == V_ASN1_OBJECT
                              ? KnownCurve(static_cast<const ASN1_OBJECT*>(parameter))
                              : nullptr;
  if (group == nullptr) {
    const unsigned char* p = spki.data();
    EC_KEY* ec = d2i_EC_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
    if (ec != nullptr && p != spki.data() + spki.size()) {
      EC_KEY_free(ec);
      return nullptr;
    }
    return ec;
  }
  EC_KEY* ec = EC_KEY_new();
  const unsigned char* p = parts.public_key->data;
  if (ec == nullptr || EC_KEY_set_group(ec, group) != 1 ||
      o2i_ECPublicKey(&ec, &p, parts.public_key->length) == nullptr) {
    EC_KEY_free(ec);
    return nullptr;
  }
  return ec;
}

// An RSA or EC key from its SubjectPublicKeyInfo DER through the legacy
// decoders, or null (other algorithms, bad bytes) with OpenSSL's error queue
// left as it was. Like X509_PUBKEY's legacy decoders, it reads the key's
// BIT STRING without checking its unused bits or trailing bytes: Assemble
// compares the key's encoding with `spki`.
ossl::PKeyPtr LegacyPublicKey(std::span<const std::uint8_t> spki) {
  ERR_set_mark();
  SpkiTwinPtr parts = internal::ItemFromDer<SpkiTwin, SpkiTwin_it>(spki);
  ossl::PKeyPtr key(parts != nullptr ? EVP_PKEY_new() : nullptr);
  if (key != nullptr) {
    switch (OBJ_obj2nid(parts->algorithm->algorithm)) {
      case NID_rsaEncryption: {
        const unsigned char* p = parts->public_key->data;
        RSA* rsa = d2i_RSAPublicKey(nullptr, &p, parts->public_key->length);
        if (rsa == nullptr || EVP_PKEY_assign_RSA(key.get(), rsa) != 1) {
          RSA_free(rsa);
          key.reset();
        }
        break;
      }
      case NID_X9_62_id_ecPublicKey: {
        EC_KEY* ec = EcPublicKey(*parts, spki);
        if (ec == nullptr || EVP_PKEY_assign_EC_KEY(key.get(), ec) != 1) {
          EC_KEY_free(ec);
          key.reset();
        }
        break;
      }
      default: key.reset(); break;
    }
  }
  ERR_pop_to_mark();
  return key;
}

// An X509_REQ assembled from the twin's parts with `key` (legacy, so setting
// it encodes without a provider encoder); null unless the key encodes back to
// exactly the SubjectPublicKeyInfo the request carried.
ossl::X509ReqPtr Assemble(const Pkcs10Twin& twin, EVP_PKEY* key,
                          std::span<const std::uint8_t> spki) {
  ossl::X509ReqPtr req(X509_REQ_new());
  if (req == nullptr ||
      X509_REQ_set_version(req.get(), ASN1_INTEGER_get(twin.info->version)) != 1 ||
      X509_REQ_set_subject_name(req.get(), twin.info->subject) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1) {
    return nullptr;
  }
  Bytes encoded = ossl::ToDer(X509_REQ_get_X509_PUBKEY(req.get()), i2d_X509_PUBKEY);
  if (!std::equal(encoded.begin(), encoded.end(), spki.begin(), spki.end())) return nullptr;
  for (int i = 0; i < sk_X509_ATTRIBUTE_num(twin.info->attributes); ++i) {
    if (X509_REQ_add1_attr(req.get(), sk_X509_ATTRIBUTE_value(twin.info->attributes, i)) != 1) {
      return nullptr;
    }
  }
  ASN1_BIT_STRING* signature = ASN1_STRING_dup(twin.signature);
  if (signature == nullptr ||
      X509_REQ_set1_signature_algo(req.get(), twin.signature_algorithm) != 1) {
    ASN1_BIT_STRING_free(signature);
    return nullptr;
  }
  X509_REQ_set0_signature(req.get(), signature);
  return req;
}

// SHA-256, SHA-384 or SHA-512 by NID, fetched once; null otherwise.
const EVP_MD* Sha2(int nid) {
  return nid == NID_sha1 ? nullptr : ossl::FetchedDigest(nid);
}

// Whether the twin's signature verifies with the legacy RSA or EC `key`
// over the certificationRequestInfo as received, for RSA PKCS#1 v1.5 and
// ECDSA with SHA-2: the check ASN1_item_verify makes (which does not read
// the algorithm's parameters either), by the same RSA_verify and
// ECDSA_verify its providers call, but without exporting the key to a
// provider and without decoding the request a second time. False for
// everything else, after which AdoptPkcs10 checks the usual way and reports
// OpenSSL's reason.
bool VerifiedWithLegacyKey(const Pkcs10Twin& twin, EVP_PKEY* key) {
  const ASN1_ENCODING& info = twin.info->enc;
  if (info.enc == nullptr || info.modified != 0 || (twin.signature->flags & 0x7) != 0) {
    return false;
  }
  int md_nid = NID_undef;
  int pk_nid = NID_undef;
  if (OBJ_find_sigid_algs(OBJ_obj2nid(twin.signature_algorithm->algorithm), &md_nid, &pk_nid) !=
      1) {
    return false;
  }
  const EVP_MD* md = Sha2(md_nid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (md == nullptr || EVP_Digest(info.enc, static_cast<std::size_t>(info.len), digest, &digest_len,
                                  md, nullptr) != 1) {
    return false;
  }
  const unsigned char* signature = twin.signature->data;
  const int signature_len = twin.signature->length;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return pk_nid == NID_rsaEncryption &&
             RSA_verify(md_nid, digest, digest_len, signature,
                        static_cast<unsigned int>(signature_len),
                        const_cast<RSA*>(EVP_PKEY_get0_RSA(key))) == 1;
    case EVP_PKEY_EC:
      return pk_nid == NID_X9_62_id_ecPublicKey &&
             ECDSA_verify(0, digest, static_cast<int>(digest_len), signature, signature_len,
                          const_cast<EC_KEY*>(EVP_PKEY_get0_EC_KEY(key))) == 1;
    default: return false;
  }
}

// Whether the signature of `der` verifies with `key` over the
// certificationRequestInfo exactly as encoded in `der`.
bool VerifyAsEncoded(std::span<const std::uint8_t> der, EVP_PKEY* key) {
  Pkcs10TwinPtr twin = internal::ItemFromDer<Pkcs10Twin, Pkcs10Twin_it>(der);
  return twin != nullptr && ASN1_item_verify(Pkcs10InfoTwin_it(), twin->signature_algorithm,
                                             twin->signature, twin->info, key) == 1;
}

// MS-WCCE 2.2.2.6.5: signatureAlgorithm is a bare hash algorithm and the
// signature is that hash of the DER certificationRequestInfo.
bool IsNullSignature(const X509_REQ* req, std::span<const std::uint8_t> der) {
  const ASN1_BIT_STRING* signature = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_REQ_get0_signature(req, &signature, &alg);
  const ASN1_OBJECT* alg_oid = nullptr;
  X509_ALGOR_get0(&alg_oid, nullptr, nullptr, alg);
  constexpr std::array kHashes = {NID_sha1, NID_sha256, NID_sha384, NID_sha512};
  int nid = OBJ_obj2nid(alg_oid);
  if (std::find(kHashes.begin(), kHashes.end(), nid) == kHashes.end()) return false;
  std::span<const std::uint8_t> info = internal::FirstInnerTlv(der);
  if (info.empty()) return false;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(info.data(), info.size(), md, &md_len, ossl::FetchedDigest(nid), nullptr) != 1) {
    return false;
  }
  return ASN1_STRING_length(signature) == static_cast<int>(md_len) &&
         std::equal(md, md + md_len, ASN1_STRING_get0_data(signature));
}

// Every value of every `nid` attribute, in order, as X509_EXTENSIONS.
Status AppendExtensionAttributes(const X509_REQ* req, int nid, const RequestParserLimits& limits,
                                 ParsedRequest& out) {
  for (int idx = X509_REQ_get_attr_by_NID(req, nid, -1); idx >= 0;
       idx = X509_REQ_get_attr_by_NID(req, nid, idx)) {
    X509_ATTRIBUTE* attr = X509_REQ_get_attr(req, idx);
    for (int i = 0; i < X509_ATTRIBUTE_count(attr); ++i) {
      auto exts = internal::ItemFromDer<X509_EXTENSIONS, X509_EXTENSIONS_it>(
          SequenceDer(X509_ATTRIBUTE_get0_type(attr, i)));
      if (exts == nullptr) return InvalidData("malformed extension request attribute");
      OPENADCS_RETURN_IF_ERROR(AppendExtensions(exts.get(), limits, out));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<DecodedPkcs10> DecodePkcs10(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
    return InvalidData("empty PKCS#10");
  }
  ERR_set_mark();
  if (Pkcs10TwinPtr twin = internal::ItemFromDer<Pkcs10Twin, Pkcs10Twin_it>(der)) {
    std::span<const std::uint8_t> spki = SequenceDer(twin->info->public_key_info);
    if (ossl::PKeyPtr key = LegacyPublicKey(spki)) {
      if (ossl::X509ReqPtr req = Assemble(*twin, key.get(), spki)) {
        const bool verified = VerifiedWithLegacyKey(*twin, key.get());
        ERR_pop_to_mark();
        return DecodedPkcs10{std::move(req), verified};
      }
    }
  }
  ERR_pop_to_mark();
  // Other key types, and whatever the fast path did not take: OpenSSL's own
  // decoder, which also gives the error for malformed input.
  const unsigned char* p = der.data();
  ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (req == nullptr) return InvalidData("malformed PKCS#10: " + ossl::ErrorText());
  if (p != der.data() + der.size()) return InvalidData("trailing bytes after the PKCS#10");
  return DecodedPkcs10{std::move(req)};
}

Status AdoptPkcs10(DecodedPkcs10 decoded, std::span<const std::uint8_t> der, bool wrapped,
                   const RequestParserLimits& limits, ParsedRequest& out) {
  ossl::X509ReqPtr req = std::move(decoded.req);
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) {
    return InvalidData("PKCS#10 public key missing or unsupported: " + ossl::ErrorText());
  }
  bool null_signature = false;
  if (!decoded.signature_verified && !VerifyAsEncoded(der, key)) {
    std::string why = ossl::ErrorText();
    if (!wrapped || !IsNullSignature(req.get(), der)) {
      return Status::InvalidArgument("PKCS#10 signature does not verify: " + why,
                                     hr::kBadSignature);
    }
    null_signature = true;
  }
  // MS-WCCE 3.2.1.4.2.1.4.1.1: more than one value -> ERROR_INVALID_DATA.
  // Parsed once: OBJ_txt2obj is a noticeable share of a request's decoding.
  static const ossl::Asn1ObjectPtr kSingleValued[] = {
      ossl::Asn1ObjectPtr(OBJ_txt2obj(kOidOsVersion, 1)),
      ossl::Asn1ObjectPtr(OBJ_txt2obj(kOidCspProvider, 1))};
  for (const ossl::Asn1ObjectPtr& oid : kSingleValued) {
    int values = 0;
    for (int idx = X509_REQ_get_attr_by_OBJ(req.get(), oid.get(), -1); idx >= 0;
         idx = X509_REQ_get_attr_by_OBJ(req.get(), oid.get(), idx)) {
      values += X509_ATTRIBUTE_count(X509_REQ_get_attr(req.get(), idx));
    }
    if (values > 1) {
      return InvalidData("request attribute " + internal::OidText(oid.get()) +
                         " has several values");
    }
  }
  OPENADCS_RETURN_IF_ERROR(AppendExtensionAttributes(req.get(), NID_ext_req, limits, out));
  OPENADCS_RETURN_IF_ERROR(AppendExtensionAttributes(req.get(), NID_ms_ext_req, limits, out));
  for (int i = 0; i < X509_REQ_get_attr_count(req.get()); ++i) {
    OPENADCS_RETURN_IF_ERROR(
        AppendNameValueAttribute(X509_REQ_get_attr(req.get(), i), limits, out));
  }
  out.pkcs10 = std::move(req);
  out.pkcs10_der.assign(der.begin(), der.end());
  out.pkcs10_null_signature = null_signature;
  return Status::Ok();
}

}  // namespace openadcs::pki::reqparse
