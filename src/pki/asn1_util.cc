#include "pki/asn1_util.h"

#include <climits>
#include <ctime>

#include "openadcs/util/der.h"
#include "openadcs/util/openssl.h"

namespace openadcs::pki::internal {
namespace {

using der::Tlv;

using X509PubkeyPtr = std::unique_ptr<X509_PUBKEY, ossl::Deleter<X509_PUBKEY_free>>;

// Longer dotted OIDs than this are not something a CA is asked to write.
constexpr std::size_t kMaxOidTextLength = 256;
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what a 4-digit year encodes.
constexpr std::int64_t kMinUnixTime = -62167219200;
constexpr std::int64_t kMaxUnixTime = 253402300799;
constexpr std::size_t kMaxSerialOctets = 20;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagKeyIdentifier = 0x80;  // AuthorityKeyIdentifier [0] IMPLICIT

}  // namespace

ossl::Asn1ObjectPtr DottedOid(std::string_view text) {
  if (text.empty() || text.size() > kMaxOidTextLength) return nullptr;
  int arcs = 1;
  char prev = '.';
  for (char c : text) {
    if (c == '.') {
      if (prev == '.') return nullptr;
      ++arcs;
    } else if (c < '0' || c > '9') {
      return nullptr;
    }
    prev = c;
  }
  if (prev == '.' || arcs < 2) return nullptr;
  return ossl::Asn1ObjectPtr(OBJ_txt2obj(std::string(text).c_str(), 1));
}

std::string OidText(const ASN1_OBJECT* obj) {
  int n = OBJ_obj2txt(nullptr, 0, obj, 1);
  if (n <= 0) return {};
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  OBJ_obj2txt(out.data(), n + 1, obj, 1);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

ossl::Asn1TimePtr UnixToAsn1Time(std::int64_t unix_seconds) {
  if (unix_seconds < kMinUnixTime || unix_seconds > kMaxUnixTime) return nullptr;
  // ASN1_TIME_set picks UTCTime exactly for 1950-2049, as RFC 5280 asks.
  return ossl::Asn1TimePtr(ASN1_TIME_set(nullptr, static_cast<time_t>(unix_seconds)));
}

Result<Bytes> SerialContent(std::span<const std::uint8_t> serial) {
  if (serial.empty()) return Status::InvalidArgument("serial number is empty");
  if ((serial[0] & 0x80) != 0) return Status::InvalidArgument("serial number is negative");
  std::size_t skip = 0;
  while (skip < serial.size() && serial[skip] == 0) ++skip;
  if (skip == serial.size()) return Status::InvalidArgument("serial number is zero");
  // A positive INTEGER needs a leading zero octet when its top bit is set.
  const bool pad = (serial[skip] & 0x80) != 0;
  if (serial.size() - skip + (pad ? 1 : 0) > kMaxSerialOctets) {
    return Status::InvalidArgument("serial number is longer than 20 octets");
  }
  Bytes out;
  out.reserve(serial.size() - skip + 1);
  if (pad) out.push_back(0);
  out.insert(out.end(), serial.begin() + static_cast<std::ptrdiff_t>(skip), serial.end());
  return out;
}

Result<ossl::Asn1IntegerPtr> SerialToAsn1(std::span<const std::uint8_t> serial) {
  Result<Bytes> content = SerialContent(serial);
  if (!content.ok()) return content.status();
  const Bytes integer = Tlv(V_ASN1_INTEGER, *content);
  const unsigned char* p = integer.data();
  ossl::Asn1IntegerPtr out(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(integer.size())));
  if (out == nullptr) return Status::Internal("d2i_ASN1_INTEGER: " + ossl::ErrorText());
  return out;
}

Result<Bytes> KeyIdentifier(const X509_PUBKEY* key) {
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  if (key == nullptr || X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, nullptr, key) != 1) {
    return Status::InvalidArgument("no public key: " + ossl::ErrorText());
  }
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int out_len = 0;
  if (EVP_Digest(bits, static_cast<std::size_t>(bits_len), out.data(), &out_len,
                 ossl::FetchedDigest(NID_sha1), nullptr) != 1) {
    return Status::Internal("SHA-1 of the public key: " + ossl::ErrorText());
  }
  out.resize(out_len);
  return out;
}

