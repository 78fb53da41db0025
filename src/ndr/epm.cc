#include "openadcs/ndr/epm.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::epm {
namespace {

// The UUID floors' lhs: protocol id, UUID, major version (u16 LE).
constexpr std::size_t kUuidFloorLhsSize = 1 + 16 + 2;

Status ReadContextHandle(NdrReader& r, ContextHandle* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->attributes));
  return r.ReadUuid(&out->uuid);
}

void WriteContextHandle(NdrWriter& w, const ContextHandle& h) {
  w.WriteU32(h.attributes);
  w.WriteUuid(h.uuid);
}

// twr_t is a conformant structure: its array's max_count comes first.
Status ReadTower(NdrReader& r, Bytes* out) {
  std::uint32_t max_count = 0;
  std::uint32_t length = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&max_count, 1));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&length));
  if (length > kMaxTowerLength || length > max_count) {
    return Status::InvalidArgument("epm: tower_length " + std::to_string(length) +
                                   " out of range (array of " + std::to_string(max_count) + ")");
  }
  OPENADCS_RETURN_IF_ERROR(r.ReadBytes(max_count, out));
  out->resize(length);
  return Status::Ok();
}

void WriteTower(NdrWriter& w, const Bytes& octets) {
  w.WriteConformance(static_cast<std::uint32_t>(octets.size()));
  w.WriteU32(static_cast<std::uint32_t>(octets.size()));
  w.WriteBytes(octets);
}

// A top-level [ptr] parameter. Full pointers may alias, but no two of the
// epm's in-parameters share a type, so an alias is malformed.
Status ReadTopLevelFullPointer(NdrReader& r, bool* present, NdrReader::Deferred pointee) {
  std::uint32_t id = 0;
  bool read = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadFullPointer(present, &id, [&read, &pointee](NdrReader& rr) {
    read = true;
    return pointee(rr);
  }));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  if (*present && !read) return Status::InvalidArgument("epm: aliased [ptr] parameter");
  return Status::Ok();
}

// Full pointers in an array: a referent id seen before is an alias, whose
// pointee was read only the first time. copy(to, from) fills the alias.
template <typename Copy>
void ResolveAliases(const std::vector<std::uint32_t>& ids, Copy copy) {
  std::unordered_map<std::uint32_t, std::size_t> first;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == 0) continue;
    auto [it, inserted] = first.try_emplace(ids[i], i);
    if (!inserted) copy(i, it->second);
  }
}

Status CheckRange(std::uint32_t v, const char* what) {
  if (v > kMaxEntries) {
    return Status::InvalidArgument(std::string("epm: ") + what + " " + std::to_string(v) +
                                   " exceeds " + std::to_string(kMaxEntries));
  }
  return Status::Ok();
}

Status ReadUuidFloor(const TowerFloor& f, InterfaceId* out, const char* what) {
  if (f.lhs.size() != kUuidFloorLhsSize || f.lhs[0] != kFloorUuid || f.rhs.size() != 2) {
    return Status::InvalidArgument(std::string("epm tower: malformed ") + what + " floor");
  }
  out->uuid = Uuid::FromWire(std::span(f.lhs).subspan(1, 16));
  out->major = static_cast<std::uint16_t>(f.lhs[17] | f.lhs[18] << 8);
  out->minor = static_cast<std::uint16_t>(f.rhs[0] | f.rhs[1] << 8);
  return Status::Ok();
}

TowerFloor UuidFloor(const InterfaceId& id) {
  TowerFloor f;
  f.lhs.resize(kUuidFloorLhsSize);
  f.lhs[0] = kFloorUuid;
  id.uuid.ToWire(std::span<std::uint8_t, 16>(f.lhs.data() + 1, 16));
  f.lhs[17] = static_cast<std::uint8_t>(id.major);
  f.lhs[18] = static_cast<std::uint8_t>(id.major >> 8);
  f.rhs = {static_cast<std::uint8_t>(id.minor), static_cast<std::uint8_t>(id.minor >> 8)};
  return f;
}

}  // namespace

