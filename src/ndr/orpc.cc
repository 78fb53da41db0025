#include "openadcs/ndr/orpc.h"

#include <string>
#include <utility>

namespace openadcs::ndr::orpc {
namespace {

// ORPC_EXTENT is a conformant structure: its data's max_count, (size+7)&~7,
// comes before the id. Only `size` bytes are meaningful.
Status ReadExtent(NdrReader& r, std::vector<OrpcExtension>* out) {
  std::uint32_t max_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&max_count, 1));
  OrpcExtension e;
  std::uint32_t size = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&e.id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&size));
  if (size > max_count) {
    return Status::InvalidArgument("ORPC_EXTENT size " + std::to_string(size) +
                                   " exceeds its data array");
  }
  OPENADCS_RETURN_IF_ERROR(r.ReadBytes(size, &e.data));
  OPENADCS_RETURN_IF_ERROR(r.Skip(max_count - size));
  out->push_back(std::move(e));
  return Status::Ok();
}

void WriteExtent(NdrWriter& w, const OrpcExtension& e) {
  const auto size = static_cast<std::uint32_t>(e.data.size());
  const std::uint32_t padded = (size + 7) & ~7u;
  w.WriteConformance(padded);
  w.WriteUuid(e.id);
  w.WriteU32(size);
  w.WriteBytes(e.data);
  for (std::uint32_t i = size; i < padded; ++i) w.WriteU8(0);
}

// ORPC_EXTENT_ARRAY {size; reserved; [unique, size_is((size+1)&~1)]
// ORPC_EXTENT** extent}: the array of pointers is rounded up to an even
// count, the spare entries NULL. NULL entries carry nothing and are dropped.
Status ReadExtentPointers(NdrReader& r, std::uint32_t size, std::vector<OrpcExtension>* out) {
  std::uint32_t count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&count, 4));
  if (count != ((size + 1) & ~1u)) {
    return Status::InvalidArgument("ORPC extent array count does not match its size");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    bool present = false;
    OPENADCS_RETURN_IF_ERROR(
        r.ReadUniquePointer(&present, [out](NdrReader& pr) { return ReadExtent(pr, out); }));
  }
  return Status::Ok();
}

Status ReadExtentArray(NdrReader& r, std::vector<OrpcExtension>* out) {
  std::uint32_t size = 0;
  std::uint32_t reserved = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&size));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&reserved));
  if (size > kMaxExtensions) {
    return Status::InvalidArgument("ORPC header carries " + std::to_string(size) + " extensions");
  }
  bool present = false;
  return r.ReadUniquePointer(
      &present, [size, out](NdrReader& pr) { return ReadExtentPointers(pr, size, out); });
}

Status ReadExtensions(NdrReader& r, std::vector<OrpcExtension>* out) {
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(
      r.ReadUniquePointer(&present, [out](NdrReader& pr) { return ReadExtentArray(pr, out); }));
  return r.FlushDeferred();
}

void WriteExtentPointers(NdrWriter& w, const std::vector<OrpcExtension>& extensions) {
  const auto size = static_cast<std::uint32_t>(extensions.size());
  const std::uint32_t count = (size + 1) & ~1u;
  w.WriteConformance(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    w.WriteUniquePointer(i < size,
                         [&extensions, i](NdrWriter& pw) { WriteExtent(pw, extensions[i]); });
  }
}

void WriteExtentArray(NdrWriter& w, const std::vector<OrpcExtension>& extensions) {
  w.WriteU32(static_cast<std::uint32_t>(extensions.size()));
  w.WriteU32(0);
  w.WriteUniquePointer(true, [&extensions](NdrWriter& pw) { WriteExtentPointers(pw, extensions); });
}

// REQUIRES: `extensions` outlives the writer's next FlushDeferred.
void WriteExtensions(NdrWriter& w, const std::vector<OrpcExtension>& extensions) {
  w.WriteUniquePointer(!extensions.empty(),
                       [&extensions](NdrWriter& pw) { WriteExtentArray(pw, extensions); });
  w.FlushDeferred();
}

}  // namespace

Status ReadOrpcThis(NdrReader& r, OrpcThis* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out->version_major));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out->version_minor));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->flags));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->reserved1));
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&out->cid));
  out->extensions.clear();
  return ReadExtensions(r, &out->extensions);
}

void WriteOrpcThis(NdrWriter& w, const OrpcThis& in) {
  w.WriteU16(in.version_major);
  w.WriteU16(in.version_minor);
  w.WriteU32(in.flags);
  w.WriteU32(in.reserved1);
  w.WriteUuid(in.cid);
  WriteExtensions(w, in.extensions);
}

Status ReadOrpcThat(NdrReader& r, OrpcThat* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->flags));
  out->extensions.clear();
  return ReadExtensions(r, &out->extensions);
}

void WriteOrpcThat(NdrWriter& w, const OrpcThat& in) {
  w.WriteU32(in.flags);
  WriteExtensions(w, in.extensions);
}

Bytes EncodeHresultResponse(const HresultOut& out) {
  NdrWriter w;
  WriteOrpcThat(w, out.orpcthat);
  w.WriteU32(out.hresult);
  return std::move(w).Take();
}

Result<HresultOut> DecodeHresultResponse(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits) {
  NdrReader r(stub, limits);
  HresultOut out;
  OPENADCS_RETURN_IF_ERROR(ReadOrpcThat(r, &out.orpcthat));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.hresult));
  return out;
}

}  // namespace openadcs::ndr::orpc
