#include "openadcs/ca/engine.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "ca/certificate_columns.h"
#include "ca/policy.h"
#include "openadcs/ca/hresult.h"
#include "openadcs/pki/cmc_response.h"
#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"

namespace openadcs::ca {
namespace {

namespace xf = db::extension_flag;
using db::Disposition;

// A request's attributes string beyond this is refused: the wire allows 1536
// characters (MS-WCCE IDL range) and admin SetAttributes adds to it.
constexpr std::size_t kMaxAttributesBytes = std::size_t{16} * 1024;
constexpr std::size_t kMaxAttributeRows = 64;
constexpr std::size_t kMaxOidLength = 31;  // MS-CSRA 3.1.4.1.1

std::int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint32_t HresultOf(const Status& s, std::uint32_t fallback) {
  return s.hresult().value_or(fallback);
}

std::string Hex32(std::uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
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

// FILETIME (100 ns since 1601) to Unix seconds.
std::int64_t FiletimeToUnix(std::uint64_t ft) {
  constexpr std::uint64_t kEpochDelta = 116444736000000000ULL;
  if (ft < kEpochDelta) return 0;
  return static_cast<std::int64_t>((ft - kEpochDelta) / 10000000ULL);
}

}  // namespace

class Engine::Impl {
 public:
  Impl(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
       directory::TemplateSource& templates, directory::IdentityLookup* lookup, Clock clock)
      : options_(std::move(options)),
        identity_(identity),
        store_(store),
        templates_(templates),
        clock_(clock ? std::move(clock) : Clock(SystemNow)),
        policy_(options_, identity_, lookup),
        properties_(identity_, store_, templates_,
                    {options_.dns_name, options_.crl_distribution_points, options_.aia_ca_issuers,
                     options_.ocsp_urls}) {
    options_.serial_bytes = std::clamp<std::size_t>(options_.serial_bytes, 16, 20);
  }

  SubmitResult Submit(const SubmitRequest& in) {
    if (in.request.empty()) return RetrieveById(in.request_id, in.authority);
    if (!AuthorityMatches(in.authority)) return WrongAuthority(in.authority);

    const std::int64_t now = clock_();
    db::RequestRecord rec;
    rec.request_type = in.flags & pki::kRequestTypeMask;
    rec.request_flags = in.flags;
    rec.requester_name = in.requester.name;
    rec.caller_name = in.requester.name;
    rec.requester_sid = in.requester.sid;
    rec.submitted_when = now;
    rec.resolved_when = now;
    // An oversized request is not kept: the row records that it came and why
    // it failed, without letting a client fill the database.
    const bool oversized = in.request.size() > options_.limits.max_request_bytes;
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
                      " attributes; at most " + std::to_string(kMaxAttributeRows) +
                      " are accepted");
    }
    FillRequestedSubject(rec, *parsed);

    std::vector<db::ExtensionRow> requested;
    for (const auto& e : parsed->extensions) {
      requested.push_back(
          {0, e.oid, xf::kOriginRequest | (e.critical ? xf::kCritical : 0u), e.value});
    }

    auto snapshot = templates_.Current();
    const std::vector<db::ExtensionRow> no_admin_extensions;
    PolicyOutcome outcome = policy_.Evaluate(
        {&*parsed, &attributes, &no_admin_extensions, snapshot.get(), &in.requester, false, now});
    if (outcome.has_template) rec.template_name = outcome.resolved_template.name;
    SubmitResult result = Decide(std::move(rec), attributes, requested, outcome, *parsed, now);
    LogNotes(result.request_id, outcome);
    return result;
  }

