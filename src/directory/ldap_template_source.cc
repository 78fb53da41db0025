#include "openadcs/directory/ldap_template_source.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "directory/directory_naming.h"
#include "directory/entry_file.h"
#include "directory/ldap_connection.h"
#include "directory/ldif_reader.h"
#include "openadcs/directory/template_entry.h"
#include "openadcs/util/atomic_file.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/sigpipe.h"
#include "openadcs/util/thread_name.h"

namespace openadcs::directory {
namespace {

constexpr char kAdNotificationOid[] = "1.2.840.113556.1.4.528";
constexpr char kAdShowDeletedOid[] = "1.2.840.113556.1.4.417";
// SECURITY_INFORMATION bits of the SD flags control.
constexpr std::uint32_t kSdOwner = 0x1;
constexpr std::uint32_t kSdDacl = 0x4;
// With no message from the server for this long, a base search of the
// rootDSE checks that the connection still works (a server that vanished
// without closing the socket is otherwise noticed only at the next change).
constexpr std::chrono::seconds kLivenessInterval{30};
// The status file is for operators; the snapshot holds only what the
// directory publishes to every authenticated user, but stays private.
constexpr mode_t kStatusFileMode = 0644;
constexpr mode_t kSnapshotFileMode = 0600;

std::int64_t Now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

using MessagePtr = std::unique_ptr<LDAPMessage, decltype(&ldap_msgfree)>;

// One load: the snapshot and the entries it was built from (the served
// templates and the enrollment service), which are what the disk copy holds.
struct Loaded {
  std::shared_ptr<const TemplateSnapshot> snapshot;
  std::vector<DirectoryEntry> entries;
  std::string service_dn;
};

// Builds the snapshot from raw entries, as the LDIF source does: template
// entries that do not parse are logged and skipped.
Result<Loaded> BuildLoaded(std::vector<DirectoryEntry> entries, const std::string& service_name,
                           const std::string& where) {
  std::vector<CertificateTemplate> templates;
  std::vector<DirectoryEntry> template_entries;
  std::optional<EnrollmentService> service;
  std::optional<DirectoryEntry> service_entry;
  const std::string wanted = ToLowerAscii(service_name);
  for (DirectoryEntry& entry : entries) {
    if (entry.HasObjectClass(kTemplateObjectClass)) {
      Result<CertificateTemplate> parsed = ParseTemplateEntry(entry);
      if (!parsed.ok()) {
        spdlog::warn("{}: template {} skipped: {}", where, entry.dn(), parsed.status().message());
        continue;
      }
      templates.push_back(std::move(*parsed));
      template_entries.push_back(std::move(entry));
    } else if (entry.HasObjectClass(kEnrollmentServiceObjectClass)) {
      Result<EnrollmentService> parsed = ParseEnrollmentServiceEntry(entry);
      if (!parsed.ok()) {
        spdlog::warn("{}: enrollment service {} skipped: {}", where, entry.dn(),
                     parsed.status().message());
        continue;
      }
      if (ToLowerAscii(parsed->name) == wanted) {
        service = std::move(*parsed);
        service_entry = std::move(entry);
      }
    }
  }
  if (!service) {
    return Status::InvalidArgument(
        fmt::format("{}: no pKIEnrollmentService with cn {}", where, service_name));
  }
  const std::size_t loaded = templates.size();
  std::vector<CertificateTemplate> served = SelectServedTemplates(*service, std::move(templates));
  Loaded result;
  for (DirectoryEntry& entry : template_entries) {
    const auto cn = entry.Values("cn");
    if (cn.empty()) continue;
    const std::string name(cn.front().begin(), cn.front().end());
    const bool is_served = std::any_of(
        served.begin(), served.end(),
        [&](const CertificateTemplate& t) { return ToLowerAscii(t.name) == ToLowerAscii(name); });
    if (is_served) result.entries.push_back(std::move(entry));
  }
  result.service_dn = service->dn;
  result.entries.push_back(std::move(*service_entry));
  spdlog::info("templates from {}: {} loaded, {} served by {}", where, loaded, served.size(),
               service->name);
  result.snapshot = std::make_shared<const TemplateSnapshot>(std::move(served));
  return result;
}

Result<Loaded> LoadFromDirectory(LdapConnection& connection, const Naming& naming,
                                 const LdapTemplateSourceOptions& options) {
  LdapConnection::SearchRequest request;
  request.base = naming.templates_dn;
  request.scope = LDAP_SCOPE_ONELEVEL;
  request.filter = "(objectClass=pKICertificateTemplate)";
  // AD and Samba leave nTSecurityDescriptor out of "*"; owner and DACL are
  // what a bind without SeSecurityPrivilege may read, and all the
  // permission check needs.
  request.attributes = {"*", "nTSecurityDescriptor"};
  request.sd_flags = kSdOwner | kSdDacl;
  request.paged = true;
  request.max_entries = options.max_templates;
  Result<std::vector<DirectoryEntry>> templates = connection.Search(request);
  if (!templates.ok()) return templates.status();
  request.base = naming.services_dn;
  request.filter = fmt::format("(&(objectClass=pKIEnrollmentService)(cn={}))",
                               EscapeFilterValue(options.enrollment_service));
  request.attributes.clear();
  request.sd_flags.reset();
  request.paged = false;
  Result<std::vector<DirectoryEntry>> services = connection.Search(request);
  if (!services.ok()) return services.status();
  std::vector<DirectoryEntry> all = std::move(*templates);
  for (DirectoryEntry& service : *services) all.push_back(std::move(service));
  return BuildLoaded(std::move(all), options.enrollment_service, connection.uri());
}

Result<Loaded> LoadFromDisk(const LdapTemplateSourceOptions& options) {
  Result<std::vector<DirectoryEntry>> entries = ReadLdifFile(options.snapshot_file);
  if (!entries.ok()) return entries.status();
  return BuildLoaded(std::move(*entries), options.enrollment_service,
                     options.snapshot_file.string());
}

std::string MechanismName(LdapNotification mechanism) {
  switch (mechanism) {
    case LdapNotification::kSync: return "rfc4533";
    case LdapNotification::kAd: return "ad";
    default: return "none";
  }
}

// A live connection with its change notification registered.
struct Session {
  std::unique_ptr<LdapConnection> connection;
  Naming naming;
  LdapNotification mechanism = LdapNotification::kNone;
  bool refresh_done = false;  // RFC 4533: the refresh phase is over
};

class LdapTemplateSourceImpl final : public LdapTemplateSource {
 public:
  explicit LdapTemplateSourceImpl(LdapTemplateSourceOptions options)
      : options_(std::move(options)),
        current_(std::make_shared<const TemplateSnapshot>()),
        wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        random_(std::random_device{}()) {}

