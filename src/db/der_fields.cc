#include "db/der_fields.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "openadcs/util/bytes.h"
#include "openadcs/util/oid.h"

namespace openadcs::db::der_fields {
namespace {

using Der = std::span<const std::uint8_t>;

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kVersionTag = 0xa0;     // [0] EXPLICIT Version of a TBSCertificate
constexpr std::uint8_t kExtensionsTag = 0xa3;  // [3] EXPLICIT Extensions
constexpr std::uint8_t kOid = 0x06;
constexpr std::uint8_t kBoolean = 0x01;
constexpr std::uint8_t kOctetString = 0x04;
constexpr std::uint8_t kSubjectKeyIdOid[] = {0x55, 0x1d, 0x0e};  // 2.5.29.14

// One TLV at the start of `in`: its tag, its content and all its bytes.
struct Tlv {
  std::uint8_t tag;
  Der content;
  Der whole;
};

// Low-tag-number form, definite length of at most four octets; nullopt for
// anything else or a TLV running past `in`.
std::optional<Tlv> ReadTlv(Der in) {
  if (in.size() < 2 || (in[0] & 0x1f) == 0x1f) return std::nullopt;
  std::size_t length = in[1];
  std::size_t header = 2;
  if (length >= 0x80) {
    const std::size_t octets = length & 0x7f;
    if (octets == 0 || octets > 4 || in.size() < 2 + octets) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | in[2 + i];
    header += octets;
  }
  if (length > in.size() - header) return std::nullopt;
  return Tlv{in[0], in.subspan(header, length), in.first(header + length)};
}

// The content of the SEQUENCE that `in` is exactly; nullopt otherwise.
std::optional<Der> SequenceContent(Der in) {
  std::optional<Tlv> t = ReadTlv(in);
  if (!t || t->tag != kSequence || t->whole.size() != in.size()) return std::nullopt;
  return t->content;
}

// The `index`th element (from 0) of a SEQUENCE's content, if a SEQUENCE.
Der NthSequence(Der content, std::size_t index) {
  for (std::size_t i = 0;; ++i) {
    std::optional<Tlv> t = ReadTlv(content);
    if (!t) return {};
    if (i == index) return t->tag == kSequence ? t->whole : Der{};
    content = content.subspan(t->whole.size());
  }
}

// The first element of a SEQUENCE's content, if a SEQUENCE.
std::optional<Der> FirstSequenceContent(Der content) {
  std::optional<Tlv> t = ReadTlv(content);
  if (!t || t->tag != kSequence) return std::nullopt;
  return t->content;
}

// The content of the TLV that `in` is exactly, if it has tag `tag`.
std::optional<Der> ContentOf(Der in, std::uint8_t tag) {
  std::optional<Tlv> t = ReadTlv(in);
  if (!t || t->tag != tag || t->whole.size() != in.size()) return std::nullopt;
  return t->content;
}

std::optional<Der> TbsContent(Der certificate) {
  std::optional<Der> cert = SequenceContent(certificate);
  if (!cert) return std::nullopt;
  return FirstSequenceContent(*cert);
}

// Returns `derive`(blob argument) as a BLOB (`hex`: lowercase hex TEXT), or
// NULL.
template <Der (*Derive)(Der), bool hex>
void SqlFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) return sqlite3_result_null(ctx);
  const int n = sqlite3_value_bytes(argv[0]);
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_value_blob(argv[0]));
  Der out = p == nullptr ? Der{} : Derive(Der(p, static_cast<std::size_t>(n)));
  if (out.empty()) return sqlite3_result_null(ctx);
  if constexpr (hex) {
    const std::string text = HexLower(out);
    sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  } else {
    sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
  }
}

