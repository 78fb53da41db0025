// Conversions every service adapter makes between wire values and the
// engine's: optional UTF-16 strings, display text as a UTF-16LE blob, and
// an enrollment result as the disposition the enrollment protocols return.
#ifndef OPENADCS_SRC_SERVICES_WIRE_VALUES_H_
#define OPENADCS_SRC_SERVICES_WIRE_VALUES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "openadcs/ca/engine.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::services {

// An optional wire string as UTF-8; absent is empty. Errors: not valid
// UTF-16 (kInvalidArgument).
Result<std::string> Utf8(const std::optional<std::u16string>& s);

// `text` as UTF-16LE with its NUL (pctbDispositionMessage and the like);
// empty when `text` is not valid UTF-8, which engine messages always are.
Bytes TextBlob(const std::string& text);

// What pdwDisposition carries for `result` (MS-WCCE 3.2.1.4.2.1,
// MS-ICPR 3.2.4.1.1): the HRESULT that explains a denial or failure, else
// the CR_DISP_* value.
std::uint32_t WireDispositionOf(const ca::SubmitResult& result);

// What a reply answered, for the call's log line: the request id and
// pdwDisposition (WireDispositionOf).
using LogReply = std::function<void(std::uint32_t request_id, std::uint32_t disposition)>;

// The reply `encode` makes of `result` (from Engine::SubmitBeforeDurable),
// held by the runtime until the request is durable; if it never is, the
// reply `encode` makes of Engine::NotDurable instead, as Submit would
// have answered. `encode` may run on another thread, after the call.
// `log` is called once with what the client is answered, when that is
// known: at once when nothing waits for durability, else when the request
// is durable or has failed to be, with the call's log context
// (WhenOpenInThisLogContext). So no line reports an answer that was not
// given.
rpc::CallResult ReplyWhenDurable(ca::SubmitResult result,
                                 std::function<rpc::CallResult(ca::SubmitResult)> encode,
                                 LogReply log);

}  // namespace openadcs::services

#endif  // OPENADCS_SRC_SERVICES_WIRE_VALUES_H_
