#include "db/request_row.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include "db/der_fields.h"
#include "openadcs/util/bytes.h"

namespace openadcs::db::request_row {
namespace {

SqlValue ToSql(std::uint32_t v) {
  return std::int64_t{v};
}
SqlValue ToSql(std::int64_t v) {
  return v;
}
SqlValue ToSql(Disposition v) {
  return static_cast<std::int64_t>(v);
}
SqlValue ToSql(const std::string& v) {
  return std::string_view(v);
}
SqlValue ToSql(const Bytes& v) {
  return std::span<const std::uint8_t>(v);
}

struct Field {
  std::string_view column;
  bool is_mutable;  // replaced by UpdateRequest
  SqlValue (*get)(const RequestRecord&);
  Status (*set)(RequestRecord&, const SqlColumn&);
  bool in_blob = false;  // stored in request_blob (schema::InBlobTable)
  // A fixed column of the request row: this one is stored as NULL when it
  // holds the same non-empty text (schema.cc, kDerived). Compared in SQL,
  // with the stored value on update: the record's may be anything there.
  std::string_view same_as = {};
};

constexpr Field Blob(Field f) {
  f.in_blob = true;
  return f;
}

constexpr bool kFixed = false;
constexpr bool kMutable = true;

// Request columns.
template <auto M>
SqlValue GetReq(const RequestRecord& r) {
  return ToSql(r.*M);
}
template <auto M>
Status SetReq(RequestRecord& r, const SqlColumn& v) {
  return v.Get(r.*M);
}
template <auto M>
constexpr Field Req(std::string_view column, bool is_mutable) {
  return {column, is_mutable, &GetReq<M>, &SetReq<M>};
}

template <auto M>
SqlValue GetReqSubject(const RequestRecord& r) {
  return ToSql(r.subject.*M);
}
template <auto M>
Status SetReqSubject(RequestRecord& r, const SqlColumn& v) {
  return v.Get(r.subject.*M);
}
template <auto M>
constexpr Field ReqSubject(std::string_view column) {
  return {column, kFixed, &GetReqSubject<M>, &SetReqSubject<M>};
}

// Revocation columns: NULL when the record has no revocation.
template <auto M>
SqlValue GetRevocation(const RequestRecord& r) {
  return r.revocation ? ToSql((*r.revocation).*M) : SqlValue();
}
template <auto M>
Status SetRevocation(RequestRecord& r, const SqlColumn& v) {
  return r.revocation ? v.Get((*r.revocation).*M) : Status::Ok();
}
template <auto M>
constexpr Field Revoked(std::string_view column) {
  return {column, kMutable, &GetRevocation<M>, &SetRevocation<M>};
}

// Certificate columns: NULL when the record has no certificate.
template <auto M>
SqlValue GetCert(const RequestRecord& r) {
  return r.certificate ? ToSql((*r.certificate).*M) : SqlValue();
}
template <auto M>
Status SetCert(RequestRecord& r, const SqlColumn& v) {
  return r.certificate ? v.Get((*r.certificate).*M) : Status::Ok();
}
template <auto M>
constexpr Field Cert(std::string_view column) {
  return {column, kMutable, &GetCert<M>, &SetCert<M>};
}

template <auto M>
SqlValue GetCertSubject(const RequestRecord& r) {
  return r.certificate ? ToSql(r.certificate->subject.*M) : SqlValue();
}
template <auto M>
Status SetCertSubject(RequestRecord& r, const SqlColumn& v) {
  return r.certificate ? v.Get(r.certificate->subject.*M) : Status::Ok();
}
template <auto M>
constexpr Field CertSubject(std::string_view column) {
  return {column, kMutable, &GetCertSubject<M>, &SetCertSubject<M>};
}

// Empty text stored as NULL: an empty serial never collides in the unique
// index, and an empty UPN stays out of the partial one (schema.cc).
template <auto M>
SqlValue GetCertTextOrNull(const RequestRecord& r) {
  if (!r.certificate || ((*r.certificate).*M).empty()) return SqlValue();
  return std::string_view((*r.certificate).*M);
}

// raw_public_key and req_raw_name: NULL when the value is the field the
// database derives it from (schema.cc, kDerived), so the blob row does not
// hold it twice; the value as it is otherwise, even empty.
bool IsField(const Bytes& value, std::span<const std::uint8_t> field) {
  return !value.empty() && std::ranges::equal(value, field);
}

SqlValue GetPublicKey(const RequestRecord& r) {
  if (!r.certificate) return SqlValue();
  const CertificateColumns& c = *r.certificate;
  if (IsField(c.raw_public_key, der_fields::CertificatePublicKeyInfo(c.raw_certificate))) {
    return SqlValue();
  }
  return ToSql(c.raw_public_key);
}

SqlValue GetSubjectKeyId(const RequestRecord& r) {
  if (!r.certificate) return SqlValue();
  const CertificateColumns& c = *r.certificate;
  const std::span<const std::uint8_t> key_id =
      der_fields::CertificateSubjectKeyId(c.raw_certificate);
  if (!c.subject_key_identifier.empty() && !key_id.empty() &&
      c.subject_key_identifier == HexLower(key_id)) {
    return SqlValue();
  }
  return ToSql(c.subject_key_identifier);
}

SqlValue GetRequestName(const RequestRecord& r) {
  if (IsField(r.raw_name, der_fields::RequestSubject(r.raw_request))) return SqlValue();
  return ToSql(r.raw_name);
}

using R = RequestRecord;
using C = CertificateColumns;
using S = SubjectParts;
using V = Revocation;

constexpr auto kFields = std::to_array<Field>({
    Blob(Req<&R::raw_request>("raw_request", kFixed)),
    Req<&R::request_attributes>("request_attributes", kFixed),
    Req<&R::request_type>("request_type", kFixed),
    Req<&R::request_flags>("request_flags", kFixed),
    Req<&R::status_code>("status_code", kMutable),
    Req<&R::disposition>("disposition", kMutable),
    Req<&R::disposition_message>("disposition_message", kMutable),
    Req<&R::submitted_when>("submitted_when", kFixed),
    Req<&R::resolved_when>("resolved_when", kMutable),
    Revoked<&V::revoked_when>("revoked_when"),
    Revoked<&V::revoked_effective_when>("revoked_effective_when"),
    Revoked<&V::reason>("revoked_reason"),
    Req<&R::requester_name>("requester_name", kFixed),
    Req<&R::caller_name>("caller_name", kFixed),
    Req<&R::requester_sid>("requester_sid", kFixed),
    Req<&R::officer>("officer_name", kMutable),
    Req<&R::distinguished_name>("req_distinguished_name", kFixed),
    Blob(Field{"req_raw_name", kFixed, &GetRequestName, &SetReq<&R::raw_name>}),
    ReqSubject<&S::common_name>("req_common_name"),
    ReqSubject<&S::country>("req_country"),
    ReqSubject<&S::organization>("req_organization"),
    ReqSubject<&S::org_unit>("req_org_unit"),
    ReqSubject<&S::locality>("req_locality"),
    ReqSubject<&S::state>("req_state"),
    ReqSubject<&S::email>("req_email"),
    ReqSubject<&S::domain_component>("req_domain_component"),
    ReqSubject<&S::street_address>("req_street_address"),
    ReqSubject<&S::title>("req_title"),
    ReqSubject<&S::given_name>("req_given_name"),
    ReqSubject<&S::surname>("req_surname"),
    Req<&R::template_name>("template_name", kMutable),
    Blob(Cert<&C::raw_certificate>("raw_certificate")),
    Cert<&C::certificate_hash>("certificate_hash"),
    Req<&R::certificate_template>("certificate_template", kMutable),
    Cert<&C::enrollment_flags>("enrollment_flags"),
    Cert<&C::general_flags>("general_flags"),
    Cert<&C::private_key_flags>("private_key_flags"),
    Field{"serial_number", kMutable, &GetCertTextOrNull<&C::serial_number>,
          &SetCert<&C::serial_number>},
    Cert<&C::not_before>("not_before"),
    Cert<&C::not_after>("not_after"),
    Field{"subject_key_identifier", kMutable, &GetSubjectKeyId,
          &SetCert<&C::subject_key_identifier>},
    Blob(Field{"raw_public_key", kMutable, &GetPublicKey, &SetCert<&C::raw_public_key>}),
    Cert<&C::public_key_length>("public_key_length"),
    Cert<&C::public_key_algorithm>("public_key_algorithm"),
    Field{"upn", kMutable, &GetCertTextOrNull<&C::upn>, &SetCert<&C::upn>},
    Field{"distinguished_name", kMutable, &GetCert<&C::distinguished_name>,
          &SetCert<&C::distinguished_name>, false, "req_distinguished_name"},
    CertSubject<&S::common_name>("common_name"),
    CertSubject<&S::country>("country"),
    CertSubject<&S::organization>("organization"),
    CertSubject<&S::org_unit>("org_unit"),
    CertSubject<&S::locality>("locality"),
    CertSubject<&S::state>("state"),
    CertSubject<&S::email>("email"),
    CertSubject<&S::domain_component>("domain_component"),
    CertSubject<&S::street_address>("street_address"),
    CertSubject<&S::title>("title"),
    CertSubject<&S::given_name>("given_name"),
    CertSubject<&S::surname>("surname"),
});

constexpr std::size_t IndexOf(std::string_view column) {
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    if (kFields[i].column == column) return i;
  }
  return kFields.size();
}
// Which optional parts a row has: a certificate is present when its raw
// bytes are not NULL (an empty certificate is stored as an empty blob), a
// revocation when its effective time is not NULL.
constexpr std::size_t kCertificatePresence = IndexOf("raw_certificate");
constexpr std::size_t kRevocationPresence = IndexOf("revoked_effective_when");
static_assert(kCertificatePresence < kFields.size() && kRevocationPresence < kFields.size());

int Column(std::size_t field_index) {
  return static_cast<int>(field_index) + 1;
}

std::string Param(std::size_t field_index) {
  return fmt::format("?{}", Column(field_index));
}

// Every statement numbers a field's parameter by its place in kFields; the
// request id, where a statement has one, comes after them.
std::string IdParam() {
  return fmt::format("?{}", kFields.size() + 1);
}

// What is stored for field `i`: its parameter, or NULL when it is the same
// non-empty text as `same`.
std::string Stored(std::size_t i, std::string_view same) {
  if (kFields[i].same_as.empty()) return Param(i);
  return "CASE WHEN " + Param(i) + " <> '' AND " + Param(i) + " = " + std::string(same) +
         " THEN NULL ELSE " + Param(i) + " END";
}

// "col = ?n" (or the columns alone, or their parameters) of the fields in
// `in_blob`'s table, all or only the mutable ones.
enum class Part { kColumn, kParam, kAssign };
std::string Join(bool in_blob, bool mutable_only, Part part) {
  std::string out;
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    const Field& f = kFields[i];
    if (f.in_blob != in_blob || (mutable_only && !f.is_mutable)) continue;
    if (!out.empty()) out += ", ";
    switch (part) {
      case Part::kColumn: out += f.column; break;
      case Part::kParam: out += Stored(i, Param(IndexOf(f.same_as))); break;
      case Part::kAssign: out += std::string(f.column) + " = " + Stored(i, f.same_as); break;
    }
  }
  return out;
}

