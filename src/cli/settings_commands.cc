#include "cli/settings_commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cli/connection.h"
#include "cli/exit_codes.h"
#include "cli/settings_args.h"
#include "openadcs/client/cert_admin_client.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/utf16.h"

namespace openadcs::cli {
namespace {

// The two kinds of rights SetOfficerRights sets: the same descriptor
// format, the officer or the enrollment agent in the ACE's SID.
struct RightsKind {
  const char* noun;     // "officer rights"
  const char* pair;     // "OFFICER:REQUESTER"
  const char* enables;  // what --enable does
  const char* opens;    // what --disable does
  Status (client::CertAdminClient::*set)(bool, const Bytes&);
  // Where GetOfficerRights' answer holds them.
  bool client::OfficerRights::*enabled;
  Bytes client::OfficerRights::*descriptor;
};
constexpr RightsKind kOfficerRightsKind{"officer rights",
                                        "OFFICER:REQUESTER",
                                        "restrict officers to the entries",
                                        "let every officer act for every requester",
                                        &client::CertAdminClient::SetOfficerRights,
                                        &client::OfficerRights::enabled,
                                        &client::OfficerRights::security_descriptor};
constexpr RightsKind kAgentRightsKind{"enrollment agent rights",
                                      "AGENT:USER",
                                      "restrict enrollment agents to the entries",
                                      "let every enrollment agent enroll for everyone",
                                      &client::CertAdminClient::SetEnrollmentAgentRights,
                                      &client::OfficerRights::agent_rights_enabled,
                                      &client::OfficerRights::agent_rights_descriptor};

// `get [--json]` under `cmd`: one kind of GetOfficerRights' answer.
void AddRightsGet(CLI::App* cmd, const RightsKind& kind, int* exit_code) {
  struct GetFlags {
    ConnectionFlags connection;
    bool json = false;
  };
  auto gf = std::make_shared<GetFlags>();
  CLI::App* get =
      cmd->add_subcommand("get", std::string("show the ") + kind.noun + " (GetOfficerRights)");
  AddConnectionFlags(get, &gf->connection, false);
  get->add_flag("--json", gf->json, "one JSON object instead of text");
  get->callback([gf, kind, exit_code] {
    *exit_code = WithAdmin(gf->connection, [&](client::CertAdminClient& c) {
      Result<client::OfficerRights> rights = c.GetOfficerRights();
      if (!rights.ok()) return FailCall(std::string("reading the ") + kind.noun, rights.status());
      const bool enabled = (*rights).*kind.enabled;
      std::vector<std::string> lines;
      if (enabled) {
        Result<security::SecurityDescriptor> sd =
            security::DecodeSecurityDescriptor((*rights).*kind.descriptor);
        if (!sd.ok()) return Fail(std::string("decoding the ") + kind.noun, sd.status());
        auto entries = security::ParseOfficerRights(*sd);
        if (!entries.ok()) return Fail(std::string("reading the ") + kind.noun, entries.status());
        lines = DescribeOfficerRights(*entries);
      }
      if (gf->json) {
        std::cout << "{\"enabled\":" << (enabled ? "true" : "false") << ",\"entries\":[";
        for (std::size_t i = 0; i < lines.size(); ++i) {
          std::cout << (i == 0 ? "" : ",") << JsonString(lines[i]);
        }
        std::cout << "]}\n";
        return kExitOk;
      }
      std::cout << kind.noun << ": " << (enabled ? "enabled" : "disabled") << '\n';
      for (const std::string& line : lines) std::cout << "  " << line << '\n';
      return kExitOk;
    });
  });
}

// `set --enable --allow A:B --deny A:B` / `set --disable` under `cmd`.
void AddRightsSet(CLI::App* cmd, const RightsKind& kind, int* exit_code) {
  struct SetFlags {
    ConnectionFlags connection;
    bool enable = false;
    bool disable = false;
    std::vector<std::string> allow;
    std::vector<std::string> deny;
    std::string template_name;
  };
  auto sf = std::make_shared<SetFlags>();
  CLI::App* set = cmd->add_subcommand(
      "set", std::string("enable ") + kind.noun +
                 " with allow and deny entries, or disable them (SetOfficerRights)");
  AddConnectionFlags(set, &sf->connection, false);
  CLI::Option* enable = set->add_flag("--enable", sf->enable, kind.enables);
  set->add_flag("--disable", sf->disable, kind.opens)->excludes(enable);
  set->add_option("--allow", sf->allow,
                  std::string(kind.pair) +
                      " allowed (repeatable; DOMAIN\\user or S-1-...; S-1-1-0 is everyone)");
  set->add_option("--deny", sf->deny, std::string(kind.pair) + " refused (repeatable)");
  set->add_option("--template", sf->template_name,
                  "the template (cn) every entry applies to (default: every template)");
  set->callback([sf, kind, exit_code] {
    if (sf->enable == sf->disable) {
      *exit_code = UsageError(Status::InvalidArgument("give --enable or --disable"));
      return;
    }
    Bytes descriptor;
    if (sf->disable && (!sf->allow.empty() || !sf->deny.empty() || !sf->template_name.empty())) {
      *exit_code =
          UsageError(Status::InvalidArgument("--disable takes no --allow, --deny or --template"));
      return;
    }
    if (sf->enable) {
      if (sf->allow.empty()) {
        *exit_code = UsageError(
            Status::InvalidArgument("--enable needs at least one --allow (else no one may act "
                                    "for anyone)"));
        return;
      }
      auto entries = OfficerRightsEntries(sf->allow, sf->deny);
      Result<std::u16string> template_name = Utf8ToUtf16(sf->template_name);
      if (!entries.ok() || !template_name.ok()) {
        *exit_code = UsageError(entries.ok() ? template_name.status() : entries.status());
        return;
      }
      for (security::OfficerRightsEntry& e : *entries) e.template_name = *template_name;
      // The CA's owner is BUILTIN\Administrators, as Windows' own default.
      auto sd =
          security::BuildOfficerRights(*entries, security::well_known::kBuiltinAdministrators);
      Result<Bytes> encoded =
          sd.ok() ? security::EncodeSecurityDescriptor(*sd) : Result<Bytes>(sd.status());
      if (!encoded.ok()) {
        *exit_code = UsageError(encoded.status());
        return;
      }
      descriptor = std::move(*encoded);
    }
    *exit_code = WithAdmin(sf->connection, [&](client::CertAdminClient& c) {
      const Status s = (c.*kind.set)(sf->enable, descriptor);
      if (!s.ok()) return FailCall(std::string("setting the ") + kind.noun, s);
      std::cerr << kind.noun << " " << (sf->enable ? "enabled" : "disabled") << '\n';
      return kExitOk;
    });
  });
}

void RegisterOfficerRights(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "officer-rights", "read or set which officer may act on whose requests, over DCOM");
  cmd->require_subcommand(1);

