// Where a DCOM object's exporter is reached: what every DCOM client of this
// library (CertRequestClient, CertAdminClient) reports, and the rule that
// picks the binding to dial from an activation reply.
#ifndef OPENADCS_CLIENT_OBJECT_ENDPOINT_H_
#define OPENADCS_CLIENT_OBJECT_ENDPOINT_H_

#include <cstdint>
#include <string>
#include <utility>

#include "openadcs/ndr/objref.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::client {

// Where the object exporter was reached, for logs and tests.
struct ObjectEndpoint {
  std::string host;
  std::uint16_t port = 0;
  Uuid ipid;  // of the interface the client calls (ICertRequestD2, ICertAdminD2)
  std::uint64_t oxid = 0;
};

// Which host and port to open for the object, given the host dialled for
// activation and the exporter's bindings: a TCP binding whose address is
// `dialled` wins; otherwise `dialled` with the first TCP binding's port.
// Errors: kNotFound when no TCP binding parses.
Result<std::pair<std::string, std::uint16_t>> ChooseStringBinding(
    const std::string& dialled, const ndr::objref::DualStringArray& bindings);

}  // namespace openadcs::client

#endif  // OPENADCS_CLIENT_OBJECT_ENDPOINT_H_
