#include "openadcs/util/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace openadcs::metrics {
namespace {

// Label values escape backslash, double quote and line feed; HELP text
// backslash and line feed (exposition format 0.0.4).
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// `{a="x",b="y"}`, with `extra` (le) last; "" without labels.
std::string LabelText(const Labels& labels, const char* extra_name = nullptr,
                      std::string_view extra_value = {}) {
  if (labels.empty() && extra_name == nullptr) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", name, Escape(value, true));
  }
  if (extra_name != nullptr) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", extra_name, extra_value);
  }
  return out + "}";
}

std::string Header(std::string_view name, std::string_view help, std::string_view type) {
  return fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, Escape(help, false), name, type);
}

// A programming error: stderr directly, as the logger may not be set up.
[[noreturn]] void Misuse(std::string_view name, std::string_view what) {
  fmt::print(stderr, "metrics: {} {}\n", name, what);
  std::abort();
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  // Buckets hold non-cumulative counts; the snapshot accumulates.
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  counts_[static_cast<std::size_t>(at - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

void Histogram::ObserveDuration(std::chrono::steady_clock::duration d) {
  Observe(std::chrono::duration<double>(d).count());
}

void Histogram::ObserveSince(std::chrono::steady_clock::time_point start) {
  ObserveDuration(std::chrono::steady_clock::now() - start);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    s.count += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(s.count);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

template <typename T>
T& Registry::Child(std::string_view name, std::string_view help, Type type,
                   const std::vector<double>& bounds, const Labels& labels,
                   std::map<Labels, std::unique_ptr<T>> Family::*children) {
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    const auto family = families_.find(name);
    if (family != families_.end() && family->second.type == type) {
      const auto& map = family->second.*children;
      if (const auto child = map.find(labels); child != map.end()) return *child->second;
    }
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) {
    family =
        families_.emplace(std::string(name), Family{type, std::string(help), bounds, {}, {}, {}})
            .first;
  }
  if (family->second.type != type) Misuse(name, "is registered with another type");
  if (family->second.bounds != bounds) Misuse(name, "is registered with other buckets");
  auto& map = family->second.*children;
  auto child = map.find(labels);
  if (child == map.end()) {
    if constexpr (std::is_same_v<T, Histogram>) {
      child = map.emplace(labels, std::make_unique<Histogram>(bounds)).first;
    } else {
      child = map.emplace(labels, std::make_unique<T>()).first;
    }
  }
  return *child->second;
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  return Child(name, help, Type::kCounter, {}, labels, &Family::counters);
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  return Child(name, help, Type::kGauge, {}, labels, &Family::gauges);
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help,
                                  const std::vector<double>& bounds, const Labels& labels) {
  return Child(name, help, Type::kHistogram, bounds, labels, &Family::histograms);
}

void Registry::SetGaugeCallback(std::string_view name, std::string_view help,
                                std::function<std::optional<double>()> read) {
  std::lock_guard<std::mutex> lock(callbacks_mu_);
  callbacks_[std::string(name)] = Callback{std::string(help), std::move(read)};
}

std::string Registry::RenderText() const {
  std::map<std::string, std::string> texts;  // by family name
  {
    std::lock_guard<std::mutex> lock(callbacks_mu_);
    for (const auto& [name, callback] : callbacks_)
      texts[name] = Header(name, callback.help, "gauge");
  }
  // The callbacks run without either lock: they may be slow or use the
  // registry. A callback replaced meanwhile is read under the lock again.
  for (auto it = texts.begin(); it != texts.end();) {
    std::function<std::optional<double>()> read;
    {
      std::lock_guard<std::mutex> lock(callbacks_mu_);
      const auto callback = callbacks_.find(it->first);
      if (callback != callbacks_.end()) read = callback->second.read;
    }
    const std::optional<double> value = read ? read() : std::nullopt;
    if (!value) {
      it = texts.erase(it);
      continue;
    }
    it->second += it->first + " " + FormatValue(*value) + "\n";
    ++it;
  }

  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [name, family] : families_) {
    std::string& out = texts[name];
    switch (family.type) {
      case Type::kCounter:
        out = Header(name, family.help, "counter");
        for (const auto& [labels, c] : family.counters) {
          out += fmt::format("{}{} {}\n", name, LabelText(labels), c->value());
        }
        break;
      case Type::kGauge:
        out = Header(name, family.help, "gauge");
        for (const auto& [labels, g] : family.gauges) {
          out += fmt::format("{}{} {}\n", name, LabelText(labels), FormatValue(g->value()));
        }
        break;
      case Type::kHistogram:
        out = Header(name, family.help, "histogram");
        for (const auto& [labels, h] : family.histograms) {
          const Histogram::Snapshot s = h->snapshot();
          for (std::size_t i = 0; i <= family.bounds.size(); ++i) {
            const double le = i < family.bounds.size() ? family.bounds[i] : INFINITY;
            out += fmt::format("{}_bucket{} {}\n", name, LabelText(labels, "le", FormatValue(le)),
                               s.cumulative[i]);
          }
          out += fmt::format("{}_sum{} {}\n", name, LabelText(labels), FormatValue(s.sum));
          out += fmt::format("{}_count{} {}\n", name, LabelText(labels), s.count);
        }
        break;
    }
  }
  std::string all;
  for (const auto& [name, text] : texts) all += text;
  return all;
}

}  // namespace openadcs::metrics