  // Stores a new request as the policy decided: denied, pending or issued.
  SubmitResult Decide(db::RequestRecord rec, const std::vector<db::AttributeRow>& attributes,
                      const std::vector<db::ExtensionRow>& requested, const PolicyOutcome& outcome,
                      const pki::ParsedRequest& parsed, std::int64_t now) {
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

  static void LogNotes(std::uint32_t request_id, const PolicyOutcome& outcome) {
    for (const auto& note : outcome.notes) spdlog::info("[req {}] {}", request_id, note);
  }

  SubmitResult RetrieveById(std::uint32_t id, const std::string& authority) {
    if (!AuthorityMatches(authority)) return WrongAuthority(authority);
    return Retrieved(store_.GetRequest(id), id);
  }

  SubmitResult RetrieveBySerial(const std::string& serial_text, const std::string& authority) {
    if (!AuthorityMatches(authority)) return WrongAuthority(authority);
    auto serial = NormalizeSerial(serial_text);
    if (!serial) {
      return Failure(0, WireDisposition::kError, hr::kInvalidArg, "the serial number is not hex");
    }
    return Retrieved(store_.GetRequestBySerial(*serial), 0);
  }

  Result<std::vector<db::RequestRecord>> ListRequests(const db::RequestQuery& q) {
    return store_.ListRequests(q);
  }

  Status SetExtension(const std::string& officer, std::uint32_t id, const std::string& ext_oid,
                      ValueType type, std::uint32_t flags, std::span<const std::uint8_t> value) {
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
    Status s = store_.PutExtension({id, ext_oid, flags | xf::kOriginAdmin, std::move(encoded)},
                                   Disposition::kPending);
    s = MapOfficerStatus(s, id);
    if (s.ok()) {
      spdlog::info("[req {}] {} set extension {} (flags {})", id, officer, ext_oid, Hex32(flags));
    } else {
      spdlog::warn("[req {}] {} could not set extension {}: {}", id, officer, ext_oid,
                   s.ToString());
    }
    return s;
  }

  Status SetAttributes(const std::string& officer, std::uint32_t id, const std::string& text) {
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
    Status s = MapOfficerStatus(store_.PutAttributes(id, rows, Disposition::kPending), id);
    if (s.ok()) spdlog::info("[req {}] {} set {} attribute(s)", id, officer, rows.size());
    return s;
  }

  SubmitResult Resubmit(const std::string& officer, std::uint32_t id) {
    auto got = store_.GetRequest(id);
    if (!got.ok()) return StoreReadFailure(got.status(), id);
    db::RequestRecord rec = std::move(got).value();
    if (rec.disposition != Disposition::kPending) {
      return Failure(id, WireDisposition::kError, hr::kBadRequestStatus,
                     "request " + std::to_string(id) + " is not pending");
    }
    auto parsed = pki::ParseRequest(
        rec.raw_request, static_cast<pki::RequestType>(rec.request_type), options_.limits);
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
    Requester requester{rec.requester_name, rec.requester_sid};
    auto snapshot = templates_.Current();
    PolicyOutcome outcome =
        policy_.Evaluate({&*parsed, &*attributes, &admin, snapshot.get(), &requester, true, now});
    rec.officer = officer;
    rec.resolved_when = now;
    if (outcome.has_template) rec.template_name = outcome.resolved_template.name;
    LogNotes(id, outcome);
    if (outcome.kind != PolicyOutcome::Kind::kIssue) {
      rec.disposition = Disposition::kDenied;
      rec.status_code = outcome.status;
      rec.disposition_message = "Denied by Policy Module: " + outcome.message;
      Status s = store_.UpdateRequest(rec, Disposition::kPending, {});
      if (!s.ok()) return UpdateFailure(s, id);
      spdlog::info("[req {}] resubmitted by {}: denied {} {}", id, officer, Hex32(outcome.status),
                   outcome.message);
      return Failure(id, WireDisposition::kDenied, outcome.status, rec.disposition_message);
    }
    return Issue(rec, outcome, parsed->pkcs10.get(), now, [&](const db::RequestRecord& r) {
      return store_.UpdateRequest(r, Disposition::kPending, outcome.extension_rows);
    });
  }

  Status Deny(const std::string& officer, std::uint32_t id) {
    auto got = store_.GetRequest(id);
    if (!got.ok()) return MapOfficerStatus(got.status(), id);
    db::RequestRecord rec = std::move(got).value();
    if (rec.disposition != Disposition::kPending) {
      return Status::FailedPrecondition("request " + std::to_string(id) + " is not pending",
                                        hr::kBadRequestStatus);
    }
    rec.disposition = Disposition::kDenied;
    rec.status_code = hr::kAdminDeniedRequest;
    rec.disposition_message = "Denied by " + officer;
    rec.officer = officer;
    rec.resolved_when = clock_();
    Status s = MapOfficerStatus(store_.UpdateRequest(rec, Disposition::kPending, {}), id);
    if (s.ok()) spdlog::info("[req {}] denied by {}", id, officer);
    return s;
  }

  Status Revoke(const std::string& officer, const std::string& serial_text, std::uint32_t reason,
                std::int64_t effective) {
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
      rec.revocation.reset();
    } else {
      if (before != Disposition::kIssued && !on_hold) {
        return Status::FailedPrecondition(
            "certificate " + *serial + " is not issued and unrevoked (or on hold)",
            hr::kBadRequestStatus);
      }
      rec.disposition = Disposition::kRevoked;
      rec.revocation = db::Revocation{now, effective > 0 ? effective : now, reason};
    }
    rec.officer = officer;
    Status s = store_.UpdateRequest(rec, before, {});
    if (!s.ok()) return MapOfficerStatus(s, rec.request_id);
    spdlog::info("[req {}] {} by {}: serial {} reason {}", rec.request_id,
                 unrevoke ? "released from hold" : "revoked", officer, *serial,
                 unrevoke ? 0u : reason);
    return Status::Ok();
  }

