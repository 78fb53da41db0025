#include "openadcs/ndr/cert_trans_blob.h"

#include <string>

namespace openadcs::ndr {

Status ReadCertTransBlob(NdrReader& r, Bytes* out) {
  std::uint32_t cb = 0;
  bool present = false;
  out->clear();
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&cb));
  return r.ReadUniquePointer(&present, [cb, out](NdrReader& rr) {
    std::uint32_t max_count = 0;
    OPENADCS_RETURN_IF_ERROR(rr.ReadConformance(&max_count, 1));
    if (max_count != cb) {
      return Status::InvalidArgument("CERTTRANSBLOB: cb " + std::to_string(cb) +
                                     " but the array holds " + std::to_string(max_count));
    }
    return rr.ReadBytes(max_count, out);
  });
}

void WriteCertTransBlob(NdrWriter& w, std::span<const std::uint8_t> data) {
  w.WriteU32(static_cast<std::uint32_t>(data.size()));
  w.WriteUniquePointer(!data.empty(), [data](NdrWriter& ww) { ww.WriteConformantBytes(data); });
}

}  // namespace openadcs::ndr
