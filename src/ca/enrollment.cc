// Enrollment (MS-WCCE 3.2.1.4.2.1): new requests through policy to a stored
// row, issuance with serial-collision retries, retrieval by request id or
// serial number, and the CMC full response.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ca/certificate_columns.h"
#include "ca/engine_impl.h"
#include "openadcs/ca/access.h"
#include "openadcs/pki/cmc_response.h"
#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"
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
using engine_internal::kQuotaPeriod;
using engine_internal::NoteResolvedTemplate;

}  // namespace

SubmitResult Engine::Impl::Submit(const SubmitRequest& in) {
  if (in.request.empty()) return RetrieveById(in.caller, in.request_id, in.authority);
  if (!AuthorityMatches(in.authority)) return WrongAuthority(in.authority);
  if (Status s = security_.Require(in.caller, rights::kEnroll, "enroll"); !s.ok()) {
    return Failure(0, WireDisposition::kDenied, hr::kEnrollDenied,
                   "the CA's security does not grant " + in.caller.name + " Enroll");
  }

  const std::int64_t now = clock_();
  // An oversized request is not kept: the row records that it came and why
  // it failed, without letting a client fill the database.
  const bool oversized = in.request.size() > options_.limits.max_request_bytes;
  if (auto refused =
          OverQuota(in.caller, (oversized ? 0 : in.request.size()) + in.attributes.size(), now)) {
    return *std::move(refused);
  }
  const Requester requester(in.caller.name, in.caller.sid);
  db::RequestRecord rec;
  rec.request_type = in.flags & pki::kRequestTypeMask;
  rec.request_flags = in.flags;
  rec.requester_name = requester.name;
  rec.caller_name = requester.name;
  rec.requester_sid = requester.sid;
  rec.submitted_when = now;
  rec.resolved_when = now;
  if (!oversized) rec.raw_request = in.request;
  if (in.attributes.size() > kMaxAttributesBytes) {
    return Fail(std::move(rec), hr::kInvalidArg,
                "the attributes string has " + std::to_string(in.attributes.size()) +
                    " bytes; at most " + std::to_string(kMaxAttributesBytes) + " are accepted");
  }
  rec.request_attributes = in.attributes;

  std::vector<db::AttributeRow> attributes;
  for (auto& [name, value] : pki::ParseRequestAttributes(in.attributes)) {
    attributes.push_back({0, std::move(name), std::move(value)});
  }

  auto parsed = pki::ParseRequest(in.request, static_cast<pki::RequestType>(rec.request_type),
                                  options_.limits);
  if (!parsed.ok()) {
    return Fail(std::move(rec), HresultOf(parsed.status(), hr::kInvalidData),
                parsed.status().message(), attributes);
  }
  for (auto& [name, value] : parsed->name_value_pairs) {
    attributes.push_back({0, name, value});
  }
  if (attributes.size() > kMaxAttributeRows) {
    return Fail(std::move(rec), hr::kInvalidArg,
                "the request carries " + std::to_string(attributes.size()) +
                    " attributes; at most " + std::to_string(kMaxAttributeRows) + " are accepted");
  }
  FillRequestedSubject(rec, *parsed);

  std::vector<db::ExtensionRow> requested;
  for (const auto& e : parsed->extensions) {
    requested.push_back(
        {0, e.oid, xf::kOriginRequest | (e.critical ? xf::kCritical : 0u), e.value});
  }

  auto snapshot = templates_.Current();
  const std::vector<db::ExtensionRow> no_admin_extensions;
  PolicyOutcome outcome = policy_.Evaluate({&*parsed, &attributes, &no_admin_extensions,
                                            snapshot.get(), &requester, &in.caller, false, now});
  NoteResolvedTemplate(outcome, rec);
  if (outcome.on_behalf_of) ApplyOnBehalfOf(in.caller, rec, &outcome);
  SubmitResult result = Decide(std::move(rec), attributes, requested, outcome, *parsed, now);
  LogNotes(result.request_id, outcome);
  return result;
}