  Result<RevocationStatus> IsValidCertificate(const std::string& serial_text) {
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

  Result<db::CrlRow> PublishCrl(std::int64_t next_update) {
    const std::int64_t now = clock_();
    auto latest = store_.LatestCrl();
    if (!latest.ok()) return latest.status();
    auto revoked = store_.ListRevoked(now);
    if (!revoked.ok()) return revoked.status();
    pki::CrlSpec spec;
    spec.number = *latest ? (*latest)->number + 1 : 1;
    spec.this_update = now - options_.clock_skew.count();
    spec.next_update = next_update > 0
                           ? next_update
                           : now + options_.crl_period.count() + options_.crl_overlap.count();
    for (const auto& r : *revoked) {
      if (!r.certificate || !r.revocation) continue;
      auto serial = HexDecode(r.certificate->serial_number);
      if (!serial) continue;
      spec.entries.push_back({*serial, r.revocation->revoked_effective_when, r.revocation->reason});
    }
    auto der = pki::BuildCrl(spec, identity_);
    if (!der.ok()) return der.status();
    db::CrlRow row;
    row.number = spec.number;
    row.min_base = spec.number;
    row.count = static_cast<std::uint32_t>(spec.entries.size());
    row.this_update = spec.this_update;
    row.next_update = spec.next_update;
    row.effective = now;
    row.propagation_complete = now;
    row.raw_crl = std::move(der).value();
    auto id = store_.InsertCrl(row);
    if (!id.ok()) return id.status();
    row.row_id = *id;
    spdlog::debug("built and stored CRL {} with {} entries", row.number, row.count);
    return row;
  }

  Result<Bytes> FullResponse(const SubmitResult& result) const {
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

  const CaProperties& properties() const { return properties_; }

 private:
  bool AuthorityMatches(const std::string& authority) const {
    if (authority.empty()) return true;
    std::string a = ToLowerAscii(authority);
    // MS-WCCE 3.1.1.4.2: the CA's name, its sanitized name or its sanitized short name.
    return a == ToLowerAscii(identity_.common_name()) ||
           a == ToLowerAscii(identity_.sanitized_name()) ||
           a == ToLowerAscii(identity_.sanitized_short_name());
  }

  SubmitResult WrongAuthority(const std::string& authority) const {
    spdlog::warn("request for CA '{}' refused: this CA is '{}'", authority,
                 identity_.common_name());
    return Failure(0, WireDisposition::kError, hr::kInvalidArg,
                   "this CA is '" + identity_.common_name() + "', not '" + authority + "'");
  }

  static void FillRequestedSubject(db::RequestRecord& rec, const pki::ParsedRequest& req) {
    const X509_NAME* name = X509_REQ_get_subject_name(req.pkcs10.get());
    rec.distinguished_name = pki::FormatDistinguishedName(name);
    const unsigned char* der = nullptr;
    std::size_t der_len = 0;
    if (X509_NAME_get0_der(name, &der, &der_len) == 1) rec.raw_name.assign(der, der + der_len);
    rec.subject = SubjectPartsOf(name);
  }

  // A new request that fails before policy: an error row, its HRESULT returned.
  SubmitResult Fail(db::RequestRecord rec, std::uint32_t status, const std::string& why,
                    const std::vector<db::AttributeRow>& attributes = {}) {
    rec.disposition = Disposition::kError;
    rec.status_code = status;
    rec.disposition_message = "Error " + Hex32(status) + ": " + why;
    std::vector<db::AttributeRow> kept(
        attributes.begin(), attributes.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                     attributes.size(), kMaxAttributeRows)));
    return Insert(std::move(rec), kept, {}, WireDisposition::kError);
  }

