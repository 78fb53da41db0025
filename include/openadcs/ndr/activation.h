// Activation properties (MS-DCOM 2.2.22): what IRemoteSCMActivator's
// RemoteCreateInstance and RemoteGetClassObject carry in pActProperties and
// answer in ppActProperties.
//
// On the wire: a custom OBJREF (IID_IActivationPropertiesIn 000001A2 or
// ...Out 000001A3, class CLSID_ActivationPropertiesIn/Out 00000338/00000339)
// whose object data is an ActivationPropertiesBlob: {dwSize, dwReserved},
// the CustomHeader and then each property, all in NDR type serialization
// version 1 (common header 01 10 08 00 cccccccc, private header {length,
// filler}), each padded to 8 bytes. The CustomHeader lists every property's
// class id and size; properties are found by class id, not position, and
// unknown ones are skipped (Windows clients send more than impacket).
//
// Decoders are for untrusted bytes: sizes are checked against what is
// present and against the limits below; errors are kInvalidArgument.
#ifndef OPENADCS_NDR_ACTIVATION_H_
#define OPENADCS_NDR_ACTIVATION_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openadcs/ndr/objref.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr::activation {

// Most properties in a blob, and most interfaces one activation may ask for
// (MS-DCOM 3.1.2.5.2.3.3 caps cIID at MAX_REQUESTED_INTERFACES = 0x8000;
// the daemon's classes implement a handful).
inline constexpr std::uint32_t kMaxProperties = 32;
inline constexpr std::uint32_t kMaxInterfaces = 64;
inline constexpr std::uint32_t kMaxProtseqs = 64;

// Requested protocol sequence ids (MS-DCOM 2.2.19.3 / MS-RPCE towers).
inline constexpr std::uint16_t kProtseqTcp = 0x0007;

// What the SCM needs from an incoming blob. Fields default when their
// property is absent; *_present says which were there.
struct ActivationIn {
  // InstantiationInfoData (000001ab-0000-0000-c000-000000000046): required.
  Uuid clsid;
  std::uint32_t class_context = 0;
  std::uint32_t activation_flags = 0;
  std::uint32_t instantiation_flags = 0;
  std::vector<Uuid> iids;  // at least 1, at most kMaxInterfaces
  std::uint16_t client_version_major = 0;
  std::uint16_t client_version_minor = 0;
  // ScmRequestInfoData (000001aa-...): the protocols the client can use.
  bool scm_request_present = false;
  std::uint32_t client_impersonation_level = 0;
  std::vector<std::uint16_t> requested_protseqs;
  // SecurityInfoData (000001a6-...): the server name the client targeted.
  std::optional<std::u16string> server_name;
  // InstanceInfoData (000001ad-...) asks for a persistent (file/storage)
  // activation, which no daemon class supports.
  bool instance_info_present = false;
  // The CustomHeader's destination context and every property class id in
  // blob order (for logs and for refusing what the SCM cannot honour).
  std::uint32_t destination_context = 0;
  std::vector<Uuid> property_classes;
  friend bool operator==(const ActivationIn&, const ActivationIn&) = default;
};

// One requested interface's outcome in PropsOutInfo.
struct InterfaceResult {
  Uuid iid;
  std::uint32_t hresult = 0;  // S_OK, or e.g. E_NOINTERFACE with no objref
  Bytes objref;               // OBJREF bytes (objref::EncodeObjRef) when S_OK
  friend bool operator==(const InterfaceResult&, const InterfaceResult&) = default;
};

// ScmReplyInfoData's remote reply plus PropsOutInfo, in the order Windows
// and impacket expect them: PropsOutInfo first, then ScmReplyInfo.
struct ActivationOut {
  std::vector<InterfaceResult> interfaces;
  std::uint64_t oxid = 0;
  objref::DualStringArray oxid_bindings;  // the object exporter's addresses
  Uuid ipid_rem_unknown;
  std::uint32_t authn_hint = 6;  // RPC_C_AUTHN_LEVEL_PKT_PRIVACY
  std::uint16_t server_version_major = 5;
  std::uint16_t server_version_minor = 7;
  friend bool operator==(const ActivationOut&, const ActivationOut&) = default;
};

// Server side: `objref_bytes` is the MInterfacePointer's abData.
Result<ActivationIn> DecodeActivationIn(std::span<const std::uint8_t> objref_bytes);
Bytes EncodeActivationOut(const ActivationOut& out);  // OBJREF bytes

// Client side (our C++ client, tests): the reverse pair. EncodeActivationIn
// writes InstantiationInfo, ActivationContextInfo, ServerLocationInfo and
// ScmRequestInfo (and SecurityInfo when server_name is set), as impacket and
// Windows do.
Bytes EncodeActivationIn(const ActivationIn& in);
Result<ActivationOut> DecodeActivationOut(std::span<const std::uint8_t> objref_bytes);

}  // namespace openadcs::ndr::activation

#endif  // OPENADCS_NDR_ACTIVATION_H_
