// Template and enrollment service entries as an LDAP server delivers them
// (attribute descriptions and raw values, untrusted: a directory reached
// without integrity, or one an attacker administers) through
// ParseTemplateEntry and ParseEnrollmentServiceEntry, and through the LDAP
// source's on-disk snapshot: EntriesToLdif, then the LDIF reader (from
// memory: ReadLdifText is ReadLdifFile without the file), must give the same
// entry back, so that no value or name rewrites the snapshot read at the
// next start.
//
// Input: records of
//   name_length u8, name, value_length u16le, value
// the first record's value is the DN (its name is ignored). Seeds come from
// config/templates (fuzz/corpus/README.md).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "directory/entry_file.h"
#include "directory/ldif_reader.h"
#include "openadcs/directory/template_entry.h"

namespace {

using namespace openadcs;             // NOLINT(google-build-using-namespace)
using namespace openadcs::directory;  // NOLINT(google-build-using-namespace)

// Reads one record; false at the end of the input.
bool Next(std::span<const std::uint8_t>* in, std::string_view* name,
          std::span<const std::uint8_t>* value) {
  if (in->empty()) return false;
  const std::size_t name_length = std::min<std::size_t>((*in)[0], in->size() - 1);
  *name = std::string_view(reinterpret_cast<const char*>(in->data() + 1), name_length);
  *in = in->subspan(1 + name_length);
  if (in->size() < 2) return false;
  const std::size_t value_length = std::min<std::size_t>((*in)[0] | (*in)[1] << 8, in->size() - 2);
  *value = in->subspan(2, value_length);
  *in = in->subspan(2 + value_length);
  return true;
}

bool SameOutcome(const Result<CertificateTemplate>& a, const Result<CertificateTemplate>& b) {
  if (a.ok() != b.ok()) return false;
  return a.ok() ? a->name == b->name && a->oid == b->oid
                : a.status().message() == b.status().message();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  std::span<const std::uint8_t> in(data, size);
  std::string_view name;
  std::span<const std::uint8_t> value;
  if (!Next(&in, &name, &value)) return 0;
  DirectoryEntry entry(std::string(value.begin(), value.end()));
  while (Next(&in, &name, &value)) entry.Add(name, Bytes(value.begin(), value.end()));

  const Result<CertificateTemplate> parsed = ParseTemplateEntry(entry);
  (void)ParseEnrollmentServiceEntry(entry);

  // The snapshot keeps the attributes LDIF can name (entry_file.h); they
  // must come back unchanged, and parse the same.
  DirectoryEntry kept(entry.dn());
  for (const auto& [attribute, values] : entry.attributes()) {
    if (!SnapshotKeeps(attribute)) continue;
    for (const Bytes& v : values) kept.Add(attribute, v);
  }
  if (kept.attributes().empty()) return 0;  // an entry without attributes is no LDIF record
  Result<std::vector<DirectoryEntry>> back =
      ReadLdifText(EntriesToLdif({entry}, "fuzz"), "snapshot.ldif");
  if (!back.ok() || back->size() != 1) std::abort();
  if (back->front().dn() != kept.dn() || back->front().attributes() != kept.attributes()) {
    std::abort();
  }
  if (!SameOutcome(parsed, ParseTemplateEntry(back->front()))) std::abort();
  return 0;
}
