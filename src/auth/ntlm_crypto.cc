#include "openadcs/auth/ntlm_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "openadcs/auth/ntlm_message.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/utf16.h"

namespace openadcs::auth::ntlm {
namespace {

// NTLM needs MD4 and RC4, which OpenSSL 3 keeps in the legacy provider.
// Loading that provider into the default library context would make legacy
// algorithms available to every caller in the process (the CA's signing
// included); a private context confines them to this file.
struct LegacyContext {
  OSSL_LIB_CTX* ctx = nullptr;
  EVP_MD* md4 = nullptr;
  EVP_MD* md5 = nullptr;
  EVP_MAC* hmac = nullptr;
  EVP_CIPHER* rc4 = nullptr;
  std::string error;

  LegacyContext() {
    ctx = OSSL_LIB_CTX_new();
    if (ctx == nullptr || OSSL_PROVIDER_load(ctx, "legacy") == nullptr ||
        OSSL_PROVIDER_load(ctx, "default") == nullptr) {
      error = "cannot load OpenSSL's legacy provider for NTLM (MD4, RC4): " + ossl::ErrorText();
      return;
    }
    md4 = EVP_MD_fetch(ctx, "MD4", nullptr);
    md5 = EVP_MD_fetch(ctx, "MD5", nullptr);
    hmac = EVP_MAC_fetch(ctx, "HMAC", nullptr);
    rc4 = EVP_CIPHER_fetch(ctx, "RC4", nullptr);
    if (md4 == nullptr || md5 == nullptr || hmac == nullptr || rc4 == nullptr) {
      error = "OpenSSL lacks an NTLM algorithm (MD4, MD5, HMAC, RC4): " + ossl::ErrorText();
    }
  }
  // Lives for the process: the fetched algorithms are shared by all threads.
};

const LegacyContext& Legacy() {
  static const LegacyContext* const kContext = new LegacyContext();
  return *kContext;
}

Result<Key16> Digest(const EVP_MD* md, std::span<const std::uint8_t> data) {
  const LegacyContext& legacy = Legacy();
  if (!legacy.error.empty()) return Status::Internal(legacy.error);
  Key16 out{};
  unsigned int len = 0;
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    return Status::Internal("NTLM digest failed: " + ossl::ErrorText());
  }
  return out;
}

Bytes Concat(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::span<const std::uint8_t> Magic(std::string_view text) {
  // The constants include their terminating NUL (3.4.5.2).
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size() + 1};
}

}  // namespace

Result<Key16> Md4(std::span<const std::uint8_t> data) {
  return Digest(Legacy().md4, data);
}

Result<Key16> Md5(std::span<const std::uint8_t> data) {
  return Digest(Legacy().md5, data);
}

struct HmacMd5Key::State {
  std::unique_ptr<EVP_MAC_CTX, ossl::Deleter<EVP_MAC_CTX_free>> ctx;
};

HmacMd5Key::HmacMd5Key(std::unique_ptr<State> state) : state_(std::move(state)) {}
HmacMd5Key::HmacMd5Key(HmacMd5Key&&) noexcept = default;
HmacMd5Key& HmacMd5Key::operator=(HmacMd5Key&&) noexcept = default;
HmacMd5Key::~HmacMd5Key() = default;

Result<HmacMd5Key> HmacMd5Key::Create(std::span<const std::uint8_t> key) {
  const LegacyContext& legacy = Legacy();
  if (!legacy.error.empty()) return Status::Internal(legacy.error);
  auto state = std::make_unique<State>();
  state->ctx.reset(EVP_MAC_CTX_new(legacy.hmac));
  char digest[] = "MD5";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  if (!state->ctx || EVP_MAC_init(state->ctx.get(), key.data(), key.size(), params) != 1) {
    return Status::Internal("HMAC-MD5 setup failed: " + ossl::ErrorText());
  }
  return HmacMd5Key(std::move(state));
}

