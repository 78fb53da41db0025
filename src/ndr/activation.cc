#include "openadcs/ndr/activation.h"

#include <functional>
#include <utility>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::ndr::activation {
namespace {

// {xxxxxxxx-0000-0000-c000-000000000046}: the COM system id pattern.
Uuid ComId(std::uint32_t data1) {
  Uuid u;
  u.data1 = data1;
  u.data4 = {0xc0, 0, 0, 0, 0, 0, 0, 0x46};
  return u;
}

const Uuid kIidPropertiesIn = ComId(0x000001a2);
const Uuid kIidPropertiesOut = ComId(0x000001a3);
const Uuid kClsidPropertiesIn = ComId(0x00000338);
const Uuid kClsidPropertiesOut = ComId(0x00000339);
const Uuid kClsidActivationContextInfo = ComId(0x000001a5);
const Uuid kClsidServerLocationInfo = ComId(0x000001a4);
const Uuid kClsidSecurityInfo = ComId(0x000001a6);
const Uuid kClsidScmRequestInfo = ComId(0x000001aa);
const Uuid kClsidInstantiationInfo = ComId(0x000001ab);
const Uuid kClsidInstanceInfo = ComId(0x000001ad);
const Uuid kClsidScmReplyInfo = ComId(0x000001b6);
const Uuid& kClsidPropsOutInfo = kClsidPropertiesOut;  // MS-DCOM 1.9 gives both one id

// MSHCTX_DIFFERENTMACHINE, what clients put in the CustomHeader's destCtx.
constexpr std::uint32_t kDestDifferentMachine = 2;

// Writes the body with `write`, pads it to 8 and puts the headers before it.
Bytes Serialize(const std::function<void(NdrWriter&)>& write) {
  NdrWriter body;
  write(body);
  body.FlushDeferred();
  body.Align(8);
  NdrWriter w;
  static constexpr std::uint8_t kCommonHeader[] = {0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc};
  w.WriteBytes(kCommonHeader);
  w.WriteU32(static_cast<std::uint32_t>(body.position()));
  w.WriteU32(0);
  w.WriteBytes(body.bytes());
  return std::move(w).Take();
}

// A reserved DWORD* that MUST be NULL and MUST be ignored on receipt.
Status ReadIgnoredDwordPointer(NdrReader& r) {
  bool present = false;
  return r.ReadUniquePointer(&present, [](NdrReader& pr) {
    std::uint32_t ignored = 0;
    return pr.ReadU32(&ignored);
  });
}

struct Property {
  Uuid clsid;
  std::span<const std::uint8_t> bytes;
};

struct Blob {
  std::uint32_t destination_context = 0;
  std::vector<Property> properties;
};

Status ReadUuidArray(NdrReader& r, std::uint32_t count, std::vector<Uuid>* out) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, 16));
  if (n != count) return Status::InvalidArgument("GUID array count disagrees with its size field");
  out->resize(n);
  for (auto& u : *out) OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&u));
  return Status::Ok();
}

Status ReadU32Array(NdrReader& r, std::uint32_t count, std::vector<std::uint32_t>* out) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&n, 4));
  if (n != count) return Status::InvalidArgument("DWORD array count disagrees with its size field");
  out->resize(n);
  for (auto& v : *out) OPENADCS_RETURN_IF_ERROR(r.ReadU32(&v));
  return Status::Ok();
}