SubmitResult Engine::Impl::Decide(db::RequestRecord rec,
                                  const std::vector<db::AttributeRow>& attributes,
                                  const std::vector<db::ExtensionRow>& requested,
                                  const PolicyOutcome& outcome, const pki::ParsedRequest& parsed,
                                  std::int64_t now) {
  switch (outcome.kind) {
    case PolicyOutcome::Kind::kDeny: {
      rec.disposition = Disposition::kDenied;
      rec.status_code = outcome.status;
      rec.disposition_message = "Denied by Policy Module: " + outcome.message;
      return Insert(std::move(rec), attributes, requested, WireDisposition::kDenied);
    }
    case PolicyOutcome::Kind::kPend: {
      rec.disposition = Disposition::kPending;
      rec.status_code = 0;
      rec.resolved_when = 0;
      rec.disposition_message = outcome.message;
      return Insert(std::move(rec), attributes, requested, WireDisposition::kUnderSubmission);
    }
    case PolicyOutcome::Kind::kIssue: break;
  }
  return IssueNew(std::move(rec), attributes, outcome, parsed.pkcs10.get(), now);
}

SubmitResult Engine::Impl::RetrieveById(const Caller& caller, std::uint32_t id,
                                        const std::string& authority) {
  if (!AuthorityMatches(authority)) return WrongAuthority(authority);
  if (Status s = security_.Require(caller, rights::kEnroll | rights::kOfficer, "retrieve");
      !s.ok()) {
    return Failure(id, WireDisposition::kError, hr::kAccessDenied, s.message());
  }
  return Retrieved(caller, store_.GetRequest(id), id);
}

SubmitResult Engine::Impl::RetrieveBySerial(const Caller& caller, const std::string& serial_text,
                                            const std::string& authority) {
  if (!AuthorityMatches(authority)) return WrongAuthority(authority);
  if (Status s = security_.Require(caller, rights::kEnroll | rights::kOfficer, "retrieve");
      !s.ok()) {
    return Failure(0, WireDisposition::kError, hr::kAccessDenied, s.message());
  }
  auto serial = NormalizeSerial(serial_text);
  if (!serial) {
    return Failure(0, WireDisposition::kError, hr::kInvalidArg, "the serial number is not hex");
  }
  return Retrieved(caller, store_.GetRequestBySerial(*serial), 0);
}

bool Engine::Impl::MayRead(const Caller& caller, const db::RequestRecord& rec) const {
  if ((security_.RightsOf(caller) & rights::kOfficer) != 0) return true;
  if (!caller.sid.empty() && caller.sid == rec.requester_sid) return true;
  if (caller.name.empty()) return false;
  return EqualsIgnoreCaseAscii(caller.name, rec.requester_name) ||
         EqualsIgnoreCaseAscii(caller.name, rec.caller_name);
}

void Engine::Impl::ApplyOnBehalfOf(const Caller& agent, db::RequestRecord& rec,
                                   PolicyOutcome* outcome) const {
  const Requester& named = *outcome->on_behalf_of;
  rec.requester_name = named.name;
  rec.requester_sid = named.sid;
  spdlog::info("enrollment agent {} requests on behalf of {} ({}) for template '{}'", agent.name,
               named.name, named.sid.empty() ? "no SID" : named.sid, rec.template_name);
  if (outcome->kind == PolicyOutcome::Kind::kDeny) return;
  Status s = security_.RequireEnrollmentAgentFor(agent, named, rec.template_name);
  if (s.ok()) return;
  outcome->kind = PolicyOutcome::Kind::kDeny;
  outcome->status = s.hresult().value_or(hr::kRestrictedOfficer);
  outcome->message = s.message();
}