  SubmitResult Insert(db::RequestRecord rec, const std::vector<db::AttributeRow>& attributes,
                      const std::vector<db::ExtensionRow>& extensions, WireDisposition wire) {
    auto id = store_.InsertRequest(rec, attributes, extensions);
    if (!id.ok()) return StoreWriteFailure(id.status());
    const std::uint32_t status = rec.status_code;
    spdlog::info("[req {}] {} from {}{}{}: {}", *id, DispositionName(rec.disposition),
                 rec.requester_name, rec.template_name.empty() ? "" : " for ", rec.template_name,
                 rec.disposition_message);
    return Failure(*id, wire, status, rec.disposition_message);
  }

  SubmitResult IssueNew(db::RequestRecord rec, const std::vector<db::AttributeRow>& attributes,
                        const PolicyOutcome& outcome, const X509_REQ* request, std::int64_t now) {
    return Issue(rec, outcome, request, now, [&](db::RequestRecord& r) -> Status {
      auto id = store_.InsertRequest(r, attributes, outcome.extension_rows);
      if (!id.ok()) return id.status();
      r.request_id = *id;
      return Status::Ok();
    });
  }

  // Signs a certificate for `rec` and stores it with `commit`, retrying with
  // a fresh serial number when the database reports a collision.
  template <typename Commit>
  SubmitResult Issue(db::RequestRecord& rec, const PolicyOutcome& outcome, const X509_REQ* request,
                     std::int64_t now, Commit&& commit) {
    const X509_PUBKEY* key_info = X509_REQ_get_X509_PUBKEY(const_cast<X509_REQ*>(request));
    EVP_PKEY* key = X509_REQ_get0_pubkey(const_cast<X509_REQ*>(request));
    ossl::X509Ptr cert;
    Status s;
    for (int attempt = 0; attempt <= options_.serial_retries; ++attempt) {
      pki::CertificateSpec spec;
      spec.serial = NewSerial();
      spec.subject = outcome.subject.get();
      spec.public_key = key_info;
      spec.not_before = outcome.not_before;
      spec.not_after = outcome.not_after;
      spec.extensions = outcome.extensions;
      auto built = pki::BuildCertificate(spec, identity_);
      if (!built.ok()) {
        spdlog::error("[req {}] signing failed: {}", rec.request_id, built.status().ToString());
        return Failure(rec.request_id, WireDisposition::kError, hr::kUnexpected,
                       "the CA could not sign the certificate");
      }
      cert = std::move(built).value();
      rec.certificate = CertificateColumnsOf(cert.get(), key, outcome.resolved_template);
      rec.disposition = Disposition::kIssued;
      rec.status_code = 0;
      rec.disposition_message = "Issued";
      rec.resolved_when = now;
      s = commit(rec);
      if (s.code() != StatusCode::kAlreadyExists) break;
      spdlog::warn("[req {}] serial number collision; retrying with a new one", rec.request_id);
    }
    if (!s.ok()) {
      if (s.code() == StatusCode::kFailedPrecondition) return UpdateFailure(s, rec.request_id);
      return StoreWriteFailure(s);
    }
    spdlog::info("[req {}] issued to {} for {}: serial {}{}", rec.request_id, rec.requester_name,
                 outcome.resolved_template.name, rec.certificate->serial_number,
                 rec.officer.empty() ? "" : ", approved by " + rec.officer);
    SubmitResult r;
    r.request_id = rec.request_id;
    r.disposition = WireDisposition::kIssued;
    r.certificate = rec.certificate->raw_certificate;
    r.chain_cms = ChainCms(r.certificate);
    r.message = "Issued";
    return r;
  }

  Bytes NewSerial() const {
    Bytes serial(options_.serial_bytes);
    RAND_bytes(serial.data(), static_cast<int>(serial.size()));
    // Positive, and no leading zero byte, so the DER content is all of it.
    serial[0] &= 0x7F;
    if (serial[0] == 0) serial[0] = 0x01;
    return serial;
  }

