// What the RPC runtime would send for a handler's CallResult, for tests that
// call handlers directly: a result held back by its send_when gate (a write
// not yet durable) is released only once the gate opens.
#ifndef OPENADCS_TESTING_CALL_RESULT_H_
#define OPENADCS_TESTING_CALL_RESULT_H_

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <utility>

#include "openadcs/rpc/interface.h"

namespace openadcs::testing {

// `result` once its gate opens Ok, else what its if_failed makes of the
// gate's error (nca_s_fault_unspec without one), as rpc::CallResult says.
// A gate still shut after `timeout` fails the test.
inline rpc::CallResult AsSent(rpc::CallResult result,
                              std::chrono::seconds timeout = std::chrono::seconds(10)) {
  if (result.send_when == nullptr) return result;
  auto opened = std::make_shared<std::promise<Status>>();
  std::future<Status> status = opened->get_future();
  result.send_when->WhenOpen([opened](const Status& s) { opened->set_value(s); });
  if (status.wait_for(timeout) != std::future_status::ready) {
    ADD_FAILURE() << "the reply was never released (its send_when gate stayed shut)";
    return rpc::CallResult::Fault(rpc::fault::kFaultUnspecified);
  }
  const Status gate = status.get();
  if (gate.ok()) {
    result.send_when = nullptr;
    result.if_failed = nullptr;
    return result;
  }
  return result.if_failed ? result.if_failed(gate)
                          : rpc::CallResult::Fault(rpc::fault::kFaultUnspecified);
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTING_CALL_RESULT_H_