// The extnValue content of `certificate`'s extension whose OID has the
// content octets `oid`; empty when it has none.
Der ExtensionValue(Der certificate, Der oid) {
  std::optional<Der> tbs = TbsContent(certificate);
  if (!tbs) return {};
  // The [3] extensions come last, after the optional [1] and [2] unique ids.
  Der rest = *tbs;
  std::optional<Der> extensions;
  while (std::optional<Tlv> t = ReadTlv(rest)) {
    if (t->tag == kExtensionsTag) extensions = t->content;
    rest = rest.subspan(t->whole.size());
  }
  if (!extensions) return {};
  std::optional<Der> list = SequenceContent(*extensions);
  if (!list) return {};
  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE,
  // extnValue OCTET STRING }.
  Der items = *list;
  while (std::optional<Tlv> ext = ReadTlv(items)) {
    items = items.subspan(ext->whole.size());
    if (ext->tag != kSequence) return {};
    std::optional<Tlv> id = ReadTlv(ext->content);
    if (!id || id->tag != kOid || !std::ranges::equal(id->content, oid)) continue;
    Der fields = ext->content.subspan(id->whole.size());
    std::optional<Tlv> value = ReadTlv(fields);
    if (value && value->tag == kBoolean) value = ReadTlv(fields.subspan(value->whole.size()));
    if (!value || value->tag != kOctetString) return {};
    return value->content;
  }
  return {};
}

// openadcs_certificate_extension(certificate BLOB, name TEXT): the value as
// a BLOB, or NULL.
void SqlExtension(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    return sqlite3_result_null(ctx);
  }
  const auto* cert = static_cast<const std::uint8_t*>(sqlite3_value_blob(argv[0]));
  const int cert_size = sqlite3_value_bytes(argv[0]);
  const auto* name = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const int name_size = sqlite3_value_bytes(argv[1]);
  if (cert == nullptr || name == nullptr) return sqlite3_result_null(ctx);
  Der out = CertificateExtension(Der(cert, static_cast<std::size_t>(cert_size)),
                                 std::string_view(name, static_cast<std::size_t>(name_size)));
  if (out.empty()) return sqlite3_result_null(ctx);
  sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
}

}  // namespace

Der CertificatePublicKeyInfo(Der certificate) {
  std::optional<Der> tbs = TbsContent(certificate);
  if (!tbs) return {};
  // version, serialNumber, signature, issuer, validity, subject, then the
  // key; version is absent in a v1 certificate.
  const bool has_version = !tbs->empty() && (*tbs)[0] == kVersionTag;
  return NthSequence(*tbs, has_version ? 6 : 5);
}

Der CertificateSubjectKeyId(Der certificate) {
  std::optional<Der> key_id =
      ContentOf(ExtensionValue(certificate, kSubjectKeyIdOid), kOctetString);
  return key_id ? *key_id : Der{};
}

Der CertificateExtension(Der certificate, std::string_view oid) {
  const Bytes content = OidContent(oid);
  return content.empty() ? Der{} : ExtensionValue(certificate, content);
}

Der RequestSubject(Der request) {
  std::optional<Der> req = SequenceContent(request);
  if (!req) return {};
  std::optional<Der> info = FirstSequenceContent(*req);
  if (!info) return {};
  // version INTEGER, then subject.
  std::optional<Tlv> version = ReadTlv(*info);
  if (!version || version->tag != 0x02) return {};
  return NthSequence(info->subspan(version->whole.size()), 0);
}

Status Register(sqlite3* db) {
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  for (auto [name, fn] :
       {std::pair{kCertificatePublicKeyInfoSql, &SqlFunction<&CertificatePublicKeyInfo, false>},
        std::pair{kCertificateSubjectKeyIdSql, &SqlFunction<&CertificateSubjectKeyId, true>},
        std::pair{kRequestSubjectSql, &SqlFunction<&RequestSubject, false>}}) {
    int rc =
        sqlite3_create_function_v2(db, name, 1, kFlags, nullptr, fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      return Status::Internal(std::string("register SQL function ") + name + ": " +
                              sqlite3_errstr(rc));
    }
  }
  int rc = sqlite3_create_function_v2(db, kCertificateExtensionSql, 2, kFlags, nullptr,
                                      &SqlExtension, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return Status::Internal(std::string("register SQL function ") + kCertificateExtensionSql +
                            ": " + sqlite3_errstr(rc));
  }
  return Status::Ok();
}

}  // namespace openadcs::db::der_fields
