// The officer operations of MS-CSRA 3.1.4.1 on stored requests: extensions
// and attributes on pending requests, resubmission through policy, denial,
// revocation and its release, and revocation status.
#include <spdlog/spdlog.h>

#include <utility>

#include "ca/certificate_columns.h"
#include "ca/engine_impl.h"
#include "openadcs/ca/access.h"
#include "openadcs/ca/directory_caller.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

namespace xf = db::extension_flag;
using db::Disposition;
using engine_internal::Failure;
using engine_internal::Hex32;
using engine_internal::HresultOf;
using engine_internal::kMaxAttributeRows;
using engine_internal::kMaxAttributesBytes;
using engine_internal::NoteResolvedTemplate;

constexpr std::size_t kMaxOidLength = 31;  // MS-CSRA 3.1.4.1.1
// Who may read the database, MS-CSRA 3.1.1.7 (EffectiveRights adds Read to
// Enroll, so enrollees read too, as on Windows).
constexpr std::uint32_t kReaders = rights::kAdmin | rights::kOfficer | rights::kRead;

}  // namespace

Status Engine::Impl::RequireOfficerRights(const Caller& officer, std::uint32_t id,
                                          std::string_view operation) {
  if (!security_.OfficerRightsEnabled()) return Status::Ok();
  auto got = store_.GetRequest(id);
  if (!got.ok()) return MapOfficerStatus(got.status(), id);
  return RequireOfficerRights(officer, *got, operation);
}

Status Engine::Impl::RequireOfficerRights(const Caller& officer, const db::RequestRecord& rec,
                                          std::string_view operation) {
  if (!security_.OfficerRightsEnabled()) return Status::Ok();
  Requester requester(rec.requester_name, rec.requester_sid);
  if (lookup_ != nullptr && !rec.requester_name.empty()) {
    requester = WithDirectoryGroups(std::move(requester), lookup_->Lookup(rec.requester_name));
  }
  return security_.RequireOfficerFor(officer, requester, rec.template_name, rec.request_id,
                                     operation);
}

Result<db::ViewPage> Engine::Impl::QueryView(const Caller& caller, const db::ViewQuery& query) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(caller, kReaders, "read the CA database"));
  return store_.QueryView(query);
}

Result<std::vector<db::ExtensionRow>> Engine::Impl::Extensions(const Caller& caller,
                                                               std::uint32_t id) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(caller, kReaders, "read the CA database"));
  OPENADCS_RETURN_IF_ERROR(MapOfficerStatus(store_.GetRequest(id).status(), id));
  return store_.ListExtensions(id);
}

Result<std::vector<db::AttributeRow>> Engine::Impl::Attributes(const Caller& caller,
                                                               std::uint32_t id) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(caller, kReaders, "read the CA database"));
  OPENADCS_RETURN_IF_ERROR(MapOfficerStatus(store_.GetRequest(id).status(), id));
  return store_.ListAttributes(id);
}

