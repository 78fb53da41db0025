#include "db/request_row.h"

#include <array>
#include <cstddef>
#include <string_view>

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
};

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

// An empty serial is stored as NULL, so that it never collides in the
// unique index.
SqlValue GetSerial(const RequestRecord& r) {
  if (!r.certificate || r.certificate->serial_number.empty()) return SqlValue();
  return std::string_view(r.certificate->serial_number);
}

using R = RequestRecord;
using C = CertificateColumns;
using S = SubjectParts;
using V = Revocation;

constexpr auto kFields = std::to_array<Field>({
    Req<&R::raw_request>("raw_request", kFixed),
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
    Req<&R::raw_name>("req_raw_name", kFixed),
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
    Cert<&C::raw_certificate>("raw_certificate"),
    Cert<&C::certificate_hash>("certificate_hash"),
    Cert<&C::certificate_template>("certificate_template"),
    Cert<&C::enrollment_flags>("enrollment_flags"),
    Cert<&C::general_flags>("general_flags"),
    Cert<&C::private_key_flags>("private_key_flags"),
    Field{"serial_number", kMutable, &GetSerial, &SetCert<&C::serial_number>},
    Cert<&C::not_before>("not_before"),
    Cert<&C::not_after>("not_after"),
    Cert<&C::subject_key_identifier>("subject_key_identifier"),
    Cert<&C::raw_public_key>("raw_public_key"),
    Cert<&C::public_key_length>("public_key_length"),
    Cert<&C::public_key_algorithm>("public_key_algorithm"),
    Cert<&C::upn>("upn"),
    Cert<&C::distinguished_name>("distinguished_name"),
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

std::string JoinColumns(bool mutable_only, std::string_view suffix) {
  std::string out;
  int n = 0;
  for (const Field& f : kFields) {
    if (mutable_only && !f.is_mutable) continue;
    if (n++ > 0) out += ", ";
    out += f.column;
    if (!suffix.empty()) out += std::string(suffix) + std::to_string(n);
  }
  return out;
}

int Column(std::size_t field_index) {
  return static_cast<int>(field_index) + 1;
}

}  // namespace

const std::string& SelectColumns() {
  static const std::string sql = "request_id, " + JoinColumns(false, "");
  return sql;
}

const std::string& InsertSql() {
  static const std::string sql = [] {
    std::string values;
    for (std::size_t i = 1; i <= kFields.size(); ++i) {
      values += (i > 1 ? ", ?" : "?") + std::to_string(i);
    }
    return "INSERT INTO request (" + JoinColumns(false, "") + ") VALUES (" + values + ")";
  }();
  return sql;
}

const std::string& UpdateSql() {
  static const std::string sql = [] {
    std::size_t n = 0;
    for (const Field& f : kFields) n += f.is_mutable ? 1 : 0;
    return "UPDATE request SET " + JoinColumns(true, " = ?") + " WHERE request_id = ?" +
           std::to_string(n + 1);
  }();
  return sql;
}

void BindInsert(Statement& st, const RequestRecord& r) {
  for (std::size_t i = 0; i < kFields.size(); ++i) st.Bind(Column(i), kFields[i].get(r));
}

void BindUpdate(Statement& st, const RequestRecord& r) {
  int n = 0;
  for (const Field& f : kFields) {
    if (f.is_mutable) st.Bind(++n, f.get(r));
  }
  st.Bind(n + 1, std::int64_t{r.request_id});
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
