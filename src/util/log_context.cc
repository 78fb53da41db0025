#include "openadcs/util/log_context.h"

namespace openadcs {
namespace {

thread_local const LogContext* current = nullptr;

}  // namespace

const LogContext* CurrentLogContext() {
  return current;
}

ScopedLogContext::ScopedLogContext(const LogContext& context) : previous_(current) {
  current = &context;
}

ScopedLogContext::~ScopedLogContext() {
  current = previous_;
}

}  // namespace openadcs