  AddRightsGet(cmd, kOfficerRightsKind, exit_code);
  AddRightsSet(cmd, kOfficerRightsKind, exit_code);
}

void RegisterAgentRights(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "agent-rights", "read or set which enrollment agent may enroll on behalf of whom, over DCOM");
  cmd->require_subcommand(1);
  AddRightsGet(cmd, kAgentRightsKind, exit_code);
  AddRightsSet(cmd, kAgentRightsKind, exit_code);
}

void RegisterAuditFilter(CLI::App& app, int* exit_code) {
  CLI::App* cmd =
      app.add_subcommand("audit-filter", "read or set the CA's audit filter, over DCOM");
  cmd->require_subcommand(1);

  auto gf = std::make_shared<ConnectionFlags>();
  CLI::App* get = cmd->add_subcommand("get", "show the audit filter (GetAuditFilter)");
  AddConnectionFlags(get, gf.get(), false);
  get->callback([gf, exit_code] {
    *exit_code = WithAdmin(*gf, [&](client::CertAdminClient& c) {
      Result<std::uint32_t> filter = c.GetAuditFilter();
      if (!filter.ok()) return FailCall("reading the audit filter", filter.status());
      std::cout << AuditFilterText(*filter) << '\n';
      return kExitOk;
    });
  });

  struct SetFlags {
    ConnectionFlags connection;
    std::string filter;
  };
  auto sf = std::make_shared<SetFlags>();
  CLI::App* set = cmd->add_subcommand("set", "set the audit filter (SetAuditFilter)");
  AddConnectionFlags(set, &sf->connection, false);
  set->add_option("filter", sf->filter,
                  "a number, or names: start-stop, backup, issuance, revocation, security, "
                  "key-recovery, configuration, none")
      ->required();
  set->callback([sf, exit_code] {
    Result<std::uint32_t> filter = ParseAuditFilter(sf->filter);
    if (!filter.ok()) {
      *exit_code = UsageError(filter.status());
      return;
    }
    *exit_code = WithAdmin(sf->connection, [&](client::CertAdminClient& c) {
      const Status s = c.SetAuditFilter(*filter);
      if (!s.ok()) return FailCall("setting the audit filter", s);
      std::cerr << "audit filter set to " << AuditFilterText(*filter) << '\n';
      return kExitOk;
    });
  });
}

void RegisterConfig(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("config", "read the CA's configuration entries, over DCOM");
  cmd->require_subcommand(1);
  struct GetFlags {
    ConnectionFlags connection;
    std::string name;
    std::string node;
  };
  auto gf = std::make_shared<GetFlags>();
  CLI::App* get = cmd->add_subcommand(
      "get", "one entry (GetConfigEntry): CommonName, CRLPeriod, CRLPeriodUnits, EditFlags, ...");
  AddConnectionFlags(get, &gf->connection, false);
  get->add_option("name", gf->name, "the entry, as certutil -getreg names it")->required();
  get->add_option("--node", gf->node, "the node path under the CA (default: the CA's own)");
  get->callback([gf, exit_code] {
    *exit_code = WithAdmin(gf->connection, [&](client::CertAdminClient& c) {
      Result<client::ConfigValue> value = c.GetConfigEntry(gf->node, gf->name);
      if (!value.ok()) return FailCall("reading " + gf->name, value.status());
      if (const auto* n = std::get_if<std::int32_t>(&*value)) {
        std::cout << *n << " (0x" << std::hex << static_cast<std::uint32_t>(*n) << std::dec
                  << ")\n";
      } else if (const auto* text = std::get_if<std::string>(&*value)) {
        std::cout << *text << '\n';
      } else {
        std::cout << "(empty)\n";
      }
      return kExitOk;
    });
  });
}

}  // namespace

void RegisterSettingsCommands(CLI::App& app, int* exit_code) {
  RegisterOfficerRights(app, exit_code);
  RegisterAgentRights(app, exit_code);
  RegisterAuditFilter(app, exit_code);
  RegisterConfig(app, exit_code);
}

}  // namespace openadcs::cli
