#include "openadcs/directory/ldif_template_source.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "directory/ldif_reader.h"
#include "openadcs/directory/template_entry.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"

namespace openadcs::directory {

namespace {

Result<std::vector<std::filesystem::path>> LdifFiles(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::directory_iterator it(directory, ec);
  if (ec) return Status::IOError(directory.string() + ": " + ec.message());
  std::vector<std::filesystem::path> files;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".ldif" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return Status::IOError(directory.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// The enrollment service named in the options, or the only one there is.
Result<EnrollmentService> ChooseService(const LdifTemplateSourceOptions& options,
                                        std::vector<EnrollmentService> services) {
  const std::string where = " in " + options.directory.string();
  if (options.enrollment_service.empty()) {
    if (services.size() != 1) {
      return Status::InvalidArgument(std::to_string(services.size()) +
                                     " pKIEnrollmentService entries" + where +
                                     "; name the one this CA is");
    }
    return std::move(services.front());
  }
  const std::string wanted = ToLowerAscii(options.enrollment_service);
  for (EnrollmentService& service : services) {
    if (ToLowerAscii(service.name) == wanted) return std::move(service);
  }
  return Status::InvalidArgument("no pKIEnrollmentService entry with cn " +
                                 options.enrollment_service + where);
}

// Reads the whole folder. Entries that do not parse are logged and skipped;
// only an unreadable folder or file, or no usable enrollment service, fails.
Result<std::shared_ptr<const TemplateSnapshot>> LoadFolder(
    const LdifTemplateSourceOptions& options) {
  Result<std::vector<std::filesystem::path>> files = LdifFiles(options.directory);
  if (!files.ok()) return files.status();

  std::vector<CertificateTemplate> templates;
  std::vector<EnrollmentService> services;
  for (const std::filesystem::path& file : *files) {
    Result<std::vector<DirectoryEntry>> entries = ReadLdifFile(file);
    if (!entries.ok()) return entries.status();
    for (const DirectoryEntry& entry : *entries) {
      if (entry.HasObjectClass(kTemplateObjectClass)) {
        Result<CertificateTemplate> parsed = ParseTemplateEntry(entry);
        if (!parsed.ok()) {
          spdlog::warn("{}: template {} skipped: {}", file.string(), entry.dn(),
                       parsed.status().message());
          continue;
        }
        templates.push_back(std::move(*parsed));
      } else if (entry.HasObjectClass(kEnrollmentServiceObjectClass)) {
        Result<EnrollmentService> parsed = ParseEnrollmentServiceEntry(entry);
        if (!parsed.ok()) {
          spdlog::warn("{}: enrollment service {} skipped: {}", file.string(), entry.dn(),
                       parsed.status().message());
          continue;
        }
        services.push_back(std::move(*parsed));
      }
    }
  }

  Result<EnrollmentService> service = ChooseService(options, std::move(services));
  if (!service.ok()) return service.status();
  const std::size_t loaded = templates.size();
  std::vector<CertificateTemplate> served = SelectServedTemplates(*service, std::move(templates));
  spdlog::info("templates from {}: {} loaded, {} served by {}", options.directory.string(), loaded,
               served.size(), service->name);
  return std::make_shared<const TemplateSnapshot>(std::move(served));
}

class LdifTemplateSource final : public TemplateSource {
 public:
  LdifTemplateSource(LdifTemplateSourceOptions options,
                     std::shared_ptr<const TemplateSnapshot> first)
      : options_(std::move(options)), current_(std::move(first)) {}

  // TemplateSource
  std::shared_ptr<const TemplateSnapshot> Current() const override { return current_.load(); }

  Status Reload() override {
    // One reload at a time, so a slow older read never replaces a newer one.
    std::lock_guard<std::mutex> lock(reload_mu_);
    Result<std::shared_ptr<const TemplateSnapshot>> loaded = LoadFolder(options_);
    if (!loaded.ok()) {
      spdlog::warn("template reload from {} failed, keeping the previous templates: {}",
                   options_.directory.string(), loaded.status().message());
      return loaded.status();
    }
    current_.store(std::move(*loaded));
    return Status::Ok();
  }

  // The files are the administrator's: the CA never rewrites them.
  Status SetServedTemplates(const std::vector<std::string>&) override {
    const std::string message = fmt::format(
        "the served templates come from LDIF files in {}: edit certificateTemplates of the "
        "enrollment service there and reload (SIGHUP)",
        options_.directory.string());
    spdlog::warn("templates: cannot change the served list: {}", message);
    return Status::FailedPrecondition(message, hr::kNotSupported);
  }

 private:
  const LdifTemplateSourceOptions options_;
  std::mutex reload_mu_;
  // Never null; readers copy the pointer and keep their snapshot alive.
  std::atomic<std::shared_ptr<const TemplateSnapshot>> current_;
};

}  // namespace

Result<std::unique_ptr<TemplateSource>> OpenLdifTemplateSource(
    const LdifTemplateSourceOptions& options) {
  Result<std::shared_ptr<const TemplateSnapshot>> first = LoadFolder(options);
  if (!first.ok()) return first.status();
  return std::unique_ptr<TemplateSource>(
      std::make_unique<LdifTemplateSource>(options, std::move(*first)));
}

}  // namespace openadcs::directory
