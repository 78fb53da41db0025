#include "db/der_fields.h"

#include <cstddef>
#include <optional>
#include <string>

namespace openadcs::db::der_fields {
namespace {

using Der = std::span<const std::uint8_t>;

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kVersionTag = 0xa0;  // [0] EXPLICIT Version of a TBSCertificate

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

// Returns `derive`(blob argument) as a BLOB, or NULL.
template <Der (*Derive)(Der)>
void SqlFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) return sqlite3_result_null(ctx);
  const int n = sqlite3_value_bytes(argv[0]);
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_value_blob(argv[0]));
  Der out = p == nullptr ? Der{} : Derive(Der(p, static_cast<std::size_t>(n)));
  if (out.empty()) return sqlite3_result_null(ctx);
  sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
}

}  // namespace

Der CertificatePublicKeyInfo(Der certificate) {
  std::optional<Der> cert = SequenceContent(certificate);
  if (!cert) return {};
  std::optional<Der> tbs = FirstSequenceContent(*cert);
  if (!tbs) return {};
  // version, serialNumber, signature, issuer, validity, subject, then the
  // key; version is absent in a v1 certificate.
  const bool has_version = !tbs->empty() && (*tbs)[0] == kVersionTag;
  return NthSequence(*tbs, has_version ? 6 : 5);
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
       {std::pair{kCertificatePublicKeyInfoSql, &SqlFunction<&CertificatePublicKeyInfo>},
        std::pair{kRequestSubjectSql, &SqlFunction<&RequestSubject>}}) {
    int rc =
        sqlite3_create_function_v2(db, name, 1, kFlags, nullptr, fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      return Status::Internal(std::string("register SQL function ") + name + ": " +
                              sqlite3_errstr(rc));
    }
  }
  return Status::Ok();
}

}  // namespace openadcs::db::der_fields