Result<Bytes> Engine::Impl::FullResponse(const SubmitResult& result) const {
  pki::CmcResponseSpec spec;
  switch (result.disposition) {
    case WireDisposition::kIssued:
    case WireDisposition::kIssuedOutOfBand:
      spec.status = pki::CmcStatus::kSuccess;
      spec.certificates.push_back(result.certificate);
      for (const auto& c : identity_.chain()) {
        unsigned char* der = nullptr;
        const int n = i2d_X509(c.get(), &der);
        if (n <= 0) return Status::Internal("cannot encode a chain certificate");
        spec.certificates.emplace_back(der, der + n);
        OPENSSL_free(der);
      }
      break;
    case WireDisposition::kUnderSubmission:
      spec.status = pki::CmcStatus::kPending;
      spec.request_id = result.request_id;
      spec.pend_time = clock_();
      break;
    default: spec.status = pki::CmcStatus::kFailed; break;
  }
  spec.status_string = result.message;
  return pki::BuildCmcResponse(spec, identity_);
}

std::optional<SubmitResult> Engine::Impl::OverQuota(const Caller& caller, std::uint64_t incoming,
                                                    std::int64_t now) {
  const RequesterQuota& quota = options_.quota;
  std::string why;
  if (quota.max_requests_per_hour != 0) {
    Result<std::uint64_t> made =
        store_.CountRequestsSince(caller.name, now - kQuotaPeriod.count() + 1);
    if (!made.ok()) return StoreReadFailure(made.status(), 0);
    if (*made >= quota.max_requests_per_hour) {
      why = std::to_string(*made) + " requests stored in the last hour, the most allowed being " +
            std::to_string(quota.max_requests_per_hour);
    }
  }
  if (why.empty() && quota.max_stored_bytes != 0) {
    Result<std::uint64_t> stored = store_.StoredBytesOf(caller.name);
    if (!stored.ok()) return StoreReadFailure(stored.status(), 0);
    if (*stored + incoming > quota.max_stored_bytes) {
      why = std::to_string(*stored) + " bytes stored and " + std::to_string(incoming) +
            " more in this request, the most allowed being " +
            std::to_string(quota.max_stored_bytes);
    }
  }
  if (why.empty()) return std::nullopt;
  std::uint64_t held_back = 0;
  if (quota_log_.Allow(ToLowerAscii(caller.name), &held_back)) {
    spdlog::warn("requests from {} denied until it is within its quota: {}{}", caller.name, why,
                 held_back == 0
                     ? std::string()
                     : "; " + std::to_string(held_back) + " denied since the last warning");
  }
  return Failure(0, WireDisposition::kDenied, hr::kNotEnoughQuota,
                 "Denied: " + caller.name + " is over its quota: " + why);
}

bool Engine::Impl::AuthorityMatches(const std::string& authority) const {
  if (authority.empty()) return true;
  std::string a = ToLowerAscii(authority);
  // MS-WCCE 3.1.1.4.2: the CA's name, its sanitized name or its sanitized short name.
  return a == ToLowerAscii(identity_.common_name()) ||
         a == ToLowerAscii(identity_.sanitized_name()) ||
         a == ToLowerAscii(identity_.sanitized_short_name());
}

SubmitResult Engine::Impl::WrongAuthority(const std::string& authority) const {
  spdlog::warn("request for CA '{}' refused: this CA is '{}'", authority, identity_.common_name());
  return Failure(0, WireDisposition::kError, hr::kInvalidArg,
                 "this CA is '" + identity_.common_name() + "', not '" + authority + "'");
}

void Engine::Impl::FillRequestedSubject(db::RequestRecord& rec, const pki::ParsedRequest& req) {
  const X509_NAME* name = X509_REQ_get_subject_name(req.pkcs10.get());
  rec.distinguished_name = pki::FormatDistinguishedName(name);
  const unsigned char* der = nullptr;
  std::size_t der_len = 0;
  if (X509_NAME_get0_der(name, &der, &der_len) == 1) rec.raw_name.assign(der, der + der_len);
  rec.subject = SubjectPartsOf(name);
}

