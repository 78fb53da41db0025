// Errors as values. A Status is cheap when ok; a failure carries a category,
// an optional HRESULT (what the AD CS protocols return for it) and a message
// fit for a log line. Nothing on the request path throws.
#ifndef OPENADCS_UTIL_STATUS_H_
#define OPENADCS_UTIL_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace openadcs {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong; retrying will not help
  kNotFound,
  kAlreadyExists,       // a uniqueness constraint was hit (e.g. a serial number)
  kFailedPrecondition,  // the object is in the wrong state for the operation
  kPermissionDenied,
  kCorruption,  // stored data does not parse
  kIOError,
  kUnavailable,  // transient (database busy, directory away)
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return {}; }
  static Status Error(StatusCode code, std::string message,
                      std::optional<std::uint32_t> hresult = std::nullopt) {
    return Status(code, std::move(message), hresult);
  }
  static Status InvalidArgument(std::string m, std::optional<std::uint32_t> hr = std::nullopt) {
    return Error(StatusCode::kInvalidArgument, std::move(m), hr);
  }
  static Status NotFound(std::string m, std::optional<std::uint32_t> hr = std::nullopt) {
    return Error(StatusCode::kNotFound, std::move(m), hr);
  }
  static Status AlreadyExists(std::string m) {
    return Error(StatusCode::kAlreadyExists, std::move(m));
  }
  static Status FailedPrecondition(std::string m, std::optional<std::uint32_t> hr = std::nullopt) {
    return Error(StatusCode::kFailedPrecondition, std::move(m), hr);
  }
  static Status PermissionDenied(std::string m, std::optional<std::uint32_t> hr = std::nullopt) {
    return Error(StatusCode::kPermissionDenied, std::move(m), hr);
  }
  static Status Corruption(std::string m) { return Error(StatusCode::kCorruption, std::move(m)); }
  static Status IOError(std::string m) { return Error(StatusCode::kIOError, std::move(m)); }
  // IOError "<what>: <strerror(errno)>" for the system call that just
  // failed (errno as it is when this is called).
  static Status IOErrorFromErrno(const std::string& what);
  static Status Unavailable(std::string m) { return Error(StatusCode::kUnavailable, std::move(m)); }
  static Status Internal(std::string m) { return Error(StatusCode::kInternal, std::move(m)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The HRESULT a protocol adapter should return; E_UNEXPECTED-like
  // defaults are chosen by the adapter when none was attached.
  std::optional<std::uint32_t> hresult() const { return hresult_; }
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message, std::optional<std::uint32_t> hresult)
      : code_(code), message_(std::move(message)), hresult_(hresult) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::optional<std::uint32_t> hresult_;
};

// A value or the Status that explains its absence. REQUIRES: a Result built
// from a Status is built from a failed one.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace openadcs

#define OPENADCS_RETURN_IF_ERROR(expr) \
  do {                                 \
    ::openadcs::Status _st = (expr);   \
    if (!_st.ok()) return _st;         \
  } while (0)

#endif  // OPENADCS_UTIL_STATUS_H_
