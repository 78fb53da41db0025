// Engine construction, the public methods (each forwards to Engine::Impl),
// and the helpers the enrollment, officer and CRL files share.
#include "openadcs/ca/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include "ca/engine_impl.h"
#include "openadcs/ca/directory_caller.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/log_context.h"

namespace openadcs::ca {
namespace engine_internal {

std::uint32_t HresultOf(const Status& s, std::uint32_t fallback) {
  return s.hresult().value_or(fallback);
}

std::string Hex32(std::uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

std::string AuditDetail(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  if (text.size() <= kMaxAuditDetailBytes) return text;
  std::size_t end = kMaxAuditDetailBytes;
  // Back off continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

SubmitResult Failure(std::uint32_t request_id, WireDisposition disposition, std::uint32_t status,
                     std::string message) {
  SubmitResult r;
  r.request_id = request_id;
  r.disposition = disposition;
  r.status = status;
  r.message = std::move(message);
  return r;
}

void NoteResolvedTemplate(const PolicyOutcome& outcome, db::RequestRecord& rec) {
  if (!outcome.has_template) return;
  const directory::CertificateTemplate& t = outcome.resolved_template;
  rec.template_name = t.name;
  rec.certificate_template = t.identified_by_oid() ? t.oid : t.name;
}

}  // namespace engine_internal

namespace {

using db::Disposition;
using engine_internal::Failure;
using engine_internal::kMaxQuotaLogAccounts;
using engine_internal::kQuotaPeriod;

// At most one warning a minute while the directory is down: every call
// meets the outage.
constexpr std::chrono::seconds kDirectoryOutageLogInterval{60};

}  // namespace

Engine::Impl::Impl(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
                   directory::TemplateSource& templates, directory::IdentityLookup* lookup,
                   CaSecurity& security, Clock clock)
    : options_(std::move(options)),
      identity_(identity),
      store_(store),
      templates_(templates),
      lookup_(lookup),
      security_(security),
      clock_(clock ? std::move(clock) : Clock(UnixSecondsNow)),
      directory_outage_log_(kDirectoryOutageLogInterval, clock_),
      quota_log_(kQuotaPeriod, kMaxQuotaLogAccounts, clock_),
      policy_(options_, identity_, lookup),
      properties_(identity_, store_, templates_,
                  {options_.dns_name, options_.crl_distribution_points, options_.aia_ca_issuers,
                   options_.ocsp_urls}) {
  options_.serial_bytes = std::clamp(options_.serial_bytes, kSerialMinBytes, kSerialMaxBytes);
}

void Engine::Impl::LogNotes(std::uint32_t request_id, const PolicyOutcome& outcome) {
  for (const auto& note : outcome.notes) spdlog::info("[req {}] {}", request_id, note);
}

void Engine::Impl::LogOnceDurable(const SubmitResult& result, std::string line) {
  if (result.durable == nullptr) {
    spdlog::info("{}", line);
    return;
  }
  WhenOpenInThisLogContext(*result.durable, [line = std::move(line)](const Status& s) {
    if (s.ok()) spdlog::info("{}", line);
  });
}

const char* Engine::Impl::DispositionName(Disposition d) {
  switch (d) {
    case Disposition::kPending: return "pending";
    case Disposition::kIssued: return "issued";
    case Disposition::kRevoked: return "revoked";
    case Disposition::kDenied: return "denied";
    case Disposition::kError: return "failed";
    default: return "recorded";
  }
}

SubmitResult Engine::NotDurable(const Status& failure) {
  return Impl::StoreWriteFailure(failure);
}

SubmitResult Engine::Impl::StoreWriteFailure(const Status& s) {
  spdlog::error("database write failed: {}", s.ToString());
  // A failed disk carries its own HRESULT (ERROR_DISK_FULL, ERROR_IO_DEVICE).
  return Failure(0, WireDisposition::kError,
                 engine_internal::HresultOf(
                     s, s.code() == StatusCode::kUnavailable ? hr::kDbBusy : hr::kUnexpected),
                 "the CA database could not record the request");
}

SubmitResult Engine::Impl::StoreReadFailure(const Status& s, std::uint32_t id) {
  if (s.code() == StatusCode::kNotFound) {
    return Failure(id, WireDisposition::kError, hr::kPropertyEmpty, "no such request");
  }
  spdlog::error("[req {}] database read failed: {}", id, s.ToString());
  return Failure(id, WireDisposition::kError, engine_internal::HresultOf(s, hr::kUnexpected),
                 "the CA database failed");
}

SubmitResult Engine::Impl::UpdateFailure(const Status& s, std::uint32_t id) {
  if (s.code() == StatusCode::kFailedPrecondition) {
    return Failure(id, WireDisposition::kError, hr::kBadRequestStatus,
                   "request " + std::to_string(id) + " changed state meanwhile");
  }
  return StoreReadFailure(s, id);
}

Status Engine::Impl::MapOfficerStatus(const Status& s, std::uint32_t id) {
  if (s.ok()) return s;
  switch (s.code()) {
    case StatusCode::kNotFound:
      return Status::NotFound("no request " + std::to_string(id), hr::kPropertyEmpty);
    case StatusCode::kFailedPrecondition:
      return Status::FailedPrecondition("request " + std::to_string(id) + " is not pending",
                                        hr::kBadRequestStatus);
    default:
      spdlog::error("[req {}] database failure: {}", id, s.ToString());
      return Status::Error(s.code(), s.message(), s.hresult().value_or(hr::kUnexpected));
  }
}

db::AuditEvent Engine::Impl::Audit(const std::string& actor, std::string action, std::uint32_t id,
                                   std::string detail) const {
  return {clock_(), actor, std::move(action), id, engine_internal::AuditDetail(std::move(detail))};
}

std::string Engine::Impl::IssueDetail(const db::RequestRecord& rec) {
  return "template " + (rec.template_name.empty() ? std::string("(none)") : rec.template_name) +
         "; serial " + (rec.certificate ? rec.certificate->serial_number : std::string());
}

namespace {

std::string_view OutcomeName(WireDisposition disposition) {
  switch (disposition) {
    case WireDisposition::kIssued: return "issued";
    case WireDisposition::kUnderSubmission: return "pending";
    case WireDisposition::kDenied: return "denied";
    default: return "failed";
  }
}

// openadcs_ca_requests_total for a new request answered with `disposition`.
void CountOutcome(metrics::Registry* m, WireDisposition disposition) {
  if (m == nullptr) return;
  m->GetCounter("openadcs_ca_requests_total", "New certificate requests answered, by outcome.",
                {{"outcome", std::string(OutcomeName(disposition))}})
      .Increment();
}

}  // namespace

Engine::Engine(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
               directory::TemplateSource& templates, directory::IdentityLookup* lookup,
               CaSecurity& security, Clock clock)
    : metrics_(options.metrics),
      impl_(std::make_unique<Impl>(std::move(options), identity, store, templates, lookup, security,
                                   std::move(clock))) {}
Engine::~Engine() = default;

Status Engine::SetServedTemplates(const Caller& admin, const std::vector<std::string>& names) {
  return impl_->SetServedTemplates(admin, names);
}

Result<Bytes> Engine::FullResponse(const SubmitResult& result) const {
  return impl_->FullResponse(result);
}
const CaProperties& Engine::properties() const {
  return impl_->properties();
}

Caller Engine::ResolveCaller(Caller authenticated) const {
  return WithDirectorySids(std::move(authenticated), impl_->lookup(),
                           impl_->directory_outage_log());
}

SubmitResult Engine::Submit(const SubmitRequest& request) {
  SubmitResult result = impl_->Submit(request);
  if (result.durable != nullptr) {
    if (Status durable = result.durable->Wait(); !durable.ok()) result = NotDurable(durable);
    result.durable = nullptr;
  }
  if (!request.request.empty()) CountOutcome(metrics_, result.disposition);
  return result;
}

SubmitResult Engine::SubmitBeforeDurable(const SubmitRequest& request) {
  SubmitResult result = impl_->Submit(request);
  if (request.request.empty()) return result;
  if (result.durable == nullptr) {
    CountOutcome(metrics_, result.disposition);
  } else {
    result.durable->WhenOpen([m = metrics_, disposition = result.disposition](const Status& s) {
      CountOutcome(m, s.ok() ? disposition : WireDisposition::kError);
    });
  }
  return result;
}
SubmitResult Engine::RetrieveById(const Caller& caller, std::uint32_t id,
                                  const std::string& authority) {
  return impl_->RetrieveById(caller, id, authority);
}
SubmitResult Engine::RetrieveBySerial(const Caller& caller, const std::string& serial,
                                      const std::string& authority) {
  return impl_->RetrieveBySerial(caller, serial, authority);
}
CaSecurity& Engine::security() const {
  return impl_->security();
}
Result<db::ViewPage> Engine::QueryView(const Caller& caller, const db::ViewQuery& query) {
  return impl_->QueryView(caller, query);
}
Result<std::vector<db::ExtensionRow>> Engine::Extensions(const Caller& caller, std::uint32_t id) {
  return impl_->Extensions(caller, id);
}
Result<std::vector<db::AttributeRow>> Engine::Attributes(const Caller& caller, std::uint32_t id) {
  return impl_->Attributes(caller, id);
}
Status Engine::SetExtension(const Caller& officer, std::uint32_t id, const std::string& oid,
                            ValueType type, std::uint32_t flags,
                            std::span<const std::uint8_t> value) {
  return impl_->SetExtension(officer, id, oid, type, flags, value);
}
Status Engine::SetAttributes(const Caller& officer, std::uint32_t id,
                             const std::string& attributes) {
  return impl_->SetAttributes(officer, id, attributes);
}
SubmitResult Engine::Resubmit(const Caller& officer, std::uint32_t id) {
  return impl_->Resubmit(officer, id);
}
Status Engine::Deny(const Caller& officer, std::uint32_t id) {
  return impl_->Deny(officer, id);
}
Status Engine::Revoke(const Caller& officer, const std::string& serial, std::uint32_t reason,
                      std::int64_t effective) {
  return impl_->Revoke(officer, serial, reason, effective);
}
Result<RevocationStatus> Engine::IsValidCertificate(const Caller& caller,
                                                    const std::string& serial) {
  return impl_->IsValidCertificate(caller, serial);
}
Result<db::DeleteCount> Engine::DeleteRows(const Caller& admin, const DeleteRowsRequest& request) {
  return impl_->DeleteRows(admin, request);
}
Result<std::uint32_t> Engine::ImportCertificate(const Caller& officer,
                                                std::span<const std::uint8_t> der,
                                                std::uint32_t flags) {
  return impl_->ImportCertificate(officer, der, flags);
}
Result<PublishedCrls> Engine::PublishCrls(std::uint32_t kinds, std::int64_t next_update) {
  return impl_->PublishCrls(kinds, next_update, "");
}
Result<PublishedCrls> Engine::PublishCrls(const Caller& admin, std::uint32_t kinds,
                                          std::int64_t next_update) {
  OPENADCS_RETURN_IF_ERROR(impl_->security().Require(admin, rights::kAdmin, "publish a CRL"));
  spdlog::info("ca: {} publishes CRLs (kinds {})", admin.name, engine_internal::Hex32(kinds));
  return impl_->PublishCrls(kinds, next_update, admin.name);
}
Result<db::CrlRow> Engine::LatestCrl(const Caller& caller) {
  return impl_->LatestCrl(caller, db::CrlKind::kBase);
}
Result<db::CrlRow> Engine::LatestDeltaCrl(const Caller& caller) {
  return impl_->LatestCrl(caller, db::CrlKind::kDelta);
}

}  // namespace openadcs::ca
