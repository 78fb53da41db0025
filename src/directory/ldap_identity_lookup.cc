#include "openadcs/directory/ldap_identity_lookup.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "directory/directory_naming.h"
#include "directory/ldap_connection.h"
#include "openadcs/security/sid.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/uuid.h"

namespace openadcs::directory {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kAccountAttributes = {
    "sAMAccountName", "cn",        "displayName", "userPrincipalName",    "mail",
    "dNSHostName",    "objectSid", "objectGUID",  "servicePrincipalName",
};

// The domain the lookups are for.
struct Domain {
  std::string naming_context;  // DC=example,DC=com
  std::string dns_name;        // example.com
  std::string netbios_name;    // EXAMPLE; empty when the directory has no crossRef
};

// "DC=example,DC=com" -> "example.com": the DNS name of a domain whose
// crossRef cannot be read. Empty when the name has a component other than DC.
std::string DnsNameOf(const std::string& naming_context) {
  std::string out;
  std::size_t start = 0;
  while (start < naming_context.size()) {
    std::size_t comma = naming_context.find(',', start);
    if (comma == std::string::npos) comma = naming_context.size();
    std::string_view rdn = TrimAscii(std::string_view(naming_context).substr(start, comma - start));
    if (rdn.size() < 4 || !EqualsIgnoreCaseAscii(rdn.substr(0, 3), "dc=")) return "";
    if (!out.empty()) out += '.';
    out += rdn.substr(3);
    start = comma + 1;
  }
  return out;
}

std::string Text(const Bytes& value) {
  return std::string(value.begin(), value.end());
}

// Checks the caps of `name`'s values and returns them as text.
Result<std::vector<std::string>> Values(const DirectoryEntry& entry, std::string_view name,
                                        const LdapIdentityLookupOptions& options) {
  std::span<const Bytes> values = entry.Values(name);
  if (values.size() > options.max_values) {
    return Status::FailedPrecondition(
        fmt::format("{}: {} has more than {} values", entry.dn(), name, options.max_values));
  }
  std::vector<std::string> out;
  for (const Bytes& v : values) {
    if (v.size() > options.max_value_bytes) {
      return Status::FailedPrecondition(fmt::format("{}: a value of {} is longer than {} bytes",
                                                    entry.dn(), name, options.max_value_bytes));
    }
    out.push_back(Text(v));
  }
  return out;
}

Result<std::string> First(const DirectoryEntry& entry, std::string_view name,
                          const LdapIdentityLookupOptions& options) {
  Result<std::vector<std::string>> values = Values(entry, name, options);
  if (!values.ok()) return values.status();
  return values->empty() ? std::string() : values->front();
}

Result<std::string> SidText(const std::string& binary, const std::string& what) {
  Result<security::Sid> sid = security::Sid::Decode(
      std::span(reinterpret_cast<const std::uint8_t*>(binary.data()), binary.size()));
  if (!sid.ok() || sid->EncodedSize() != binary.size()) {
    return Status::FailedPrecondition(what + ": not a SID");
  }
  return sid->ToString();
}

class LdapIdentityLookup final : public IdentityLookup {
 public:
  explicit LdapIdentityLookup(LdapIdentityLookupOptions options) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = [] { return Clock::now(); };
  }

  Result<DirectoryIdentity> Lookup(const std::string& account) override {
    if (account.empty() || account.size() > options_.max_account_length) {
      return Status::InvalidArgument(fmt::format("account name of {} bytes (1 to {})",
                                                 account.size(), options_.max_account_length));
    }
    const std::string key = ToLowerAscii(account);
    if (std::optional<Result<DirectoryIdentity>> cached = FromCache(key)) return *cached;
    Result<DirectoryIdentity> found = Ask(account);
    if (found.ok() || found.status().code() == StatusCode::kNotFound) Remember(key, found);
    return found;
  }

 private:
  struct Cached {
    Result<DirectoryIdentity> value;
    Clock::time_point expires;
    std::list<std::string>::iterator recent;  // position in recent_
  };

