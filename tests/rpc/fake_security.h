// A test-only security package for the RPC runtime: a three-leg handshake
// (like NTLM: bind, bind_ack, auth3) proving knowledge of a shared password,
// a keyed 64-bit checksum with per-direction sequence numbers, and an XOR
// keystream for "privacy". Not cryptography: it exercises the runtime's
// ordering, padding and trailer handling; the real NTLM is tested end to
// end elsewhere.
#ifndef OPENADCS_TESTS_RPC_FAKE_SECURITY_H_
#define OPENADCS_TESTS_RPC_FAKE_SECURITY_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "openadcs/auth/security_context.h"

namespace openadcs::rpc::testing {

inline constexpr std::size_t kFakeSignatureSize = 16;
inline constexpr auth::AuthType kFakeAuthType = auth::AuthType::kNtlm;

inline std::uint64_t Fnv(std::uint64_t h, std::span<const std::uint8_t> bytes) {
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Holds one leg of the server's handshakes with users whose names begin with
// a prefix until released, as an acceptor that asks a domain controller waits
// for its answer. Bounded, so that a failing test never hangs.
class LegHold {
 public:
  enum class Leg { kFirst, kLast };
  LegHold(std::string prefix, Leg leg) : prefix_(std::move(prefix)), leg_(leg) {}

  // Whether `user`'s legs are among those held: as if checked by a domain
  // controller.
  bool Covers(std::string_view user) const { return user.starts_with(prefix_); }

  // On the server's `leg` for `user`.
  void Pass(const std::string& user, Leg leg) {
    if (leg != leg_ || !Covers(user)) return;
    std::unique_lock lock(mu_);
    ++held_;
    cv_.notify_all();
    cv_.wait_for(lock, kLimit, [&] { return released_; });
  }

  // True once a leg is held, within `timeout`.
  bool WaitHeld(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
  }

  // The legs that have come to be held so far.
  int held() {
    std::lock_guard lock(mu_);
    return held_;
  }

  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  static constexpr std::chrono::seconds kLimit{30};
  const std::string prefix_;
  const Leg leg_;
  std::mutex mu_;
  std::condition_variable cv_;
  int held_ = 0;           // GUARDED_BY(mu_)
  bool released_ = false;  // GUARDED_BY(mu_)
};

// Releases a LegHold on leaving its scope, so that a test that fails while a
// leg is held lets the server stop at once.
class ReleaseAtExit {
 public:
  explicit ReleaseAtExit(LegHold& hold) : hold_(hold) {}
  ~ReleaseAtExit() { hold_.Release(); }
  ReleaseAtExit(const ReleaseAtExit&) = delete;
  ReleaseAtExit& operator=(const ReleaseAtExit&) = delete;

 private:
  LegHold& hold_;
};

class FakeContext : public auth::SecurityContext {
 public:
  // Client role when `client` is true. A server context passes its legs
  // through `hold`, when given, which holds the one it was made for.
  FakeContext(bool client, std::string user, std::string password,
              std::shared_ptr<LegHold> hold = nullptr)
      : client_(client), password_(std::move(password)), hold_(std::move(hold)) {
    identity_.domain = "TEST";
    identity_.user = std::move(user);
  }

  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    const std::string text(in.begin(), in.end());
    if (client_) {
      if (leg_ == 0) {
        leg_ = 1;
        return ToBytes("L1" + identity_.user);
      }
      if (leg_ == 1 && text.rfind("L2", 0) == 0) {
        nonce_ = text.substr(2);
        established_ = true;
        return ToBytes("L3" + identity_.user + ":" + Tag());
      }
      return Status::InvalidArgument("fake client: unexpected leg");
    }
    if (leg_ == 0 && text.rfind("L1", 0) == 0) {
      if (hold_ != nullptr) hold_->Pass(text.substr(2), LegHold::Leg::kFirst);
      leg_ = 1;
      nonce_ = std::to_string(++NonceCounter());
      return ToBytes("L2" + nonce_);
    }
    if (leg_ == 1 && text.rfind("L3", 0) == 0) {
      const std::size_t colon = text.find(':');
      if (colon == std::string::npos) return Status::InvalidArgument("fake: malformed leg 3");
      identity_.user = text.substr(2, colon - 2);
      if (hold_ != nullptr) hold_->Pass(identity_.user, LegHold::Leg::kLast);
      if (text.substr(colon + 1) != Tag()) return Status::PermissionDenied("fake: wrong password");
      established_ = true;
      leg_ = 2;
      return Bytes{};
    }
    return Status::InvalidArgument("fake server: unexpected leg");
  }

  bool established() const override { return established_; }
  const auth::Identity& identity() const override { return identity_; }
  std::size_t signature_size(auth::AuthLevel /*level*/) const override {
    return kFakeSignatureSize;
  }

  Status Protect(auth::AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                 std::size_t body_length, std::span<std::uint8_t> signature) override {
    if (signature.size() != kFakeSignatureSize || body_offset + body_length > pdu.size()) {
      return Status::InvalidArgument("fake: bad ranges");
    }
    const std::uint32_t seq = send_seq_++;
    const std::uint64_t sum = Checksum(seq, pdu);
    for (int i = 0; i < 4; ++i) signature[i] = static_cast<std::uint8_t>(seq >> (8 * i));
    for (int i = 0; i < 8; ++i) signature[4 + i] = static_cast<std::uint8_t>(sum >> (8 * i));
    if (level == auth::AuthLevel::kPrivacy) Xor(seq, pdu.subspan(body_offset, body_length));
    return Status::Ok();
  }

  Status Unprotect(auth::AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                   std::size_t body_length, std::span<const std::uint8_t> signature) override {
    if (signature.size() != kFakeSignatureSize || body_offset + body_length > pdu.size()) {
      return Status::PermissionDenied("fake: bad signature size");
    }
    const std::uint32_t seq = recv_seq_++;
    if (level == auth::AuthLevel::kPrivacy) Xor(seq, pdu.subspan(body_offset, body_length));
    const std::uint64_t sum = Checksum(seq, pdu);
    for (int i = 0; i < 4; ++i) {
      if (signature[i] != static_cast<std::uint8_t>(seq >> (8 * i))) {
        return Status::PermissionDenied("fake: wrong sequence number");
      }
    }
    for (int i = 0; i < 8; ++i) {
      if (signature[4 + i] != static_cast<std::uint8_t>(sum >> (8 * i))) {
        return Status::PermissionDenied("fake: bad checksum");
      }
    }
    return Status::Ok();
  }

 private:
  static Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
  static std::atomic<std::uint64_t>& NonceCounter() {
    static std::atomic<std::uint64_t> counter{0};
    return counter;
  }
  std::string Tag() const {
    const std::string material = password_ + "|" + nonce_;
    return std::to_string(
        Fnv(0xcbf29ce484222325ULL,
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(material.data()),
                                          material.size())));
  }
  std::uint64_t Key() const {
    const std::string tag = Tag();
    return Fnv(0x84222325cbf29ce4ULL,
               std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(tag.data()),
                                             tag.size()));
  }
  std::uint64_t Checksum(std::uint32_t seq, std::span<const std::uint8_t> pdu) const {
    std::uint8_t s[4];
    for (int i = 0; i < 4; ++i) s[i] = static_cast<std::uint8_t>(seq >> (8 * i));
    return Fnv(Fnv(Key(), s), pdu);
  }
  void Xor(std::uint32_t seq, std::span<std::uint8_t> body) const {
    std::uint64_t state = Key() ^ (static_cast<std::uint64_t>(seq) * 0x9e3779b97f4a7c15ULL);
    for (std::uint8_t& b : body) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      b ^= static_cast<std::uint8_t>(state >> 56);
    }
  }

  bool client_;
  std::string password_;
  std::shared_ptr<LegHold> hold_;
  auth::Identity identity_;
  std::string nonce_;
  int leg_ = 0;
  bool established_ = false;
  std::uint32_t send_seq_ = 0;
  std::uint32_t recv_seq_ = 0;
};

