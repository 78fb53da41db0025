#include "cli/template_commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <utility>

#include "cli/connection.h"
#include "openadcs/client/cert_admin_client.h"
#include "openadcs/directory/certificate_template.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/utf16.h"

namespace openadcs::cli {
namespace {

// CR_PROP_TEMPLATES and PROPTYPE_STRING (MS-WCCE 3.2.1.4.3.2).
constexpr std::int32_t kPropTemplates = 0x1D;
constexpr std::int32_t kTypeString = 4;

std::string JsonList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i > 0 ? ", " : "") + JsonString(values[i]);
  }
  return out + "]";
}

std::string Joined(const std::vector<std::string>& values, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i > 0 ? separator : "") + values[i];
  return out;
}

std::vector<const directory::CertificateTemplate*> ByName(
    const directory::DirectoryListing& listing) {
  std::vector<const directory::CertificateTemplate*> sorted;
  for (const auto& t : listing.templates) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return ToLowerAscii(a->name) < ToLowerAscii(b->name);
  });
  return sorted;
}

bool Contains(const ServedList& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const auto& entry) { return EqualsIgnoreCaseAscii(entry.first, name); });
}

// The [directory]-like flags of `openadcs templates`.
struct DirectoryFlags {
  std::vector<std::string> uris;
  std::string configuration_nc;
  std::string bind_dn;
  std::string password_file;
  bool external = false;
  bool start_tls = false;
  std::string ca_file;
  bool allow_cleartext = false;
  unsigned timeout_seconds = 10;
  bool json = false;
};

Result<directory::LdapTemplateSourceOptions> ListingOptions(const DirectoryFlags& f) {
  directory::LdapTemplateSourceOptions options;
  options.uris = f.uris;
  options.configuration_naming_context = f.configuration_nc;
  if (f.external && !f.bind_dn.empty()) {
    return Status::InvalidArgument("--external and --bind-dn exclude each other");
  }
  if (!f.bind_dn.empty()) {
    if (f.password_file.empty()) return Status::InvalidArgument("--bind-dn needs --password-file");
    options.bind = directory::LdapBind::kSimple;
    options.bind_dn = f.bind_dn;
    options.password_file = f.password_file;
  } else if (f.external) {
    options.bind = directory::LdapBind::kSaslExternal;
  }
  options.start_tls = f.start_tls;
  options.ca_file = f.ca_file;
  options.allow_cleartext = f.allow_cleartext;
  options.operation_timeout = std::chrono::seconds(f.timeout_seconds);
  return options;
}

void RegisterDirectoryTemplates(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<DirectoryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "templates",
      "show the directory's certificate templates and which CA serves each, over LDAP");
  cmd->add_option("--uri", f->uris, "ldap://, ldaps:// or ldapi:// URI (repeat to try several)")
      ->required();
  cmd->add_option("--config-nc", f->configuration_nc,
                  "configuration naming context (default: from the rootDSE)");
  cmd->add_option("--bind-dn", f->bind_dn, "simple bind DN (default: anonymous)");
  cmd->add_option("--password-file", f->password_file,
                  "file whose first line is the bind password");
  cmd->add_flag("--external", f->external, "SASL EXTERNAL bind (ldapi peer credentials)");
  cmd->add_flag("--start-tls", f->start_tls, "StartTLS on ldap:// URIs");
  cmd->add_option("--ca-file", f->ca_file, "PEM CA bundle for TLS (default: the system's)");
  cmd->add_flag("--allow-cleartext", f->allow_cleartext,
                "bind over ldap:// without StartTLS (labs only: anyone on the path sees it)");
  cmd->add_option("--timeout", f->timeout_seconds, "seconds to wait for each LDAP operation")
      ->check(CLI::Range(1u, 600u))
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "one JSON object instead of a table");
  cmd->callback([f, exit_code] {
    Result<directory::LdapTemplateSourceOptions> options = ListingOptions(*f);
    if (!options.ok()) {
      *exit_code = UsageError(options.status());
      return;
    }
    // Entries that do not parse are reported in the output, not as log lines.
    spdlog::set_level(spdlog::level::err);
    Result<directory::DirectoryListing> listing = directory::ListDirectory(*options);
    if (!listing.ok()) {
      *exit_code = Fail("reading the directory", listing.status());
      return;
    }
    std::cout << (f->json ? TemplatesJson(*listing) : TemplatesTable(*listing));
    *exit_code = kExitOk;
  });
}

