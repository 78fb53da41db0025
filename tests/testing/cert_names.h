// What an issued certificate names, decoded by OpenSSL (an independent
// decoder, not the CA's own), in a form tests compare with a list:
// "dns=host", "email=a@b", and an otherName as "<its OID>=<its value>": a
// UTF8String's (a UPN) or OCTET STRING's bytes, the directory GUID in its
// text form (8-4-4-4-12 lower-case hex digits, as ldbsearch prints it).
#ifndef OPENADCS_TESTS_TESTING_CERT_NAMES_H_
#define OPENADCS_TESTS_TESTING_CERT_NAMES_H_

#include <openssl/x509.h>

#include <string>
#include <vector>

namespace openadcs::testing {

inline constexpr char kUpnOid[] = "1.3.6.1.4.1.311.20.2.3";
inline constexpr char kDirectoryGuidOid[] = "1.3.6.1.4.1.311.25.1";
inline constexpr char kSidOid[] = "1.3.6.1.4.1.311.25.2.1";

// The subject alternative names; empty without the extension.
std::vector<std::string> SubjectAltNames(X509* cert);
// True when the SAN extension is present and critical.
bool SubjectAltNameIsCritical(X509* cert);
// The SID security extension (1.3.6.1.4.1.311.25.2): a SEQUENCE holding one
// otherName kSidOid whose value is the SID as text; {"undecodable"} when
// its value does not parse, empty when absent.
std::vector<std::string> SidExtension(X509* cert);
// The extended key usage OIDs, in order; empty without the extension.
std::vector<std::string> ExtendedKeyUsages(X509* cert);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_CERT_NAMES_H_
