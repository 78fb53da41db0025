#include "openadcs/util/status.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace openadcs {
namespace {

const char* CodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "Invalid argument";
    case StatusCode::kNotFound: return "Not found";
    case StatusCode::kAlreadyExists: return "Already exists";
    case StatusCode::kFailedPrecondition: return "Failed precondition";
    case StatusCode::kPermissionDenied: return "Permission denied";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IO error";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(code_);
  if (hresult_) {
    char buf[16];
    std::snprintf(buf, sizeof buf, " 0x%08X", *hresult_);
    out += buf;
  }
  out += ": ";
  out += message_;
  return out;
}

Status Status::IOErrorFromErrno(const std::string& what) {
  const int err = errno;
  return IOError(what + ": " + std::strerror(err));
}

}  // namespace openadcs
