#include "openadcs/util/log_context.h"

#include <optional>
#include <utility>

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

void WhenOpenInThisLogContext(Gate& gate, Gate::Callback callback) {
  std::optional<LogContext> context;
  if (current != nullptr) context = *current;
  gate.WhenOpen([context = std::move(context), callback = std::move(callback)](const Status& s) {
    // Not the opener's context, whatever it is: this one, or none.
    struct Restore {
      const LogContext* previous = current;
      ~Restore() { current = previous; }
    } restore;
    current = context ? &*context : nullptr;
    callback(s);
  });
}

}  // namespace openadcs