// The OBJREF's pObjectData: {dwSize, dwReserved}, the CustomHeader, then
// the properties at the offsets its pSizes imply.
Result<Blob> ParseBlob(std::span<const std::uint8_t> objref_bytes, const Uuid& iid,
                       const Uuid& clsid) {
  auto objref = objref::DecodeObjRef(objref_bytes);
  if (!objref.ok()) return objref.status();
  if (objref->flags != objref::kFlagsCustom || objref->iid != iid || objref->clsid != clsid) {
    return Status::InvalidArgument("OBJREF is not the expected activation properties class");
  }
  std::span<const std::uint8_t> data = objref->object_data;
  NdrReader outer(data);
  std::uint32_t size = 0;
  std::uint32_t reserved = 0;
  OPENADCS_RETURN_IF_ERROR(outer.ReadU32(&size));
  OPENADCS_RETURN_IF_ERROR(outer.ReadU32(&reserved));
  if (size > outer.remaining()) {
    return Status::InvalidArgument("activation blob dwSize exceeds the data");
  }
  // DecodeObjRef's copy dies with `objref`; re-point into the caller's bytes.
  const std::span<const std::uint8_t> blob =
      objref_bytes.subspan(objref_bytes.size() - data.size() + 8, size);

  std::span<const std::uint8_t> body;
  OPENADCS_RETURN_IF_ERROR(OpenTypeSerialization1(blob, &body));
  NdrReader h(body);
  std::uint32_t total_size = 0;
  std::uint32_t header_size = 0;
  std::uint32_t count = 0;
  Uuid class_info;
  Blob out;
  OPENADCS_RETURN_IF_ERROR(h.ReadU32(&total_size));
  OPENADCS_RETURN_IF_ERROR(h.ReadU32(&header_size));
  OPENADCS_RETURN_IF_ERROR(h.ReadU32(&reserved));
  OPENADCS_RETURN_IF_ERROR(h.ReadU32(&out.destination_context));
  OPENADCS_RETURN_IF_ERROR(h.ReadU32(&count));
  OPENADCS_RETURN_IF_ERROR(h.ReadUuid(&class_info));
  if (count == 0 || count > kMaxProperties) {
    return Status::InvalidArgument("activation blob lists " + std::to_string(count) +
                                   " properties");
  }
  std::vector<Uuid> classes;
  std::vector<std::uint32_t> sizes;
  bool has_classes = false;
  bool has_sizes = false;
  OPENADCS_RETURN_IF_ERROR(h.ReadUniquePointer(&has_classes, [count, &classes](NdrReader& pr) {
    return ReadUuidArray(pr, count, &classes);
  }));
  OPENADCS_RETURN_IF_ERROR(h.ReadUniquePointer(
      &has_sizes, [count, &sizes](NdrReader& pr) { return ReadU32Array(pr, count, &sizes); }));
  OPENADCS_RETURN_IF_ERROR(ReadIgnoredDwordPointer(h));
  OPENADCS_RETURN_IF_ERROR(h.FlushDeferred());
  if (!has_classes || !has_sizes) {
    return Status::InvalidArgument("CustomHeader lacks its class ids or sizes");
  }
  if (header_size < kTypeSerialization1HeaderBytes + body.size() || header_size > blob.size()) {
    return Status::InvalidArgument("CustomHeader headerSize disagrees with its data");
  }
  std::size_t offset = header_size;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (sizes[i] > blob.size() - offset) {
      return Status::InvalidArgument("activation property " + std::to_string(i) +
                                     " overruns the blob");
    }
    out.properties.push_back({classes[i], blob.subspan(offset, sizes[i])});
    offset += sizes[i];
  }
  return out;
}

