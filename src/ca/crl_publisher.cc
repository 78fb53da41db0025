// Base CRLs: every certificate revoked as of now, numbered after the last
// one stored, signed by the CA and stored.
#include <spdlog/spdlog.h>

#include <utility>

#include "ca/engine_impl.h"
#include "openadcs/ca/access.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {

Result<db::CrlRow> Engine::Impl::PublishCrl(std::int64_t next_update, const std::string& actor) {
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
  auto id = store_.InsertCrl(
      row, Audit(actor, "publish-crl", 0,
                 "CRL " + std::to_string(row.number) + ", " + std::to_string(row.count) +
                     " entries, next update " + std::to_string(row.next_update)));
  if (!id.ok()) return id.status();
  row.row_id = *id;
  spdlog::debug("built and stored CRL {} with {} entries", row.number, row.count);
  return row;
}

Result<db::CrlRow> Engine::Impl::LatestCrl(const Caller& caller) {
  OPENADCS_RETURN_IF_ERROR(
      security_.Require(caller, rights::kAdmin | rights::kOfficer | rights::kRead, "read the CRL"));
  Result<std::optional<db::CrlRow>> latest = store_.LatestCrl();
  if (!latest.ok()) return latest.status();
  if (!latest->has_value())
    return Status::NotFound("no CRL has been published", hr::kPropertyEmpty);
  return std::move(**latest);
}

}  // namespace openadcs::ca
