// IdentityLookup on an LDAP directory (Active Directory, Samba AD).
//
// An account is found by sAMAccountName under the domain's naming context
// (the configured one, else the rootDSE's defaultNamingContext), with one
// subtree search for (&(objectClass=user)(sAMAccountName=<name>)), the value
// escaped (RFC 4515); computer accounts are users whose sAMAccountName ends
// in '$'. The domain part of DOMAIN\user must be the domain's NetBIOS name
// (nETBIOSName of its crossRef under CN=Partitions of the configuration NC)
// or its DNS name (dnsRoot; without a crossRef, the DC= components of the
// naming context), compared ASCII case-insensitively; any other domain is
// NotFound. user@realm is looked up by userPrincipalName, then, when realm
// is the domain's DNS name, as sAMAccountName user (AD's implicit UPN).
// tokenGroups is read with a base search
// of the account's entry, the only scope on which AD computes it.
//
// Results, NotFound included, are cached by account name (ASCII
// case-insensitively) for `cache_ttl`; at most `cache_entries` are kept, the
// least recently used dropped first. Failures to reach the directory are
// not cached.
//
// One connection, opened at the first lookup (the CA starts while the
// directory is away) and again after it fails; lookups that miss the cache
// take turns on it. Every operation waits at most operation_timeout.
#ifndef OPENADCS_DIRECTORY_LDAP_IDENTITY_LOOKUP_H_
#define OPENADCS_DIRECTORY_LDAP_IDENTITY_LOOKUP_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "openadcs/directory/identity_lookup.h"
#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

struct LdapIdentityLookupOptions {
  // The directory and how to bind: uris, bind, bind_dn, password_file,
  // keytab, start_tls, ca_file, operation_timeout. The template source's
  // other fields are not used.
  LdapTemplateSourceOptions connection;
  // Empty: the rootDSE's defaultNamingContext.
  std::string default_naming_context;
  // 0 entries or a zero TTL: every lookup asks the directory.
  std::size_t cache_entries = 4096;
  std::chrono::seconds cache_ttl{300};
  // An account with more values of one attribute (tokenGroups,
  // servicePrincipalName), or a value longer than max_value_bytes, is
  // refused (FailedPrecondition) rather than cut short: a partial group
  // list would decide access on SIDs the account does not have.
  std::size_t max_values = 4096;
  std::size_t max_value_bytes = 4096;
  // Accounts longer than this are InvalidArgument without a search.
  std::size_t max_account_length = 1024;
  // The cache's clock; null: steady_clock. For tests.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

// InvalidArgument for options that can never work (no URI); the directory
// is not contacted until the first lookup.
Result<std::unique_ptr<IdentityLookup>> OpenLdapIdentityLookup(LdapIdentityLookupOptions options);

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_LDAP_IDENTITY_LOOKUP_H_