void PrintServedList(const ServedList& list, bool json) {
  if (json) {
    std::string out = "{\"templates\": [";
    for (std::size_t i = 0; i < list.size(); ++i) {
      out += fmt::format("{}{{\"name\": {}, \"oid\": {}}}", i > 0 ? ", " : "",
                         JsonString(list[i].first), JsonString(list[i].second));
    }
    std::cout << out << "]}\n";
    return;
  }
  for (const auto& [name, oid] : list) std::cout << name << (oid.empty() ? "" : " " + oid) << '\n';
}

int RunEdit(client::CertAdminClient& c, ListEdit edit, const std::vector<std::string>& names) {
  ServedList current;
  if (edit != ListEdit::kSet) {
    Result<ServedList> read = ReadServedList(c);
    if (!read.ok()) return FailCall("reading the served templates", read.status());
    current = std::move(*read);
  }
  Result<ServedList> next = EditServedList(current, edit, names);
  if (!next.ok()) return UsageError(next.status());
  Result<Bytes> value = Utf8ToUtf16LeBytes(ServedListText(*next));
  if (!value.ok()) return Fail("encoding the template list", value.status());
  const Status set = c.SetCaProperty(kPropTemplates, 0, kTypeString, *value);
  if (!set.ok()) return FailCall("writing the served templates", set);
  std::vector<std::string> written;
  for (const auto& entry : *next) written.push_back(entry.first);
  // The CA serves the list once its template source has read it back.
  std::cerr << "served templates set to: " << Joined(written, ", ") << '\n';
  return kExitOk;
}

void RegisterCaTemplates(CLI::App& app, int* exit_code) {
  CLI::App* group = app.add_subcommand(
      "ca-templates", "list or change the templates a CA serves (CR_PROP_TEMPLATES), over DCOM");
  group->require_subcommand(1);

  struct ListFlags {
    ConnectionFlags connection;
    bool json = false;
  };
  auto lf = std::make_shared<ListFlags>();
  CLI::App* list = group->add_subcommand("list", "the templates the CA serves (GetCAProperty)");
  AddConnectionFlags(list, &lf->connection, false);
  list->add_flag("--json", lf->json, "one JSON object instead of text");
  list->callback([lf, exit_code] {
    *exit_code = WithAdmin(lf->connection, [&](client::CertAdminClient& c) {
      Result<ServedList> served = ReadServedList(c);
      if (!served.ok()) return FailCall("reading the served templates", served.status());
      PrintServedList(*served, lf->json);
      return kExitOk;
    });
  });

  struct EditFlags {
    ConnectionFlags connection;
    std::vector<std::string> names;
  };
  const struct {
    const char* name;
    const char* help;
    ListEdit edit;
  } edits[] = {
      {"add", "serve these templates too (SetCAProperty)", ListEdit::kAdd},
      {"remove", "stop serving these templates (SetCAProperty)", ListEdit::kRemove},
      {"set", "serve exactly these templates (SetCAProperty)", ListEdit::kSet},
  };
  for (const auto& e : edits) {
    auto ef = std::make_shared<EditFlags>();
    CLI::App* cmd = group->add_subcommand(e.name, e.help);
    AddConnectionFlags(cmd, &ef->connection, false);
    cmd->add_option("names", ef->names, "template names (cn)")->required();
    const ListEdit edit = e.edit;
    cmd->callback([ef, edit, exit_code] {
      *exit_code = WithAdmin(
          ef->connection, [&](client::CertAdminClient& c) { return RunEdit(c, edit, ef->names); });
    });
  }
}

}  // namespace

std::vector<std::string> TemplateFlagWords(const directory::CertificateTemplate& t) {
  namespace ef = directory::enrollment_flag;
  namespace nf = directory::name_flag;
  std::vector<std::string> words;
  if (t.pend_all_requests()) words.emplace_back("pend-all-requests");
  if (t.enrollee_supplies_subject()) words.emplace_back("enrollee-supplies-subject");
  if ((t.name_flags & nf::kEnrolleeSuppliesSubjectAltName) != 0) {
    words.emplace_back("enrollee-supplies-san");
  }
  if (t.is_ca()) words.emplace_back("ca");
  if ((t.enrollment_flags & ef::kNoSecurityExtension) != 0) {
    words.emplace_back("no-security-extension");
  }
  return words;
}