// The inverse: OBJREF bytes for `properties` (class id, serialized bytes,
// each a multiple of 8 long). dwSize and totalSize both count from the
// CustomHeader to the end of the last property, as MS-DCOM 2.2.22.1 says.
Bytes BuildBlob(const Uuid& iid, const Uuid& clsid, std::uint32_t destination_context,
                const std::vector<std::pair<Uuid, Bytes>>& properties) {
  std::uint32_t properties_size = 0;
  for (const auto& p : properties) properties_size += static_cast<std::uint32_t>(p.second.size());
  auto header = [&](std::uint32_t header_size) {
    return Serialize([&](NdrWriter& w) {
      w.WriteU32(header_size + properties_size);
      w.WriteU32(header_size);
      w.WriteU32(0);
      w.WriteU32(destination_context);
      w.WriteU32(static_cast<std::uint32_t>(properties.size()));
      w.WriteUuid(Uuid{});
      w.WriteUniquePointer(true, [&](NdrWriter& pw) {
        pw.WriteConformance(static_cast<std::uint32_t>(properties.size()));
        for (const auto& p : properties) pw.WriteUuid(p.first);
      });
      w.WriteUniquePointer(true, [&](NdrWriter& pw) {
        pw.WriteConformance(static_cast<std::uint32_t>(properties.size()));
        for (const auto& p : properties) pw.WriteU32(static_cast<std::uint32_t>(p.second.size()));
      });
      w.WriteUniquePointer(false, nullptr);
    });
  };
  // The header's length does not depend on the sizes it records.
  const auto header_size = static_cast<std::uint32_t>(header(0).size());
  NdrWriter blob;
  blob.WriteU32(header_size + properties_size);
  blob.WriteU32(0);
  blob.WriteBytes(header(header_size));
  for (const auto& p : properties) blob.WriteBytes(p.second);
  objref::ObjRef o;
  o.flags = objref::kFlagsCustom;
  o.iid = iid;
  o.clsid = clsid;
  o.object_data = std::move(blob).Take();
  return objref::EncodeObjRef(o);
}

// InstantiationInfoData (MS-DCOM 2.2.22.2.1).
Status ReadInstantiationInfo(NdrReader& r, ActivationIn* in) {
  std::int32_t is_surrogate = 0;
  std::uint32_t count = 0;
  std::uint32_t this_size = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&in->clsid));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in->class_context));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in->activation_flags));
  OPENADCS_RETURN_IF_ERROR(r.ReadI32(&is_surrogate));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&count));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in->instantiation_flags));
  if (count == 0 || count > kMaxInterfaces) {
    return Status::InvalidArgument("activation asks for " + std::to_string(count) + " interfaces");
  }
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
      &present, [count, in](NdrReader& pr) { return ReadUuidArray(pr, count, &in->iids); }));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&this_size));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&in->client_version_major));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&in->client_version_minor));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  if (!present) return Status::InvalidArgument("InstantiationInfo lacks its interface ids");
  return Status::Ok();
}

void WriteInstantiationInfo(NdrWriter& w, const ActivationIn& in, std::uint32_t this_size) {
  w.WriteUuid(in.clsid);
  w.WriteU32(in.class_context);
  w.WriteU32(in.activation_flags);
  w.WriteI32(0);
  w.WriteU32(static_cast<std::uint32_t>(in.iids.size()));
  w.WriteU32(in.instantiation_flags);
  w.WriteUniquePointer(true, [&in](NdrWriter& pw) {
    pw.WriteConformance(static_cast<std::uint32_t>(in.iids.size()));
    for (const auto& iid : in.iids) pw.WriteUuid(iid);
  });
  w.WriteU32(this_size);
  w.WriteU16(in.client_version_major);
  w.WriteU16(in.client_version_minor);
}

// customREMOTE_REQUEST_SCM_INFO, ScmRequestInfoData's pointee.
Status ReadRemoteRequest(NdrReader& r, ActivationIn* in) {
  std::uint16_t count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&in->client_impersonation_level));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&count));
  if (count > kMaxProtseqs) {
    return Status::InvalidArgument("activation requests " + std::to_string(count) + " protseqs");
  }
  bool present = false;
  return r.ReadUniquePointer(&present, [count, in](NdrReader& pr) -> Status {
    std::uint32_t n = 0;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformance(&n, 2));
    if (n != count) return Status::InvalidArgument("protseq array disagrees with its count");
    in->requested_protseqs.resize(n);
    for (auto& p : in->requested_protseqs) OPENADCS_RETURN_IF_ERROR(pr.ReadU16(&p));
    return Status::Ok();
  });
}

Status ReadScmRequestInfo(NdrReader& r, ActivationIn* in) {
  in->scm_request_present = true;
  OPENADCS_RETURN_IF_ERROR(ReadIgnoredDwordPointer(r));
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(
      r.ReadUniquePointer(&present, [in](NdrReader& pr) { return ReadRemoteRequest(pr, in); }));
  return r.FlushDeferred();
}

