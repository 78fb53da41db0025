// One bound libldap handle: connect (URIs in order), StartTLS, bind, and
// synchronous searches with a timeout, paged when asked. Internal to the
// LDAP template source.
#ifndef OPENADCS_SRC_DIRECTORY_LDAP_CONNECTION_H_
#define OPENADCS_SRC_DIRECTORY_LDAP_CONNECTION_H_

#include <ldap.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/directory/template_entry.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

// Owns the LDAP* (unbound on destruction). Not thread-safe: one thread uses
// a connection at a time. libldap writes with write(2), so a request written
// on a connection the server has reset raises SIGPIPE: every method here
// blocks it on the calling thread for the call (util::SigpipeBlocked), and
// the call fails with Unavailable. Code that calls libldap on handle()
// itself must do the same.
class LdapConnection {
 public:
  // Tries every URI of `options` in order; the first that connects and
  // binds wins. Unavailable when none does (the message names each URI and
  // why); InvalidArgument for options that can never work (an unreadable
  // password file, no URI).
  static Result<std::unique_ptr<LdapConnection>> Open(const LdapTemplateSourceOptions& options);

  ~LdapConnection();
  LdapConnection(const LdapConnection&) = delete;
  LdapConnection& operator=(const LdapConnection&) = delete;

  LDAP* handle() const { return ld_; }
  const std::string& uri() const { return uri_; }
  // The socket, for poll(); -1 when unknown.
  int Descriptor() const;

  struct SearchRequest {
    std::string base;
    int scope = LDAP_SCOPE_BASE;
    std::string filter = "(objectClass=*)";
    std::vector<std::string> attributes;  // empty: all user attributes
    bool paged = false;
    std::size_t max_entries = 100'000;  // more fail the search (InvalidArgument)
    // Sent as LDAP_SERVER_SD_FLAGS_OID (MS-ADTS 3.1.1.3.4.1.11), not
    // critical: the parts of nTSecurityDescriptor to return (OWNER 0x1,
    // GROUP 0x2, DACL 0x4, SACL 0x8). AD and Samba return the attribute to
    // a bind that may not read the SACL only with this control; servers
    // without it (slapd) ignore it.
    std::optional<std::uint32_t> sd_flags;
  };
  // Entries in the order the server sent them. NotFound when the base does
  // not exist; Unavailable when the server is away or the timeout passes;
  // FailedPrecondition for any other LDAP result.
  Result<std::vector<DirectoryEntry>> Search(const SearchRequest& request);

  // One modify operation replacing every value of `attribute` of `dn` with
  // `values` (none: the attribute is removed). Errors as Search, and
  // PermissionDenied when the bound identity may not write it.
  Status Replace(const std::string& dn, const std::string& attribute,
                 const std::vector<std::string>& values);

 private:
  LdapConnection(LDAP* ld, std::string uri, const LdapTemplateSourceOptions& options);
  Status SearchPage(const SearchRequest& request, struct berval* cookie,
                    std::vector<DirectoryEntry>& entries);

  LDAP* ld_;
  std::string uri_;
  std::chrono::milliseconds timeout_;
  std::uint32_t page_size_;
};

// The Status for an LDAP result code: Unavailable for the codes that mean
// the connection or server is gone, NotFound for a missing entry,
// PermissionDenied for insufficient access (or an anonymous or weak bind
// the server refuses it to), else FailedPrecondition.
Status LdapError(int code, const std::string& what);

// `value` escaped for use inside an LDAP filter (RFC 4515).
std::string EscapeFilterValue(std::string_view value);

}  // namespace openadcs::directory

#endif  // OPENADCS_SRC_DIRECTORY_LDAP_CONNECTION_H_