  ~LdapTemplateSourceImpl() override {
    stopping_ = true;
    Wake();
    if (thread_.joinable()) thread_.join();
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  // TemplateSource
  std::shared_ptr<const TemplateSnapshot> Current() const override { return current_.load(); }

  Status Reload() override {
    std::lock_guard<std::mutex> lock(load_mu_);
    Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options_);
    if (!connection.ok()) return connection.status();
    Result<Naming> naming = Discover(**connection, options_);
    if (!naming.ok()) return naming.status();
    Result<Loaded> loaded = LoadFromDirectory(**connection, *naming, options_);
    if (!loaded.ok()) return loaded.status();
    Install(std::move(*loaded), "directory");
    return Status::Ok();
  }

  // On a connection of its own, as Reload: the watcher's sees the modify
  // come back as a change and loads the new list as any other.
  Status SetServedTemplates(const std::vector<std::string>& names) override {
    Status written = WriteServedTemplates(names);
    if (!written.ok()) {
      spdlog::error("directory: served templates not changed: {}", written.message());
      if (!written.hresult()) written = WithDirectoryHresult(written);
    }
    return written;
  }

  // LdapTemplateSource
  DirectoryState State() const override {
    std::lock_guard<std::mutex> lock(state_mu_);
    return state_;
  }

  bool WaitForGeneration(std::uint64_t generation,
                         std::chrono::milliseconds timeout) const override {
    std::unique_lock<std::mutex> lock(state_mu_);
    return state_cv_.wait_for(lock, timeout, [&] { return state_.generation > generation; });
  }

  bool WaitForConnected(bool connected, std::chrono::milliseconds timeout) const override {
    std::unique_lock<std::mutex> lock(state_mu_);
    return state_cv_.wait_for(lock, timeout, [&] { return state_.connected == connected; });
  }

