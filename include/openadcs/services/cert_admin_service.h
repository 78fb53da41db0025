// ICertAdminD and ICertAdminD2 (MS-CSRA 3.1.4.1, 3.1.4.2) on the CA engine:
// the DCOM object behind CCertAdminD, the officer's and administrator's half
// of AD CS. A thin adapter: it decodes the stub, checks the protection level
// and the authority, converts wire values (FILETIME, UTF-16, typed blobs)
// to the engine's, calls the engine as the authenticated caller, which
// decides the caller's rights, and encodes the answer.
//
// Every call must come at packet privacy (the CVE-2022-37976 hardening,
// MS-CSRA notes <28>/<77>); below it a method answers E_ACCESSDENIED. An
// authority that does not name this CA is E_INVALIDARG. An undecodable stub
// faults with RPC_X_BAD_STUB_DATA; a COM version mismatch with
// RPC_E_VERSION_MISMATCH. What each method answers, and what is not
// supported yet, is listed in docs/protocols.md.
//
// Views: one open view per object (MS-CSRA Config_Database_View_Open). A
// second OpenView answers E_UNEXPECTED, EnumView and CloseView without one
// E_HANDLE. The view keeps its restrictions and columns, and every EnumView
// runs them anew. An EnumView from the row after the last one served starts
// right after that row, whatever was committed in between (an officer
// approving from a pending view skips nothing); any other ielt counts rows
// from the start. ielt numbers rows from 1 (0 is read as 1), as Windows'
// certview does.
#ifndef OPENADCS_SERVICES_CERT_ADMIN_SERVICE_H_
#define OPENADCS_SERVICES_CERT_ADMIN_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "openadcs/ca/engine.h"
#include "openadcs/db/view_query.h"
#include "openadcs/dcom/com_object.h"
#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::services {

// CLSID of CCertAdminD (MS-CSRA 1.9).
inline constexpr Uuid kClsidCertAdminD{
    0xd99e6e73, 0xfc88, 0x11d0, {0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03, 0x12, 0xf3}};

// One configuration entry GetConfigEntry serves (MS-CSRA 3.1.4.2.14) under
// the CA's node with an empty node path: a REG_DWORD as VT_I4, a REG_SZ as
// VT_BSTR. The daemon makes them from its configuration file.
struct ConfigEntry {
  std::string name;  // as certutil -getreg names it; matched ASCII case-insensitively
  std::variant<std::int32_t, std::string> value;
};

struct CertAdminOptions {
  ndr::NdrLimits ndr_limits;
  // Rows one OpenView or EnumView returns at most, whatever celt asks.
  std::uint32_t max_rows_per_call = 1000;
  // Attributes or extensions one EnumAttributesOrExtensions returns at most.
  std::uint32_t max_entries_per_call = 1000;
  // Views one client identity may hold open at once, over all its objects;
  // one more OpenView answers E_OUTOFMEMORY.
  std::size_t max_open_views_per_client = 16;
  // What GetConfigEntry reads, read-only: SetConfigEntry refuses to change
  // them (they come from the configuration file). "AuditFilter" is not
  // among them: it is the CA's stored audit filter, which SetConfigEntry
  // sets as SetAuditFilter does.
  std::vector<ConfigEntry> config_entries;
};

// Counts open views per client across objects. Thread-safe.
class OpenViewCounter {
 public:
  explicit OpenViewCounter(std::size_t max_per_client) : max_per_client_(max_per_client) {}
  // False when `client` already holds the maximum.
  bool Acquire(const std::string& client);
  void Release(const std::string& client);

 private:
  const std::size_t max_per_client_;
  std::mutex mu_;
  std::map<std::string, std::size_t> open_;  // guarded by mu_
};

// One per activation; calls may arrive at once on several connections, so
// the open view is guarded by a mutex.
class CertAdminObject : public dcom::ComObject {
 public:
  // `engine` and `views` must outlive the object.
  CertAdminObject(ca::Engine& engine, CertAdminOptions options,
                  std::shared_ptr<OpenViewCounter> views);
  ~CertAdminObject() override;

