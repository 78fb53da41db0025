#include "openadcs/ca/ca_security.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <string>
#include <utility>

#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

// The audit event of a stored descriptor: version `version`, `bytes` long.
db::AuditEvent SecurityEvent(const std::string& actor, const char* action, std::uint64_t version,
                             std::size_t bytes) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return {now.count(), actor, action, 0,
          "version " + std::to_string(version) + ", " + std::to_string(bytes) + " bytes"};
}

// An allow ACE with the Admin right that applies to the CA object itself.
// Without one no caller could ever call SetCASecurity again; a deny ACE may
// still shadow it, which is the administrator's own, visible choice.
bool GrantsAdminToSomeone(const security::SecurityDescriptor& sd) {
  if (!sd.dacl) return false;
  for (const security::Ace& ace : sd.dacl->aces) {
    if (ace.type == security::kAccessAllowedAceType && (ace.mask & rights::kAdmin) != 0 &&
        (ace.flags & security::kInheritOnlyAce) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<CaSecurity>> CaSecurity::Open(db::CaStore& store,
                                                     CaSecurityOptions options) {
  std::unique_ptr<CaSecurity> self(new CaSecurity(store, options.role_separation));
  Result<std::optional<db::CaSecurityRow>> stored = store.GetCaSecurity();
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    Result<security::SecurityDescriptor> initial = DefaultCaSecurity(options.initial);
    if (!initial.ok()) return initial.status();
    Result<Bytes> encoded = security::EncodeSecurityDescriptor(*initial);
    if (!encoded.ok()) return encoded.status();
    OPENADCS_RETURN_IF_ERROR(store.PutCaSecurity(
        *encoded, 0, SecurityEvent("", "init-ca-security", 1, encoded->size())));
    spdlog::info("ca security: the first start stored the configured roles ({} ACEs)",
                 initial->dacl ? initial->dacl->aces.size() : 0);
    self->sd_ = std::move(*initial);
    self->encoded_ = std::move(*encoded);
    self->version_ = 1;
    return self;
  }
  Result<security::SecurityDescriptor> sd =
      security::DecodeSecurityDescriptor((*stored)->descriptor);
  if (!sd.ok()) {
    return Status::Corruption("the stored CA security descriptor does not decode: " +
                              sd.status().message());
  }
  if (Status valid = ValidateCaSecurity(*sd); !valid.ok()) {
    return Status::Corruption("the stored CA security descriptor is not valid: " + valid.message());
  }
  self->sd_ = std::move(*sd);
  self->encoded_ = std::move((*stored)->descriptor);
  self->version_ = (*stored)->version;
  spdlog::info(
      "ca security: version {} from the database is in force ([security] applies to a new "
      "database only; change it with SetCASecurity)",
      self->version_);
  return self;
}

std::uint32_t CaSecurity::RightsOf(const Caller& caller) const {
  std::shared_lock lock(mu_);
  return EffectiveRights(GrantedRights(sd_, caller), role_separation_);
}

Status CaSecurity::Require(const Caller& caller, std::uint32_t any_of,
                           std::string_view operation) const {
  if ((RightsOf(caller) & any_of) != 0) return Status::Ok();
  spdlog::warn("ca security: {} ({}) may not {}: it holds none of the rights 0x{:x}",
               caller.name.empty() ? "an unauthenticated caller" : caller.name,
               caller.sid.empty() ? "no SID" : caller.sid, operation, any_of);
  return Status::PermissionDenied((caller.name.empty() ? std::string("the caller") : caller.name) +
                                      " may not " + std::string(operation),
                                  hr::kAccessDenied);
}

Bytes CaSecurity::Descriptor() const {
  std::shared_lock lock(mu_);
  return encoded_;
}

Status CaSecurity::Replace(const Caller& caller, std::span<const std::uint8_t> descriptor) {
  OPENADCS_RETURN_IF_ERROR(Require(caller, rights::kAdmin, "set the CA security"));
  Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(descriptor);
  if (!sd.ok()) {
    return Status::InvalidArgument(
        "the security descriptor does not decode: " + sd.status().message(), hr::kInvalidArg);
  }
  OPENADCS_RETURN_IF_ERROR(ValidateCaSecurity(*sd));
  if (!GrantsAdminToSomeone(*sd)) {
    return Status::InvalidArgument(
        "the security descriptor grants Administrator to no one: nobody could change it again",
        hr::kInvalidArg);
  }
  Bytes encoded(descriptor.begin(), descriptor.end());
  std::unique_lock lock(mu_);
  OPENADCS_RETURN_IF_ERROR(store_.PutCaSecurity(
      encoded, version_,
      SecurityEvent(caller.name, "set-ca-security", version_ + 1, encoded.size())));
  sd_ = std::move(*sd);
  encoded_ = std::move(encoded);
  ++version_;
  spdlog::info("ca security: {} set the CA security descriptor (version {})", caller.name,
               version_);
  return Status::Ok();
}

}  // namespace openadcs::ca
