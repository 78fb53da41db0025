#include "cli/admin_commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/admin_args.h"
#include "cli/connection.h"
#include "openadcs/client/cert_admin_client.h"
#include "openadcs/client/cert_passage_client.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/security/sid.h"
#include "openadcs/util/hresult.h"

namespace openadcs::cli {
namespace {

// ResubmitRequest's disposition as `approve` reports it, in the enrollment
// commands' terms.
int ReportResubmit(std::uint32_t request_id, std::uint32_t disposition) {
  if (disposition == client::kDispositionIssued) {
    std::cerr << "issued: request " << request_id << '\n';
    return kExitOk;
  }
  if (disposition == client::kDispositionPending) {
    std::cout << "pending: request " << request_id << '\n';
    return kExitPending;
  }
  // Not a decision on the request: it is missing or not pending (MS-CSRA
  // 3.1.4.1.3 puts these in the disposition).
  if (disposition == hr::kPropertyEmpty || disposition == hr::kBadRequestStatus) {
    return Fail(fmt::format("approving request {}", request_id),
                client::MethodStatus(disposition, "ResubmitRequest"));
  }
  const std::string_view name = client::HresultName(disposition);
  std::cerr << fmt::format("openadcs: request {} not issued: 0x{:08x}{}\n", request_id, disposition,
                           name.empty() ? "" : fmt::format(" ({})", name));
  return kExitDenied;
}

std::string AceTypeName(const security::Ace& ace) {
  if (ace.type == security::kAccessAllowedAceType) return "allow";
  if (ace.type == security::kAccessDeniedAceType) return "deny";
  return fmt::format("type-0x{:02x}", ace.type);
}

void PrintSecurity(const security::SecurityDescriptor& sd, bool json) {
  auto sid_text = [](const std::optional<security::Sid>& sid) {
    return sid ? sid->ToString() : std::string();
  };
  const std::vector<security::Ace> none;
  const std::vector<security::Ace>& aces = sd.dacl ? sd.dacl->aces : none;
  if (json) {
    std::cout << "{\"owner\": " << (sd.owner ? JsonString(sid_text(sd.owner)) : "null")
              << ", \"group\": " << (sd.group ? JsonString(sid_text(sd.group)) : "null")
              << ", \"dacl\": ";
    if (!sd.dacl) {
      std::cout << "null";
    } else {
      std::cout << '[';
      for (std::size_t i = 0; i < aces.size(); ++i) {
        const security::Ace& a = aces[i];
        std::cout << (i ? ", " : "") << "{\"type\": " << JsonString(AceTypeName(a))
                  << ", \"flags\": " << static_cast<unsigned>(a.flags);
        if (a.IsAllowOrDeny()) {
          std::cout << ", \"sid\": " << JsonString(a.sid.ToString()) << ", \"mask\": " << a.mask
                    << ", \"roles\": " << JsonString(RoleNames(a.mask));
        }
        std::cout << '}';
      }
      std::cout << ']';
    }
    std::cout << ", \"sacl_aces\": " << (sd.sacl ? sd.sacl->aces.size() : 0) << "}\n";
    return;
  }
  std::cout << "Owner: " << (sd.owner ? sid_text(sd.owner) : "(none)") << '\n'
            << "Group: " << (sd.group ? sid_text(sd.group) : "(none)") << '\n';
  if (!sd.dacl) {
    std::cout << "DACL: none (everyone has every role)\n";
  } else {
    std::cout << "DACL:\n";
    for (const security::Ace& a : aces) {
      if (!a.IsAllowOrDeny()) {
        std::cout << "  " << AceTypeName(a) << '\n';
        continue;
      }
      std::cout << fmt::format("  {:<5} {}  0x{:08x}  {}{}\n", AceTypeName(a), a.sid.ToString(),
                               a.mask, RoleNames(a.mask),
                               (a.flags & security::kInheritOnlyAce) != 0 ? " (inherit only)" : "");
    }
  }
  if (sd.sacl) std::cout << "SACL: " << sd.sacl->aces.size() << " ACEs\n";
}

// Grants (or withdraws) the Officer role of `sid` in the DACL: the bit on
// its first effective allow ACE, or a new allow ACE at the end; withdrawing
// clears the bit on every allow ACE of `sid` and drops those left empty.
// Returns whether anything changed. Errors: kFailedPrecondition when there
// is no DACL (then everyone has every role, and an ACE would take roles
// from everyone else).
Result<bool> SetOfficer(security::SecurityDescriptor* sd, const security::Sid& sid, bool grant) {
  if (!sd->dacl) {
    return Status::FailedPrecondition(
        "the CA's security descriptor has no DACL (everyone has every role); set one with "
        "`openadcs security set`");
  }
  std::vector<security::Ace>& aces = sd->dacl->aces;
  auto is_target = [&](const security::Ace& a) {
    return a.type == security::kAccessAllowedAceType && a.sid == sid &&
           (a.flags & security::kInheritOnlyAce) == 0;
  };
  if (grant) {
    for (security::Ace& a : aces) {
      if (!is_target(a)) continue;
      if ((a.mask & client::kRoleOfficer) != 0) return false;
      a.mask |= client::kRoleOfficer;
      return true;
    }
    security::Ace ace;
    ace.type = security::kAccessAllowedAceType;
    ace.mask = client::kRoleOfficer;
    ace.sid = sid;
    aces.push_back(std::move(ace));
    return true;
  }
  bool changed = false;
  for (security::Ace& a : aces) {
    if (!is_target(a) || (a.mask & client::kRoleOfficer) == 0) continue;
    a.mask &= ~client::kRoleOfficer;
    changed = true;
  }
  std::erase_if(aces, [&](const security::Ace& a) { return is_target(a) && a.mask == 0; });
  return changed;
}

int RunOfficer(client::CertAdminClient& c, const std::string& account, bool grant) {
  Result<std::string> sid_text = AccountSid(account);
  Result<security::Sid> sid =
      sid_text.ok() ? security::Sid::Parse(*sid_text) : Result<security::Sid>(sid_text.status());
  if (!sid.ok()) return UsageError(sid.status());
  Result<Bytes> bytes = c.GetCaSecurity();
  if (!bytes.ok()) return FailCall("reading the CA's security", bytes.status());
  Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(*bytes);
  if (!sd.ok()) return Fail("decoding the CA's security", sd.status());
  Result<bool> changed = SetOfficer(&*sd, *sid, grant);
  if (!changed.ok()) return Fail("editing the CA's security", changed.status());
  if (!*changed) {
    std::cerr << account << (grant ? " is already an officer\n" : " is not an officer\n");
    return kExitOk;
  }
  Result<Bytes> encoded = security::EncodeSecurityDescriptor(*sd);
  if (!encoded.ok()) return Fail("encoding the CA's security", encoded.status());
  const Status set = c.SetCaSecurity(*encoded);
  if (!set.ok()) return FailCall("writing the CA's security", set);
  std::cerr << account << " (" << sid->ToString() << ")"
            << (grant ? " is now an officer\n" : " is no longer an officer\n");
  return kExitOk;
}

Result<Bytes> ReadSecurityFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open " + path);
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() > security::kMaxSecurityDescriptorBytes) {
    return Status::InvalidArgument(path + " is larger than a security descriptor can be");
  }
  return bytes;
}

