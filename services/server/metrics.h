// Metrics in the Prometheus text format (version 0.0.4): counter, gauge and histogram families
// with labels. Debian 12 packages no Prometheus client library for C++, so this is the small
// part of one that proeftuind needs; `promtool check metrics` accepts its output (tested).
//
// A family is created once with its label names; each distinct tuple of label values is one
// series. Histograms have fixed bucket bounds (the "le" label; +Inf is implicit).
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace proeftuin::server {

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricFamily {
 public:
  // `name` must be a valid Prometheus name (counters end in _total); `buckets` ascending, only
  // for histograms.
  MetricFamily(std::string name, std::string help, MetricType type, std::vector<std::string> label_names = {},
               std::vector<double> buckets = {});

  // Counter or gauge: adds `delta` to the series of `labels` (created at 0).
  void Add(const std::vector<std::string>& labels, double delta = 1);
  // The same without building the labels, for a series that usually exists (once per RPC).
  void Add(std::initializer_list<std::string_view> labels, double delta = 1);
  // Gauge (or a counter mirrored from a monotonic source): sets the value.
  void Set(const std::vector<std::string>& labels, double value);
  // Histogram: `count` observations of `value`; their total is `sum` (default value * count).
  void Observe(const std::vector<std::string>& labels, double value, uint64_t count = 1,
               std::optional<double> sum = std::nullopt);
  void Observe(std::initializer_list<std::string_view> labels, double value);

  // Appends "# HELP", "# TYPE" and every series. A family without series renders only its
  // header lines for counters and gauges without labels (value 0), so the name always exists.
  void Render(std::string* out) const;

  const std::string& name() const { return name_; }

 private:
  struct Series {
    double value = 0;
    std::vector<uint64_t> buckets;  // per bound, not cumulative; the last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  // Orders label tuples, and finds one given as string views without copying it.
  struct LabelsLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                          [](const auto& x, const auto& y) {
                                            return std::string_view(x) < std::string_view(y);
                                          });
    }
  };
  Series& SeriesFor(const std::vector<std::string>& labels) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Series& SeriesFor(std::initializer_list<std::string_view> labels) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Count(Series& s, double value, uint64_t count, double sum) const;
  std::string Labels(const std::vector<std::string>& values, std::string_view extra_name = "",
                     std::string_view extra_value = "") const;

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, Series, LabelsLess> series_ ABSL_GUARDED_BY(mu_);
};

// A number as Prometheus writes it: integers exactly, "+Inf", "-Inf", "NaN", else the shortest
// %g form that reads back as the same double.
std::string FormatMetricValue(double v);
// A label value with \, " and newline escaped.
std::string EscapeLabelValue(std::string_view v);

// Bucket bounds for durations in seconds, from 50 microseconds to 10 seconds.
std::vector<double> LatencyBuckets();

}  // namespace proeftuin::server
