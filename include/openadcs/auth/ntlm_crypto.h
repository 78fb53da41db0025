// MS-NLMP cryptography (3.3.2 NTLMv2, 3.4 session security), on OpenSSL EVP.
//
// MD4 and RC4 live in OpenSSL 3's legacy provider. They are fetched from a
// private OSSL_LIB_CTX that loads the legacy and default providers, so the
// process's default library context never gains legacy algorithms (it stays
// FIPS-clean for the CA's own signing). If that context cannot be set up,
// every function here fails with kInternal. Thread-safe, except that one
// Rc4 or HmacMd5Key object must not be used from two threads at once.
#ifndef OPENADCS_AUTH_NTLM_CRYPTO_H_
#define OPENADCS_AUTH_NTLM_CRYPTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::auth::ntlm {

using Key16 = std::array<std::uint8_t, 16>;
using Challenge8 = std::array<std::uint8_t, 8>;

Result<Key16> Md4(std::span<const std::uint8_t> data);
Result<Key16> Md5(std::span<const std::uint8_t> data);
Result<Key16> HmacMd5(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

// HMAC-MD5 under one key, keyed once: the digest fetch and the key
// schedule happen in Create, so each Mac only hashes (NTLM signs every
// PDU of a session with the same SIGNKEY).
class HmacMd5Key {
 public:
  // Errors: the legacy provider is unavailable (kInternal).
  static Result<HmacMd5Key> Create(std::span<const std::uint8_t> key);
  HmacMd5Key(HmacMd5Key&&) noexcept;
  HmacMd5Key& operator=(HmacMd5Key&&) noexcept;
  ~HmacMd5Key();
  // HMAC_MD5(key, a || b); every call starts from the keyed state.
  Result<Key16> Mac(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b = {}) const;

 private:
  struct State;
  explicit HmacMd5Key(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// NT hash: MD4(UTF-16LE(password)). Errors: password not UTF-8.
Result<Key16> NtHash(std::string_view password);
// NTOWFv2 = HMAC_MD5(nt_hash, UTF-16LE(Uppercase(user) || domain)). The
// uppercasing is ASCII-only, as Windows' for the names we accept.
Result<Key16> NtowfV2(const Key16& nt_hash, std::string_view user, std::string_view domain);

// The client's NTLMv2 computation (MS-NLMP 3.3.2).
struct NtlmV2Response {
  Bytes nt_response;  // NTProofStr || temp
  Bytes lm_response;  // LMv2, or 24 zero bytes when `zero_lm`
  Key16 session_base_key{};
};
// `target_info` is the encoded AV pairs including MsvAvEOL, as they go into
// temp; `timestamp` is a FILETIME. `zero_lm` (a server timestamp was present)
// sends Z(24) as the LM response, as 3.1.5.1.2 requires.
Result<NtlmV2Response> ComputeNtlmV2Response(const Key16& response_key_nt,
                                             const Challenge8& server_challenge,
                                             const Challenge8& client_challenge,
                                             std::uint64_t timestamp,
                                             std::span<const std::uint8_t> target_info,
                                             bool zero_lm);

// NTProofStr (16) and temp's fixed part (28): the shortest NTLMv2 response.
inline constexpr std::size_t kNtlmV2MinResponseBytes = 16 + 28;

// The server's check of an NTLMv2 response (MS-NLMP 3.3.2): NTProofStr
// recomputed from `response_key_nt`, the server challenge and the temp the
// client sent (the response after its first 16 bytes), compared in constant
// time. Returns the SessionBaseKey. Errors: a response too short to hold
// NTProofStr and temp's fixed part (kInvalidArgument); a mismatch
// (kPermissionDenied).
Result<Key16> VerifyNtlmV2Response(const Key16& response_key_nt, const Challenge8& server_challenge,
                                   std::span<const std::uint8_t> nt_response);

// An RC4 keystream that continues across calls (the NTLM sealing handle).
class Rc4 {
 public:
  // Errors: the legacy provider is unavailable (kInternal).
  static Result<Rc4> Create(std::span<const std::uint8_t> key);
  Rc4(Rc4&&) noexcept;
  Rc4& operator=(Rc4&&) noexcept;
  ~Rc4();
  // XORs `data` in place with the next data.size() keystream bytes.
  Status Apply(std::span<std::uint8_t> data);

 private:
  struct State;
  explicit Rc4(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// RC4 of `data` under a fresh `key` (the key exchange of 3.1.5.1.2).
Result<Key16> Rc4Key16(const Key16& key, const Key16& data);

enum class Direction { kClientToServer, kServerToClient };

// SIGNKEY and SEALKEY with extended session security (3.4.5.2, 3.4.5.3):
// the sealing key uses all 16 bytes with kNegotiate128, 7 with kNegotiate56,
// else 5.
Result<Key16> SignKey(const Key16& exported_session_key, Direction direction);
Result<Key16> SealKey(const Key16& exported_session_key, std::uint32_t flags, Direction direction);

}  // namespace openadcs::auth::ntlm

#endif  // OPENADCS_AUTH_NTLM_CRYPTO_H_
