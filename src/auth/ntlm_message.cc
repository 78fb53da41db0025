#include "openadcs/auth/ntlm_message.h"

#include <algorithm>
#include <cstring>

#include "openadcs/util/utf16.h"

namespace openadcs::auth::ntlm {
namespace {

constexpr std::array<std::uint8_t, 8> kSignature = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

std::uint16_t Load16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

std::uint32_t Load32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) |
         (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

void Put16(Bytes& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::uint8_t>(v);
  out[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

void Put32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void Append16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

// Checks the size limit, signature and type shared by every message, and that
// the fixed part (plus a VERSION when flagged) is there.
Status CheckHeader(std::span<const std::uint8_t> bytes, std::uint32_t type, std::size_t fixed,
                   const char* what) {
  if (bytes.size() > kMaxMessageBytes) {
    return Status::InvalidArgument(std::string(what) + " exceeds " +
                                   std::to_string(kMaxMessageBytes) + " bytes");
  }
  if (bytes.size() < fixed) return Status::InvalidArgument(std::string(what) + " is truncated");
  if (!std::equal(kSignature.begin(), kSignature.end(), bytes.begin())) {
    return Status::InvalidArgument(std::string(what) + " lacks the NTLMSSP signature");
  }
  if (Load32(bytes, 8) != type) {
    return Status::InvalidArgument(std::string(what) + " has message type " +
                                   std::to_string(Load32(bytes, 8)));
  }
  return Status::Ok();
}

// A (len, maxlen, offset) descriptor at `at`, resolved against the message.
// `payload_start` is the first byte a field may point at.
Result<std::span<const std::uint8_t>> Field(std::span<const std::uint8_t> bytes, std::size_t at,
                                            std::size_t payload_start, const char* name) {
  const std::size_t len = Load16(bytes, at);
  const std::size_t offset = Load32(bytes, at + 4);
  if (len == 0) return std::span<const std::uint8_t>();
  if (offset < payload_start || offset > bytes.size() || len > bytes.size() - offset) {
    return Status::InvalidArgument(std::string("NTLM field ") + name + " lies outside the message");
  }
  return bytes.subspan(offset, len);
}

std::optional<Version> ReadVersion(std::span<const std::uint8_t> bytes, std::size_t at,
                                   std::uint32_t flags) {
  if ((flags & kNegotiateVersion) == 0 || bytes.size() < at + kVersionBytes) return std::nullopt;
  return Version{bytes[at], bytes[at + 1], Load16(bytes, at + 2), bytes[at + 7]};
}

void WriteVersion(Bytes& out, const Version& v) {
  out.push_back(v.major);
  out.push_back(v.minor);
  Append16(out, v.build);
  out.insert(out.end(), {0, 0, 0});
  out.push_back(v.revision);
}

// The smallest non-empty field offset, which bounds how much of the space
// after the fixed part is optional structure (VERSION, MIC).
std::size_t FirstPayloadOffset(std::span<const std::uint8_t> bytes,
                               std::span<const std::size_t> descriptors) {
  std::size_t first = bytes.size();
  for (std::size_t at : descriptors) {
    if (Load16(bytes, at) != 0) first = std::min<std::size_t>(first, Load32(bytes, at + 4));
  }
  return first;
}

// Collects payload fields and writes their descriptors once the fixed part's
// size is known.
class PayloadWriter {
 public:
  PayloadWriter(Bytes& out, std::size_t payload_start) : out_(out), next_(payload_start) {}
  void Add(std::size_t descriptor_at, std::span<const std::uint8_t> value) {
    const auto len = static_cast<std::uint16_t>(value.size());
    Put16(out_, descriptor_at, len);
    Put16(out_, descriptor_at + 2, len);
    Put32(out_, descriptor_at + 4, static_cast<std::uint32_t>(next_));
    payload_.insert(payload_.end(), value.begin(), value.end());
    next_ += value.size();
  }
  void Finish() { out_.insert(out_.end(), payload_.begin(), payload_.end()); }

 private:
  Bytes& out_;
  Bytes payload_;
  std::size_t next_;
};

std::span<const std::uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Bytes Header(std::uint32_t type, std::size_t fixed) {
  Bytes out(fixed, 0);
  std::copy(kSignature.begin(), kSignature.end(), out.begin());
  Put32(out, 8, type);
  return out;
}

}  // namespace

const AvPair* FindAvPair(const TargetInfo& info, AvId id) {
  for (const AvPair& pair : info) {
    if (pair.id == id) return &pair;
  }
  return nullptr;
}

Result<TargetInfo> ParseTargetInfo(std::span<const std::uint8_t> bytes) {
  TargetInfo info;
  std::size_t at = 0;
  while (true) {
    if (bytes.size() - at < 4) return Status::InvalidArgument("NTLM target info is truncated");
    const std::uint16_t id = Load16(bytes, at);
    const std::size_t len = Load16(bytes, at + 2);
    at += 4;
    if (id == static_cast<std::uint16_t>(AvId::kEol)) return info;
    if (len > bytes.size() - at) return Status::InvalidArgument("NTLM AV pair is truncated");
    if (info.size() == kMaxAvPairs) {
      return Status::InvalidArgument("NTLM target info has more than " +
                                     std::to_string(kMaxAvPairs) + " AV pairs");
    }
    info.push_back(AvPair{static_cast<AvId>(id),
                          Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                bytes.begin() + static_cast<std::ptrdiff_t>(at + len))});
    at += len;
  }
}

Bytes EncodeTargetInfo(const TargetInfo& info) {
  Bytes out;
  for (const AvPair& pair : info) {
    Append16(out, static_cast<std::uint16_t>(pair.id));
    Append16(out, static_cast<std::uint16_t>(pair.value.size()));
    out.insert(out.end(), pair.value.begin(), pair.value.end());
  }
  out.insert(out.end(), {0, 0, 0, 0});
  return out;
}

Result<std::uint32_t> PeekMessageType(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 12 || !std::equal(kSignature.begin(), kSignature.end(), bytes.begin())) {
    return Status::InvalidArgument("not an NTLMSSP message");
  }
  return Load32(bytes, 8);
}

Result<NegotiateMessage> ParseNegotiate(std::span<const std::uint8_t> bytes) {
  OPENADCS_RETURN_IF_ERROR(
      CheckHeader(bytes, kNegotiateType, kNegotiateFixedBytes, "NTLM NEGOTIATE"));
  NegotiateMessage m;
  m.flags = Load32(bytes, 12);
  m.version = ReadVersion(bytes, kNegotiateFixedBytes, m.flags);
  auto domain = Field(bytes, 16, kNegotiateFixedBytes, "DomainName");
  if (!domain.ok()) return domain.status();
  auto workstation = Field(bytes, 24, kNegotiateFixedBytes, "Workstation");
  if (!workstation.ok()) return workstation.status();
  m.domain.assign(domain->begin(), domain->end());
  m.workstation.assign(workstation->begin(), workstation->end());
  return m;
}

Result<ChallengeMessage> ParseChallenge(std::span<const std::uint8_t> bytes) {
  OPENADCS_RETURN_IF_ERROR(
      CheckHeader(bytes, kChallengeType, kChallengeFixedBytes, "NTLM CHALLENGE"));
  ChallengeMessage m;
  m.flags = Load32(bytes, 20);
  std::copy_n(bytes.begin() + 24, 8, m.server_challenge.begin());
  m.version = ReadVersion(bytes, kChallengeFixedBytes, m.flags);
  auto target_name = Field(bytes, 12, kChallengeFixedBytes, "TargetName");
  if (!target_name.ok()) return target_name.status();
  m.target_name.assign(target_name->begin(), target_name->end());
  auto target_info = Field(bytes, 40, kChallengeFixedBytes, "TargetInfo");
  if (!target_info.ok()) return target_info.status();
  if (!target_info->empty()) {
    auto info = ParseTargetInfo(*target_info);
    if (!info.ok()) return info.status();
    m.target_info = std::move(*info);
  }
  return m;
}

Result<AuthenticateMessage> ParseAuthenticate(std::span<const std::uint8_t> bytes) {
  OPENADCS_RETURN_IF_ERROR(
      CheckHeader(bytes, kAuthenticateType, kAuthenticateFixedBytes, "NTLM AUTHENTICATE"));
  AuthenticateMessage m;
  m.flags = Load32(bytes, 60);
  m.version = ReadVersion(bytes, kAuthenticateFixedBytes, m.flags);
  constexpr std::array<std::size_t, 6> kDescriptors = {12, 20, 28, 36, 44, 52};
  std::array<std::span<const std::uint8_t>, 6> fields;
  constexpr std::array<const char*, 6> kNames = {
      "LmChallengeResponse", "NtChallengeResponse",      "DomainName", "UserName",
      "Workstation",         "EncryptedRandomSessionKey"};
  for (std::size_t i = 0; i < kDescriptors.size(); ++i) {
    auto field = Field(bytes, kDescriptors[i], kAuthenticateFixedBytes, kNames[i]);
    if (!field.ok()) return field.status();
    fields[i] = *field;
  }
  if (m.version.has_value() &&
      FirstPayloadOffset(bytes, kDescriptors) >= kAuthenticateMicOffset + kMicBytes) {
    m.mic.emplace();
    std::copy_n(bytes.begin() + kAuthenticateMicOffset, kMicBytes, m.mic->begin());
  }
  m.lm_response.assign(fields[0].begin(), fields[0].end());
  m.nt_response.assign(fields[1].begin(), fields[1].end());
  m.encrypted_random_session_key.assign(fields[5].begin(), fields[5].end());
  const bool unicode = (m.flags & kNegotiateUnicode) != 0;
  std::array<std::string*, 3> names = {&m.domain, &m.user, &m.workstation};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto raw = fields[2 + i];
    if (unicode) {
      auto text = Utf16LeToUtf8(raw);
      if (!text.ok()) {
        return Status::InvalidArgument(std::string("NTLM ") + kNames[2 + i] + ": " +
                                       text.status().message());
      }
      *names[i] = std::move(*text);
    } else {
      names[i]->assign(raw.begin(), raw.end());
    }
  }
  return m;
}

