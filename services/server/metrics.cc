#include "server/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace proeftuin::server {

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {  // the shortest form that reads back
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,     2.5,   5,    10};
}

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      bounds_(std::move(buckets)) {}

MetricFamily::Series& MetricFamily::SeriesFor(const std::vector<std::string>& labels) {
  Series& s = series_[labels];
  if (type_ == MetricType::kHistogram && s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
  return s;
}

MetricFamily::Series& MetricFamily::SeriesFor(std::initializer_list<std::string_view> labels) {
  auto it = series_.find(labels);
  if (it != series_.end()) return it->second;
  return SeriesFor(std::vector<std::string>(labels.begin(), labels.end()));
}

void MetricFamily::Add(const std::vector<std::string>& labels, double delta) {
  absl::MutexLock l(&mu_);
  SeriesFor(labels).value += delta;
}

void MetricFamily::Add(std::initializer_list<std::string_view> labels, double delta) {
  absl::MutexLock l(&mu_);
  SeriesFor(labels).value += delta;
}

void MetricFamily::Set(const std::vector<std::string>& labels, double value) {
  absl::MutexLock l(&mu_);
  SeriesFor(labels).value = value;
}

void MetricFamily::Observe(const std::vector<std::string>& labels, double value, uint64_t count,
                           std::optional<double> sum) {
  absl::MutexLock l(&mu_);
  Count(SeriesFor(labels), value, count, sum.value_or(value * static_cast<double>(count)));
}

void MetricFamily::Observe(std::initializer_list<std::string_view> labels, double value) {
  absl::MutexLock l(&mu_);
  Count(SeriesFor(labels), value, 1, value);
}

void MetricFamily::Count(Series& s, double value, uint64_t count, double sum) const {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  s.buckets[bucket] += count;
  s.count += count;
  s.sum += sum;
}

std::string MetricFamily::Labels(const std::vector<std::string>& values, std::string_view extra_name,
                                 std::string_view extra_value) const {
  std::string out;
  for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
    out += (out.empty() ? "" : ",") + label_names_[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += (out.empty() ? "" : ",") + std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  return out.empty() ? "" : "{" + out + "}";
}

void MetricFamily::Render(std::string* out) const {
  std::string help;
  for (char c : help_) help += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
  const char* type = type_ == MetricType::kCounter ? "counter" : type_ == MetricType::kGauge ? "gauge" : "histogram";
  *out += "# HELP " + name_ + " " + help + "\n# TYPE " + name_ + " " + type + "\n";
  absl::MutexLock l(&mu_);
  if (series_.empty() && label_names_.empty() && type_ != MetricType::kHistogram) {
    *out += name_ + " 0\n";
    return;
  }
  for (const auto& [labels, s] : series_) {
    if (type_ != MetricType::kHistogram) {
      *out += name_ + Labels(labels) + " " + FormatMetricValue(s.value) + "\n";
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= bounds_.size(); ++b) {
      cumulative += s.buckets[b];
      std::string le = b < bounds_.size() ? FormatMetricValue(bounds_[b]) : "+Inf";
      *out += name_ + "_bucket" + Labels(labels, "le", le) + " " + std::to_string(cumulative) + "\n";
    }
    *out += name_ + "_sum" + Labels(labels) + " " + FormatMetricValue(s.sum) + "\n";
    *out += name_ + "_count" + Labels(labels) + " " + std::to_string(s.count) + "\n";
  }
}

}  // namespace proeftuin::server
