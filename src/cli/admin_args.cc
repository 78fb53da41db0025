#include "cli/admin_args.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>
#include <utility>

#include "cli/exit_codes.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"

namespace openadcs::cli {
namespace {

namespace cv = ndr::cert_view;

// Seconds from 1601-01-01 to 1970-01-01, and FILETIME ticks per second.
constexpr std::int64_t kFileTimeEpochOffsetSeconds = 11'644'473'600;
constexpr std::int64_t kFileTimeTicksPerSecond = 10'000'000;
// The years ParseIso8601 takes: FILETIME starts in 1601; four digits.
constexpr int kFirstYear = 1601;
constexpr int kLastYear = 9999;

struct Named {
  std::string_view name;
  std::int64_t value;
};

constexpr std::array<Named, 8> kReasons{{{"unspecified", 0},
                                         {"key-compromise", 1},
                                         {"ca-compromise", 2},
                                         {"affiliation-changed", 3},
                                         {"superseded", 4},
                                         {"cessation-of-operation", 5},
                                         {"certificate-hold", 6},
                                         {"remove-from-crl", 8}}};

constexpr std::array<Named, 5> kDispositions{{{"pending", client::kDbDispPending},
                                              {"issued", client::kDbDispIssued},
                                              {"revoked", client::kDbDispRevoked},
                                              {"failed", client::kDbDispError},
                                              {"denied", client::kDbDispDenied}}};

constexpr std::array<Named, 6> kRoles{{{"Admin", client::kRoleAdmin},
                                       {"Officer", client::kRoleOfficer},
                                       {"Auditor", client::kRoleAuditor},
                                       {"Operator", client::kRoleOperator},
                                       {"Read", client::kRoleRead},
                                       {"Enroll", client::kRoleEnroll}}};

template <std::size_t N>
std::optional<std::int64_t> Lookup(const std::array<Named, N>& table, std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  for (const Named& n : table) {
    if (ToLowerAscii(n.name) == lower) return n.value;
  }
  return std::nullopt;
}

// Decimal, or hex after 0x; the whole text. Negative decimal allowed.
std::optional<std::int64_t> ParseInteger(std::string_view text) {
  int base = 10;
  bool negative = false;
  if (text.starts_with('-')) {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      v > std::uint64_t{1} << 32) {
    return std::nullopt;
  }
  return negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
}

// `digits` decimal digits at text[at...]; nullopt otherwise.
std::optional<int> Digits(std::string_view text, std::size_t at, std::size_t digits) {
  if (text.size() < at + digits) return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

Result<std::uint32_t> ParseRevocationReason(std::string_view text) {
  if (std::optional<std::int64_t> v = Lookup(kReasons, text)) return static_cast<std::uint32_t>(*v);
  if (std::optional<std::int64_t> v = ParseInteger(text)) {
    for (const Named& n : kReasons) {
      if (n.value == *v) return static_cast<std::uint32_t>(*v);
    }
  }
  return Status::InvalidArgument(
      fmt::format("unknown revocation reason {} (unspecified, key-compromise, ca-compromise, "
                  "affiliation-changed, superseded, cessation-of-operation, certificate-hold, "
                  "remove-from-crl, or 0-6, 8)",
                  text));
}

Result<client::FileTime> ParseIso8601(std::string_view text) {
  const Status bad = Status::InvalidArgument(
      fmt::format("{} is not a date (YYYY-MM-DD[THH:MM[:SS]][Z], UTC)", text));
  if (text.ends_with('Z') || text.ends_with('z')) text.remove_suffix(1);
  const std::optional<int> y = Digits(text, 0, 4);
  const std::optional<int> mo = Digits(text, 5, 2);
  const std::optional<int> d = Digits(text, 8, 2);
  if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return bad;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (text.size() > 10) {
    const std::optional<int> hh = Digits(text, 11, 2);
    const std::optional<int> mm = Digits(text, 14, 2);
    if ((text[10] != 'T' && text[10] != ' ') || !hh || !mm || text[13] != ':') return bad;
    h = *hh;
    mi = *mm;
    if (text.size() > 16) {
      const std::optional<int> ss = Digits(text, 17, 2);
      if (text[16] != ':' || !ss || text.size() != 19) return bad;
      s = *ss;
    } else if (text.size() != 16) {
      return bad;
    }
  } else if (text.size() != 10) {
    return bad;
  }
  const std::chrono::year_month_day date{std::chrono::year(*y),
                                         std::chrono::month(static_cast<unsigned>(*mo)),
                                         std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok() || *y < kFirstYear || *y > kLastYear || h > 23 || mi > 59 || s > 59) return bad;
  const std::int64_t unix_seconds =
      std::chrono::sys_days(date).time_since_epoch().count() * std::int64_t{86'400} + h * 3600 +
      mi * 60 + s;
  return client::FileTime{static_cast<std::uint64_t>((unix_seconds + kFileTimeEpochOffsetSeconds) *
                                                     kFileTimeTicksPerSecond)};
}

std::string FileTimeIso8601(client::FileTime t) {
  const std::int64_t seconds =
      static_cast<std::int64_t>(t.ticks / kFileTimeTicksPerSecond) - kFileTimeEpochOffsetSeconds;
  const std::int64_t days = seconds >= 0 ? seconds / 86'400 : (seconds - 86'399) / 86'400;
  const std::int64_t rest = seconds - days * 86'400;
  const std::chrono::year_month_day date{
      std::chrono::sys_days(std::chrono::days(static_cast<int>(days)))};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     rest / 3600, rest / 60 % 60, rest % 60);
}

Result<std::int32_t> ParseDisposition(std::string_view text) {
  if (std::optional<std::int64_t> v = Lookup(kDispositions, text)) {
    return static_cast<std::int32_t>(*v);
  }
  if (std::optional<std::int64_t> v = ParseInteger(text)) return static_cast<std::int32_t>(*v);
  return Status::InvalidArgument(fmt::format(
      "unknown disposition {} (pending, issued, revoked, failed, denied, or a number)", text));
}

std::string_view DispositionName(std::int32_t disposition) {
  for (const Named& n : kDispositions) {
    if (n.value == disposition) return n.name;
  }
  return "";
}

Result<RestrictionText> ParseRestriction(std::string_view text) {
  // Longest operators first, so that "<=" is not read as "<".
  struct Op {
    std::string_view text;
    client::SeekOperator seek;
  };
  constexpr std::array<Op, 6> kOps{{{"<=", client::SeekOperator::kLe},
                                    {">=", client::SeekOperator::kGe},
                                    {"==", client::SeekOperator::kEq},
                                    {"=", client::SeekOperator::kEq},
                                    {"<", client::SeekOperator::kLt},
                                    {">", client::SeekOperator::kGt}}};
  const std::size_t at = text.find_first_of("=<>");
  if (at == std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("restriction {} has no operator (Column=Value, <, <=, >, >=)", text));
  }
  for (const Op& op : kOps) {
    if (text.substr(at, op.text.size()) != op.text) continue;
    RestrictionText r;
    r.column = std::string(TrimAscii(text.substr(0, at)));
    r.seek = op.seek;
    r.value = std::string(TrimAscii(text.substr(at + op.text.size())));
    // "RequestID=>5" is a misspelt operator rather than the value ">5".
    if (r.column.empty() || r.value.empty() || r.value.find_first_of("=<>") == 0) break;
    return r;
  }
  return Status::InvalidArgument(fmt::format("restriction {} is not Column<op>Value", text));
}

Result<client::TypedValue> ParseTypedValue(std::uint32_t type, std::string_view text,
                                           bool disposition_column) {
  switch (type & 0xff) {
    case cv::kTypeLong: {
      if (disposition_column) {
        Result<std::int32_t> d = ParseDisposition(text);
        if (!d.ok()) return d.status();
        return client::TypedValue(*d);
      }
      const std::optional<std::int64_t> v = ParseInteger(text);
      if (!v || *v < INT32_MIN || *v > UINT32_MAX) {
        return Status::InvalidArgument(fmt::format("{} is not a 32-bit number", text));
      }
      return client::TypedValue(static_cast<std::int32_t>(static_cast<std::uint32_t>(*v)));
    }
    case cv::kTypeDate: {
      Result<client::FileTime> t = ParseIso8601(text);
      if (!t.ok()) return t.status();
      return client::TypedValue(*t);
    }
    case cv::kTypeString: return client::TypedValue(std::string(text));
    case cv::kTypeBinary: {
      std::optional<Bytes> bytes = HexDecode(text);
      if (!bytes) return Status::InvalidArgument(fmt::format("{} is not hex", text));
      return client::TypedValue(std::move(*bytes));
    }
    default: return Status::InvalidArgument(fmt::format("unknown value type 0x{:x}", type));
  }
}

Result<std::uint32_t> ParseValueType(std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  if (lower == "long") return cv::kTypeLong;
  if (lower == "date") return cv::kTypeDate;
  if (lower == "string") return cv::kTypeString;
  if (lower == "binary") return cv::kTypeBinary;
  return Status::InvalidArgument(
      fmt::format("unknown value type {} (long, date, string, binary)", name));
}

std::string TypedValueText(const std::optional<client::TypedValue>& value) {
  if (!value) return "";
  if (const auto* l = std::get_if<std::int32_t>(&*value)) return std::to_string(*l);
  if (const auto* d = std::get_if<client::FileTime>(&*value)) return FileTimeIso8601(*d);
  if (const auto* s = std::get_if<std::string>(&*value)) return *s;
  return HexLower(std::get<Bytes>(*value));
}

Result<std::uint32_t> ParseTable(std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  if (lower == "request") return client::kTableRequest;
  if (lower == "extension") return client::kTableExtension;
  if (lower == "attribute") return client::kTableAttribute;
  if (lower == "crl") return client::kTableCrl;
  return Status::InvalidArgument(
      fmt::format("unknown table {} (request, extension, attribute, crl)", name));
}

std::string RoleNames(std::uint32_t roles) {
  std::string out;
  std::uint32_t known = 0;
  for (const Named& r : kRoles) {
    known |= static_cast<std::uint32_t>(r.value);
    if ((roles & r.value) == 0) continue;
    if (!out.empty()) out += ' ';
    out += r.name;
  }
  if ((roles & ~known) != 0) {
    if (!out.empty()) out += ' ';
    out += fmt::format("0x{:x}", roles & ~known);
  }
  return out.empty() ? "none" : out;
}

Result<std::string> NormalizeSerial(std::string_view text) {
  std::string hex;
  text = TrimAscii(text);
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  for (const char c : text) {
    if (c == ':' || c == ' ') continue;
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return Status::InvalidArgument(fmt::format("serial number {} is not hex", text));
    hex.push_back(c);
  }
  if (hex.empty()) return Status::InvalidArgument("empty serial number");
  return ToLowerAscii(hex);
}

Result<std::string> AccountSid(std::string_view account) {
  if (account.starts_with("S-1-") || account.starts_with("s-1-")) {
    std::string sid(account);
    sid[0] = 'S';
    return sid;
  }
  Result<std::pair<std::string, std::string>> name = auth::SplitQualifiedName(account);
  if (!name.ok()) {
    return Status::InvalidArgument(
        fmt::format("{} is neither DOMAIN\\user nor a SID (S-1-...)", account));
  }
  return auth::UserFileAccountSid(name->first, name->second);
}

int ExitCodeFor(const Status& status) {
  const std::optional<std::uint32_t> code = status.hresult();
  const bool refused = status.code() == StatusCode::kPermissionDenied && code &&
                       (*code == hr::kAccessDenied || *code == hr::kRestrictedOfficer ||
                        *code == rpc::fault::kAccessDenied);
  return refused ? kExitAccessDenied : kExitFailure;
}

}  // namespace openadcs::cli