Result<Key16> HmacMd5Key::Mac(std::span<const std::uint8_t> a,
                              std::span<const std::uint8_t> b) const {
  Key16 out{};
  std::size_t len = 0;
  // A null key re-initialises from the kept key schedule (OpenSSL 3 HMAC).
  if (EVP_MAC_init(state_->ctx.get(), nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(state_->ctx.get(), a.data(), a.size()) != 1 ||
      EVP_MAC_update(state_->ctx.get(), b.data(), b.size()) != 1 ||
      EVP_MAC_final(state_->ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    return Status::Internal("HMAC-MD5 failed: " + ossl::ErrorText());
  }
  return out;
}

Result<Key16> HmacMd5(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  Result<HmacMd5Key> keyed = HmacMd5Key::Create(key);
  if (!keyed.ok()) return keyed.status();
  return keyed->Mac(data);
}

Result<Key16> NtHash(std::string_view password) {
  auto wide = Utf8ToUtf16Le(password);
  if (!wide.ok()) return wide.status();
  auto hash = Md4(*wide);
  OPENSSL_cleanse(wide->data(), wide->size());
  return hash;
}

Result<Key16> NtowfV2(const Key16& nt_hash, std::string_view user, std::string_view domain) {
  std::string text(user);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  text.append(domain);
  auto wide = Utf8ToUtf16Le(text);
  if (!wide.ok()) return wide.status();
  return HmacMd5(nt_hash, *wide);
}

Result<NtlmV2Response> ComputeNtlmV2Response(const Key16& response_key_nt,
                                             const Challenge8& server_challenge,
                                             const Challenge8& client_challenge,
                                             std::uint64_t timestamp,
                                             std::span<const std::uint8_t> target_info,
                                             bool zero_lm) {
  // temp = Responserversion(1) HiResponserversion(1) Z(6) Time ClientChallenge
  //        Z(4) ServerName Z(4)
  Bytes temp = {1, 1, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 8; ++i) temp.push_back(static_cast<std::uint8_t>(timestamp >> (8 * i)));
  temp.insert(temp.end(), client_challenge.begin(), client_challenge.end());
  temp.insert(temp.end(), {0, 0, 0, 0});
  temp.insert(temp.end(), target_info.begin(), target_info.end());
  temp.insert(temp.end(), {0, 0, 0, 0});

  auto proof = HmacMd5(response_key_nt, Concat(server_challenge, temp));
  if (!proof.ok()) return proof.status();
  NtlmV2Response r;
  r.nt_response.assign(proof->begin(), proof->end());
  r.nt_response.insert(r.nt_response.end(), temp.begin(), temp.end());
  if (zero_lm) {
    r.lm_response.assign(24, 0);
  } else {
    auto lm = HmacMd5(response_key_nt, Concat(server_challenge, client_challenge));
    if (!lm.ok()) return lm.status();
    r.lm_response.assign(lm->begin(), lm->end());
    r.lm_response.insert(r.lm_response.end(), client_challenge.begin(), client_challenge.end());
  }
  auto base = HmacMd5(response_key_nt, *proof);
  if (!base.ok()) return base.status();
  r.session_base_key = *base;
  return r;
}

Result<Key16> VerifyNtlmV2Response(const Key16& response_key_nt, const Challenge8& server_challenge,
                                   std::span<const std::uint8_t> nt_response) {
  if (nt_response.size() < kNtlmV2MinResponseBytes) {
    return Status::InvalidArgument("NTLMv2 response of " + std::to_string(nt_response.size()) +
                                   " bytes is too short");
  }
  const auto sent_proof = nt_response.first(16);
  auto proof = HmacMd5(response_key_nt, Concat(server_challenge, nt_response.subspan(16)));
  if (!proof.ok()) return proof.status();
  if (CRYPTO_memcmp(proof->data(), sent_proof.data(), proof->size()) != 0) {
    return Status::PermissionDenied("the NTLMv2 response does not match");
  }
  return HmacMd5(response_key_nt, *proof);
}

struct Rc4::State {
  std::unique_ptr<EVP_CIPHER_CTX, ossl::Deleter<EVP_CIPHER_CTX_free>> ctx;
};

Rc4::Rc4(std::unique_ptr<State> state) : state_(std::move(state)) {}
Rc4::Rc4(Rc4&&) noexcept = default;
Rc4& Rc4::operator=(Rc4&&) noexcept = default;
Rc4::~Rc4() = default;

Result<Rc4> Rc4::Create(std::span<const std::uint8_t> key) {
  const LegacyContext& legacy = Legacy();
  if (!legacy.error.empty()) return Status::Internal(legacy.error);
  auto state = std::make_unique<State>();
  state->ctx.reset(EVP_CIPHER_CTX_new());
  if (!state->ctx ||
      EVP_EncryptInit_ex2(state->ctx.get(), legacy.rc4, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_key_length(state->ctx.get(), static_cast<int>(key.size())) != 1 ||
      EVP_EncryptInit_ex2(state->ctx.get(), nullptr, key.data(), nullptr, nullptr) != 1) {
    return Status::Internal("RC4 setup failed: " + ossl::ErrorText());
  }
  return Rc4(std::move(state));
}

Status Rc4::Apply(std::span<std::uint8_t> data) {
  // EVP_EncryptUpdate takes an int length; feed large buffers in pieces.
  constexpr std::size_t kChunk = 1 << 30;
  for (std::size_t at = 0; at < data.size(); at += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, data.size() - at));
    int out_len = 0;
    if (EVP_EncryptUpdate(state_->ctx.get(), data.data() + at, &out_len, data.data() + at, n) !=
            1 ||
        out_len != n) {
      return Status::Internal("RC4 failed: " + ossl::ErrorText());
    }
  }
  return Status::Ok();
}

Result<Key16> Rc4Key16(const Key16& key, const Key16& data) {
  auto rc4 = Rc4::Create(key);
  if (!rc4.ok()) return rc4.status();
  Key16 out = data;
  OPENADCS_RETURN_IF_ERROR(rc4->Apply(out));
  return out;
}

Result<Key16> SignKey(const Key16& exported_session_key, Direction direction) {
  const auto magic = Magic(direction == Direction::kClientToServer
                               ? "session key to client-to-server signing key magic constant"
                               : "session key to server-to-client signing key magic constant");
  return Md5(Concat(exported_session_key, magic));
}

Result<Key16> SealKey(const Key16& exported_session_key, std::uint32_t flags, Direction direction) {
  std::size_t length = 5;
  if ((flags & kNegotiate128) != 0) {
    length = 16;
  } else if ((flags & kNegotiate56) != 0) {
    length = 7;
  }
  const auto magic = Magic(direction == Direction::kClientToServer
                               ? "session key to client-to-server sealing key magic constant"
                               : "session key to server-to-client sealing key magic constant");
  return Md5(Concat(std::span(exported_session_key).first(length), magic));
}

}  // namespace openadcs::auth::ntlm