// Without a `hold` its steps wait on nothing. With one, the steps of the
// hold's users wait on another host (a domain controller) and the others' on
// files (auth::Acceptor::StepWaitFor).
class FakeAcceptor : public auth::Acceptor {
 public:
  explicit FakeAcceptor(std::string password, std::shared_ptr<LegHold> hold = nullptr)
      : password_(std::move(password)), hold_(std::move(hold)) {}
  auth::AuthType type() const override { return kFakeAuthType; }
  Result<std::unique_ptr<auth::SecurityContext>> NewContext() override {
    return std::unique_ptr<auth::SecurityContext>(
        std::make_unique<FakeContext>(false, "", password_, hold_));
  }
  auth::StepWait StepWaitFor(std::span<const std::uint8_t> token) const override {
    if (hold_ == nullptr) return auth::StepWait::kNone;
    // "L1user" or "L3user:tag" (FakeContext::Step): the user leads what
    // follows the leg's name.
    const std::string_view text(reinterpret_cast<const char*>(token.data()), token.size());
    return text.size() > 2 && hold_->Covers(text.substr(2)) ? auth::StepWait::kRemote
                                                            : auth::StepWait::kLocal;
  }

 private:
  std::string password_;
  std::shared_ptr<LegHold> hold_;
};

}  // namespace openadcs::rpc::testing

#endif  // OPENADCS_TESTS_RPC_FAKE_SECURITY_H_