Status Engine::Impl::SetExtension(const Caller& officer, std::uint32_t id,
                                  const std::string& ext_oid, ValueType type, std::uint32_t flags,
                                  std::span<const std::uint8_t> value) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(officer, rights::kOfficer, "set an extension"));
  OPENADCS_RETURN_IF_ERROR(RequireOfficerRights(officer, id, "set an extension"));
  if (ext_oid.empty() || ext_oid.size() > kMaxOidLength ||
      ossl::Asn1ObjectPtr(OBJ_txt2obj(ext_oid.c_str(), 1)) == nullptr) {
    return Status::InvalidArgument("'" + ext_oid + "' is not a valid extension OID",
                                   hr::kInvalidArg);
  }
  if ((flags & ~(xf::kCritical | xf::kDisable)) != 0) {
    return Status::InvalidArgument("extension flags " + Hex32(flags) + " are not allowed",
                                   hr::kInvalidArg);
  }
  Bytes encoded;
  switch (type) {
    case ValueType::kLong: {
      if (value.size() != 4)
        return Status::InvalidArgument("a LONG value has 4 bytes", hr::kInvalidArg);
      auto v = static_cast<std::int32_t>(value[0] | (value[1] << 8) | (value[2] << 16) |
                                         (static_cast<std::uint32_t>(value[3]) << 24));
      encoded = pki::ext::Integer(v);
      break;
    }
    case ValueType::kDate: {
      if (value.size() != 8)
        return Status::InvalidArgument("a DATE value has 8 bytes", hr::kInvalidArg);
      std::uint64_t ft = 0;
      for (int i = 7; i >= 0; --i) ft = (ft << 8) | value[static_cast<std::size_t>(i)];
      encoded = pki::ext::Time(FiletimeToUnix(ft));
      break;
    }
    case ValueType::kString:
      encoded = pki::ext::Ia5String(std::string(value.begin(), value.end()));
      break;
    case ValueType::kBinary:
      if (value.empty()) return Status::InvalidArgument("empty extension value", hr::kInvalidArg);
      encoded.assign(value.begin(), value.end());
      break;
    default:
      return Status::InvalidArgument(
          "unknown value type " + std::to_string(static_cast<std::uint32_t>(type)),
          hr::kInvalidArg);
  }
  const std::size_t encoded_bytes = encoded.size();
  Status s = store_.PutExtension(
      {id, ext_oid, flags | xf::kOriginAdmin, std::move(encoded)}, Disposition::kPending,
      Audit(officer.name, "set-extension", id,
            ext_oid + " flags " + Hex32(flags) + ", " + std::to_string(encoded_bytes) + " bytes"));
  s = MapOfficerStatus(s, id);
  if (s.ok()) {
    spdlog::info("[req {}] {} set extension {} (flags {})", id, officer.name, ext_oid,
                 Hex32(flags));
  } else {
    spdlog::warn("[req {}] {} could not set extension {}: {}", id, officer.name, ext_oid,
                 s.ToString());
  }
  return s;
}

Status Engine::Impl::SetAttributes(const Caller& officer, std::uint32_t id,
                                   const std::string& text) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(officer, rights::kOfficer, "set attributes"));
  OPENADCS_RETURN_IF_ERROR(RequireOfficerRights(officer, id, "set attributes"));
  if (text.size() > kMaxAttributesBytes) {
    return Status::InvalidArgument("attributes string too long", hr::kInvalidArg);
  }
  std::vector<db::AttributeRow> rows;
  for (auto& [name, value] : pki::ParseRequestAttributes(text)) {
    rows.push_back({id, std::move(name), std::move(value)});
  }
  if (rows.empty())
    return Status::InvalidArgument("no name:value attribute given", hr::kInvalidArg);
  if (rows.size() > kMaxAttributeRows) {
    return Status::InvalidArgument("too many attributes", hr::kInvalidArg);
  }
  // Names only: values may be anything a requester or officer typed.
  std::string names;
  for (const db::AttributeRow& r : rows) names += (names.empty() ? "" : ", ") + r.name;
  Status s = MapOfficerStatus(
      store_.PutAttributes(id, rows, Disposition::kPending,
                           Audit(officer.name, "set-attributes", id, std::move(names))),
      id);
  if (s.ok()) spdlog::info("[req {}] {} set {} attribute(s)", id, officer.name, rows.size());
  return s;
}