  Bytes ChainCms(const Bytes& cert) const {
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

  SubmitResult Retrieved(const Result<db::RequestRecord>& got, std::uint32_t asked_id) {
    if (!got.ok()) {
      if (got.status().code() == StatusCode::kNotFound) {
        return Failure(asked_id, WireDisposition::kError, hr::kPropertyEmpty, "no such request");
      }
      return StoreReadFailure(got.status(), asked_id);
    }
    const db::RequestRecord& rec = *got;
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
        return Failure(rec.request_id, WireDisposition::kUnderSubmission, 0,
                       rec.disposition_message);
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

  static const char* DispositionName(Disposition d) {
    switch (d) {
      case Disposition::kPending: return "pending";
      case Disposition::kIssued: return "issued";
      case Disposition::kRevoked: return "revoked";
      case Disposition::kDenied: return "denied";
      case Disposition::kError: return "failed";
      default: return "recorded";
    }
  }

  SubmitResult StoreWriteFailure(const Status& s) {
    spdlog::error("database write failed: {}", s.ToString());
    return Failure(0, WireDisposition::kError,
                   s.code() == StatusCode::kUnavailable ? hr::kDbBusy : hr::kUnexpected,
                   "the CA database could not record the request");
  }

  SubmitResult StoreReadFailure(const Status& s, std::uint32_t id) {
    if (s.code() == StatusCode::kNotFound) {
      return Failure(id, WireDisposition::kError, hr::kPropertyEmpty, "no such request");
    }
    spdlog::error("[req {}] database read failed: {}", id, s.ToString());
    return Failure(id, WireDisposition::kError, hr::kUnexpected, "the CA database failed");
  }

  SubmitResult UpdateFailure(const Status& s, std::uint32_t id) {
    if (s.code() == StatusCode::kFailedPrecondition) {
      return Failure(id, WireDisposition::kError, hr::kBadRequestStatus,
                     "request " + std::to_string(id) + " changed state meanwhile");
    }
    return StoreReadFailure(s, id);
  }

  // Store errors of officer operations as the admin protocol reports them.
  static Status MapOfficerStatus(const Status& s, std::uint32_t id) {
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

  EngineOptions options_;
  const pki::CaIdentity& identity_;
  db::CaStore& store_;
  directory::TemplateSource& templates_;
  Clock clock_;
  Policy policy_;
  CaProperties properties_;
};

Engine::Engine(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
               directory::TemplateSource& templates, directory::IdentityLookup* lookup, Clock clock)
    : impl_(std::make_unique<Impl>(std::move(options), identity, store, templates, lookup,
                                   std::move(clock))) {}
Engine::~Engine() = default;

Result<Bytes> Engine::FullResponse(const SubmitResult& result) const {
  return impl_->FullResponse(result);
}
const CaProperties& Engine::properties() const {
  return impl_->properties();
}

SubmitResult Engine::Submit(const SubmitRequest& request) {
  return impl_->Submit(request);
}
SubmitResult Engine::RetrieveById(std::uint32_t id, const std::string& authority) {
  return impl_->RetrieveById(id, authority);
}
SubmitResult Engine::RetrieveBySerial(const std::string& serial, const std::string& authority) {
  return impl_->RetrieveBySerial(serial, authority);
}
Result<std::vector<db::RequestRecord>> Engine::ListRequests(const db::RequestQuery& query) {
  return impl_->ListRequests(query);
}
Status Engine::SetExtension(const std::string& officer, std::uint32_t id, const std::string& oid,
                            ValueType type, std::uint32_t flags,
                            std::span<const std::uint8_t> value) {
  return impl_->SetExtension(officer, id, oid, type, flags, value);
}
Status Engine::SetAttributes(const std::string& officer, std::uint32_t id,
                             const std::string& attributes) {
  return impl_->SetAttributes(officer, id, attributes);
}
SubmitResult Engine::Resubmit(const std::string& officer, std::uint32_t id) {
  return impl_->Resubmit(officer, id);
}
Status Engine::Deny(const std::string& officer, std::uint32_t id) {
  return impl_->Deny(officer, id);
}
Status Engine::Revoke(const std::string& officer, const std::string& serial, std::uint32_t reason,
                      std::int64_t effective) {
  return impl_->Revoke(officer, serial, reason, effective);
}
Result<RevocationStatus> Engine::IsValidCertificate(const std::string& serial) {
  return impl_->IsValidCertificate(serial);
}
Result<db::CrlRow> Engine::PublishCrl(std::int64_t next_update) {
  return impl_->PublishCrl(next_update);
}

}  // namespace openadcs::ca