  // Connects, registers change notification, then loads (in that order, so
  // no change falls between the load and the registration).
  Result<Session> Establish() {
    Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options_);
    if (!connection.ok()) return connection.status();
    Session session;
    session.connection = std::move(*connection);
    Result<Naming> naming = Discover(*session.connection, options_);
    if (!naming.ok()) return naming.status();
    session.naming = std::move(*naming);
    session.mechanism = ChooseMechanism(session.naming);
    std::lock_guard<std::mutex> lock(load_mu_);
    Result<Loaded> loaded = LoadFromDirectory(*session.connection, session.naming, options_);
    if (!loaded.ok()) return loaded.status();
    OPENADCS_RETURN_IF_ERROR(Register(session, loaded->service_dn));
    Install(std::move(*loaded), "directory");
    SetConnected(session);
    return session;
  }

  Status InstallFromDisk(const Status& why) {
    Result<Loaded> loaded = LoadFromDisk(options_);
    if (!loaded.ok()) {
      return Status::Unavailable(fmt::format("{}; and the disk snapshot cannot be used: {}",
                                             why.message(), loaded.status().message()));
    }
    spdlog::warn("directory unreachable ({}); serving the snapshot saved in {}", why.message(),
                 options_.snapshot_file.string());
    std::lock_guard<std::mutex> lock(load_mu_);
    Install(std::move(*loaded), "disk");
    SetDisconnected(why);
    return Status::Ok();
  }

  void Start(std::optional<Session> first) {
    thread_ = std::thread([this, session = std::move(first)]() mutable {
      util::NameThisThread("ldap-templates");
      Run(std::move(session));
    });
  }

 private:
  Status WriteServedTemplates(const std::vector<std::string>& names) {
    Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options_);
    if (!connection.ok()) return connection.status();
    Result<Naming> naming = Discover(**connection, options_);
    if (!naming.ok()) return naming.status();
    LdapConnection::SearchRequest request;
    request.base = naming->templates_dn;
    request.scope = LDAP_SCOPE_ONELEVEL;
    request.filter = "(objectClass=pKICertificateTemplate)";
    request.attributes = {"cn"};
    request.paged = true;
    request.max_entries = options_.max_templates;
    Result<std::vector<DirectoryEntry>> templates = (*connection)->Search(request);
    if (!templates.ok()) return templates.status();
    std::map<std::string, std::string> by_lower_name;  // lower-cased cn -> cn
    for (const DirectoryEntry& entry : *templates) {
      const auto cn = entry.Values("cn");
      if (cn.empty()) continue;
      std::string name(cn.front().begin(), cn.front().end());
      by_lower_name.emplace(ToLowerAscii(name), std::move(name));
    }
    std::vector<std::string> spelled;
    for (const std::string& name : names) {
      auto it = by_lower_name.find(ToLowerAscii(name));
      if (it == by_lower_name.end()) {
        return Status::InvalidArgument(
            fmt::format("no certificate template named '{}' under {}", name, request.base),
            hr::kInvalidArg);
      }
      spelled.push_back(it->second);
    }
    request.base = naming->services_dn;
    request.filter = fmt::format("(&(objectClass=pKIEnrollmentService)(cn={}))",
                                 EscapeFilterValue(options_.enrollment_service));
    request.attributes = {LDAP_NO_ATTRS};
    request.paged = false;
    Result<std::vector<DirectoryEntry>> services = (*connection)->Search(request);
    if (!services.ok()) return services.status();
    if (services->size() != 1) {
      return Status::FailedPrecondition(fmt::format("no pKIEnrollmentService with cn {} under {}",
                                                    options_.enrollment_service, request.base));
    }
    const std::string& service_dn = services->front().dn();
    OPENADCS_RETURN_IF_ERROR((*connection)->Replace(service_dn, "certificateTemplates", spelled));
    spdlog::info("directory: certificateTemplates of {} set to [{}] on {}", service_dn,
                 fmt::join(spelled, ", "), (*connection)->uri());
    return Status::Ok();
  }

  // A directory failure as the admin protocol reports it.
  static Status WithDirectoryHresult(const Status& s) {
    std::uint32_t hresult = hr::kDsGenericError;
    if (s.code() == StatusCode::kUnavailable) hresult = hr::kDsServerDown;
    if (s.code() == StatusCode::kPermissionDenied) hresult = hr::kDsInsuffAccessRights;
    return Status::Error(s.code(), s.message(), hresult);
  }

