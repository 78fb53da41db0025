// CRLs (MS-CSRA 3.1.4.1.6, RFC 5280 5.2.4): base CRLs of every certificate
// revoked as of now, and delta CRLs of what changed since a base. All are
// numbered from one sequence, signed by the CA and stored.
#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

#include "ca/engine_impl.h"
#include "openadcs/ca/access.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

// removeFromCRL (RFC 5280 5.3.1): how a delta CRL lists a certificate
// released from hold since its base (MS-CSRA 3.1.4.1.6).
constexpr std::uint32_t kRemoveFromCrl = 8;

std::vector<pki::CrlEntry> Entries(const std::vector<db::RevokedCertificate>& revoked) {
  std::vector<pki::CrlEntry> entries;
  entries.reserve(revoked.size());
  for (const db::RevokedCertificate& r : revoked) {
    auto serial = HexDecode(r.serial_number);
    if (!serial || serial->empty()) continue;
    const bool released = r.revocation.reason == db::kReleasedFromHold;
    entries.push_back({std::move(*serial),
                       released ? r.revocation.revoked_when : r.revocation.revoked_effective_when,
                       released ? kRemoveFromCrl : r.revocation.reason});
  }
  return entries;
}

std::uint32_t PublishFlags(std::uint32_t kind, const std::string& actor) {
  return kind | (actor.empty() ? 0 : db::crl_publish_flag::kManual);
}

}  // namespace

Result<PublishedCrls> Engine::Impl::PublishCrls(std::uint32_t kinds, std::int64_t next_update,
                                                const std::string& actor) {
  if (kinds == 0 || (kinds & ~(crl_kind::kBase | crl_kind::kDelta)) != 0) {
    return Status::InvalidArgument(
        "CRL kinds " + engine_internal::Hex32(kinds) + ": base (0x1) and/or delta (0x2) only",
        hr::kInvalidArg);
  }
  const bool deltas = options_.crl_delta_period.count() > 0;
  if ((kinds & crl_kind::kDelta) != 0 && !deltas) {
    return Status::FailedPrecondition("delta CRLs are disabled ([crl] delta_period_hours is 0)",
                                      hr::kNotSupported);
  }
  std::lock_guard lock(crl_mu_);
  const std::int64_t now = clock_();
  auto latest = store_.LatestCrl();
  if (!latest.ok()) return latest.status();
  auto latest_base = store_.LatestCrl(db::CrlKind::kBase);
  if (!latest_base.ok()) return latest_base.status();
  std::uint32_t number = *latest ? (*latest)->number : 0;
  PublishedCrls out;
  // A delta needs a base to refer to.
  if ((kinds & crl_kind::kBase) != 0 || !*latest_base) {
    auto base = PublishBase(++number, now, next_update, actor);
    if (!base.ok()) return base.status();
    out.base = std::move(base).value();
  }
  if (deltas) {
    auto delta = PublishDelta(++number, now, next_update, actor);
    if (!delta.ok()) return delta.status();
    out.delta = std::move(delta).value();
  }
  return out;
}

Result<db::CrlRow> Engine::Impl::PublishBase(std::uint32_t number, std::int64_t now,
                                             std::int64_t next_update, const std::string& actor) {
  auto revoked = store_.ListRevoked(now);
  if (!revoked.ok()) return revoked.status();
  pki::CrlSpec spec;
  spec.number = number;
  spec.this_update = now - options_.clock_skew.count();
  spec.next_update = next_update > 0
                         ? next_update
                         : now + options_.crl_period.count() + options_.crl_overlap.count();
  spec.next_publish = now + options_.crl_period.count();
  spec.entries = Entries(*revoked);
  if (options_.crl_delta_period.count() > 0) {
    spec.freshest_crl = pki::ext::CrlDistributionPoints(options_.delta_crl_distribution_points);
  }
  db::CrlRow row;
  row.min_base = 0;  // a base CRL (MS-CSRA 3.1.1.4.1)
  row.this_publish = now;
  row.effective = now;
  // Relying parties may hold the previous base until then; deltas refer to
  // a base only once it has propagated (MS-CSRA 3.1.4.1.6).
  row.propagation_complete = now + options_.crl_overlap.count();
  row.publish_flags = PublishFlags(db::crl_publish_flag::kBase, actor);
  return StoreCrl(spec, std::move(row), actor);
}

