// Dotted object identifiers as DER: the pki layer writes them into
// certificates, the database layer finds extensions by them.
#ifndef OPENADCS_UTIL_OID_H_
#define OPENADCS_UTIL_OID_H_

#include <string_view>

#include "openadcs/util/bytes.h"

namespace openadcs {

// The content octets of the OBJECT IDENTIFIER `dotted` names (no tag, no
// length): at least two decimal arcs, the first 0-2, the second under 40
// unless the first is 2, each arc under 2^56, at most 256 characters in all;
// empty for anything else.
Bytes OidContent(std::string_view dotted);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_OID_H_