std::string TemplatesTable(const directory::DirectoryListing& listing) {
  struct Row {
    std::string name, oid, version, flags, cas;
  };
  std::vector<Row> rows = {{"NAME", "OID", "V", "FLAGS", "SERVED BY"}};
  for (const directory::CertificateTemplate* t : ByName(listing)) {
    const std::vector<std::string> flags = TemplateFlagWords(*t);
    const std::vector<std::string> cas = directory::ServingCas(listing, t->name);
    rows.push_back({t->name, t->oid.empty() ? "-" : t->oid, std::to_string(t->schema_version),
                    flags.empty() ? "-" : Joined(flags, ","),
                    cas.empty() ? "-" : Joined(cas, ",")});
  }
  std::size_t w[4] = {0, 0, 0, 0};
  for (const Row& r : rows) {
    w[0] = std::max(w[0], r.name.size());
    w[1] = std::max(w[1], r.oid.size());
    w[2] = std::max(w[2], r.version.size());
    w[3] = std::max(w[3], r.flags.size());
  }
  std::string out;
  for (const Row& r : rows) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r.name, w[0], r.oid, w[1], r.version,
                       w[2], r.flags, w[3], r.cas);
  }
  for (const std::string& skipped : listing.skipped) out += "skipped: " + skipped + '\n';
  return out;
}

std::string TemplatesJson(const directory::DirectoryListing& listing) {
  std::string out = "{\"templates\": [";
  bool first = true;
  for (const directory::CertificateTemplate* t : ByName(listing)) {
    out += fmt::format(
        "{}{{\"name\": {}, \"display_name\": {}, \"oid\": {}, \"schema_version\": {}, "
        "\"flags\": {}, \"enrollment_flags\": {}, \"name_flags\": {}, \"served_by\": {}}}",
        first ? "" : ", ", JsonString(t->name), JsonString(t->display_name), JsonString(t->oid),
        t->schema_version, JsonList(TemplateFlagWords(*t)), t->enrollment_flags, t->name_flags,
        JsonList(directory::ServingCas(listing, t->name)));
    first = false;
  }
  out += "], \"enrollment_services\": [";
  for (std::size_t i = 0; i < listing.services.size(); ++i) {
    const directory::EnrollmentService& s = listing.services[i];
    out += fmt::format("{}{{\"name\": {}, \"dns_host_name\": {}, \"templates\": {}}}",
                       i > 0 ? ", " : "", JsonString(s.name), JsonString(s.dns_host_name),
                       JsonList(s.certificate_templates));
  }
  return out + "], \"skipped\": " + JsonList(listing.skipped) + "}\n";
}

ServedList ParseServedList(const std::string& text) {
  const std::vector<std::string_view> fields = SplitFields(text, '\n');
  ServedList list;
  for (std::size_t i = 0; i < fields.size(); i += 2) {
    if (fields[i].empty()) continue;
    list.emplace_back(fields[i], i + 1 < fields.size() ? fields[i + 1] : "");
  }
  return list;
}

Result<ServedList> EditServedList(const ServedList& current, ListEdit edit,
                                  const std::vector<std::string>& names) {
  ServedList next = edit == ListEdit::kSet ? ServedList{} : current;
  for (const std::string& name : names) {
    if (name.empty()) return Status::InvalidArgument("an empty template name");
    if (edit == ListEdit::kRemove) {
      if (!Contains(next, name)) return Status::InvalidArgument(name + " is not served");
      std::erase_if(next,
                    [&](const auto& entry) { return EqualsIgnoreCaseAscii(entry.first, name); });
    } else if (!Contains(next, name)) {
      next.emplace_back(name, "");
    }
  }
  if (next.empty()) {
    return Status::InvalidArgument(
        "a CA cannot be set to serve no template over the protocol; edit the directory");
  }
  return next;
}

std::string ServedListText(const ServedList& list) {
  std::string text;
  for (const auto& [name, oid] : list) {
    text += name;
    text += '\n';
    text += oid;
    text += '\n';
  }
  return text;
}

Result<ServedList> ReadServedList(client::CertAdminClient& c) {
  Result<Bytes> blob = c.GetCaProperty(kPropTemplates, 0, kTypeString);
  if (!blob.ok()) return blob.status();
  Result<std::string> text = BlobText(*blob);
  if (!text.ok()) return text.status();
  return ParseServedList(*text);
}

std::string TemplateDisplayName(const ServedList& served, std::string_view value) {
  for (const auto& [name, oid] : served) {
    if (!oid.empty() && oid == value) return name;
  }
  return std::string(value);
}

std::string TemplateColumnValue(const ServedList& served, std::string_view text) {
  for (const auto& [name, oid] : served) {
    if (!oid.empty() && EqualsIgnoreCaseAscii(name, text)) return oid;
  }
  return std::string(text);
}

void RegisterTemplateCommands(CLI::App& app, int* exit_code) {
  RegisterDirectoryTemplates(app, exit_code);
  RegisterCaTemplates(app, exit_code);
}

}  // namespace openadcs::cli