  LdapNotification ChooseMechanism(const Naming& naming) const {
    if (options_.notification != LdapNotification::kAuto) return options_.notification;
    const auto supports = [&](std::string_view oid) {
      return std::find(naming.supported_controls.begin(), naming.supported_controls.end(), oid) !=
             naming.supported_controls.end();
    };
    if (supports(LDAP_CONTROL_SYNC)) return LdapNotification::kSync;
    if (supports(kAdNotificationOid)) return LdapNotification::kAd;
    return LdapNotification::kNone;
  }

  Status Register(Session& session, const std::string& service_dn) {
    const util::SigpipeBlocked no_sigpipe;  // libldap writes with write(2)
    LDAP* ld = session.connection->handle();
    char* no_attrs[] = {const_cast<char*>(LDAP_NO_ATTRS), nullptr};
    int msgid = 0;
    if (session.mechanism == LdapNotification::kSync) {
      // RFC 4533 syncRequestValue: SEQUENCE { mode refreshAndPersist, cookie }.
      BerElement* ber = ber_alloc_t(LBER_USE_DER);
      if (ber == nullptr) return Status::Internal("ber_alloc_t failed");
      berval cookie{static_cast<ber_len_t>(cookie_.size()), cookie_.data()};
      const int printed = cookie_.empty()
                              ? ber_printf(ber, "{e}", LDAP_SYNC_REFRESH_AND_PERSIST)
                              : ber_printf(ber, "{eO}", LDAP_SYNC_REFRESH_AND_PERSIST, &cookie);
      berval value{0, nullptr};
      const bool encoded = printed >= 0 && ber_flatten2(ber, &value, 1) == 0;
      ber_free(ber, 1);
      if (!encoded) return Status::Internal("cannot encode the sync request control");
      LDAPControl control{const_cast<char*>(LDAP_CONTROL_SYNC), value, 1};
      LDAPControl* controls[] = {&control, nullptr};
      // The whole CN=Public Key Services subtree: templates and enrollment
      // services, deletions included.
      const std::string base =
          session.naming.templates_dn.substr(session.naming.templates_dn.find(',') + 1);
      const int rc = ldap_search_ext(
          ld, base.c_str(), LDAP_SCOPE_SUBTREE,
          "(|(objectClass=pKICertificateTemplate)(objectClass=pKIEnrollmentService))", no_attrs, 0,
          controls, nullptr, nullptr, LDAP_NO_LIMIT, &msgid);
      ber_memfree(value.bv_val);
      if (rc != LDAP_SUCCESS) return LdapError(rc, "RFC 4533 sync search");
    } else if (session.mechanism == LdapNotification::kAd) {
      LDAPControl notify{const_cast<char*>(kAdNotificationOid), {0, nullptr}, 1};
      LDAPControl show_deleted{const_cast<char*>(kAdShowDeletedOid), {0, nullptr}, 1};
      LDAPControl* plain[] = {&notify, nullptr};
      LDAPControl* deleted[] = {&notify, &show_deleted, nullptr};
      struct Watch {
        const std::string* base;
        int scope;
        LDAPControl** controls;
      };
      // AD accepts only (objectClass=*) with the notification control.
      for (const Watch& w : {Watch{&session.naming.templates_dn, LDAP_SCOPE_ONELEVEL, plain},
                             Watch{&service_dn, LDAP_SCOPE_BASE, plain},
                             Watch{&session.naming.deleted_dn, LDAP_SCOPE_ONELEVEL, deleted}}) {
        const int rc = ldap_search_ext(ld, w.base->c_str(), w.scope, "(objectClass=*)", no_attrs, 0,
                                       w.controls, nullptr, nullptr, LDAP_NO_LIMIT, &msgid);
        if (rc != LDAP_SUCCESS) return LdapError(rc, "AD change notification on " + *w.base);
      }
    }
    return Status::Ok();
  }