  std::vector<rpc::SyntaxId> interfaces() const override;
  rpc::CallResult Call(const rpc::CallContext& ctx, const rpc::SyntaxId& iface, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override;

 private:
  struct OpenView {
    std::string client;  // who holds it, for the per-client count
    db::ViewQuery query;
    std::uint64_t generation = 0;  // tells this view from one opened after it closed
    // The ielt that continues where the last page ended, and the cursor
    // after that page's last row (none when the page ended the view).
    std::uint32_t next_ielt = 0;
    std::optional<db::ViewCursor> cursor;
  };

  rpc::CallResult Dispatch(const rpc::CallContext& ctx, std::uint16_t opnum,
                           std::span<const std::uint8_t> stub);
  // The views.
  rpc::CallResult OpenViewCall(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult EnumViewCall(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult CloseViewCall(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult EnumViewColumn(const rpc::CallContext& ctx, bool with_table,
                                 std::span<const std::uint8_t> stub);
  rpc::CallResult GetViewDefaultColumnSet(const rpc::CallContext& ctx,
                                          std::span<const std::uint8_t> stub);
  rpc::CallResult EnumAttributesOrExtensions(const rpc::CallContext& ctx,
                                             std::span<const std::uint8_t> stub);
  // The officer's work.
  rpc::CallResult SetExtension(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult SetAttributes(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult ResubmitRequest(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult DenyRequest(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult RevokeCertificate(const rpc::CallContext& ctx,
                                    std::span<const std::uint8_t> stub);
  rpc::CallResult IsValidCertificate(const rpc::CallContext& ctx,
                                     std::span<const std::uint8_t> stub);
  // CRLs.
  rpc::CallResult PublishCrl(const rpc::CallContext& ctx, bool publish_crls,
                             std::span<const std::uint8_t> stub);
  rpc::CallResult GetCrl(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  // The CA.
  rpc::CallResult GetCaProperty(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetCaPropertyInfo(const rpc::CallContext& ctx,
                                    std::span<const std::uint8_t> stub);
  rpc::CallResult GetCaSecurity(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult SetCaSecurity(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult SetCaProperty(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetMyRoles(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult Ping(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub);
  rpc::CallResult GetServerState(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetOfficerRights(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult SetOfficerRights(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetAuditFilter(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult ImportCertificate(const rpc::CallContext& ctx,
                                    std::span<const std::uint8_t> stub);
  rpc::CallResult DeleteRow(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult SetAuditFilter(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult GetConfigEntry(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult SetConfigEntry(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  rpc::CallResult ServerControl(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub);
  // Methods not served yet: E_NOTIMPL after a well-formed ORPC header, logged.
  rpc::CallResult NotSupported(const rpc::CallContext& ctx, std::uint16_t opnum,
                               std::span<const std::uint8_t> stub);

  // 0 when a call with `authority` may proceed, else the HRESULT to answer.
  std::uint32_t Precheck(const rpc::CallContext& ctx,
                         const std::optional<std::u16string>& authority) const;
  // The same, and the caller must hold one of the rights `any_of`, which
  // the engine does not check itself for this method.
  std::uint32_t Precheck(const rpc::CallContext& ctx,
                         const std::optional<std::u16string>& authority, std::uint32_t any_of,
                         std::string_view operation) const;

  ca::Engine& engine_;
  const CertAdminOptions options_;
  const std::shared_ptr<OpenViewCounter> views_;
  std::mutex mu_;
  std::optional<OpenView> view_;       // guarded by mu_
  std::uint64_t view_generation_ = 0;  // guarded by mu_
};

// Registers ICertAdminD and ICertAdminD2 as object interfaces and
// CCertAdminD as a class whose factory makes one CertAdminObject per
// activation. REQUIRES: before runtime.Handlers(); `engine` outlives the
// runtime. Errors: those of the runtime's registration.
Status RegisterCertAdminClass(dcom::DcomRuntime& runtime, ca::Engine& engine,
                              CertAdminOptions options);

}  // namespace openadcs::services

#endif  // OPENADCS_SERVICES_CERT_ADMIN_SERVICE_H_