Result<db::CrlRow> Engine::Impl::PublishDelta(std::uint32_t number, std::int64_t now,
                                              std::int64_t next_update, const std::string& actor) {
  // The latest propagated base that is still valid, else the latest base.
  auto base = store_.LatestPropagatedBaseCrl(now);
  if (!base.ok()) return base.status();
  if (!*base || (*base)->next_update < now) {
    base = store_.LatestCrl(db::CrlKind::kBase);
    if (!base.ok()) return base.status();
    if (!*base) return Status::Internal("no base CRL for the delta CRL to refer to");
  }
  const db::CrlRow& over = **base;
  auto changes = store_.ListRevocationChanges(over.this_update, now);
  if (!changes.ok()) return changes.status();
  pki::CrlSpec spec;
  spec.number = number;
  spec.this_update = now - options_.clock_skew.count();
  spec.next_update = next_update > 0 ? next_update
                                     : now + options_.crl_delta_period.count() +
                                           options_.crl_delta_overlap.count();
  spec.next_publish = now + options_.crl_delta_period.count();
  spec.entries = Entries(*changes);
  spec.delta_base = over.number;
  db::CrlRow row;
  row.min_base = over.number;
  row.this_publish = now;
  row.effective = over.this_update;  // CRL_Effective of a delta: its base's thisUpdate
  row.propagation_complete = now + options_.crl_delta_overlap.count();
  row.publish_flags = PublishFlags(db::crl_publish_flag::kDelta, actor);
  return StoreCrl(spec, std::move(row), actor);
}

Result<db::CrlRow> Engine::Impl::StoreCrl(const pki::CrlSpec& spec, db::CrlRow row,
                                          const std::string& actor) {
  auto der = pki::BuildCrl(spec, identity_);
  if (!der.ok()) return der.status();
  row.number = spec.number;
  row.count = static_cast<std::uint32_t>(spec.entries.size());
  row.next_publish = spec.next_publish;
  row.this_update = spec.this_update;
  row.next_update = spec.next_update;
  row.raw_crl = std::move(der).value();
  const std::string name = spec.delta_base ? "delta CRL " + std::to_string(row.number) +
                                                 " over base " + std::to_string(*spec.delta_base)
                                           : "CRL " + std::to_string(row.number);
  auto id =
      store_.InsertCrl(row, Audit(actor, "publish-crl", 0,
                                  name + ", " + std::to_string(row.count) +
                                      " entries, next update " + std::to_string(row.next_update)));
  if (!id.ok()) return id.status();
  row.row_id = *id;
  spdlog::debug("built and stored {} with {} entries", name, row.count);
  if (options_.crl_sink != nullptr) {
    Status published = options_.crl_sink->Published(row);
    if (!published.ok()) {
      return Status::Error(published.code(),
                           name + " is stored but not published: " + published.message(),
                           published.hresult());
    }
  }
  return row;
}

Result<db::CrlRow> Engine::Impl::LatestCrl(const Caller& caller, db::CrlKind kind) {
  OPENADCS_RETURN_IF_ERROR(
      security_.Require(caller, rights::kAdmin | rights::kOfficer | rights::kRead, "read the CRL"));
  Result<std::optional<db::CrlRow>> latest = store_.LatestCrl(kind);
  if (!latest.ok()) return latest.status();
  if (!latest->has_value()) {
    return Status::NotFound(kind == db::CrlKind::kBase ? "no CRL has been published"
                                                       : "no delta CRL has been published",
                            hr::kPropertyEmpty);
  }
  return std::move(**latest);
}

}  // namespace openadcs::ca