  // Caller holds load_mu_.
  void Install(Loaded loaded, const std::string& origin) {
    const std::size_t served = loaded.snapshot->templates().size();
    current_.store(std::move(loaded.snapshot));
    if (origin == "directory" && !options_.snapshot_file.empty()) {
      Status saved = util::WriteFileAtomically(
          options_.snapshot_file,
          EntriesToLdif(loaded.entries,
                        "openadcs template snapshot: the served templates and the "
                        "enrollment service, as last read from the directory"),
          kSnapshotFileMode);
      if (!saved.ok()) spdlog::error("template snapshot not saved: {}", saved.message());
    }
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      state_.snapshot_origin = origin;
      state_.templates = served;
      state_.snapshot_time = Now();
      ++state_.generation;
      WriteStatusLocked();
    }
    state_cv_.notify_all();
  }

  void SetConnected(const Session& session) {
    std::lock_guard<std::mutex> lock(state_mu_);
    state_.connected = true;
    state_.server = session.connection->uri();
    state_.notification = MechanismName(session.mechanism);
    state_.last_error.clear();
    spdlog::info("directory: connected to {} (change notification: {})", state_.server,
                 state_.notification);
    WriteStatusLocked();
    state_cv_.notify_all();
  }

  void SetDisconnected(const Status& why) {
    std::lock_guard<std::mutex> lock(state_mu_);
    const bool was_connected = state_.connected;
    state_.connected = false;
    state_.last_error = why.message();
    if (was_connected) {
      spdlog::warn("directory: lost {}: {}; serving the last snapshot ({} templates)",
                   state_.server, why.message(), state_.templates);
    }
    state_.server.clear();
    state_.notification.clear();
    WriteStatusLocked();
    state_cv_.notify_all();
  }

  void NoteChange() {
    std::lock_guard<std::mutex> lock(state_mu_);
    state_.last_change = Now();
  }

  // The status file and the gauges: what an operator sees of the link.
  void WriteStatusLocked() const {
    PublishMetricsLocked();
    if (options_.status_file.empty()) return;
    const std::string text = fmt::format(
        "# openadcsd directory state; snapshot age = now - snapshot_time\n"
        "connected={}\nserver={}\nnotification={}\nsnapshot_origin={}\ntemplates={}\n"
        "snapshot_time={}\nlast_change={}\ngeneration={}\nlast_error={}\nupdated={}\n",
        state_.connected ? "yes" : "no", state_.server, state_.notification, state_.snapshot_origin,
        state_.templates, state_.snapshot_time, state_.last_change, state_.generation,
        state_.last_error, Now());
    Status written = util::WriteFileAtomically(options_.status_file, text, kStatusFileMode);
    if (!written.ok()) spdlog::error("directory status not written: {}", written.message());
  }

  void PublishMetricsLocked() const {
    if (options_.metrics == nullptr) return;
    metrics::Registry& m = *options_.metrics;
    m.GetGauge("openadcs_directory_connected",
               "1 while the template source is connected to the directory, else 0.")
        .Set(state_.connected ? 1 : 0);
    for (const std::string_view kind : {"rfc4533", "ad", "none"}) {
      m.GetGauge("openadcs_directory_notification",
                 "1 for the change notification the directory link uses (all 0 while "
                 "disconnected).",
                 {{"kind", std::string(kind)}})
          .Set(state_.connected && state_.notification == kind ? 1 : 0);
    }
    m.GetGauge("openadcs_directory_templates", "Templates in the snapshot served.")
        .Set(static_cast<double>(state_.templates));
  }

  void Wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd_, &one, sizeof(one));
  }

  // Sleeps up to `delay`, returning early when stopping.
  void Pause(std::chrono::milliseconds delay) const {
    pollfd wake{wake_fd_, POLLIN, 0};
    poll(&wake, 1, static_cast<int>(delay.count()));
  }

  std::chrono::milliseconds Jittered(std::chrono::milliseconds backoff) {
    std::uniform_int_distribution<std::int64_t> half(backoff.count() / 2, backoff.count());
    return std::chrono::milliseconds(half(random_));
  }

  void Run(std::optional<Session> session) {
    std::chrono::milliseconds backoff = options_.reconnect_min;
    while (!stopping_) {
      if (!session) {
        Result<Session> established = Establish();
        if (!established.ok()) {
          if (stopping_) break;
          const std::chrono::milliseconds delay = Jittered(backoff);
          SetDisconnected(established.status());
          spdlog::warn("directory: {}; retrying in {} ms", established.status().message(),
                       delay.count());
          Pause(delay);
          backoff = std::min(backoff * 2, options_.reconnect_max);
          continue;
        }
        session = std::move(*established);
        backoff = options_.reconnect_min;
      }
      Status ended = Watch(*session);
      session.reset();
      if (stopping_) break;
      SetDisconnected(ended);
    }
  }

  // Follows changes until the connection fails (the returned status says
  // why) or the source stops (Ok).
  Status Watch(Session& session) {
    const util::SigpipeBlocked no_sigpipe;  // libldap writes with write(2), with TLS in reads too
    LDAP* ld = session.connection->handle();
    auto last_heard = std::chrono::steady_clock::now();
    bool dirty = false;
    while (!stopping_) {
      for (;;) {
        timeval zero{0, 0};
        LDAPMessage* raw = nullptr;
        const int rc = ldap_result(ld, LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &raw);
        if (rc == 0) break;
        MessagePtr message(raw, &ldap_msgfree);
        if (rc < 0) {
          int code = LDAP_SERVER_DOWN;
          ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code);
          return LdapError(code, "change notification");
        }
        OPENADCS_RETURN_IF_ERROR(Handle(session, message.get(), dirty));
        last_heard = std::chrono::steady_clock::now();
      }
      if (dirty) {
        dirty = false;
        NoteChange();
        spdlog::info("directory: change notified by {}, reloading templates",
                     session.connection->uri());
        std::lock_guard<std::mutex> lock(load_mu_);
        Result<Loaded> loaded = LoadFromDirectory(*session.connection, session.naming, options_);
        if (loaded.ok()) {
          Install(std::move(*loaded), "directory");
        } else if (loaded.status().code() == StatusCode::kUnavailable) {
          return loaded.status();
        } else {
          spdlog::error(
              "directory: reload after a change failed, keeping the previous "
              "templates: {}",
              loaded.status().message());
        }
        continue;
      }
      const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(
          last_heard + kLivenessInterval - std::chrono::steady_clock::now());
      pollfd fds[2] = {{session.connection->Descriptor(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n = poll(fds, 2, static_cast<int>(std::max<std::int64_t>(idle.count(), 0)));
      if (n < 0 && errno != EINTR) return Status::Internal("poll failed");
      if (n == 0) {
        Result<std::vector<DirectoryEntry>> probe =
            session.connection->Search(BaseSearch("", {LDAP_NO_ATTRS}));
        if (!probe.ok()) return probe.status();
        last_heard = std::chrono::steady_clock::now();
      }
      if ((fds[1].revents & POLLIN) != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = read(wake_fd_, &count, sizeof(count));
      }
    }
    return Status::Ok();
  }

  // One message from a notification search; sets `dirty` for a change.
  Status Handle(Session& session, LDAPMessage* message, bool& dirty) {
    LDAP* ld = session.connection->handle();
    switch (ldap_msgtype(message)) {
      case LDAP_RES_SEARCH_ENTRY:
        if (session.mechanism == LdapNotification::kSync) {
          ReadSyncStateCookie(ld, message);
          // Refresh-phase entries predate the load that followed registration.
          if (session.refresh_done) dirty = true;
        } else {
          dirty = true;
        }
        return Status::Ok();
      case LDAP_RES_INTERMEDIATE: ReadSyncInfo(session, message, dirty); return Status::Ok();
      case LDAP_RES_SEARCH_REFERENCE: return Status::Ok();
      case LDAP_RES_SEARCH_RESULT: {
        int code = LDAP_OTHER;
        char* text = nullptr;
        ldap_parse_result(ld, message, &code, nullptr, &text, nullptr, nullptr, 0);
        const std::string detail = text != nullptr ? text : "";
        ldap_memfree(text);
        if (code == LDAP_SYNC_REFRESH_REQUIRED) cookie_.clear();
        return Status::Unavailable(fmt::format("the server ended change notification: {} ({}) {}",
                                               ldap_err2string(code), code, detail));
      }
      default:
        return Status::Unavailable("unexpected message from the server (notice of disconnection?)");
    }
  }

  // The cookie of a syncStateValue (RFC 4533 2.2), when it carries one.
  void ReadSyncStateCookie(LDAP* ld, LDAPMessage* entry) {
    LDAPControl** controls = nullptr;
    if (ldap_get_entry_controls(ld, entry, &controls) != LDAP_SUCCESS || controls == nullptr) {
      return;
    }
    LDAPControl* state = ldap_control_find(LDAP_CONTROL_SYNC_STATE, controls, nullptr);
    if (state != nullptr) {
      BerElement* ber = ber_init(&state->ldctl_value);
      ber_int_t kind = 0;
      berval uuid{0, nullptr};
      berval cookie{0, nullptr};
      ber_len_t len = 0;
      if (ber != nullptr && ber_scanf(ber, "{em", &kind, &uuid) != LBER_ERROR &&
          ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
          ber_scanf(ber, "m", &cookie) != LBER_ERROR) {
        cookie_.assign(cookie.bv_val, cookie.bv_len);
      }
      if (ber != nullptr) ber_free(ber, 1);
    }
    ldap_controls_free(controls);
  }

  // A syncInfoValue (RFC 4533 2.5): new cookies, the end of the refresh
  // phase, and (after it) syncIdSets, which report deletions.
  void ReadSyncInfo(Session& session, LDAPMessage* message, bool& dirty) {
    char* oid = nullptr;
    berval* data = nullptr;
    if (ldap_parse_intermediate(session.connection->handle(), message, &oid, &data, nullptr, 0) !=
        LDAP_SUCCESS) {
      return;
    }
    const bool is_sync_info = oid != nullptr && std::string_view(oid) == LDAP_SYNC_INFO;
    ldap_memfree(oid);
    BerElement* ber = is_sync_info && data != nullptr ? ber_init(data) : nullptr;
    if (ber != nullptr) {
      ber_len_t len = 0;
      berval cookie{0, nullptr};
      const ber_tag_t tag = ber_peek_tag(ber, &len);
      if (tag == LDAP_TAG_SYNC_NEW_COOKIE) {
        if (ber_scanf(ber, "m", &cookie) != LBER_ERROR)
          cookie_.assign(cookie.bv_val, cookie.bv_len);
      } else if (tag == LDAP_TAG_SYNC_REFRESH_DELETE || tag == LDAP_TAG_SYNC_REFRESH_PRESENT) {
        ber_int_t done = 1;  // refreshDone DEFAULT TRUE
        if (ber_scanf(ber, "{") != LBER_ERROR) {
          if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
              ber_scanf(ber, "m", &cookie) != LBER_ERROR) {
            cookie_.assign(cookie.bv_val, cookie.bv_len);
          }
          if (ber_peek_tag(ber, &len) == LDAP_TAG_REFRESHDONE) {
            if (ber_scanf(ber, "b", &done) == LBER_ERROR) done = 1;
          }
        }
        if (done != 0) session.refresh_done = true;
      } else if (tag == LDAP_TAG_SYNC_ID_SET && session.refresh_done) {
        dirty = true;
      }
      ber_free(ber, 1);
    }
    ber_bvfree(data);
  }

  const LdapTemplateSourceOptions options_;
  // Serializes loads and swaps, so a slower older load never replaces a newer one.
  std::mutex load_mu_;
  // Never null; readers copy the pointer and keep their snapshot alive.
  std::atomic<std::shared_ptr<const TemplateSnapshot>> current_;
  mutable std::mutex state_mu_;
  mutable std::condition_variable state_cv_;
  DirectoryState state_;  // guarded by state_mu_
  std::string cookie_;    // RFC 4533 cookie; the watcher thread (or Open) only
  const int wake_fd_;
  std::atomic<bool> stopping_{false};
  std::minstd_rand random_;
  std::thread thread_;
};

