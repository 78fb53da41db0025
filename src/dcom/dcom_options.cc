#include <chrono>

#include "openadcs/dcom/dcom_runtime.h"

namespace openadcs::dcom {

Status DcomOptions::Validate() const {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  if (object_timeout < milliseconds(100) || object_timeout > hours(24)) {
    return Status::InvalidArgument("dcom object_timeout must be in [100 ms, 24 h]");
  }
  constexpr std::size_t kMaxCount = 1'000'000;
  if (max_objects < 1 || max_objects > kMaxCount) {
    return Status::InvalidArgument("dcom max_objects must be in [1, 1000000]");
  }
  if (max_objects_per_client < 1 || max_objects_per_client > kMaxCount) {
    return Status::InvalidArgument("dcom max_objects_per_client must be in [1, 1000000]");
  }
  if (max_ping_sets < 1 || max_ping_sets > kMaxCount) {
    return Status::InvalidArgument("dcom max_ping_sets must be in [1, 1000000]");
  }
  if (max_ping_sets_per_client < 1 || max_ping_sets_per_client > kMaxCount) {
    return Status::InvalidArgument("dcom max_ping_sets_per_client must be in [1, 1000000]");
  }
  if (minimum_auth_level != auth::AuthLevel::kIntegrity &&
      minimum_auth_level != auth::AuthLevel::kPrivacy) {
    return Status::InvalidArgument("dcom minimum level must be integrity or privacy");
  }
  return Status::Ok();
}

}  // namespace openadcs::dcom
