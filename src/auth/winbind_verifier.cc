#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/auth/user_file.h"

// Last: it needs the fixed-width types declared, and declares C functions
// without saying so.
extern "C" {
#include <wbclient.h>
}

namespace openadcs::auth {
namespace {

struct ContextFree {
  void operator()(wbcContext* ctx) const { wbcCtxFree(ctx); }
};
struct MemoryFree {
  void operator()(void* p) const { wbcFreeMemory(p); }
};

// A name from the domain, which we record and log: refused if it carries
// control characters, like a client's.
bool PrintableName(const char* name) {
  if (name == nullptr || *name == '\0') return false;
  for (const char* c = name; *c != '\0'; ++c) {
    const auto u = static_cast<unsigned char>(*c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

using ContextPtr = std::unique_ptr<wbcContext, ContextFree>;

// libwbclient keeps its connection to winbindd in a context, and a new one
// connects to winbindd's socket, checks the interface version, asks for the
// privileged socket and connects again before its first request: about as
// much of the daemon's CPU as the logon itself. Contexts are therefore kept
// for later logons, each used by one logon at a time as libwbclient requires.
// A kept context whose socket winbindd has closed (it drops idle clients) is
// reconnected by libwbclient, which polls the socket before it writes.
// Thread-safe.
class ContextPool {
 public:
  // A kept context, else a new one (null without memory).
  ContextPtr Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        ContextPtr ctx = std::move(idle_.back());
        idle_.pop_back();
        return ctx;
      }
    }
    return ContextPtr(wbcCtxCreate());
  }

  // Keeps `ctx` for a later logon, unless kMaxIdle are kept already.
  void Give(ContextPtr ctx) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(ctx));
  }

 private:
  // [rpc] logon_threads' default (the RPC server's threads for legs that ask
  // another host, one logon each): room for those and more.
  static constexpr std::size_t kMaxIdle = 16;
  std::mutex mu_;
  std::vector<ContextPtr> idle_;  // GUARDED_BY(mu_)
};

class WinbindVerifier final : public NtlmVerifier {
 public:
  // winbindd asks a domain controller, milliseconds away or more.
  bool MayBlock() const override { return true; }

  Result<VerifiedAccount> Verify(const NtlmResponse& response) override {
    ContextPtr ctx = contexts_.Take();
    if (!ctx) return Status::Internal("no memory for a winbind context");
    Result<VerifiedAccount> verified = Verify(*ctx, response);
    // A context that could not reach winbindd is not kept: the next logon
    // starts afresh.
    if (verified.ok() || verified.status().code() == StatusCode::kPermissionDenied) {
      contexts_.Give(std::move(ctx));
    }
    return verified;
  }

 private:
  static Result<VerifiedAccount> Verify(wbcContext& ctx, const NtlmResponse& response) {
    const std::string sent = response.domain + "\\" + response.user;

    wbcAuthUserParams params{};
    params.account_name = response.user.c_str();
    params.domain_name = response.domain.c_str();
    params.workstation_name = response.workstation.c_str();
    // Computers enroll for their own certificates with their accounts.
    params.parameter_control =
        WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT | WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT;
    params.level = wbcAuthUserParams::WBC_AUTH_USER_LEVEL_RESPONSE;
    std::copy(response.server_challenge.begin(), response.server_challenge.end(),
              params.password.response.challenge);
    // libwbclient only reads the responses.
    params.password.response.nt_length = static_cast<std::uint32_t>(response.nt_response.size());
    params.password.response.nt_data = const_cast<std::uint8_t*>(response.nt_response.data());
    params.password.response.lm_length = static_cast<std::uint32_t>(response.lm_response.size());
    params.password.response.lm_data = const_cast<std::uint8_t*>(response.lm_response.data());

    wbcAuthUserInfo* raw_info = nullptr;
    wbcAuthErrorInfo* raw_error = nullptr;
    const wbcErr err = wbcCtxAuthenticateUserEx(&ctx, &params, &raw_info, &raw_error);
    std::unique_ptr<wbcAuthUserInfo, MemoryFree> info(raw_info);
    std::unique_ptr<wbcAuthErrorInfo, MemoryFree> error(raw_error);
    if (err == WBC_ERR_AUTH_ERROR) {
      return Status::PermissionDenied(
          "the domain refused " + sent + ": " +
          (error && error->nt_string != nullptr ? error->nt_string : "no reason given"));
    }
    if (err == WBC_ERR_WINBIND_NOT_AVAILABLE) {
      // Checking a response takes winbindd's privileged pipe, which only
      // root and winbindd's group reach; the ordinary one answers anyone.
      if (wbcCtxPing(&ctx) == WBC_ERR_SUCCESS) {
        return Status::Unavailable(
            "winbindd answers, but its privileged pipe cannot be reached (run as root or in "
            "winbindd's group, Debian's winbindd_priv; under systemd, "
            "SupplementaryGroups=winbindd_priv); cannot verify " +
            sent);
      }
      return Status::Unavailable("winbindd is not running; cannot verify " + sent);
    }
    if (err != WBC_ERR_SUCCESS || !info) {
      return Status::Unavailable("winbind failed to verify " + sent + ": " + wbcErrorString(err));
    }
    if (!PrintableName(info->domain_name) || !PrintableName(info->account_name) ||
        info->num_sids < 1) {
      OPENSSL_cleanse(info->user_session_key, sizeof(info->user_session_key));
      return Status::PermissionDenied("winbind named no usable account for " + sent);
    }

    VerifiedAccount account;
    std::copy_n(info->user_session_key, account.session_base_key.size(),
                account.session_base_key.begin());
    OPENSSL_cleanse(info->user_session_key, sizeof(info->user_session_key));
    account.identity.domain = info->domain_name;
    account.identity.user = info->account_name;
    for (std::uint32_t i = 0; i < info->num_sids; ++i) {
      std::array<char, WBC_SID_STRING_BUFLEN> text{};
      wbcSidToStringBuf(&info->sids[i].sid, text.data(), static_cast<int>(text.size()));
      std::string sid(text.data());
      if (i == 0) {
        account.identity.sid = std::move(sid);
      } else if (std::find(account.identity.group_sids.begin(), account.identity.group_sids.end(),
                           sid) == account.identity.group_sids.end()) {
        account.identity.group_sids.push_back(std::move(sid));
      }
    }
    // The groups every network logon has, which a Windows token adds too.
    for (std::string& sid : UserFileAccountGroups()) {
      if (std::find(account.identity.group_sids.begin(), account.identity.group_sids.end(), sid) ==
          account.identity.group_sids.end()) {
        account.identity.group_sids.push_back(std::move(sid));
      }
    }
    return account;
  }

  ContextPool contexts_;
};

}  // namespace

std::unique_ptr<NtlmVerifier> NewWinbindVerifier() {
  return std::make_unique<WinbindVerifier>();
}

bool WinbindReachable() {
  ContextPtr ctx(wbcCtxCreate());
  return ctx && wbcCtxPing(ctx.get()) == WBC_ERR_SUCCESS;
}

}  // namespace openadcs::auth