// COSERVERINFO, SecurityInfoData's pointee: only the name matters.
Status ReadServerInfo(NdrReader& r, ActivationIn* in) {
  std::uint32_t reserved = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&reserved));
  auto read_name = [in](NdrReader& pr) -> Status {
    std::u16string name;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformantVaryingString(&name));
    in->server_name = std::move(name);
    return Status::Ok();
  };
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read_name));
  OPENADCS_RETURN_IF_ERROR(ReadIgnoredDwordPointer(r));
  return r.ReadU32(&reserved);
}

Status ReadSecurityInfo(NdrReader& r, ActivationIn* in) {
  std::uint32_t authn_flags = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&authn_flags));
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(
      r.ReadUniquePointer(&present, [in](NdrReader& pr) { return ReadServerInfo(pr, in); }));
  OPENADCS_RETURN_IF_ERROR(ReadIgnoredDwordPointer(r));
  return r.FlushDeferred();
}

using PropertyReader = Status (*)(NdrReader&, ActivationIn*);

Status ReadProperty(const Property& p, PropertyReader read, ActivationIn* in) {
  std::span<const std::uint8_t> body;
  OPENADCS_RETURN_IF_ERROR(OpenTypeSerialization1(p.bytes, &body));
  NdrReader r(body);
  return read(r, in);
}

// PropsOutInfo (MS-DCOM 2.2.22.2.9).
Status ReadPropsOutInfo(NdrReader& r, ActivationOut* out) {
  std::uint32_t count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&count));
  if (count > kMaxInterfaces) {
    return Status::InvalidArgument("PropsOutInfo lists " + std::to_string(count) + " interfaces");
  }
  out->interfaces.resize(count);
  auto* results = &out->interfaces;
  auto read_iids = [results](NdrReader& pr) -> Status {
    std::vector<Uuid> iids;
    OPENADCS_RETURN_IF_ERROR(ReadUuidArray(pr, static_cast<std::uint32_t>(results->size()), &iids));
    for (std::size_t i = 0; i < iids.size(); ++i) (*results)[i].iid = iids[i];
    return Status::Ok();
  };
  auto read_hresults = [results](NdrReader& pr) -> Status {
    std::vector<std::uint32_t> hresults;
    OPENADCS_RETURN_IF_ERROR(
        ReadU32Array(pr, static_cast<std::uint32_t>(results->size()), &hresults));
    for (std::size_t i = 0; i < hresults.size(); ++i) (*results)[i].hresult = hresults[i];
    return Status::Ok();
  };
  auto read_objrefs = [results](NdrReader& pr) -> Status {
    std::uint32_t n = 0;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformance(&n, 4));
    if (n != results->size()) return Status::InvalidArgument("ppIntfData disagrees with cIfs");
    for (auto& result : *results) {
      Bytes* objref = &result.objref;
      auto read_objref = [objref](NdrReader& ir) {
        return objref::ReadInterfacePointer(ir, objref);
      };
      bool entry = false;
      OPENADCS_RETURN_IF_ERROR(pr.ReadUniquePointer(&entry, read_objref));
    }
    return Status::Ok();
  };
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read_iids));
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read_hresults));
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read_objrefs));
  return r.FlushDeferred();
}

void WritePropsOutInfo(NdrWriter& w, const ActivationOut& out) {
  const auto count = static_cast<std::uint32_t>(out.interfaces.size());
  w.WriteU32(count);
  w.WriteUniquePointer(true, [&out, count](NdrWriter& pw) {
    pw.WriteConformance(count);
    for (const auto& i : out.interfaces) pw.WriteUuid(i.iid);
  });
  w.WriteUniquePointer(true, [&out, count](NdrWriter& pw) {
    pw.WriteConformance(count);
    for (const auto& i : out.interfaces) pw.WriteU32(i.hresult);
  });
  w.WriteUniquePointer(true, [&out, count](NdrWriter& pw) {
    pw.WriteConformance(count);
    for (const auto& i : out.interfaces) {
      pw.WriteUniquePointer(!i.objref.empty(),
                            [&i](NdrWriter& iw) { objref::WriteInterfacePointer(iw, i.objref); });
    }
  });
}