SubmitResult Engine::Impl::Resubmit(const Caller& officer, std::uint32_t id) {
  if (Status s = security_.Require(officer, rights::kOfficer, "resubmit a request"); !s.ok()) {
    return Failure(id, WireDisposition::kError, hr::kAccessDenied, s.message());
  }
  auto got = store_.GetRequest(id);
  if (!got.ok()) return StoreReadFailure(got.status(), id);
  db::RequestRecord rec = std::move(got).value();
  if (Status s = RequireOfficerRights(officer, rec, "resubmit a request"); !s.ok()) {
    return Failure(id, WireDisposition::kError, HresultOf(s, hr::kRestrictedOfficer), s.message());
  }
  if (rec.disposition != Disposition::kPending) {
    return Failure(id, WireDisposition::kError, hr::kBadRequestStatus,
                   "request " + std::to_string(id) + " is not pending");
  }
  auto parsed = pki::ParseRequest(rec.raw_request, static_cast<pki::RequestType>(rec.request_type),
                                  options_.limits);
  if (!parsed.ok()) {
    spdlog::error("[req {}] stored request no longer parses: {}", id, parsed.status().ToString());
    return Failure(id, WireDisposition::kError, HresultOf(parsed.status(), hr::kInvalidData),
                   parsed.status().message());
  }
  auto attributes = store_.ListAttributes(id);
  if (!attributes.ok()) return StoreReadFailure(attributes.status(), id);
  auto extensions = store_.ListExtensions(id);
  if (!extensions.ok()) return StoreReadFailure(extensions.status(), id);
  std::vector<db::ExtensionRow> admin;
  for (auto& row : *extensions) {
    if ((row.flags & xf::kOriginMask) == xf::kOriginAdmin) admin.push_back(std::move(row));
  }
  const std::int64_t now = clock_();
  Requester requester(rec.requester_name, rec.requester_sid);
  auto snapshot = templates_.Current();
  PolicyOutcome outcome = policy_.Evaluate(
      {&*parsed, &*attributes, &admin, snapshot.get(), &requester, nullptr, true, now});
  rec.officer = officer.name;
  rec.resolved_when = now;
  NoteResolvedTemplate(outcome, rec);
  LogNotes(id, outcome);
  if (outcome.kind != PolicyOutcome::Kind::kIssue) {
    rec.disposition = Disposition::kDenied;
    rec.status_code = outcome.status;
    rec.disposition_message = "Denied by Policy Module: " + outcome.message;
    Status s = store_.UpdateRequest(
        rec, Disposition::kPending, {},
        Audit(officer.name, "deny", id,
              "resubmitted: " + Hex32(outcome.status) + " " + rec.disposition_message));
    if (!s.ok()) return UpdateFailure(s, id);
    spdlog::info("[req {}] resubmitted by {}: denied {} {}", id, officer.name,
                 Hex32(outcome.status), outcome.message);
    return Failure(id, WireDisposition::kDenied, outcome.status, rec.disposition_message);
  }
  // UpdateRequest returns once the write is durable: no gate to leave.
  return Issue(rec, outcome, parsed->pkcs10.get(), now,
               [&](const db::RequestRecord& r, std::shared_ptr<Gate>* /*durable*/) {
                 return store_.UpdateRequest(
                     r, Disposition::kPending, outcome.extension_rows,
                     Audit(officer.name, "issue", id, "resubmitted; " + IssueDetail(r)));
               });
}

Status Engine::Impl::Deny(const Caller& officer, std::uint32_t id) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(officer, rights::kOfficer, "deny a request"));
  auto got = store_.GetRequest(id);
  if (!got.ok()) return MapOfficerStatus(got.status(), id);
  db::RequestRecord rec = std::move(got).value();
  OPENADCS_RETURN_IF_ERROR(RequireOfficerRights(officer, rec, "deny a request"));
  if (rec.disposition != Disposition::kPending) {
    return Status::FailedPrecondition("request " + std::to_string(id) + " is not pending",
                                      hr::kBadRequestStatus);
  }
  rec.disposition = Disposition::kDenied;
  rec.status_code = hr::kAdminDeniedRequest;
  rec.disposition_message = "Denied by " + officer.name;
  rec.officer = officer.name;
  rec.resolved_when = clock_();
  Status s = MapOfficerStatus(
      store_.UpdateRequest(rec, Disposition::kPending, {},
                           Audit(officer.name, "deny", id, rec.disposition_message)),
      id);
  if (s.ok()) spdlog::info("[req {}] denied by {}", id, officer.name);
  return s;
}

