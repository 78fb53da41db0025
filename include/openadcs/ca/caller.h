// Who is calling the CA: the authenticated account and the SIDs its access
// is decided by. Protocol adapters build one per call from the RPC layer's
// identity (services/caller_of.h); the engine and ca/access decide rights
// from it and never see a transport.
#ifndef OPENADCS_CA_CALLER_H_
#define OPENADCS_CA_CALLER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/directory/identity_lookup.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

struct Caller {
  // "DOMAIN\user" as authenticated: what the CA records and logs.
  std::string name;
  // The account's SID, "S-1-5-21-...", empty when unknown.
  std::string sid;
  // The SIDs of the groups the account is a member of, in string form;
  // every authenticated caller has at least Everyone (S-1-1-0) and
  // Authenticated Users (S-1-5-11).
  std::vector<std::string> group_sids;
  // What the directory answered for `name` when the caller was resolved
  // (ca/directory_caller.h), error included, so that the policy of the
  // caller's request does not ask again; null when it was not asked.
  std::shared_ptr<const Result<directory::DirectoryIdentity>> directory_entry = nullptr;
  // The SIDs are the domain's own (a verified Kerberos PAC), as a Windows
  // access token's are: the directory lookup leaves them as they are.
  bool sids_from_pac = false;
};

// Whom a request is for: the caller, or the account a request on behalf of
// another names.
struct Requester {
  Requester() = default;
  // A constructor rather than an aggregate: GCC's -Wmissing-field-initializers
  // flags every member a brace initializer leaves out, designated ones too.
  Requester(std::string account, std::string account_sid)
      : name(std::move(account)), sid(std::move(account_sid)) {}

  std::string name;  // DOMAIN\user, as authenticated
  std::string sid;   // S-1-5-..., empty when unknown
  // The groups officer and enrollment agent rights may name the requester
  // by: the directory's tokenGroups for the account
  // (ca/directory_caller.h). Empty when the CA has no directory or the
  // directory does not know the account.
  std::vector<std::string> group_sids;
  // The CA has a directory and it could not be asked: an entry naming one of
  // the requester's groups would go unseen, so rights checks refuse.
  bool groups_unavailable = false;
};

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_CALLER_H_
