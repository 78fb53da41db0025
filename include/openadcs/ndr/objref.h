// DCOM object references (MS-DCOM 2.2.18) and the address lists they carry
// (DUALSTRINGARRAY, 2.2.19), in their two encodings:
// - inside an OBJREF (the abData of an MInterfacePointer) the structures are
//   packed little-endian with no NDR conformance (MS-DCOM 2.2.18: "NDR
//   encoded as a byte stream");
// - as an NDR parameter (ResolveOxid's ppdsaOxidBindings, ServerAlive2) the
//   DUALSTRINGARRAY is a conformant structure (max_count first).
// Decoders bound every count by the bytes present and fail with
// kInvalidArgument on anything malformed.
#ifndef OPENADCS_NDR_OBJREF_H_
#define OPENADCS_NDR_OBJREF_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr::objref {

inline constexpr std::uint32_t kSignature = 0x574f454d;  // "MEOW"
inline constexpr std::uint32_t kFlagsStandard = 0x1;
inline constexpr std::uint32_t kFlagsHandler = 0x2;
inline constexpr std::uint32_t kFlagsCustom = 0x4;
inline constexpr std::uint32_t kFlagsExtended = 0x8;

// Tower ids in a STRINGBINDING (MS-DCOM 2.2.19.3, MS-RPCE 2.2.1.2.2).
inline constexpr std::uint16_t kTowerTcp = 0x0007;
// Authentication services in a SECURITYBINDING.
inline constexpr std::uint16_t kAuthnWinNt = 0x000a;  // NTLM
inline constexpr std::uint16_t kAuthnGssNegotiate = 0x0009;
inline constexpr std::uint16_t kAuthnGssKerberos = 0x0010;
inline constexpr std::uint16_t kAuthzNone = 0xffff;  // "the default", as Windows sends

// Most entries (16-bit words) a DUALSTRINGARRAY may have.
inline constexpr std::uint32_t kMaxDualStringWords = 8192;

struct StringBinding {
  std::uint16_t tower_id = kTowerTcp;
  // "10.0.0.5[49731]" for TCP: address, then the port in brackets.
  std::u16string network_address;
  friend bool operator==(const StringBinding&, const StringBinding&) = default;
};

struct SecurityBinding {
  std::uint16_t authn_svc = kAuthnWinNt;
  std::uint16_t authz_svc = kAuthzNone;
  std::u16string principal_name;  // may be empty
  friend bool operator==(const SecurityBinding&, const SecurityBinding&) = default;
};

struct DualStringArray {
  std::vector<StringBinding> string_bindings;
  std::vector<SecurityBinding> security_bindings;
  friend bool operator==(const DualStringArray&, const DualStringArray&) = default;
};

// The words of aStringArray: each string binding (tower id, address, NUL),
// a 0 word, each security binding (authn, authz, name, NUL), a 0 word; sets
// *security_offset to the index of the first security binding. An empty
// list still gets its terminating 0 (two zeros in a row when both are empty,
// as MS-DCOM 2.2.19.1 requires).
std::vector<std::uint16_t> EncodeDualStringWords(const DualStringArray& a,
                                                 std::uint16_t* security_offset);
Result<DualStringArray> DecodeDualStringWords(std::span<const std::uint16_t> words,
                                              std::uint16_t security_offset);

// The NDR form (conformant struct): as a pointee or a top-level [out] value.
Status ReadDualStringArray(NdrReader& r, DualStringArray* out);
void WriteDualStringArray(NdrWriter& w, const DualStringArray& a);

// STDOBJREF (MS-DCOM 2.2.18.2).
struct StdObjRef {
  std::uint32_t flags = 0;  // SORF_*: 0 or SORF_NOPING 0x1000
  std::uint32_t public_refs = 0;
  std::uint64_t oxid = 0;
  std::uint64_t oid = 0;
  Uuid ipid;
  friend bool operator==(const StdObjRef&, const StdObjRef&) = default;
};
inline constexpr std::uint32_t kStdObjRefSize = 40;
Status ReadStdObjRef(NdrReader& r, StdObjRef* out);  // NDR: 8-aligned struct
void WriteStdObjRef(NdrWriter& w, const StdObjRef& s);

// An OBJREF: standard (an exported interface and where its exporter lives)
// or custom (an opaque class-marshalled blob, e.g. activation properties).
struct ObjRef {
  std::uint32_t flags = kFlagsStandard;
  Uuid iid;
  // kFlagsStandard:
  StdObjRef std;
  DualStringArray resolver_address;  // saResAddr
  // kFlagsCustom:
  Uuid clsid;
  std::uint32_t extension_size = 0;  // cbExtension: must be 0
  Bytes object_data;                 // pObjectData
  friend bool operator==(const ObjRef&, const ObjRef&) = default;
};

// The OBJREF bytes (an MInterfacePointer's abData). Handler and extended
// OBJREFs decode as errors: no client of the daemon sends them.
Result<ObjRef> DecodeObjRef(std::span<const std::uint8_t> bytes);
Bytes EncodeObjRef(const ObjRef& o);

// MInterfacePointer {ulCntData; [size_is(ulCntData)] byte abData[]} as a
// pointee: the caller reads/writes the pointer and passes these as the
// deferred step. Its abData is returned raw; decode it with DecodeObjRef.
Status ReadInterfacePointer(NdrReader& r, Bytes* abdata);
void WriteInterfacePointer(NdrWriter& w, std::span<const std::uint8_t> abdata);

}  // namespace openadcs::ndr::objref

#endif  // OPENADCS_NDR_OBJREF_H_