SubmitResult Engine::Impl::Fail(db::RequestRecord rec, std::uint32_t status, const std::string& why,
                                const std::vector<db::AttributeRow>& attributes) {
  rec.disposition = Disposition::kError;
  rec.status_code = status;
  rec.disposition_message = "Error " + Hex32(status) + ": " + why;
  std::vector<db::AttributeRow> kept(
      attributes.begin(), attributes.begin() + static_cast<std::ptrdiff_t>(
                                                   std::min(attributes.size(), kMaxAttributeRows)));
  return Insert(std::move(rec), kept, {}, WireDisposition::kError);
}

SubmitResult Engine::Impl::Insert(db::RequestRecord rec,
                                  const std::vector<db::AttributeRow>& attributes,
                                  const std::vector<db::ExtensionRow>& extensions,
                                  WireDisposition wire) {
  const char* action = rec.disposition == Disposition::kPending  ? "pend"
                       : rec.disposition == Disposition::kDenied ? "deny"
                                                                 : "fail";
  std::string detail = rec.template_name.empty() ? "" : "template " + rec.template_name + "; ";
  detail += Hex32(rec.status_code) + " " + rec.disposition_message;
  auto queued = store_.QueueInsertRequest(rec, attributes, extensions,
                                          Audit(rec.requester_name, action, 0, std::move(detail)));
  if (!queued.ok()) return StoreWriteFailure(queued.status());
  const std::uint32_t status = rec.status_code;
  SubmitResult r = Failure(queued->request_id, wire, status, rec.disposition_message);
  r.durable = std::move(queued->durable);
  LogOnceDurable(r, fmt::format("[req {}] {} from {}{}{}: {}", queued->request_id,
                                DispositionName(rec.disposition), rec.requester_name,
                                rec.template_name.empty() ? "" : " for ", rec.template_name,
                                rec.disposition_message));
  return r;
}

SubmitResult Engine::Impl::IssueNew(db::RequestRecord rec,
                                    const std::vector<db::AttributeRow>& attributes,
                                    const PolicyOutcome& outcome, const X509_REQ* request,
                                    std::int64_t now) {
  return Issue(rec, outcome, request, now,
               [&](db::RequestRecord& r, std::shared_ptr<Gate>* durable) -> Status {
                 auto queued =
                     store_.QueueInsertRequest(r, attributes, outcome.extension_rows,
                                               Audit(r.requester_name, "issue", 0, IssueDetail(r)));
                 if (!queued.ok()) return queued.status();
                 r.request_id = queued->request_id;
                 *durable = std::move(queued->durable);
                 return Status::Ok();
               });
}