Result<std::vector<TowerFloor>> ParseTowerFloors(std::span<const std::uint8_t> octets) {
  std::size_t pos = 0;
  auto u16 = [&](std::uint16_t* v) {
    if (octets.size() - pos < 2) return false;
    *v = static_cast<std::uint16_t>(octets[pos] | octets[pos + 1] << 8);
    pos += 2;
    return true;
  };
  auto take = [&](std::uint16_t n, Bytes* out) {
    if (octets.size() - pos < n) return false;
    out->assign(octets.begin() + static_cast<std::ptrdiff_t>(pos),
                octets.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    return true;
  };
  std::uint16_t count = 0;
  if (!u16(&count)) return Status::InvalidArgument("epm tower: no floor count");
  // Each floor takes at least 4 bytes: a count beyond that is a lie.
  if (count > (octets.size() - pos) / 4) {
    return Status::InvalidArgument("epm tower: floor count " + std::to_string(count) +
                                   " does not fit");
  }
  std::vector<TowerFloor> floors(count);
  for (TowerFloor& f : floors) {
    std::uint16_t n = 0;
    if (!u16(&n) || !take(n, &f.lhs) || !u16(&n) || !take(n, &f.rhs)) {
      return Status::InvalidArgument("epm tower: truncated floor");
    }
  }
  return floors;
}

Bytes SerializeTowerFloors(const std::vector<TowerFloor>& floors) {
  Bytes out;
  auto u16 = [&out](std::size_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  u16(floors.size());
  for (const TowerFloor& f : floors) {
    u16(f.lhs.size());
    out.insert(out.end(), f.lhs.begin(), f.lhs.end());
    u16(f.rhs.size());
    out.insert(out.end(), f.rhs.begin(), f.rhs.end());
  }
  return out;
}

Result<TcpTower> DecodeTcpTower(std::span<const std::uint8_t> octets) {
  auto floors = ParseTowerFloors(octets);
  if (!floors.ok()) return floors.status();
  const std::vector<TowerFloor>& f = *floors;
  if (f.size() < 5) {
    return Status::InvalidArgument("epm tower: " + std::to_string(f.size()) +
                                   " floors, ncacn_ip_tcp has 5");
  }
  TcpTower t;
  OPENADCS_RETURN_IF_ERROR(ReadUuidFloor(f[0], &t.interface, "interface"));
  OPENADCS_RETURN_IF_ERROR(ReadUuidFloor(f[1], &t.transfer_syntax, "transfer syntax"));
  if (f[2].lhs.size() != 1 || f[2].lhs[0] != kFloorConnectionOriented) {
    return Status::InvalidArgument("epm tower: floor 3 is not connection-oriented RPC");
  }
  if (f[3].lhs.size() != 1 || f[3].lhs[0] != kFloorTcp || f[3].rhs.size() != 2) {
    return Status::InvalidArgument("epm tower: floor 4 is not a TCP port");
  }
  t.port = static_cast<std::uint16_t>(f[3].rhs[0] << 8 | f[3].rhs[1]);
  if (f[4].lhs.size() != 1 || f[4].lhs[0] != kFloorIp || f[4].rhs.size() != 4) {
    return Status::InvalidArgument("epm tower: floor 5 is not an IPv4 address");
  }
  std::copy(f[4].rhs.begin(), f[4].rhs.end(), t.ipv4.begin());
  return t;
}

Bytes EncodeTcpTower(const TcpTower& t) {
  std::vector<TowerFloor> f;
  f.push_back(UuidFloor(t.interface));
  f.push_back(UuidFloor(t.transfer_syntax));
  f.push_back({{kFloorConnectionOriented}, {0, 0}});  // rhs: RPC minor version 0
  f.push_back(
      {{kFloorTcp}, {static_cast<std::uint8_t>(t.port >> 8), static_cast<std::uint8_t>(t.port)}});
  f.push_back({{kFloorIp}, Bytes(t.ipv4.begin(), t.ipv4.end())});
  return SerializeTowerFloors(f);
}

Result<EptMapRequest> DecodeEptMapRequest(std::span<const std::uint8_t> stub,
                                          const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EptMapRequest in;
  bool present = false;
  Uuid object;
  OPENADCS_RETURN_IF_ERROR(ReadTopLevelFullPointer(
      r, &present, [&object](NdrReader& rr) { return rr.ReadUuid(&object); }));
  if (present) in.object = object;
  Bytes tower;
  OPENADCS_RETURN_IF_ERROR(ReadTopLevelFullPointer(
      r, &present, [&tower](NdrReader& rr) { return ReadTower(rr, &tower); }));
  if (present) in.tower = std::move(tower);
  OPENADCS_RETURN_IF_ERROR(ReadContextHandle(r, &in.entry_handle));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.max_towers));
  OPENADCS_RETURN_IF_ERROR(CheckRange(in.max_towers, "max_towers"));
  return in;
}

