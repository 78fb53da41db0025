// Templates from a live LDAP directory (Active Directory, Samba AD, or
// OpenLDAP with the AD PKI schema), followed as administrators change them.
//
// Discovery (MS-WCCE 3.2.2.1): configurationNamingContext from the rootDSE
// (or the configured one; on a server whose rootDSE has none, as slapd,
// "CN=Configuration," + its first namingContexts value), then every
// pKICertificateTemplate under CN=Certificate Templates,CN=Public Key
// Services,CN=Services,<config NC> (paged), and this CA's
// pKIEnrollmentService under CN=Enrollment Services,...: its
// certificateTemplates decide which templates are served. Entries are parsed
// by template_entry.h; one that does not parse is logged and skipped.
//
// Change notification, chosen from the rootDSE's supportedControl: RFC 4533
// refreshAndPersist (OpenLDAP syncprov), else the AD notification control
// 1.2.840.113556.1.4.528 (AD, Samba): one-level on the templates container,
// base on the enrollment service, one-level on CN=Deleted Objects with
// show-deleted. Any change reloads everything and swaps a new immutable
// snapshot in atomically; a request in flight keeps the one it started with.
//
// Outages: the connection is re-established with exponential backoff and
// jitter, then everything is reloaded and notification registered again;
// meanwhile the last good snapshot keeps being served. Each good snapshot is
// written to `snapshot_file` (atomically, mode 0600), and used at start when
// the directory cannot be reached. Every transition is logged and written to
// `status_file`.
#ifndef OPENADCS_DIRECTORY_LDAP_TEMPLATE_SOURCE_H_
#define OPENADCS_DIRECTORY_LDAP_TEMPLATE_SOURCE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/directory/template_source.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

enum class LdapBind : std::uint8_t {
  kAnonymous,
  kSimple,        // bind_dn + the password in password_file
  kSaslExternal,  // ldapi:// peer credentials, or a TLS client certificate
  kSaslGssapi,    // Kerberos; the client keytab (if set) through KRB5_CLIENT_KTNAME
};

enum class LdapNotification : std::uint8_t {
  kAuto,  // RFC 4533 when the rootDSE lists it, else AD's control, else none
  kSync,  // RFC 4533 refreshAndPersist
  kAd,    // 1.2.840.113556.1.4.528
  kNone,  // load at start, on Reload() and after reconnects only
};

struct LdapTemplateSourceOptions {
  // Tried in order on every (re)connect: ldap://, ldaps:// or ldapi://.
  std::vector<std::string> uris;
  LdapBind bind = LdapBind::kAnonymous;
  std::string bind_dn;                  // kSimple
  std::filesystem::path password_file;  // kSimple; first line, read at each connect
  std::filesystem::path keytab;         // kSaslGssapi; empty: the default ccache
  bool start_tls = false;               // on ldap:// URIs
  std::filesystem::path ca_file;        // PEM bundle for ldaps:// and StartTLS; empty: system
  // Whoever is on the path of a cleartext connection reads and rewrites the
  // templates, so a URI that IsCleartext() names is refused (skipped, with
  // its reason in the error), and GSSAPI on ldap:// without StartTLS must
  // negotiate a SASL security layer (integrity at least). true lifts both:
  // for labs only.
  bool allow_cleartext = false;
  // Empty: discovered (see the file comment).
  std::string configuration_naming_context;
  // The cn of this CA's pKIEnrollmentService (required).
  std::string enrollment_service;
  LdapNotification notification = LdapNotification::kAuto;

  // Every connect, bind and search waits at most this long.
  std::chrono::milliseconds operation_timeout{5000};
  std::uint32_t page_size = 500;        // paged results control (RFC 2696)
  std::size_t max_templates = 100'000;  // more entries than this fail the load
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30'000};

  // Empty: no disk snapshot / no status file.
  std::filesystem::path snapshot_file;
  std::filesystem::path status_file;
  // The link's state as gauges, updated with the status file:
  // openadcs_directory_connected, openadcs_directory_notification{kind} and
  // openadcs_directory_templates. Null: none. Must outlive the source.
  metrics::Registry* metrics = nullptr;
};

// What an operator (and a test) can learn about the directory link.
struct DirectoryState {
  bool connected = false;
  std::string server;              // the URI in use, when connected
  std::string notification;        // "rfc4533", "ad", "none"
  std::string snapshot_origin;     // "directory" or "disk"
  std::size_t templates = 0;       // served in the current snapshot
  std::int64_t snapshot_time = 0;  // Unix seconds the snapshot was built (or written, for disk)
  std::int64_t last_change = 0;    // Unix seconds of the last change notification; 0: none
  std::uint64_t generation = 0;    // +1 on every snapshot swapped in
  std::string last_error;
};

class LdapTemplateSource : public TemplateSource {
 public:
  // Current() and Reload() as TemplateSource (Reload opens its own
  // connection and loads once). Thread-safe.
  virtual DirectoryState State() const = 0;
  // Blocks until a snapshot newer than `generation` is in place or `timeout`
  // passes; true when one is. For tests, benchmarks and status tools.
  virtual bool WaitForGeneration(std::uint64_t generation,
                                 std::chrono::milliseconds timeout) const = 0;
  // Blocks until State().connected equals `connected` or `timeout` passes;
  // true when it does.
  virtual bool WaitForConnected(bool connected, std::chrono::milliseconds timeout) const = 0;
};

// True when a bind to `uri` and every answer would cross the network
// unprotected: ldap:// without StartTLS (or a scheme that is none of
// ldap://, ldaps://, ldapi://), unless `gssapi` (the bind is GSSAPI, whose
// SASL security layer then protects it). ldaps:// and ldapi:// (a local
// socket) never are. Schemes compare case-insensitively, as libldap's do.
bool IsCleartext(std::string_view uri, bool start_tls, bool gssapi);

// Loads once before returning, then follows changes on a thread of its own
// (stopped and joined by the destructor). When the directory cannot be
// reached (or the load fails) and `snapshot_file` holds a snapshot, that one
// is served and the thread keeps trying to connect; without one, the error
// is returned (Unavailable, or InvalidArgument for bad options, e.g. an
// unreadable password file or no enrollment service by that name).
Result<std::unique_ptr<LdapTemplateSource>> OpenLdapTemplateSource(
    const LdapTemplateSourceOptions& options);

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_LDAP_TEMPLATE_SOURCE_H_
