// Certificate templates from the command line.
//
//   openadcs templates --uri URI [--uri URI...] [--config-nc DN]
//       [--bind-dn DN --password-file FILE | --external] [--start-tls]
//       [--ca-file PEM] [--timeout S] [--json]
//     reads every certificate template and enrollment service of a
//     directory over LDAP (as openadcsd's [directory] does; anonymous bind
//     by default) and shows which CA serves which template (MS-CERSOD step
//     A.4-5): a table of name, OID, schema version, the flags that decide
//     issuance and the CAs serving it, or one JSON object.
//
//   openadcs ca-templates list [--json]      the templates a CA serves
//   openadcs ca-templates add NAME...        serve these too
//   openadcs ca-templates remove NAME...     stop serving these
//   openadcs ca-templates set NAME...        serve exactly these
//     over DCOM (MS-CSRA GetCAProperty / SetCAProperty CR_PROP_TEMPLATES,
//     connection flags of cli/connection.h; the account needs the
//     Administrator role). add and remove read the list, edit it and write
//     it back whole: two administrators editing at once can lose one edit.
//
// Exit codes (cli/exit_codes.h): 0 done, 1 usage error (remove of a
// template not served, a list that would be empty), 2 any other error, 5
// the CA refused the call.
#ifndef OPENADCS_CLI_TEMPLATE_COMMANDS_H_
#define OPENADCS_CLI_TEMPLATE_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/exit_codes.h"
#include "openadcs/client/cert_admin_client.h"
#include "openadcs/directory/directory_listing.h"
#include "openadcs/util/status.h"

namespace openadcs::cli {

// Adds `templates` and `ca-templates` to `app`; `*exit_code` receives the
// exit code of whichever ran.
void RegisterTemplateCommands(CLI::App& app, int* exit_code);

// The flags of a template that decide issuance, as short words:
// pend-all-requests, enrollee-supplies-subject, enrollee-supplies-san, ca,
// no-security-extension.
std::vector<std::string> TemplateFlagWords(const directory::CertificateTemplate& t);

// `openadcs templates`' output for `listing`: a table with a header line,
// one line per template, sorted by name; or one JSON object
// {"templates": [{"name", "display_name", "oid", "schema_version",
// "flags": [...], "enrollment_flags", "name_flags", "served_by": [...]}],
// "enrollment_services": [{"name", "dns_host_name", "templates": [...]}],
// "skipped": [...]}.
std::string TemplatesTable(const directory::DirectoryListing& listing);
std::string TemplatesJson(const directory::DirectoryListing& listing);

// The templates a CA serves, as (name, OID) pairs, in CR_PROP_TEMPLATES' order.
using ServedList = std::vector<std::pair<std::string, std::string>>;

// A CR_PROP_TEMPLATES value (name\nOID\n...) as (name, OID) pairs.
ServedList ParseServedList(const std::string& text);
// The list `ca-templates` writes: `current` with `names` added (those not
// already in it, ASCII case-insensitive), removed (each must be in it), or
// `names` alone ("set"). InvalidArgument for a remove of a name not served
// or a result with no template (SetCAProperty cannot write an empty list).
enum class ListEdit { kAdd, kRemove, kSet };
Result<ServedList> EditServedList(const ServedList& current, ListEdit edit,
                                  const std::vector<std::string>& names);
// The pairs as a CR_PROP_TEMPLATES value: "name\nOID\n" each.
std::string ServedListText(const ServedList& list);

// The templates CA `c` serves, as (name, OID) pairs (GetCAProperty
// CR_PROP_TEMPLATES, which every role that may read the CA may call).
Result<ServedList> ReadServedList(client::CertAdminClient& c);

// The CertificateTemplate column holds a template's OID (schema 2 and later)
// or its name (schema 1); officers know templates by name.
// What a column value shows as: the name of the served template with that
// OID, else the value itself (a name already, or the OID of a template the
// CA no longer serves).
std::string TemplateDisplayName(const ServedList& served, std::string_view value);
// What a restriction's `text` compares with: the OID of the served template
// named `text` (ASCII case-insensitive) when it has one, else `text`.
std::string TemplateColumnValue(const ServedList& served, std::string_view text);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_TEMPLATE_COMMANDS_H_