std::string JoinAll() {
  std::string out;
  for (const Field& f : kFields) out += (out.empty() ? "" : ", ") + std::string(f.column);
  return out;
}

std::string Length(std::string_view column) {
  return "coalesce(length(" + Param(IndexOf(column)) + "), 0)";
}

}  // namespace

const std::string& SelectColumns() {
  static const std::string sql = "request_id, " + JoinAll();
  return sql;
}

const std::string& InsertSql() {
  // quota_bytes as the usage triggers count it (schema.cc).
  static const std::string sql = "INSERT INTO request (request_id, " +
                                 Join(false, false, Part::kColumn) + ", quota_bytes) VALUES (" +
                                 IdParam() + ", " + Join(false, false, Part::kParam) + ", " +
                                 Length("raw_request") + " + " + Length("request_attributes") +
                                 " + " + Length("raw_certificate") + ")";
  return sql;
}

const std::string& InsertBlobSql() {
  static const std::string sql = "INSERT INTO request_blob (request_id, " +
                                 Join(true, false, Part::kColumn) + ") VALUES (" + IdParam() +
                                 ", " + Join(true, false, Part::kParam) + ")";
  return sql;
}

const std::string& UpdateSql() {
  // Before UpdateBlobSql: the stored certificate's length leaves quota_bytes.
  static const std::string sql =
      "UPDATE request SET " + Join(false, true, Part::kAssign) +
      ", quota_bytes = coalesce(quota_bytes, 0) - coalesce((SELECT length(raw_certificate) FROM "
      "request_blob WHERE request_id = " +
      IdParam() + "), 0) + " + Length("raw_certificate") + " WHERE request_id = " + IdParam();
  return sql;
}