void RegisterCrlCommands(CLI::App& app, int* exit_code) {
  CLI::App* crl = app.add_subcommand("crl", "publish or fetch the CA's CRL, over DCOM");
  crl->require_subcommand(1);

  struct PublishFlags {
    ConnectionFlags connection;
    bool base = false;
    bool delta = false;
  };
  auto pf = std::make_shared<PublishFlags>();
  CLI::App* publish = crl->add_subcommand(
      "publish", "publish a new base CRL, and a delta with it when the CA has them (PublishCRLs)");
  AddConnectionFlags(publish, &pf->connection, false);
  publish->add_flag("--delta", pf->delta, "a new delta CRL only (with --base: both)");
  publish->add_flag("--base", pf->base, "a new base CRL (the default)");
  publish->callback([pf, exit_code] {
    *exit_code = WithAdmin(pf->connection, [&](client::CertAdminClient& c) {
      const bool base = pf->base || !pf->delta;
      const std::uint32_t flags =
          (base ? client::kCrlBase : 0u) | (pf->delta ? client::kCrlDelta : 0u);
      const Status s = c.PublishCrls(client::FileTime{}, flags);
      if (!s.ok()) return FailCall("publishing the CRL", s);
      std::cerr << (base && pf->delta ? "base and delta CRLs"
                    : base            ? "base CRL"
                                      : "delta CRL")
                << " published\n";
      return kExitOk;
    });
  });

  struct GetFlags {
    ConnectionFlags connection;
    std::string out;
    bool delta = false;
  };
  auto gf = std::make_shared<GetFlags>();
  CLI::App* get = crl->add_subcommand("get", "fetch the current base CRL as PEM (GetCRL)");
  AddConnectionFlags(get, &gf->connection, false);
  get->add_option("-o,--out", gf->out, "PEM file (default: standard output)");
  get->add_flag("--delta", gf->delta, "the current delta CRL instead (GetCAProperty)");
  get->callback([gf, exit_code] {
    *exit_code = WithAdmin(gf->connection, [&](client::CertAdminClient& c) {
      Result<Bytes> der = gf->delta ? c.GetDeltaCrl() : c.GetCrl();
      if (!der.ok()) return FailCall("fetching the CRL", der.status());
      const std::string pem = Pem(*der, "X509 CRL");
      if (gf->out.empty()) {
        std::cout << pem;
        return kExitOk;
      }
      std::ofstream out(gf->out, std::ios::trunc);
      if (!(out << pem)) return Fail("writing " + gf->out, Status::IOError("write failed"));
      return kExitOk;
    });
  });
}