  std::optional<Result<DirectoryIdentity>> FromCache(const std::string& key) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    if (options_.clock() >= it->second.expires) {
      recent_.erase(it->second.recent);
      cache_.erase(it);
      return std::nullopt;
    }
    recent_.splice(recent_.begin(), recent_, it->second.recent);
    return it->second.value;
  }

  void Remember(const std::string& key, const Result<DirectoryIdentity>& value) {
    if (options_.cache_entries == 0 || options_.cache_ttl.count() <= 0) return;
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      recent_.erase(it->second.recent);
      cache_.erase(it);
    }
    while (cache_.size() >= options_.cache_entries) {
      cache_.erase(recent_.back());
      recent_.pop_back();
    }
    recent_.push_front(key);
    cache_.emplace(key, Cached{value, options_.clock() + options_.cache_ttl, recent_.begin()});
  }

  // One attempt on the open connection; when that fails to reach the
  // directory, one more on a new connection (the old one may have been
  // dropped by the server since the last lookup).
  Result<DirectoryIdentity> Ask(const std::string& account) {
    std::lock_guard<std::mutex> lock(connection_mu_);
    Result<DirectoryIdentity> found = Status::Unavailable("not asked");
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (connection_ == nullptr) {
        Status opened = Connect();
        if (!opened.ok()) {
          spdlog::warn("identity lookup of {}: {}", account, opened.message());
          return opened;
        }
      }
      found = Find(account);
      if (found.ok() || found.status().code() != StatusCode::kUnavailable) return found;
      connection_.reset();
    }
    spdlog::warn("identity lookup of {}: {}", account, found.status().message());
    return found;
  }

  Status Connect() {
    Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options_.connection);
    if (!connection.ok()) return connection.status();
    Result<Domain> domain = Discover(**connection);
    if (!domain.ok()) return domain.status();
    connection_ = std::move(connection).value();
    domain_ = std::move(domain).value();
    return Status::Ok();
  }

  Result<Domain> Discover(LdapConnection& connection) {
    Result<std::vector<DirectoryEntry>> root = connection.Search(
        BaseSearch("", {"defaultNamingContext", "configurationNamingContext", "namingContexts"}));
    if (!root.ok()) return root.status();
    if (root->size() != 1) return Status::Unavailable("the rootDSE cannot be read");
    const DirectoryEntry& dse = root->front();
    auto first = [&](const char* name) {
      return dse.Values(name).empty() ? std::string() : Text(dse.Values(name).front());
    };
    Domain domain;
    domain.naming_context = options_.default_naming_context;
    if (domain.naming_context.empty()) domain.naming_context = first("defaultNamingContext");
    if (domain.naming_context.empty()) domain.naming_context = first("namingContexts");
    if (domain.naming_context.empty()) {
      return Status::InvalidArgument("the rootDSE names no default naming context; configure one");
    }
    domain.dns_name = DnsNameOf(domain.naming_context);
    if (const std::string config = first("configurationNamingContext"); !config.empty()) {
      LdapConnection::SearchRequest request;
      request.base = "CN=Partitions," + config;
      request.scope = LDAP_SCOPE_ONELEVEL;
      request.filter = fmt::format("(&(objectClass=crossRef)(nCName={}))",
                                   EscapeFilterValue(domain.naming_context));
      request.attributes = {"nETBIOSName", "dnsRoot"};
      request.max_entries = 1;
      Result<std::vector<DirectoryEntry>> refs = connection.Search(request);
      if (!refs.ok() && refs.status().code() != StatusCode::kNotFound) return refs.status();
      if (refs.ok() && !refs->empty()) {
        const DirectoryEntry& ref = refs->front();
        if (!ref.Values("nETBIOSName").empty()) {
          domain.netbios_name = Text(ref.Values("nETBIOSName").front());
        }
        if (!ref.Values("dnsRoot").empty()) domain.dns_name = Text(ref.Values("dnsRoot").front());
      }
    }
    spdlog::info(
        "identity lookup: domain {} ({}, {}) on {}", domain.naming_context, domain.dns_name,
        domain.netbios_name.empty() ? "no NetBIOS name" : domain.netbios_name, connection.uri());
    return domain;
  }

  bool IsOurDomain(std::string_view name) const {
    return (!domain_.netbios_name.empty() && EqualsIgnoreCaseAscii(name, domain_.netbios_name)) ||
           (!domain_.dns_name.empty() && EqualsIgnoreCaseAscii(name, domain_.dns_name));
  }

  // The filters that find `account`, tried in order, or NotFound for
  // another domain's. user@realm is a userPrincipalName first; in this
  // domain's realm, else the sAMAccountName (AD's implicit UPN).
  Result<std::vector<std::string>> FiltersFor(const std::string& account) const {
    auto filter = [](const char* attribute, std::string_view value) {
      return fmt::format("(&(objectClass=user)({}={}))", attribute, EscapeFilterValue(value));
    };
    std::string_view name = account;
    if (std::size_t slash = account.find('\\'); slash != std::string::npos) {
      if (!IsOurDomain(name.substr(0, slash))) {
        return Status::NotFound(account + ": not an account of domain " + domain_.dns_name);
      }
      name = name.substr(slash + 1);
    } else if (std::size_t at = account.rfind('@'); at != std::string::npos) {
      std::vector<std::string> filters = {filter("userPrincipalName", account)};
      if (at > 0 && IsOurDomain(name.substr(at + 1))) {
        filters.push_back(filter("sAMAccountName", name.substr(0, at)));
      }
      return filters;
    }
    if (name.empty()) return Status::InvalidArgument(account + ": no account name");
    return std::vector<std::string>{filter("sAMAccountName", name)};
  }

  Result<DirectoryIdentity> Find(const std::string& account) {
    Result<std::vector<std::string>> filters = FiltersFor(account);
    if (!filters.ok()) return filters.status();
    std::optional<DirectoryEntry> found;
    for (const std::string& filter : *filters) {
      LdapConnection::SearchRequest request;
      request.base = domain_.naming_context;
      request.scope = LDAP_SCOPE_SUBTREE;
      request.filter = filter;
      request.attributes = kAccountAttributes;
      request.max_entries = 1;
      Result<std::vector<DirectoryEntry>> entries = connection_->Search(request);
      if (!entries.ok()) {
        if (entries.status().code() == StatusCode::kInvalidArgument) {
          return Status::FailedPrecondition(account + ": more than one account matches");
        }
        return entries.status();
      }
      if (!entries->empty()) {
        found = std::move(entries->front());
        break;
      }
    }
    if (!found) return Status::NotFound(account + ": no such account in the directory");
    Result<DirectoryIdentity> id = IdentityOf(*found);
    if (!id.ok()) return id.status();

    // AD computes tokenGroups only for a base search that asks for it.
    Result<std::vector<DirectoryEntry>> token =
        connection_->Search(BaseSearch(id->distinguished_name, {"tokenGroups"}));
    if (!token.ok()) return token.status();
    if (token->size() != 1) {
      return Status::FailedPrecondition(id->distinguished_name + ": tokenGroups cannot be read");
    }
    Result<std::vector<std::string>> groups = Values(token->front(), "tokenGroups", options_);
    if (!groups.ok()) return groups.status();
    for (const std::string& g : *groups) {
      Result<std::string> sid = SidText(g, id->distinguished_name + ": tokenGroups");
      if (!sid.ok()) return sid.status();
      id->group_sids.push_back(std::move(sid).value());
    }
    return id;
  }

  Result<DirectoryIdentity> IdentityOf(const DirectoryEntry& entry) const {
    DirectoryIdentity id;
    id.distinguished_name = entry.dn();
    id.domain_dns_name = domain_.dns_name;
    id.domain_netbios_name = domain_.netbios_name;
    const std::pair<const char*, std::string*> single[] = {
        {"sAMAccountName", &id.sam_account_name},
        {"cn", &id.common_name},
        {"displayName", &id.display_name},
        {"userPrincipalName", &id.user_principal_name},
        {"mail", &id.email},
        {"dNSHostName", &id.dns_host_name},
    };
    for (const auto& [name, field] : single) {
      Result<std::string> value = First(entry, name, options_);
      if (!value.ok()) return value.status();
      *field = std::move(value).value();
    }
    Result<std::vector<std::string>> spns = Values(entry, "servicePrincipalName", options_);
    if (!spns.ok()) return spns.status();
    id.service_principal_names = std::move(spns).value();

    Result<std::string> sid = First(entry, "objectSid", options_);
    if (!sid.ok()) return sid.status();
    if (sid->empty()) return Status::FailedPrecondition(entry.dn() + ": no objectSid");
    Result<std::string> sid_text = SidText(*sid, entry.dn() + ": objectSid");
    if (!sid_text.ok()) return sid_text.status();
    id.object_sid = std::move(sid_text).value();

    Result<std::string> guid = First(entry, "objectGUID", options_);
    if (!guid.ok()) return guid.status();
    if (guid->size() != 16)
      return Status::FailedPrecondition(entry.dn() + ": objectGUID not 16 bytes");
    id.object_guid =
        Uuid::FromWire(std::span(reinterpret_cast<const std::uint8_t*>(guid->data()), 16))
            .ToString();
    return id;
  }

  LdapIdentityLookupOptions options_;

  std::mutex connection_mu_;                    // one lookup at a time on the connection
  std::unique_ptr<LdapConnection> connection_;  // guarded by connection_mu_; null: not open
  Domain domain_;                               // guarded by connection_mu_

  std::mutex cache_mu_;
  std::unordered_map<std::string, Cached> cache_;  // guarded by cache_mu_
  std::list<std::string> recent_;                  // guarded by cache_mu_; most recent first
};

}  // namespace

Result<std::unique_ptr<IdentityLookup>> OpenLdapIdentityLookup(LdapIdentityLookupOptions options) {
  if (options.connection.uris.empty()) return Status::InvalidArgument("no LDAP URI configured");
  return std::unique_ptr<IdentityLookup>(new LdapIdentityLookup(std::move(options)));
}

}  // namespace openadcs::directory