// customREMOTE_REPLY_SCM_INFO, ScmReplyInfoData's pointee.
Status ReadRemoteReply(NdrReader& r, ActivationOut* out) {
  OPENADCS_RETURN_IF_ERROR(r.ReadU64(&out->oxid));
  bool present = false;
  auto* bindings = &out->oxid_bindings;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(
      &present, [bindings](NdrReader& pr) { return objref::ReadDualStringArray(pr, bindings); }));
  OPENADCS_RETURN_IF_ERROR(r.ReadUuid(&out->ipid_rem_unknown));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&out->authn_hint));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&out->server_version_major));
  return r.ReadU16(&out->server_version_minor);
}

Status ReadScmReplyInfo(NdrReader& r, ActivationOut* out) {
  OPENADCS_RETURN_IF_ERROR(ReadIgnoredDwordPointer(r));
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(
      r.ReadUniquePointer(&present, [out](NdrReader& pr) { return ReadRemoteReply(pr, out); }));
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  if (!present) return Status::InvalidArgument("ScmReplyInfo lacks its remote reply");
  return Status::Ok();
}

void WriteScmReplyInfo(NdrWriter& w, const ActivationOut& out) {
  w.WriteUniquePointer(false, nullptr);
  w.WriteUniquePointer(true, [&out](NdrWriter& pw) {
    pw.WriteU64(out.oxid);
    pw.WriteUniquePointer(
        true, [&out](NdrWriter& bw) { objref::WriteDualStringArray(bw, out.oxid_bindings); });
    pw.WriteUuid(out.ipid_rem_unknown);
    pw.WriteU32(out.authn_hint);
    pw.WriteU16(out.server_version_major);
    pw.WriteU16(out.server_version_minor);
  });
}

}  // namespace

Result<ActivationIn> DecodeActivationIn(std::span<const std::uint8_t> objref_bytes) {
  auto blob = ParseBlob(objref_bytes, kIidPropertiesIn, kClsidPropertiesIn);
  if (!blob.ok()) return blob.status();
  ActivationIn in;
  in.destination_context = blob->destination_context;
  bool instantiation = false;
  bool security = false;
  for (const Property& p : blob->properties) {
    in.property_classes.push_back(p.clsid);
    PropertyReader read = nullptr;
    bool* seen = nullptr;
    if (p.clsid == kClsidInstantiationInfo) {
      read = ReadInstantiationInfo;
      seen = &instantiation;
    } else if (p.clsid == kClsidScmRequestInfo) {
      read = ReadScmRequestInfo;
      seen = &in.scm_request_present;
    } else if (p.clsid == kClsidSecurityInfo) {
      read = ReadSecurityInfo;
      seen = &security;
    } else if (p.clsid == kClsidInstanceInfo) {
      in.instance_info_present = true;
      continue;
    } else {
      continue;  // other properties carry nothing the SCM acts on
    }
    if (*seen)
      return Status::InvalidArgument("activation property " + p.clsid.ToString() + " twice");
    *seen = true;
    OPENADCS_RETURN_IF_ERROR(ReadProperty(p, read, &in));
  }
  if (!instantiation) return Status::InvalidArgument("activation blob lacks InstantiationInfo");
  return in;
}

Bytes EncodeActivationOut(const ActivationOut& out) {
  std::vector<std::pair<Uuid, Bytes>> properties;
  properties.emplace_back(kClsidPropsOutInfo,
                          Serialize([&out](NdrWriter& w) { WritePropsOutInfo(w, out); }));
  properties.emplace_back(kClsidScmReplyInfo,
                          Serialize([&out](NdrWriter& w) { WriteScmReplyInfo(w, out); }));
  return BuildBlob(kIidPropertiesOut, kClsidPropertiesOut, kDestDifferentMachine, properties);
}