Status CheckOptions(const LdapTemplateSourceOptions& options) {
  if (options.uris.empty()) return Status::InvalidArgument("directory: no URI");
  if (options.enrollment_service.empty()) {
    return Status::InvalidArgument("directory: the enrollment service (this CA's cn) is required");
  }
  if (options.bind == LdapBind::kSimple &&
      (options.bind_dn.empty() || options.password_file.empty())) {
    return Status::InvalidArgument("directory: simple bind needs bind_dn and password_file");
  }
  if (options.page_size == 0 || options.operation_timeout.count() <= 0 ||
      options.reconnect_min.count() <= 0 || options.reconnect_max < options.reconnect_min) {
    return Status::InvalidArgument(
        "directory: page size, timeout or reconnect delays out of range");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LdapTemplateSource>> OpenLdapTemplateSource(
    const LdapTemplateSourceOptions& options) {
  OPENADCS_RETURN_IF_ERROR(CheckOptions(options));
  auto source = std::make_unique<LdapTemplateSourceImpl>(options);
  Result<Session> first = source->Establish();
  if (first.ok()) {
    source->Start(std::move(*first));
  } else {
    if (first.status().code() != StatusCode::kUnavailable || options.snapshot_file.empty()) {
      return first.status();
    }
    OPENADCS_RETURN_IF_ERROR(source->InstallFromDisk(first.status()));
    source->Start(std::nullopt);
  }
  return std::unique_ptr<LdapTemplateSource>(std::move(source));
}

}  // namespace openadcs::directory
