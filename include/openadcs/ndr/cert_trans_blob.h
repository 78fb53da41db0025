// CERTTRANSBLOB (MS-WCCE 2.2.2.2): {ULONG cb; [size_is(cb), unique] BYTE* pb}.
// Shared by ICertPassage, ICertRequestD(2) and ICertAdminD(2). An empty blob
// is cb = 0, pb = NULL on the wire and an empty Bytes here.
#ifndef OPENADCS_NDR_CERT_TRANS_BLOB_H_
#define OPENADCS_NDR_CERT_TRANS_BLOB_H_

#include <cstdint>
#include <span>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr {

// Reads the structure (cb, pointer) and queues pb's bytes into *out, which
// must outlive the reader's next FlushDeferred. A non-null pb whose
// max_count differs from cb is an error (MIDL stubs reject it too); a null pb
// gives an empty blob whatever cb says.
Status ReadCertTransBlob(NdrReader& r, Bytes* out);
// Writes the structure and queues pb; `data` must outlive the writer's next
// FlushDeferred. REQUIRES: data.size() < 2^32.
void WriteCertTransBlob(NdrWriter& w, std::span<const std::uint8_t> data);

}  // namespace openadcs::ndr

#endif  // OPENADCS_NDR_CERT_TRANS_BLOB_H_