Bytes EncodeEptMapRequest(const EptMapRequest& in) {
  NdrWriter w;
  w.WriteFullPointer(in.object ? &*in.object : nullptr,
                     [&in](NdrWriter& ww) { ww.WriteUuid(*in.object); });
  w.FlushDeferred();
  w.WriteFullPointer(in.tower ? &*in.tower : nullptr,
                     [&in](NdrWriter& ww) { WriteTower(ww, *in.tower); });
  w.FlushDeferred();
  WriteContextHandle(w, in.entry_handle);
  w.WriteU32(in.max_towers);
  return std::move(w).Take();
}

Bytes EncodeEptMapResponse(const EptMapResponse& out) {
  NdrWriter w;
  WriteContextHandle(w, out.entry_handle);
  auto n = static_cast<std::uint32_t>(out.towers.size());
  w.WriteU32(n);
  w.WriteConformance(std::max(out.max_towers, n));
  w.WriteVariance(0, n);
  for (const Bytes& tower : out.towers) {
    w.WriteFullPointer(&tower, [&tower](NdrWriter& ww) { WriteTower(ww, tower); });
  }
  w.FlushDeferred();
  w.WriteU32(out.status);
  return std::move(w).Take();
}

Result<EptMapResponse> DecodeEptMapResponse(std::span<const std::uint8_t> stub,
                                            const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EptMapResponse out;
  std::uint32_t num = 0;
  std::uint32_t offset = 0;
  std::uint32_t actual = 0;
  OPENADCS_RETURN_IF_ERROR(ReadContextHandle(r, &out.entry_handle));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&num));
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&out.max_towers, 0));
  OPENADCS_RETURN_IF_ERROR(r.ReadVariance(out.max_towers, &offset, &actual, 4));
  if (actual != num) {
    return Status::InvalidArgument("epm: num_towers " + std::to_string(num) + " but " +
                                   std::to_string(actual) + " towers");
  }
  out.towers.resize(actual);
  std::vector<std::uint32_t> ids(actual);
  for (std::uint32_t i = 0; i < actual; ++i) {
    bool present = false;
    Bytes* tower = &out.towers[i];
    OPENADCS_RETURN_IF_ERROR(r.ReadFullPointer(
        &present, &ids[i], [tower](NdrReader& rr) { return ReadTower(rr, tower); }));
  }
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  // A full pointer seen before is an alias: its pointee is the first one's.
  ResolveAliases(ids,
                 [&out](std::size_t to, std::size_t from) { out.towers[to] = out.towers[from]; });
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.status));
  return out;
}

Result<EptLookupRequest> DecodeEptLookupRequest(std::span<const std::uint8_t> stub,
                                                const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EptLookupRequest in;
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.inquiry_type));
  Uuid object;
  OPENADCS_RETURN_IF_ERROR(ReadTopLevelFullPointer(
      r, &present, [&object](NdrReader& rr) { return rr.ReadUuid(&object); }));
  if (present) in.object = object;
  InterfaceId id;
  auto read_id = [&id](NdrReader& rr) {
    OPENADCS_RETURN_IF_ERROR(rr.ReadUuid(&id.uuid));
    OPENADCS_RETURN_IF_ERROR(rr.ReadU16(&id.major));
    return rr.ReadU16(&id.minor);
  };
  OPENADCS_RETURN_IF_ERROR(ReadTopLevelFullPointer(r, &present, read_id));
  if (present) in.interface_id = id;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.vers_option));
  OPENADCS_RETURN_IF_ERROR(ReadContextHandle(r, &in.entry_handle));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in.max_ents));
  OPENADCS_RETURN_IF_ERROR(CheckRange(in.max_ents, "max_ents"));
  return in;
}