const std::string& UpdateBlobSql() {
  static const std::string sql = [] {
    std::string set;
    for (const Field& f : kFields) {
      if (!f.in_blob || !f.is_mutable) continue;
      set += (set.empty() ? "" : ", ") + std::string(f.column) + " = excluded." +
             std::string(f.column);
    }
    return "INSERT INTO request_blob (request_id, " + Join(true, true, Part::kColumn) +
           ") VALUES (" + IdParam() + ", " + Join(true, true, Part::kParam) +
           ") ON CONFLICT (request_id) DO UPDATE SET " + set;
  }();
  return sql;
}

void BindWithId(Statement& st, const RequestRecord& r, std::uint32_t request_id) {
  for (std::size_t i = 0; i < kFields.size(); ++i) st.Bind(Column(i), kFields[i].get(r));
  st.Bind(static_cast<int>(kFields.size()) + 1, std::int64_t{request_id});
}

Result<RequestRecord> Read(const Statement& st) {
  RequestRecord r;
  OPENADCS_RETURN_IF_ERROR(st.Column(0).Get(r.request_id));
  if (!st.Column(Column(kCertificatePresence)).IsNull()) r.certificate.emplace();
  if (!st.Column(Column(kRevocationPresence)).IsNull()) r.revocation.emplace();
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    OPENADCS_RETURN_IF_ERROR(kFields[i].set(r, st.Column(Column(i))));
  }
  return r;
}

}  // namespace openadcs::db::request_row