Result<Bytes> KeyIdentifier(EVP_PKEY* key) {
  X509_PUBKEY* raw = nullptr;
  if (key == nullptr || X509_PUBKEY_set(&raw, key) != 1) {
    return Status::InvalidArgument("cannot encode the public key: " + ossl::ErrorText());
  }
  X509PubkeyPtr pub(raw);
  return KeyIdentifier(pub.get());
}

Result<Bytes> IssuerKeyIdentifier(X509* ca_cert) {
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(ca_cert);
  if (ski != nullptr && ASN1_STRING_length(ski) > 0) {
    const unsigned char* p = ASN1_STRING_get0_data(ski);
    return Bytes(p, p + ASN1_STRING_length(ski));
  }
  return KeyIdentifier(X509_get_X509_PUBKEY(ca_cert));
}

Bytes AuthorityKeyIdValue(std::span<const std::uint8_t> key_id) {
  return Tlv(kTagSequence, Tlv(kTagKeyIdentifier, key_id));
}

Bytes SubjectKeyIdValue(std::span<const std::uint8_t> key_id) {
  return Tlv(kTagOctetString, key_id);
}

ossl::X509ExtPtr MakeExtension(const ASN1_OBJECT* oid, bool critical,
                               std::span<const std::uint8_t> value) {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  ossl::Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
  if (os == nullptr ||
      ASN1_OCTET_STRING_set(os.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return nullptr;
  }
  return ossl::X509ExtPtr(X509_EXTENSION_create_by_OBJ(nullptr, oid, critical ? 1 : 0, os.get()));
}

Status AddExtension(X509* cert, const ASN1_OBJECT* oid, bool critical,
                    std::span<const std::uint8_t> value) {
  if (value.empty()) {
    return Status::InvalidArgument("extension " + OidText(oid) + " has an empty value");
  }
  ossl::X509ExtPtr ext = MakeExtension(oid, critical, value);
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Status::Internal("adding extension " + OidText(oid) + ": " + ossl::ErrorText());
  }
  return Status::Ok();
}

std::span<const std::uint8_t> FirstInnerTlv(std::span<const std::uint8_t> der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return {};
  const unsigned char* p = der.data();
  const unsigned char* end = der.data() + der.size();
  long len = 0;
  int tag = 0;
  int cls = 0;
  int rc = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(der.size()));
  if ((rc & 0x80) != 0 || (rc & V_ASN1_CONSTRUCTED) == 0) return {};
  const unsigned char* inner = p;
  rc = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(end - p));
  if ((rc & 0x80) != 0 || rc == (V_ASN1_CONSTRUCTED | 1)) return {};  // error or indefinite
  return {inner, static_cast<std::size_t>(p - inner) + static_cast<std::size_t>(len)};
}

Status SetValidity(X509* cert, std::int64_t not_before, std::int64_t not_after) {
  if (not_after < not_before) {
    return Status::InvalidArgument("validity ends (" + std::to_string(not_after) +
                                   ") before it starts (" + std::to_string(not_before) + ")");
  }
  ossl::Asn1TimePtr begin = UnixToAsn1Time(not_before);
  ossl::Asn1TimePtr end = UnixToAsn1Time(not_after);
  if (begin == nullptr || end == nullptr) {
    return Status::InvalidArgument("validity time outside years 0-9999");
  }
  if (X509_set1_notBefore(cert, begin.get()) != 1 || X509_set1_notAfter(cert, end.get()) != 1) {
    return Status::Internal("setting validity: " + ossl::ErrorText());
  }
  return Status::Ok();
}

}  // namespace openadcs::pki::internal