SubmitResult Engine::Impl::Issue(db::RequestRecord& rec, const PolicyOutcome& outcome,
                                 const X509_REQ* request, std::int64_t now, const Commit& commit) {
  EVP_PKEY* key = X509_REQ_get0_pubkey(const_cast<X509_REQ*>(request));
  pki::CertificateSpec spec;
  spec.subject = outcome.subject.get();
  spec.public_key = X509_REQ_get_X509_PUBKEY(const_cast<X509_REQ*>(request));
  spec.not_before = outcome.not_before;
  spec.not_after = outcome.not_after;
  spec.extensions = outcome.extensions;
  Status s;
  std::shared_ptr<Gate> durable;
  for (int attempt = 0; attempt <= options_.serial_retries; ++attempt) {
    Result<Bytes> serial = serials_.Next(
        options_.serial_bytes,
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count()));
    if (!serial.ok()) {
      spdlog::error("[req {}] no serial number: {}", rec.request_id, serial.status().ToString());
      return Failure(rec.request_id, WireDisposition::kError, hr::kUnexpected,
                     "the CA could not make a serial number");
    }
    spec.serial = std::move(serial).value();
    auto built = pki::BuildCertificate(spec, identity_);
    if (!built.ok()) {
      spdlog::error("[req {}] signing failed: {}", rec.request_id, built.status().ToString());
      return Failure(rec.request_id, WireDisposition::kError, hr::kUnexpected,
                     "the CA could not sign the certificate");
    }
    rec.certificate =
        CertificateColumnsOf(std::move(built).value(), spec, key, outcome.resolved_template);
    rec.disposition = Disposition::kIssued;
    rec.status_code = 0;
    rec.disposition_message = "Issued";
    rec.resolved_when = now;
    s = commit(rec, &durable);
    if (s.code() != StatusCode::kAlreadyExists) break;
    spdlog::warn("[req {}] serial number collision; retrying with a new one", rec.request_id);
  }
  if (!s.ok()) {
    if (s.code() == StatusCode::kFailedPrecondition) return UpdateFailure(s, rec.request_id);
    return StoreWriteFailure(s);
  }
  SubmitResult r;
  r.request_id = rec.request_id;
  r.disposition = WireDisposition::kIssued;
  r.certificate = rec.certificate->raw_certificate;
  r.chain_cms = ChainCms(r.certificate);
  r.message = "Issued";
  r.durable = std::move(durable);
  LogOnceDurable(r, fmt::format("[req {}] issued to {} for {}: serial {}{}", rec.request_id,
                                rec.requester_name, outcome.resolved_template.name,
                                rec.certificate->serial_number,
                                rec.officer.empty() ? "" : ", approved by " + rec.officer));
  return r;
}

Bytes Engine::Impl::ChainCms(const Bytes& cert) const {
  std::vector<Bytes> certs{cert, identity_.certificate_der()};
  for (const auto& c : identity_.chain()) {
    unsigned char* der = nullptr;
    int n = i2d_X509(c.get(), &der);
    if (n > 0) certs.emplace_back(der, der + n);
    OPENSSL_free(der);
  }
  auto cms = pki::BuildCertChainCms(certs);
  if (!cms.ok()) {
    spdlog::error("building the certificate chain failed: {}", cms.status().ToString());
    return {};
  }
  return std::move(cms).value();
}

SubmitResult Engine::Impl::Retrieved(const Caller& caller, const Result<db::RequestRecord>& got,
                                     std::uint32_t asked_id) {
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) {
      return Failure(asked_id, WireDisposition::kError, hr::kPropertyEmpty, "no such request");
    }
    return StoreReadFailure(got.status(), asked_id);
  }
  const db::RequestRecord& rec = *got;
  if (!MayRead(caller, rec)) {
    spdlog::warn("[req {}] {} may not retrieve {}'s request", rec.request_id, caller.name,
                 rec.requester_name);
    return Failure(asked_id, WireDisposition::kError, hr::kAccessDenied,
                   "only the requester or an officer may retrieve a request");
  }
  switch (rec.disposition) {
    case Disposition::kIssued:
    case Disposition::kRevoked: {
      SubmitResult r;
      r.request_id = rec.request_id;
      r.disposition = rec.disposition == Disposition::kIssued ? WireDisposition::kIssued
                                                              : WireDisposition::kRevoked;
      if (rec.certificate) {
        r.certificate = rec.certificate->raw_certificate;
        r.chain_cms = ChainCms(r.certificate);
      }
      r.message = rec.disposition == Disposition::kIssued ? "Issued" : "Revoked";
      return r;
    }
    case Disposition::kPending:
      return Failure(rec.request_id, WireDisposition::kUnderSubmission, 0, rec.disposition_message);
    case Disposition::kDenied:
      return Failure(rec.request_id, WireDisposition::kDenied,
                     rec.status_code != 0 ? rec.status_code : hr::kAdminDeniedRequest,
                     rec.disposition_message);
    default:
      return Failure(rec.request_id, WireDisposition::kError,
                     rec.status_code != 0 ? rec.status_code : hr::kUnexpected,
                     rec.disposition_message);
  }
}

}  // namespace openadcs::ca