Bytes EncodeEptLookupRequest(const EptLookupRequest& in) {
  NdrWriter w;
  w.WriteU32(in.inquiry_type);
  w.WriteFullPointer(in.object ? &*in.object : nullptr,
                     [&in](NdrWriter& ww) { ww.WriteUuid(*in.object); });
  w.FlushDeferred();
  w.WriteFullPointer(in.interface_id ? &*in.interface_id : nullptr, [&in](NdrWriter& ww) {
    ww.WriteUuid(in.interface_id->uuid);
    ww.WriteU16(in.interface_id->major);
    ww.WriteU16(in.interface_id->minor);
  });
  w.FlushDeferred();
  w.WriteU32(in.vers_option);
  WriteContextHandle(w, in.entry_handle);
  w.WriteU32(in.max_ents);
  return std::move(w).Take();
}

Bytes EncodeEptLookupResponse(const EptLookupResponse& out) {
  NdrWriter w;
  WriteContextHandle(w, out.entry_handle);
  auto n = static_cast<std::uint32_t>(out.entries.size());
  w.WriteU32(n);
  w.WriteConformance(std::max(out.max_ents, n));
  w.WriteVariance(0, n);
  for (const EptEntry& e : out.entries) {
    w.WriteUuid(e.object);
    w.WriteFullPointer(e.tower ? &*e.tower : nullptr,
                       [&e](NdrWriter& ww) { WriteTower(ww, *e.tower); });
    // [string] char annotation[64]: a varying array, NUL included.
    std::string_view text(e.annotation);
    text = text.substr(0, std::min(text.find('\0'), kMaxAnnotationSize - 1));
    w.WriteVariance(0, static_cast<std::uint32_t>(text.size() + 1));
    for (char c : text) w.WriteU8(static_cast<std::uint8_t>(c));
    w.WriteU8(0);
  }
  w.FlushDeferred();
  w.WriteU32(out.status);
  return std::move(w).Take();
}

Result<EptLookupResponse> DecodeEptLookupResponse(std::span<const std::uint8_t> stub,
                                                  const NdrLimits& limits) {
  NdrReader r(stub, limits);
  EptLookupResponse out;
  std::uint32_t num = 0;
  std::uint32_t offset = 0;
  std::uint32_t actual = 0;
  OPENADCS_RETURN_IF_ERROR(ReadContextHandle(r, &out.entry_handle));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&num));
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&out.max_ents, 0));
  // An entry is at least UUID + pointer + annotation counts: 28 bytes.
  OPENADCS_RETURN_IF_ERROR(r.ReadVariance(out.max_ents, &offset, &actual, 28));
  if (actual != num) {
    return Status::InvalidArgument("epm: num_ents " + std::to_string(num) + " but " +
                                   std::to_string(actual) + " entries");
  }
  out.entries.resize(actual);
  std::vector<std::uint32_t> ids(actual);
  for (std::uint32_t i = 0; i < actual; ++i) {
    EptEntry& e = out.entries[i];
    OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&e.object));
    bool present = false;
    OPENADCS_RETURN_IF_ERROR(r.ReadFullPointer(&present, &ids[i], [&e](NdrReader& rr) {
      e.tower.emplace();
      return ReadTower(rr, &*e.tower);
    }));
    std::uint32_t text_offset = 0;
    std::uint32_t text_count = 0;
    OPENADCS_RETURN_IF_ERROR(r.ReadVariance(kMaxAnnotationSize, &text_offset, &text_count, 1));
    Bytes text;
    OPENADCS_RETURN_IF_ERROR(r.ReadBytes(text_count, &text));
    auto end = std::find(text.begin(), text.end(), 0);
    e.annotation.assign(text.begin(), end);
  }
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  ResolveAliases(ids, [&out](std::size_t to, std::size_t from) {
    out.entries[to].tower = out.entries[from].tower;
  });
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out.status));
  return out;
}

}  // namespace openadcs::ndr::epm