void RegisterSecurityCommands(CLI::App& app, int* exit_code) {
  CLI::App* security_cmd =
      app.add_subcommand("security", "read or replace the CA's security descriptor, over DCOM");
  security_cmd->require_subcommand(1);

  struct GetFlags {
    ConnectionFlags connection;
    bool json = false;
  };
  auto gf = std::make_shared<GetFlags>();
  CLI::App* get = security_cmd->add_subcommand(
      "get", "show owner, group and ACEs with role names (GetCASecurity)");
  AddConnectionFlags(get, &gf->connection, false);
  get->add_flag("--json", gf->json, "one JSON object instead of text");
  get->callback([gf, exit_code] {
    *exit_code = WithAdmin(gf->connection, [&](client::CertAdminClient& c) {
      Result<Bytes> bytes = c.GetCaSecurity();
      if (!bytes.ok()) return FailCall("reading the CA's security", bytes.status());
      Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(*bytes);
      if (!sd.ok()) return Fail("decoding the CA's security", sd.status());
      PrintSecurity(*sd, gf->json);
      return kExitOk;
    });
  });

  struct SetFlags {
    ConnectionFlags connection;
    std::string file;
  };
  auto sf = std::make_shared<SetFlags>();
  CLI::App* set =
      security_cmd->add_subcommand("set", "replace the CA's security descriptor (SetCASecurity)");
  AddConnectionFlags(set, &sf->connection, false);
  set->add_option("--file", sf->file, "self-relative security descriptor (binary)")->required();
  set->callback([sf, exit_code] {
    Result<Bytes> bytes = ReadSecurityFile(sf->file);
    if (!bytes.ok()) {
      *exit_code = Fail("reading " + sf->file, bytes.status());
      return;
    }
    // Checked here so that a wrong file is a usage error, not the CA's.
    Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(*bytes);
    if (!sd.ok()) {
      *exit_code = UsageError(sd.status());
      return;
    }
    *exit_code = WithAdmin(sf->connection, [&](client::CertAdminClient& c) {
      const Status s = c.SetCaSecurity(*bytes);
      if (!s.ok()) return FailCall("writing the CA's security", s);
      return kExitOk;
    });
  });

  struct OfficerFlags {
    ConnectionFlags connection;
    std::string account;
  };
  CLI::App* officer =
      app.add_subcommand("officer", "grant or withdraw the Officer role, over DCOM");
  officer->require_subcommand(1);
  for (const bool grant : {true, false}) {
    auto of = std::make_shared<OfficerFlags>();
    CLI::App* cmd = officer->add_subcommand(
        grant ? "add" : "remove",
        grant ? "grant ACCOUNT the Officer role" : "withdraw ACCOUNT's Officer role");
    AddConnectionFlags(cmd, &of->connection, false);
    cmd->add_option("account", of->account, "DOMAIN\\user or a SID (S-1-...)")->required();
    cmd->callback([of, grant, exit_code] {
      *exit_code = WithAdmin(of->connection, [&](client::CertAdminClient& c) {
        return RunOfficer(c, of->account, grant);
      });
    });
  }
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, int* exit_code) {
  struct ExtensionFlags {
    ConnectionFlags connection;
    std::uint32_t request_id = 0;
    std::string oid;
    std::string type;
    std::string value;
    bool critical = false;
  };
  auto ef = std::make_shared<ExtensionFlags>();
  CLI::App* set_extension = app.add_subcommand(
      "set-extension", "add or replace an extension of a pending request, over DCOM");
  AddConnectionFlags(set_extension, &ef->connection, false);
  set_extension->add_option("id", ef->request_id, "request id")
      ->required()
      ->check(CLI::PositiveNumber);
  set_extension->add_option("oid", ef->oid, "extension OID")->required();
  set_extension->add_option("--type", ef->type, "long, date, string or binary")->required();
  set_extension
      ->add_option("--value", ef->value, "the value: a number, an ISO 8601 UTC date, text, or hex")
      ->required();
  set_extension->add_flag("--critical", ef->critical, "mark the extension critical");
  set_extension->callback([ef, exit_code] {
    Result<std::uint32_t> type = ParseValueType(ef->type);
    Result<client::TypedValue> value = type.ok() ? ParseTypedValue(*type, ef->value, false)
                                                 : Result<client::TypedValue>(type.status());
    if (!value.ok()) {
      *exit_code = UsageError(value.status());
      return;
    }
    *exit_code = WithAdmin(ef->connection, [&](client::CertAdminClient& c) {
      const Status s = c.SetExtension(ef->request_id, ef->oid, *value,
                                      ef->critical ? client::kExtensionCritical : 0);
      if (!s.ok())
        return FailCall(fmt::format("setting {} on request {}", ef->oid, ef->request_id), s);
      return kExitOk;
    });
  });

  struct AttributeFlags {
    ConnectionFlags connection;
    std::uint32_t request_id = 0;
    std::vector<std::string> attributes;
  };
  auto af = std::make_shared<AttributeFlags>();
  CLI::App* set_attributes =
      app.add_subcommand("set-attributes", "set attributes of a pending request, over DCOM");
  AddConnectionFlags(set_attributes, &af->connection, false);
  set_attributes->add_option("id", af->request_id, "request id")
      ->required()
      ->check(CLI::PositiveNumber);
  set_attributes->add_option("attributes", af->attributes, "NAME:VALUE (one or more)")->required();
  set_attributes->callback([af, exit_code] {
    std::string joined;
    for (const std::string& a : af->attributes) {
      if (a.find(':') == std::string::npos || a.find('\n') != std::string::npos) {
        *exit_code = UsageError(Status::InvalidArgument(a + " is not NAME:VALUE"));
        return;
      }
      if (!joined.empty()) joined += '\n';
      joined += a;
    }
    *exit_code = WithAdmin(af->connection, [&](client::CertAdminClient& c) {
      const Status s = c.SetAttributes(af->request_id, joined);
      if (!s.ok())
        return FailCall(fmt::format("setting attributes of request {}", af->request_id), s);
      return kExitOk;
    });
  });

  struct IdFlags {
    ConnectionFlags connection;
    std::uint32_t request_id = 0;
  };
  auto pf = std::make_shared<IdFlags>();
  CLI::App* approve =
      app.add_subcommand("approve", "issue a pending request (ResubmitRequest), over DCOM");
  AddConnectionFlags(approve, &pf->connection, false);
  approve->add_option("id", pf->request_id, "request id")->required()->check(CLI::PositiveNumber);
  approve->callback([pf, exit_code] {
    *exit_code = WithAdmin(pf->connection, [&](client::CertAdminClient& c) {
      Result<std::uint32_t> disposition = c.ResubmitRequest(pf->request_id);
      if (!disposition.ok()) {
        return FailCall(fmt::format("approving request {}", pf->request_id), disposition.status());
      }
      return ReportResubmit(pf->request_id, *disposition);
    });
  });

  auto df = std::make_shared<IdFlags>();
  CLI::App* deny = app.add_subcommand("deny", "deny a pending request, over DCOM");
  AddConnectionFlags(deny, &df->connection, false);
  deny->add_option("id", df->request_id, "request id")->required()->check(CLI::PositiveNumber);
  deny->callback([df, exit_code] {
    *exit_code = WithAdmin(df->connection, [&](client::CertAdminClient& c) {
      const Status s = c.DenyRequest(df->request_id);
      if (!s.ok()) return FailCall(fmt::format("denying request {}", df->request_id), s);
      std::cerr << "denied: request " << df->request_id << '\n';
      return kExitOk;
    });
  });

  struct RevokeFlags {
    ConnectionFlags connection;
    std::string serial;
    std::string reason;
    std::string when;
  };
  auto rf = std::make_shared<RevokeFlags>();
  CLI::App* revoke = app.add_subcommand("revoke", "revoke a certificate, over DCOM");
  AddConnectionFlags(revoke, &rf->connection, false);
  revoke->add_option("serial", rf->serial, "certificate serial number (hex)")->required();
  revoke
      ->add_option("--reason", rf->reason,
                   "unspecified, key-compromise, ca-compromise, affiliation-changed, "
                   "superseded, cessation-of-operation, certificate-hold, remove-from-crl, "
                   "or the number")
      ->required();
  revoke->add_option("--when", rf->when, "revocation date, ISO 8601 UTC (default: now)");
  revoke->callback([rf, exit_code] {
    Result<std::string> serial = NormalizeSerial(rf->serial);
    Result<std::uint32_t> reason = ParseRevocationReason(rf->reason);
    Result<client::FileTime> when =
        rf->when.empty() ? Result<client::FileTime>(client::FileTime{}) : ParseIso8601(rf->when);
    for (const Status& s : {serial.status(), reason.status(), when.status()}) {
      if (!s.ok()) {
        *exit_code = UsageError(s);
        return;
      }
    }
    *exit_code = WithAdmin(rf->connection, [&](client::CertAdminClient& c) {
      const Status s = c.RevokeCertificate(*serial, *reason, *when);
      if (!s.ok()) return FailCall("revoking " + *serial, s);
      std::cerr << "revoked: " << *serial << '\n';
      return kExitOk;
    });
  });

  struct UnrevokeFlags {
    ConnectionFlags connection;
    std::string serial;
  };
  auto uf = std::make_shared<UnrevokeFlags>();
  CLI::App* unrevoke =
      app.add_subcommand("unrevoke", "release a certificate on hold (certificate-hold), over DCOM");
  AddConnectionFlags(unrevoke, &uf->connection, false);
  unrevoke->add_option("serial", uf->serial, "certificate serial number (hex)")->required();
  unrevoke->callback([uf, exit_code] {
    Result<std::string> serial = NormalizeSerial(uf->serial);
    if (!serial.ok()) {
      *exit_code = UsageError(serial.status());
      return;
    }
    *exit_code = WithAdmin(uf->connection, [&](client::CertAdminClient& c) {
      const Status s = c.RevokeCertificate(*serial, client::kReasonReleaseFromHold, {});
      if (!s.ok()) return FailCall("releasing " + *serial + " from hold", s);
      std::cerr << "released from hold: " << *serial << '\n';
      return kExitOk;
    });
  });

  RegisterCrlCommands(app, exit_code);
  RegisterSecurityCommands(app, exit_code);

  auto of = std::make_shared<ConnectionFlags>();
  CLI::App* roles =
      app.add_subcommand("roles", "show your roles on the CA (GetMyRoles), over DCOM");
  AddConnectionFlags(roles, of.get(), false);
  roles->callback([of, exit_code] {
    *exit_code = WithAdmin(*of, [&](client::CertAdminClient& c) {
      Result<std::uint32_t> r = c.GetMyRoles();
      if (!r.ok()) return FailCall("reading your roles", r.status());
      std::cout << RoleNames(*r) << '\n';
      return kExitOk;
    });
  });
}

}  // namespace openadcs::cli