Bytes EncodeActivationIn(const ActivationIn& in) {
  std::vector<std::pair<Uuid, Bytes>> properties;
  // thisSize is the property's own serialized size, which it does not change.
  const auto this_size = static_cast<std::uint32_t>(
      Serialize([&in](NdrWriter& w) { WriteInstantiationInfo(w, in, 0); }).size());
  properties.emplace_back(kClsidInstantiationInfo, Serialize([&in, this_size](NdrWriter& w) {
                            WriteInstantiationInfo(w, in, this_size);
                          }));
  properties.emplace_back(kClsidActivationContextInfo, Serialize([](NdrWriter& w) {
                            for (int i = 0; i < 4; ++i) w.WriteU32(0);  // clientOK, reserved
                            w.WriteUniquePointer(false, nullptr);       // pIFDClientCtx
                            w.WriteUniquePointer(false, nullptr);       // pIFDPrototypeCtx
                          }));
  properties.emplace_back(kClsidServerLocationInfo, Serialize([](NdrWriter& w) {
                            w.WriteUniquePointer(false, nullptr);  // machineName
                            for (int i = 0; i < 3; ++i)
                              w.WriteU32(0);  // process, apartment, context
                          }));
  properties.emplace_back(kClsidScmRequestInfo, Serialize([&in](NdrWriter& w) {
                            w.WriteUniquePointer(false, nullptr);  // pdwReserved
                            w.WriteUniquePointer(true, [&in](NdrWriter& pw) {
                              pw.WriteU32(in.client_impersonation_level);
                              const auto n =
                                  static_cast<std::uint16_t>(in.requested_protseqs.size());
                              pw.WriteU16(n);
                              pw.WriteUniquePointer(n != 0, [&in, n](NdrWriter& aw) {
                                aw.WriteConformance(n);
                                for (auto p : in.requested_protseqs) aw.WriteU16(p);
                              });
                            });
                          }));
  if (in.server_name.has_value()) {
    properties.emplace_back(kClsidSecurityInfo, Serialize([&in](NdrWriter& w) {
                              w.WriteU32(0);  // dwAuthnFlags
                              w.WriteUniquePointer(true, [&in](NdrWriter& pw) {
                                pw.WriteU32(0);
                                pw.WriteUniquePointer(true, [&in](NdrWriter& sw) {
                                  sw.WriteConformantVaryingString(*in.server_name);
                                });
                                pw.WriteUniquePointer(false, nullptr);
                                pw.WriteU32(0);
                              });
                              w.WriteUniquePointer(false, nullptr);
                            }));
  }
  return BuildBlob(kIidPropertiesIn, kClsidPropertiesIn, in.destination_context, properties);
}

Result<ActivationOut> DecodeActivationOut(std::span<const std::uint8_t> objref_bytes) {
  auto blob = ParseBlob(objref_bytes, kIidPropertiesOut, kClsidPropertiesOut);
  if (!blob.ok()) return blob.status();
  ActivationOut out;
  bool props_out = false;
  bool scm_reply = false;
  for (const Property& p : blob->properties) {
    Status (*read)(NdrReader&, ActivationOut*) = nullptr;
    bool* seen = nullptr;
    if (p.clsid == kClsidPropsOutInfo) {
      read = ReadPropsOutInfo;
      seen = &props_out;
    } else if (p.clsid == kClsidScmReplyInfo) {
      read = ReadScmReplyInfo;
      seen = &scm_reply;
    } else {
      continue;
    }
    if (*seen)
      return Status::InvalidArgument("activation property " + p.clsid.ToString() + " twice");
    *seen = true;
    std::span<const std::uint8_t> body;
    OPENADCS_RETURN_IF_ERROR(OpenTypeSerialization1(p.bytes, &body));
    NdrReader r(body);
    OPENADCS_RETURN_IF_ERROR(read(r, &out));
  }
  if (!props_out || !scm_reply) {
    return Status::InvalidArgument("activation reply lacks PropsOutInfo or ScmReplyInfo");
  }
  return out;
}

}  // namespace openadcs::ndr::activation
