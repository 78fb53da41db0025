// Distinguished names as text: the RFC 4514 strings that configuration files
// and directories hold, turned into X509_NAME.
#ifndef OPENADCS_PKI_NAME_H_
#define OPENADCS_PKI_NAME_H_

#include <string>
#include <string_view>

#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

// Parses an RFC 4514 string ("CN=alice,CN=Users,DC=example,DC=com": most
// significant RDN last) into an X509_NAME whose first RDN is the most
// significant one. Attribute types: the short names OpenSSL knows (CN, O, OU,
// C, L, ST, DC, E/emailAddress, street, title, GN, SN, serialNumber, UID) or
// dotted OIDs. Escapes: \, \+ \" \\ \< \> \; \= and \XX hex pairs.
// Multi-valued RDNs (+) are supported. Errors: InvalidArgument naming the
// offending part. An empty string gives an empty name.
Result<ossl::X509NamePtr> ParseDistinguishedName(std::string_view text);

// RFC 4514 text of `name` (most significant last), UTF-8.
std::string FormatDistinguishedName(const X509_NAME* name);

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_NAME_H_
