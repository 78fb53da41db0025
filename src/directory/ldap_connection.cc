#include "directory/ldap_connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>

#include "openadcs/util/bytes.h"
#include "openadcs/util/readable_file.h"
#include "openadcs/util/sigpipe.h"

namespace openadcs::directory {
namespace {

// LDAP_SERVER_SD_FLAGS_OID (MS-ADTS 3.1.1.3.4.1.11).
constexpr const char* kSdFlagsOid = "1.2.840.113556.1.4.801";

// A password file larger than this is a mistake (a key file named by error).
constexpr std::size_t kMaxPasswordBytes = 1024;

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// The URI's scheme in lower case ("" without "://"), as libldap compares it.
std::string Scheme(std::string_view uri) {
  const std::size_t end = uri.find("://");
  std::string scheme(uri.substr(0, end == std::string_view::npos ? 0 : end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme;
}

Result<std::string> ReadPassword(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::InvalidArgument(file.string() + ": password file cannot be read");
  std::string line;
  std::getline(in, line);
  if (line.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument(file.string() + ": password longer than 1024 bytes");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Cyrus SASL's sasl_interact_t (sasl/sasl.h, stable since SASL v2). Debian
// ships the header only in libsasl2-dev, which nothing else here needs; the
// layout is fixed by the library's ABI.
struct SaslInteract {
  unsigned long id;  // NOLINT(google-runtime-int): the C ABI's type
  const char* challenge;
  const char* prompt;
  const char* defresult;
  const void* result;
  unsigned len;
};
constexpr unsigned long kSaslCbListEnd = 0;  // NOLINT(google-runtime-int)

// SASL EXTERNAL and GSSAPI take every value from the environment (peer
// credentials, TLS client certificate, Kerberos credentials): answer each
// prompt with its default.
int SaslDefaults(LDAP*, unsigned, void*, void* prompts) {
  for (auto* p = static_cast<SaslInteract*>(prompts); p->id != kSaslCbListEnd; ++p) {
    p->result = p->defresult != nullptr ? p->defresult : "";
    p->len = p->defresult != nullptr ? static_cast<unsigned>(std::strlen(p->defresult)) : 0;
  }
  return LDAP_SUCCESS;
}

Status SetOptions(LDAP* ld, const LdapTemplateSourceOptions& options) {
  const int version = LDAP_VERSION3;
  const timeval timeout = ToTimeval(options.operation_timeout);
  if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS ||
      ldap_set_option(ld, LDAP_OPT_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS) {
    return Status::Internal("ldap_set_option failed");
  }
  // GSSAPI asks for a ticket to ldap/<host>. By default libldap takes the
  // host from a reverse lookup of the server's address, which names the
  // wrong principal wherever reverse DNS is missing or differs (and lets
  // whoever answers it choose); the URI's host is what the operator gave.
  if (options.bind == LdapBind::kSaslGssapi &&
      ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
    return Status::Internal("ldap_set_option(LDAP_OPT_X_SASL_NOCANON) failed");
  }
  if (!options.ca_file.empty()) {
    // libldap reports an unreadable file no better than a malformed one.
    if (const int error = util::OpenForReadingError(options.ca_file); error != 0) {
      return Status::InvalidArgument(options.ca_file.string() +
                                     ": cannot be read: " + std::strerror(error));
    }
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    const int new_context = 0;
    if (ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, options.ca_file.c_str()) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &new_context) != LDAP_OPT_SUCCESS) {
      return Status::InvalidArgument(options.ca_file.string() + ": cannot be used as CA bundle");
    }
  }
  return Status::Ok();
}

// `what` failed, with the reason the handle holds: Cyrus SASL's, or the
// server's diagnosticMessage (AD puts why a bind failed there: "data 775",
// the account is locked out; "data 532", its password has expired). The
// server's text is not ours, so it stays on one line of the log, and is
// left out if it holds `secret` (the password a simple bind sent).
std::string WithDiagnostic(LDAP* ld, std::string what, std::string_view secret = {}) {
  char* diagnostic = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) != LDAP_OPT_SUCCESS ||
      diagnostic == nullptr) {
    return what;
  }
  std::string reason(diagnostic);
  ldap_memfree(diagnostic);
  if (reason.empty()) return what;
  if (!secret.empty() && reason.find(secret) != std::string::npos) {
    return what + " (the server's reason repeats the password, so it is not shown)";
  }
  for (char& c : reason) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return fmt::format("{} ({})", what, reason);
}

Status Bind(LDAP* ld, const LdapTemplateSourceOptions& options) {
  switch (options.bind) {
    case LdapBind::kAnonymous: return Status::Ok();  // LDAPv3 needs no bind for anonymous access
    case LdapBind::kSimple: {
      Result<std::string> password = ReadPassword(options.password_file);
      if (!password.ok()) return password.status();
      berval cred{static_cast<ber_len_t>(password->size()), password->data()};
      const int rc = ldap_sasl_bind_s(ld, options.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                                      nullptr, nullptr);
      if (rc == LDAP_SUCCESS) return Status::Ok();
      const std::string what = WithDiagnostic(ld, "simple bind as " + options.bind_dn, *password);
      if (rc == LDAP_INVALID_CREDENTIALS) {
        return Status::InvalidArgument(what + ": invalid credentials");
      }
      return LdapError(rc, what);
    }
    case LdapBind::kSaslExternal:
    case LdapBind::kSaslGssapi: {
      const char* mech = options.bind == LdapBind::kSaslExternal ? "EXTERNAL" : "GSSAPI";
      const int rc = ldap_sasl_interactive_bind_s(ld, nullptr, mech, nullptr, nullptr,
                                                  LDAP_SASL_QUIET, SaslDefaults, nullptr);
      if (rc == LDAP_SUCCESS) return Status::Ok();
      const std::string what = WithDiagnostic(ld, fmt::format("SASL {} bind", mech));
      if (rc == LDAP_AUTH_UNKNOWN && options.bind == LdapBind::kSaslGssapi) {
        // Cyrus SASL loads its mechanisms as plugins, and Debian ships the
        // GSSAPI one apart from libldap's dependencies.
        return Status::FailedPrecondition(
            fmt::format("{}: Cyrus SASL has no GSSAPI module on this host (Debian's "
                        "libsasl2-modules-gssapi-mit)",
                        what));
      }
      return LdapError(rc, what);
    }
  }
  return Status::Internal("unknown bind method");
}

}  // namespace

Status LdapError(int code, const std::string& what) {
  const std::string message = fmt::format("{}: {} ({})", what, ldap_err2string(code), code);
  switch (code) {
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_TIMEOUT:
    case LDAP_TIMELIMIT_EXCEEDED:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
    case LDAP_UNWILLING_TO_PERFORM:
    case LDAP_OTHER: return Status::Unavailable(message);
    case LDAP_NO_SUCH_OBJECT: return Status::NotFound(message);
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_STRONG_AUTH_REQUIRED: return Status::PermissionDenied(message);
    default: return Status::FailedPrecondition(message);
  }
}

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      out += fmt::format("\\{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

bool IsCleartext(std::string_view uri, bool start_tls, bool gssapi) {
  const std::string scheme = Scheme(uri);
  if (scheme == "ldaps" || scheme == "ldapi") return false;
  if (scheme == "ldap" && (start_tls || gssapi)) return false;
  return true;
}

Result<std::unique_ptr<LdapConnection>> LdapConnection::Open(
    const LdapTemplateSourceOptions& options) {
  if (options.uris.empty()) return Status::InvalidArgument("no LDAP URI configured");
  const util::SigpipeBlocked no_sigpipe;
  if (options.bind == LdapBind::kSaslGssapi && !options.keytab.empty()) {
    // libkrb5 reads the client keytab from the environment only; this is
    // process-wide, and the same value on every call.
    setenv("KRB5_CLIENT_KTNAME", options.keytab.c_str(), 1);
  }
  const bool gssapi = options.bind == LdapBind::kSaslGssapi;
  std::string errors;
  std::size_t refused = 0;
  for (const std::string& uri : options.uris) {
    const bool cleartext = IsCleartext(uri, options.start_tls, false);
    if (!options.allow_cleartext && IsCleartext(uri, options.start_tls, gssapi)) {
      ++refused;
      errors += fmt::format(
          "{}{}: refused: a bind in cleartext (use ldaps:// or ldapi://, StartTLS, a GSSAPI "
          "bind, or allow cleartext in a lab)",
          errors.empty() ? "" : "; ", uri);
      continue;
    }
    LDAP* ld = nullptr;
    int rc = ldap_initialize(&ld, uri.c_str());
    if (rc != LDAP_SUCCESS) {
      return Status::InvalidArgument(fmt::format("{}: {}", uri, ldap_err2string(rc)));
    }
    std::unique_ptr<LdapConnection> connection(new LdapConnection(ld, uri, options));
    Status status = SetOptions(ld, options);
    if (status.ok() && gssapi && cleartext && !options.allow_cleartext) {
      // Only a SASL security layer protects this connection: libldap
      // refuses the bind when GSSAPI negotiates none (SSF 1 is integrity).
      ber_len_t min_ssf = 1;
      if (ldap_set_option(ld, LDAP_OPT_X_SASL_SSF_MIN, &min_ssf) != LDAP_OPT_SUCCESS) {
        status = Status::Internal("ldap_set_option(LDAP_OPT_X_SASL_SSF_MIN) failed");
      }
    }
    if (status.ok() && options.start_tls && Scheme(uri) == "ldap") {
      rc = ldap_start_tls_s(ld, nullptr, nullptr);
      if (rc != LDAP_SUCCESS) status = LdapError(rc, "StartTLS");
    }
    if (status.ok()) status = Bind(ld, options);
    const bool tls = Scheme(uri) == "ldaps" || (options.start_tls && Scheme(uri) == "ldap");
    if (tls && status.code() == StatusCode::kUnavailable) {
      // libldap (GnuTLS) reports a refused certificate as a lost connection.
      status = Status::Unavailable(fmt::format(
          "{}; when the server is up, its TLS certificate was refused: is it issued by a CA in "
          "{}, and does it name the host of the URI?",
          status.message(),
          options.ca_file.empty() ? "the system's CA bundle" : options.ca_file.string()));
    }
    if (status.ok()) return connection;
    if (status.code() == StatusCode::kInvalidArgument) return status;
    spdlog::debug("LDAP {}: {}", uri, status.message());
    errors += fmt::format("{}{}: {}", errors.empty() ? "" : "; ", uri, status.message());
  }
  // Settings that refuse every URI can never work.
  if (refused == options.uris.size()) return Status::InvalidArgument(errors);
  return Status::Unavailable(errors);
}

LdapConnection::LdapConnection(LDAP* ld, std::string uri, const LdapTemplateSourceOptions& options)
    : ld_(ld),
      uri_(std::move(uri)),
      timeout_(options.operation_timeout),
      page_size_(options.page_size) {}

LdapConnection::~LdapConnection() {
  const util::SigpipeBlocked no_sigpipe;
  ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

int LdapConnection::Descriptor() const {
  int fd = -1;
  if (ldap_get_option(ld_, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS) return -1;
  return fd;
}

Result<std::vector<DirectoryEntry>> LdapConnection::Search(const SearchRequest& request) {
  const util::SigpipeBlocked no_sigpipe;
  std::vector<DirectoryEntry> entries;
  berval cookie{0, nullptr};
  do {
    Status page = SearchPage(request, &cookie, entries);
    if (!page.ok()) {
      ber_memfree(cookie.bv_val);
      return page;
    }
  } while (request.paged && cookie.bv_len > 0);
  ber_memfree(cookie.bv_val);
  return entries;
}

Status LdapConnection::Replace(const std::string& dn, const std::string& attribute,
                               const std::vector<std::string>& values) {
  std::vector<berval> storage;
  storage.reserve(values.size());
  for (const std::string& v : values) {
    storage.push_back(berval{static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
  }
  std::vector<berval*> pointers;
  pointers.reserve(storage.size() + 1);
  for (berval& b : storage) pointers.push_back(&b);
  pointers.push_back(nullptr);
  LDAPMod mod{};
  mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
  mod.mod_type = const_cast<char*>(attribute.c_str());
  mod.mod_bvalues = pointers.data();
  LDAPMod* mods[] = {&mod, nullptr};
  const util::SigpipeBlocked no_sigpipe;
  const int rc = ldap_modify_ext_s(ld_, dn.c_str(), mods, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) return LdapError(rc, fmt::format("modify of {} of {}", attribute, dn));
  return Status::Ok();
}

Status LdapConnection::SearchPage(const SearchRequest& request, berval* cookie,
                                  std::vector<DirectoryEntry>& entries) {
  const std::string what = fmt::format("search of {}", request.base);
  LDAPControl* page_control = nullptr;
  if (request.paged) {
    const int rc =
        ldap_create_page_control(ld_, static_cast<ber_int_t>(page_size_),
                                 cookie->bv_len > 0 ? cookie : nullptr, 1, &page_control);
    if (rc != LDAP_SUCCESS) return LdapError(rc, what);
  }
  // SEQUENCE { INTEGER flags }, as the control's value.
  berval* sd_value = nullptr;
  if (request.sd_flags) {
    BerElement* ber = ber_alloc_t(LBER_USE_DER);
    const bool encoded = ber != nullptr &&
                         ber_printf(ber, "{i}", static_cast<ber_int_t>(*request.sd_flags)) != -1 &&
                         ber_flatten(ber, &sd_value) == 0;
    if (ber != nullptr) ber_free(ber, 1);
    if (!encoded) {
      if (page_control != nullptr) ldap_control_free(page_control);
      return Status::Internal(what + ": cannot encode the SD flags control");
    }
  }
  std::unique_ptr<berval, decltype(&ber_bvfree)> owned_sd_value(sd_value, &ber_bvfree);
  LDAPControl sd_control{const_cast<char*>(kSdFlagsOid), {}, 0};
  if (sd_value != nullptr) sd_control.ldctl_value = *sd_value;
  LDAPControl* controls[3] = {nullptr, nullptr, nullptr};
  std::size_t n_controls = 0;
  if (page_control != nullptr) controls[n_controls++] = page_control;
  if (sd_value != nullptr) controls[n_controls++] = &sd_control;
  std::vector<char*> attrs;
  for (const std::string& a : request.attributes) attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  timeval timeout = ToTimeval(timeout_);
  LDAPMessage* result = nullptr;
  int rc = ldap_search_ext_s(ld_, request.base.c_str(), request.scope, request.filter.c_str(),
                             request.attributes.empty() ? nullptr : attrs.data(), 0,
                             n_controls > 0 ? controls : nullptr, nullptr, &timeout, LDAP_NO_LIMIT,
                             &result);
  if (page_control != nullptr) ldap_control_free(page_control);
  // ldap_search_ext_s hands back a result even on failure.
  std::unique_ptr<LDAPMessage, decltype(&ldap_msgfree)> owned(result, &ldap_msgfree);
  if (rc != LDAP_SUCCESS) return LdapError(rc, what);

  for (LDAPMessage* e = ldap_first_entry(ld_, result); e != nullptr; e = ldap_next_entry(ld_, e)) {
    if (entries.size() >= request.max_entries) {
      return Status::InvalidArgument(
          fmt::format("{}: more than {} entries", what, request.max_entries));
    }
    char* dn = ldap_get_dn(ld_, e);
    DirectoryEntry entry(dn != nullptr ? dn : "");
    ldap_memfree(dn);
    BerElement* ber = nullptr;
    for (char* attr = ldap_first_attribute(ld_, e, &ber); attr != nullptr;
         attr = ldap_next_attribute(ld_, e, ber)) {
      berval** values = ldap_get_values_len(ld_, e, attr);
      for (int i = 0; values != nullptr && values[i] != nullptr; ++i) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(values[i]->bv_val);
        entry.Add(attr, Bytes(bytes, bytes + values[i]->bv_len));
      }
      ldap_value_free_len(values);
      ldap_memfree(attr);
    }
    ber_free(ber, 0);
    entries.push_back(std::move(entry));
  }

  int code = LDAP_SUCCESS;
  LDAPControl** response_controls = nullptr;
  rc = ldap_parse_result(ld_, result, &code, nullptr, nullptr, nullptr, &response_controls, 0);
  if (rc != LDAP_SUCCESS) return LdapError(rc, what);
  std::unique_ptr<LDAPControl*, decltype(&ldap_controls_free)> owned_controls(response_controls,
                                                                              &ldap_controls_free);
  if (code != LDAP_SUCCESS) return LdapError(code, what);
  ber_memfree(cookie->bv_val);
  *cookie = berval{0, nullptr};
  if (request.paged && response_controls != nullptr) {
    LDAPControl* page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, response_controls, nullptr);
    // libldap's parser reads past an empty value: refuse it first.
    if (page != nullptr && page->ldctl_value.bv_len == 0) {
      return Status::FailedPrecondition(what + ": empty paged results control");
    }
    if (page != nullptr) {
      ber_int_t estimate = 0;
      berval next{0, nullptr};
      if (ldap_parse_pageresponse_control(ld_, page, &estimate, &next) != LDAP_SUCCESS) {
        return Status::FailedPrecondition(what + ": malformed paged results control");
      }
      *cookie = next;  // owned by us now; freed by the caller's loop
    }
  }
  return Status::Ok();
}

}  // namespace openadcs::directory