Bytes EncodeNegotiate(const NegotiateMessage& message) {
  const std::size_t fixed = kNegotiateFixedBytes + (message.version ? kVersionBytes : 0);
  Bytes out = Header(kNegotiateType, kNegotiateFixedBytes);
  Put32(out, 12, message.flags);
  if (message.version) WriteVersion(out, *message.version);
  PayloadWriter payload(out, fixed);
  payload.Add(16, AsBytes(message.domain));
  payload.Add(24, AsBytes(message.workstation));
  payload.Finish();
  return out;
}

Bytes EncodeChallenge(const ChallengeMessage& message) {
  const std::size_t fixed = kChallengeFixedBytes + (message.version ? kVersionBytes : 0);
  Bytes out = Header(kChallengeType, kChallengeFixedBytes);
  Put32(out, 20, message.flags);
  std::copy(message.server_challenge.begin(), message.server_challenge.end(), out.begin() + 24);
  if (message.version) WriteVersion(out, *message.version);
  PayloadWriter payload(out, fixed);
  payload.Add(12, message.target_name);
  const Bytes info = message.target_info.empty() ? Bytes() : EncodeTargetInfo(message.target_info);
  payload.Add(40, info);
  payload.Finish();
  return out;
}

Bytes EncodeAuthenticate(const AuthenticateMessage& message) {
  const std::size_t fixed = kAuthenticateFixedBytes + (message.version ? kVersionBytes : 0) +
                            (message.mic ? kMicBytes : 0);
  Bytes out = Header(kAuthenticateType, kAuthenticateFixedBytes);
  Put32(out, 60, message.flags);
  if (message.version) WriteVersion(out, *message.version);
  if (message.mic) out.insert(out.end(), message.mic->begin(), message.mic->end());
  const bool unicode = (message.flags & kNegotiateUnicode) != 0;
  auto name = [unicode](const std::string& s) {
    if (!unicode) return Bytes(s.begin(), s.end());
    auto wide = Utf8ToUtf16Le(s);
    return wide.ok() ? std::move(*wide) : Bytes();
  };
  PayloadWriter payload(out, fixed);
  payload.Add(12, message.lm_response);
  payload.Add(20, message.nt_response);
  payload.Add(28, name(message.domain));
  payload.Add(36, name(message.user));
  payload.Add(44, name(message.workstation));
  payload.Add(52, message.encrypted_random_session_key);
  payload.Finish();
  return out;
}

}  // namespace openadcs::auth::ntlm
