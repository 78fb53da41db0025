// Turns a DaemonConfig into the options of the components the daemon wires
// together. Relative paths of [ca], [database] and [crl] are resolved here,
// against state.dir, so that an override of the state directory moves them.
#ifndef OPENADCS_DAEMON_COMPONENT_OPTIONS_H_
#define OPENADCS_DAEMON_COMPONENT_OPTIONS_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/engine.h"
#include "openadcs/daemon/daemon_config.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/services/cert_admin_service.h"

namespace openadcs::daemon {

// `path` as is when absolute or empty, else state.dir / path.
std::filesystem::path ResolveInState(const DaemonConfig& config, const std::filesystem::path& path);

pki::CaIdentityOptions CaIdentityOptionsFrom(const DaemonConfig& config);
db::SqliteStoreOptions SqliteStoreOptionsFrom(const DaemonConfig& config);
directory::LdifTemplateSourceOptions LdifTemplateSourceOptionsFrom(const DaemonConfig& config);
// `metrics` and `crl_sink` may be null.
ca::EngineOptions EngineOptionsFrom(const DaemonConfig& config,
                                    metrics::Registry* metrics = nullptr,
                                    ca::CrlSink* crl_sink = nullptr);
// ICertAdminD's options, with the configuration entries GetConfigEntry
// serves (CommonName is the CA certificate's, `common_name`).
services::CertAdminOptions CertAdminOptionsFrom(const DaemonConfig& config,
                                                const std::string& common_name);

// The SID a [security] entry names: a SID as is ("S-1-5-..."), a
// well-known group by its English name (Everyone, Authenticated Users,
// BUILTIN\Administrators, any case), or DOMAIN\user of the user file
// (auth::UserFileAccountSid). Errors: kInvalidArgument naming the entry.
Result<std::string> PrincipalSid(std::string_view principal);
// The first start's roles, each entry resolved with PrincipalSid.
Result<ca::CaSecurityOptions> CaSecurityOptionsFrom(const SecurityConfig& security);
// Where the DER of each published CRL is written.
std::filesystem::path CrlPublishPath(const DaemonConfig& config);
// Where the DER of each delta CRL is written.
std::filesystem::path DeltaCrlPublishPath(const DaemonConfig& config);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_COMPONENT_OPTIONS_H_