Status Engine::Impl::Revoke(const Caller& officer, const std::string& serial_text,
                            std::uint32_t reason, std::int64_t effective) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(officer, rights::kOfficer, "revoke a certificate"));
  auto serial = NormalizeSerial(serial_text);
  if (!serial) return Status::InvalidArgument("the serial number is not hex", hr::kInvalidArg);
  const bool unrevoke = reason == Engine::kUnrevoke;
  if (!unrevoke && (reason > 8 || reason == 7)) {
    return Status::InvalidArgument(
        "revocation reason " + std::to_string(reason) + " is not one of 0-6, 8", hr::kInvalidArg);
  }
  auto got = store_.GetRequestBySerial(*serial);
  if (!got.ok()) {
    return got.status().code() == StatusCode::kNotFound
               ? Status::NotFound("no certificate has serial " + *serial, hr::kPropertyEmpty)
               : got.status();
  }
  db::RequestRecord rec = std::move(got).value();
  OPENADCS_RETURN_IF_ERROR(RequireOfficerRights(
      officer, rec, unrevoke ? "release a certificate from hold" : "revoke a certificate"));
  const Disposition before = rec.disposition;
  const bool on_hold =
      before == Disposition::kRevoked && rec.revocation && rec.revocation->reason == 6;
  const std::int64_t now = clock_();
  if (unrevoke) {
    if (!on_hold) {
      return Status::FailedPrecondition("certificate " + *serial + " is not on hold",
                                        hr::kBadRequestStatus);
    }
    rec.disposition = Disposition::kIssued;
    // Kept, as Windows keeps it, for the delta CRLs' removeFromCRL entries.
    rec.revocation = db::Revocation{now, now, db::kReleasedFromHold};
  } else {
    if (before != Disposition::kIssued && !on_hold) {
      return Status::FailedPrecondition(
          "certificate " + *serial + " is not issued and unrevoked (or on hold)",
          hr::kBadRequestStatus);
    }
    rec.disposition = Disposition::kRevoked;
    rec.revocation = db::Revocation{now, effective > 0 ? effective : now, reason};
  }
  rec.officer = officer.name;
  std::string detail = "serial " + *serial;
  if (!unrevoke) {
    detail += " reason " + std::to_string(reason) + " effective " +
              std::to_string(rec.revocation->revoked_effective_when);
  }
  Status s = store_.UpdateRequest(
      rec, before, {},
      Audit(officer.name, unrevoke ? "unrevoke" : "revoke", rec.request_id, std::move(detail)));
  if (!s.ok()) return MapOfficerStatus(s, rec.request_id);
  spdlog::info("[req {}] {} by {}: serial {} reason {}", rec.request_id,
               unrevoke ? "released from hold" : "revoked", officer.name, *serial,
               unrevoke ? 0u : reason);
  return Status::Ok();
}

Result<RevocationStatus> Engine::Impl::IsValidCertificate(const Caller& caller,
                                                          const std::string& serial_text) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(caller, kReaders, "read the CA database"));
  auto serial = NormalizeSerial(serial_text);
  if (!serial) return Status::InvalidArgument("the serial number is not hex", hr::kInvalidArg);
  auto got = store_.GetRequestBySerial(*serial);
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) return RevocationStatus{4, 0};
    return got.status();
  }
  const db::RequestRecord& rec = *got;
  if (rec.disposition == Disposition::kIssued) return RevocationStatus{3, 0};
  if (rec.disposition == Disposition::kRevoked && rec.revocation) {
    if (rec.revocation->revoked_effective_when > clock_()) return RevocationStatus{3, 0};
    return RevocationStatus{2, rec.revocation->reason};
  }
  return RevocationStatus{4, 0};
}

}  // namespace openadcs::ca
