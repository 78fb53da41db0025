// Security identifiers (MS-DTYP 2.4.2): revision 1, a 48-bit identifier
// authority and up to 15 32-bit sub-authorities.
//
// String form (2.4.2.1): "S-1-<authority>-<sub>-...", the authority in
// decimal below 2^32 and as "0x" plus 12 hex digits from 2^32 up.
// Binary form (2.4.2.2), as security descriptors carry it:
//   Revision (1) | SubAuthorityCount (1) | IdentifierAuthority (6, big-endian)
//   | SubAuthority[count] (4 each, little-endian)
//
// A Sid is a small value type (no heap); every Sid that exists is valid, so
// nothing that holds one needs to check it again. Parsing and decoding read
// untrusted input: they fail with kInvalidArgument naming what is wrong and
// never read outside what they are given. Thread-safe (values and pure
// functions).
#ifndef OPENADCS_SECURITY_SID_H_
#define OPENADCS_SECURITY_SID_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::security {

class Sid {
 public:
  static constexpr std::uint8_t kRevision = 1;
  static constexpr std::size_t kMaxSubAuthorities = 15;  // MS-DTYP 2.4.2.2
  static constexpr std::uint64_t kMaxAuthority = (std::uint64_t{1} << 48) - 1;
  static constexpr std::size_t kHeaderBytes = 8;  // revision, count, authority
  static constexpr std::size_t kMaxEncodedBytes = kHeaderBytes + 4 * kMaxSubAuthorities;

  // S-1-0 with no sub-authorities: a placeholder, equal to no principal a
  // token carries.
  constexpr Sid() = default;

  // Compile-time constants (see well_known below). REQUIRES: authority <=
  // kMaxAuthority; more than kMaxSubAuthorities values fail to compile.
  static consteval Sid Constant(std::uint64_t authority,
                                std::initializer_list<std::uint32_t> sub_authorities) {
    Sid sid;
    sid.authority_ = authority;
    for (std::uint32_t v : sub_authorities) sid.sub_[sid.count_++] = v;
    return sid;
  }

  // Fails when authority > kMaxAuthority or there are more than
  // kMaxSubAuthorities sub-authorities.
  static Result<Sid> FromParts(std::uint64_t authority,
                               std::span<const std::uint32_t> sub_authorities);

  // The string form. Accepts what the ABNF of 2.4.2.1 accepts (its literals
  // are case-insensitive, so "s-1-" and "0X" too; no leading zeros in
  // decimal numbers; each number within its field's range), and, unlike the
  // ABNF, no sub-authority at all ("S-1-5"): Windows prints such SIDs, and
  // ToString must give back something Parse takes.
  static Result<Sid> Parse(std::string_view text);

  // The binary form at the start of `bytes`. Bytes past EncodedSize() are
  // not looked at: a SID inside an ACE or a descriptor has data after it.
  // Fails when truncated, when Revision is not 1 or when SubAuthorityCount
  // exceeds 15.
  static Result<Sid> Decode(std::span<const std::uint8_t> bytes);

  // The canonical string form: upper-case hex for a large authority.
  std::string ToString() const;
  // Appends the binary form (EncodedSize() bytes) to *out.
  void EncodeTo(Bytes* out) const;
  Bytes Encode() const;
  std::size_t EncodedSize() const { return kHeaderBytes + 4 * std::size_t{count_}; }

  std::uint64_t authority() const { return authority_; }
  std::span<const std::uint32_t> sub_authorities() const { return {sub_.data(), count_}; }

  // Equality is value equality; the order is total (for sorted containers)
  // and has no other meaning.
  friend constexpr bool operator==(const Sid&, const Sid&) = default;
  friend constexpr auto operator<=>(const Sid&, const Sid&) = default;

 private:
  std::uint64_t authority_ = 0;
  std::uint8_t count_ = 0;
  // Entries past count_ stay zero, so that the defaulted comparisons are
  // value comparisons.
  std::array<std::uint32_t, kMaxSubAuthorities> sub_{};
};

// Well-known SIDs (MS-DTYP 2.4.2.4) the CA's security uses.
namespace well_known {
inline constexpr Sid kEveryone = Sid::Constant(1, {0});                     // S-1-1-0
inline constexpr Sid kCreatorOwner = Sid::Constant(3, {0});                 // S-1-3-0
inline constexpr Sid kAuthenticatedUsers = Sid::Constant(5, {11});          // S-1-5-11
inline constexpr Sid kLocalSystem = Sid::Constant(5, {18});                 // S-1-5-18
inline constexpr Sid kBuiltinAdministrators = Sid::Constant(5, {32, 544});  // S-1-5-32-544
}  // namespace well_known

}  // namespace openadcs::security

#endif  // OPENADCS_SECURITY_SID_H_
