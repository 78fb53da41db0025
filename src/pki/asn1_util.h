// Helpers shared by the pki encoders: DER in and out of OpenSSL objects,
// owning handles for the x509v3 types util/openssl.h does not cover, and the
// certificate fields that issued certificates, CRLs and the CA's own
// certificate build the same way. Internal to the pki layer.
#ifndef OPENADCS_PKI_ASN1_UTIL_H_
#define OPENADCS_PKI_ASN1_UTIL_H_

#include <openssl/x509v3.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki::internal {

using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS, ossl::Deleter<BASIC_CONSTRAINTS_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, ossl::Deleter<EXTENDED_KEY_USAGE_free>>;
using PoliciesPtr = std::unique_ptr<CERTIFICATEPOLICIES, ossl::Deleter<CERTIFICATEPOLICIES_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>>;
using OtherNamePtr = std::unique_ptr<OTHERNAME, ossl::Deleter<OTHERNAME_free>>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, ossl::Deleter<AUTHORITY_KEYID_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, ossl::Deleter<ASN1_STRING_free>>;
using Asn1TypePtr = std::unique_ptr<ASN1_TYPE, ossl::Deleter<ASN1_TYPE_free>>;
using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, ossl::Deleter<ASN1_BIT_STRING_free>>;
using Asn1EnumeratedPtr = std::unique_ptr<ASN1_ENUMERATED, ossl::Deleter<ASN1_ENUMERATED_free>>;

// Decodes `der` with a d2i function into the owning pointer type `Ptr`;
// null unless it parses and uses every byte.
template <typename Ptr, typename D2i>
Ptr FromDer(D2i d2i, std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  const unsigned char* p = der.data();
  Ptr obj(d2i(nullptr, &p, static_cast<long>(der.size())));
  if (obj != nullptr && p != der.data() + der.size()) return nullptr;
  return obj;
}

// Values of our own ASN1_ITEM templates (openssl/asn1t.h), handled through
// the item rather than per-type generated functions.
template <typename T, const ASN1_ITEM* (*Item)()>
struct ItemFree {
  void operator()(T* p) const { ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(p), Item()); }
};
template <typename T, const ASN1_ITEM* (*Item)()>
using ItemPtr = std::unique_ptr<T, ItemFree<T, Item>>;

template <typename T, const ASN1_ITEM* (*Item)()>
ItemPtr<T, Item> NewItem() {
  return ItemPtr<T, Item>(reinterpret_cast<T*>(ASN1_item_new(Item())));
}

// Null unless `der` parses as the item and every byte is used.
template <typename T, const ASN1_ITEM* (*Item)()>
ItemPtr<T, Item> ItemFromDer(std::span<const std::uint8_t> der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  const unsigned char* p = der.data();
  ItemPtr<T, Item> out(
      reinterpret_cast<T*>(ASN1_item_d2i(nullptr, &p, static_cast<long>(der.size()), Item())));
  if (out != nullptr && p != der.data() + der.size()) return nullptr;
  return out;
}

template <typename T, const ASN1_ITEM* (*Item)()>
Bytes ItemToDer(const T* value) {
  unsigned char* der = nullptr;
  int n = ASN1_item_i2d(reinterpret_cast<const ASN1_VALUE*>(value), &der, Item());
  if (n <= 0 || der == nullptr) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// The first TLV inside the outer SEQUENCE of `der`: the DER bytes a signed
// structure's signature covers (a certificationRequestInfo, a
// tbsCertList); empty when the framing is broken.
std::span<const std::uint8_t> FirstInnerTlv(std::span<const std::uint8_t> der);

// A dotted OID; null for anything else (names such as "CN" included).
ossl::Asn1ObjectPtr DottedOid(std::string_view text);

// Dotted form of `obj` ("" when it cannot be printed).
std::string OidText(const ASN1_OBJECT* obj);

// UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5); null
// for years outside 0-9999.
ossl::Asn1TimePtr UnixToAsn1Time(std::int64_t unix_seconds);

// A certificate or CRL serial: big-endian, non-zero, top bit clear, at most
// 20 content octets (RFC 5280 4.1.2.2). InvalidArgument otherwise.
Result<ossl::Asn1IntegerPtr> SerialToAsn1(std::span<const std::uint8_t> serial);
// The DER INTEGER content octets of such a serial (leading zero octets
// dropped, one put back before a top bit that is set); the same errors.
Result<Bytes> SerialContent(std::span<const std::uint8_t> serial);

// RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
Result<Bytes> KeyIdentifier(const X509_PUBKEY* key);
Result<Bytes> KeyIdentifier(EVP_PKEY* key);
// The CA certificate's SKI, or its key identifier when it carries none.
Result<Bytes> IssuerKeyIdentifier(X509* ca_cert);
// AuthorityKeyIdentifier with keyIdentifier only.
Bytes AuthorityKeyIdValue(std::span<const std::uint8_t> key_id);
// SubjectKeyIdentifier value: OCTET STRING key_id.
Bytes SubjectKeyIdValue(std::span<const std::uint8_t> key_id);

// An X509_EXTENSION carrying `value` as extnValue. Null for a bad OID.
ossl::X509ExtPtr MakeExtension(const ASN1_OBJECT* oid, bool critical,
                               std::span<const std::uint8_t> value);

// Appends an extension to `cert`. InvalidArgument for an empty value.
Status AddExtension(X509* cert, const ASN1_OBJECT* oid, bool critical,
                    std::span<const std::uint8_t> value);
// Sets notBefore/notAfter. InvalidArgument when not_after < not_before or a
// time is outside years 0-9999.
Status SetValidity(X509* cert, std::int64_t not_before, std::int64_t not_after);

}  // namespace openadcs::pki::internal

#endif  // OPENADCS_PKI_ASN1_UTIL_H_
