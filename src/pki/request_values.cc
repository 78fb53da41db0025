// Collectors for the values a request carries (extensions and
// szOID_ENROLLMENT_NAME_VALUE_PAIR / regInfo name-value pairs), with the
// RequestParserLimits checks in one place.
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"
#include "pki/request_parts.h"

namespace openadcs::pki::reqparse {

namespace {

// clang-format off
// MS-WCCE 2.2.2.7.10: EnrollmentNameValuePair ::= SEQUENCE { name BMPString, value BMPString }.
struct NameValuePair {
  ASN1_BMPSTRING* name;
  ASN1_BMPSTRING* value;
};
DECLARE_ASN1_ITEM(NameValuePair)
ASN1_SEQUENCE(NameValuePair) = {
    ASN1_SIMPLE(NameValuePair, name, ASN1_BMPSTRING),
    ASN1_SIMPLE(NameValuePair, value, ASN1_BMPSTRING),
} ASN1_SEQUENCE_END(NameValuePair)

// The spec's EnrollmentNameValuePairs ::= SEQUENCE OF EnrollmentNameValuePair.
// Windows puts one pair in each attribute value; we accept both shapes.
DEFINE_STACK_OF(NameValuePair)
using NameValuePairs = STACK_OF(NameValuePair);
ASN1_ITEM_TEMPLATE(NameValuePairs) =
    ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, NameValuePairs, NameValuePair)
ASN1_ITEM_TEMPLATE_END(NameValuePairs)

constexpr std::size_t kMaxOidTextBytes = 256;
// clang-format on

// UTF-16BE (BMPString as Windows writes it: surrogate pairs allowed) to
// UTF-8. Trailing NULs, which some clients include, are dropped; an embedded
// NUL or an unpaired surrogate is invalid.
Result<std::string> BmpToUtf8(const ASN1_STRING* bmp, std::size_t max_bytes) {
  const unsigned char* d = ASN1_STRING_get0_data(bmp);
  const auto n = static_cast<std::size_t>(ASN1_STRING_length(bmp));
  if (n % 2 != 0) return InvalidData("BMPString with an odd length");
  std::u16string units;
  units.reserve(n / 2);
  for (std::size_t i = 0; i < n; i += 2) {
    units.push_back(static_cast<char16_t>(d[i] << 8 | d[i + 1]));
  }
  while (!units.empty() && units.back() == u'\0') units.pop_back();
  if (units.find(u'\0') != std::u16string::npos)
    return InvalidData("BMPString with an embedded NUL");
  Result<std::string> out = Utf16ToUtf8(units);
  if (!out.ok()) return InvalidData("BMPString with an unpaired surrogate");
  if (out->size() > max_bytes) return LimitExceeded("name-value pair string bytes", max_bytes);
  return out;
}

Status AppendPair(std::string name, std::string value, const RequestParserLimits& limits,
                  ParsedRequest& out) {
  if (out.name_value_pairs.size() >= limits.max_name_value_pairs) {
    return LimitExceeded("name-value pairs", limits.max_name_value_pairs);
  }
  if (name.size() > limits.max_name_value_bytes || value.size() > limits.max_name_value_bytes) {
    return LimitExceeded("name-value pair string bytes", limits.max_name_value_bytes);
  }
  out.name_value_pairs.emplace_back(std::move(name), std::move(value));
  return Status::Ok();
}

Status AppendBmpPair(const NameValuePair& pair, const RequestParserLimits& limits,
                     ParsedRequest& out) {
  Result<std::string> name = BmpToUtf8(pair.name, limits.max_name_value_bytes);
  if (!name.ok()) return name.status();
  Result<std::string> value = BmpToUtf8(pair.value, limits.max_name_value_bytes);
  if (!value.ok()) return value.status();
  return AppendPair(std::move(*name), std::move(*value), limits, out);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded; a '%' not followed by two hex digits stays as written.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexDigit(s[i + 1]);
      int lo = HexDigit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::span<const std::uint8_t> SequenceDer(const ASN1_TYPE* value) {
  if (value == nullptr || value->type != V_ASN1_SEQUENCE || value->value.sequence == nullptr) {
    return {};
  }
  const ASN1_STRING* seq = value->value.sequence;
  return {ASN1_STRING_get0_data(seq), static_cast<std::size_t>(ASN1_STRING_length(seq))};
}

Status InvalidData(std::string message) {
  return Status::InvalidArgument(std::move(message), hr::kInvalidData);
}

Status InvalidMsgType(std::string message) {
  return Status::InvalidArgument(std::move(message), hr::kInvalidMsgType);
}

Status LimitExceeded(std::string_view what, std::size_t limit) {
  spdlog::warn("certificate request rejected: more than {} {}", limit, what);
  return InvalidData("request exceeds the limit of " + std::to_string(limit) + " " +
                     std::string(what));
}

Result<std::string> OidText(const ASN1_OBJECT* obj) {
  char buf[kMaxOidTextBytes];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) {
    return InvalidData("object identifier missing or too long");
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

bool OidIs(const ASN1_OBJECT* obj, const char* dotted) {
  Result<std::string> text = OidText(obj);
  return text.ok() && *text == dotted;
}

Status AppendExtensions(const STACK_OF(X509_EXTENSION) * exts, const RequestParserLimits& limits,
                        ParsedRequest& out) {
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    if (out.extensions.size() >= limits.max_extensions) {
      return LimitExceeded("extensions", limits.max_extensions);
    }
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    Result<std::string> oid = OidText(X509_EXTENSION_get_object(ext));
    if (!oid.ok()) return oid.status();
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    const unsigned char* bytes = ASN1_STRING_get0_data(data);
    RequestedExtension requested;
    requested.oid = std::move(*oid);
    requested.critical = X509_EXTENSION_get_critical(ext) != 0;
    requested.value.assign(bytes, bytes + ASN1_STRING_length(data));
    out.extensions.push_back(std::move(requested));
  }
  return Status::Ok();
}

Status AppendNameValuePairs(const ASN1_TYPE* value, const RequestParserLimits& limits,
                            ParsedRequest& out) {
  std::span<const std::uint8_t> der = SequenceDer(value);
  if (der.empty()) return InvalidData("name-value pair attribute value is not a SEQUENCE");
  ERR_set_mark();  // a failed first try is not an error worth reporting
  auto pair = internal::ItemFromDer<NameValuePair, NameValuePair_it>(der);
  ERR_pop_to_mark();
  if (pair != nullptr) return AppendBmpPair(*pair, limits, out);
  auto pairs = internal::ItemFromDer<NameValuePairs, NameValuePairs_it>(der);
  if (pairs == nullptr) {
    return InvalidData("name-value pair is not SEQUENCE { BMPString, BMPString }");
  }
  for (int i = 0; i < sk_NameValuePair_num(pairs.get()); ++i) {
    OPENADCS_RETURN_IF_ERROR(AppendBmpPair(*sk_NameValuePair_value(pairs.get(), i), limits, out));
  }
  return Status::Ok();
}

Status AppendNameValueAttribute(const X509_ATTRIBUTE* attr, const RequestParserLimits& limits,
                                ParsedRequest& out) {
  // X509_ATTRIBUTE accessors take non-const pointers but do not modify.
  auto* mutable_attr = const_cast<X509_ATTRIBUTE*>(attr);
  if (!OidIs(X509_ATTRIBUTE_get0_object(mutable_attr), kOidNameValuePair)) return Status::Ok();
  for (int i = 0; i < X509_ATTRIBUTE_count(mutable_attr); ++i) {
    OPENADCS_RETURN_IF_ERROR(
        AppendNameValuePairs(X509_ATTRIBUTE_get0_type(mutable_attr, i), limits, out));
  }
  return Status::Ok();
}

Status AppendRegInfo(std::string_view reg_info, const RequestParserLimits& limits,
                     ParsedRequest& out) {
  std::size_t pos = 0;
  while (pos <= reg_info.size()) {
    std::size_t amp = reg_info.find('&', pos);
    if (amp == std::string_view::npos) amp = reg_info.size();
    std::string_view entry = reg_info.substr(pos, amp - pos);
    pos = amp + 1;
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = PercentDecode(entry.substr(0, eq));
    if (name.empty()) continue;
    OPENADCS_RETURN_IF_ERROR(
        AppendPair(std::move(name), PercentDecode(entry.substr(eq + 1)), limits, out));
  }
  return Status::Ok();
}

}  // namespace openadcs::pki::reqparse
