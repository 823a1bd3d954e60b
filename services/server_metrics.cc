#include "services/server_metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wm::services {

void ServerMetrics::Histogram::Add(double value) {
  size_t bucket = 0;
  while (bucket < bounds.size() && value > bounds[bucket]) ++bucket;
  ++counts[bucket];
  sum += value;
  ++count;
}

void ServerMetrics::Histogram::Render(const std::string& name,
                                      const std::string& labels,
                                      std::string* out) const {
  const std::string prefix = labels.empty() ? "" : absl::StrCat(labels, ",");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += counts[i];
    const std::string le =
        i < bounds.size() ? absl::StrFormat("%g", bounds[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", prefix, "le=\"", le, "\"} ",
                    cumulative, "\n");
  }
  const std::string braces =
      labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", absl::StrFormat("%.9g", sum),
                  "\n", name, "_count", braces, " ", count, "\n");
}

ServerMetrics::Histogram ServerMetrics::LatencyHistogram() {
  Histogram histogram;
  histogram.bounds = {25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3,
                      5e-3,  10e-3, 25e-3,  50e-3,  0.1,    0.25, 1.0};
  histogram.counts.assign(histogram.bounds.size() + 1, 0);
  return histogram;
}

ServerMetrics::Histogram ServerMetrics::SizeHistogram() {
  Histogram histogram;
  histogram.bounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  histogram.counts.assign(histogram.bounds.size() + 1, 0);
  return histogram;
}

void ServerMetrics::RecordCall(const std::string& method, absl::StatusCode code,
                               absl::Duration latency) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++calls_[{method, absl::StatusCodeToString(code)}];
  auto it = latency_.find(method);
  if (it == latency_.end()) {
    it = latency_.emplace(method, LatencyHistogram()).first;
  }
  it->second.Add(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::RecordBatch(int64_t rows, int calls) {
  std::lock_guard<std::mutex> lock(mutex_);
  batch_rows_.Add(rows);
  batch_calls_.Add(calls);
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ServerMetrics::RenderPrometheus(
    int queue_depth, const std::vector<ModelListing>& models) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  absl::StrAppend(&out,
                  "# HELP wm_calls_total Finished RPCs by method and status "
                  "code.\n# TYPE wm_calls_total counter\n");
  for (const auto& [key, count] : calls_) {
    absl::StrAppend(&out, "wm_calls_total{method=\"",
                    EscapeLabelValue(key.first), "\",code=\"",
                    EscapeLabelValue(key.second), "\"} ", count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP wm_call_latency_seconds RPC latency in the "
                  "handler.\n# TYPE wm_call_latency_seconds histogram\n");
  for (const auto& [method, histogram] : latency_) {
    histogram.Render("wm_call_latency_seconds",
                     absl::StrCat("method=\"", EscapeLabelValue(method), "\""),
                     &out);
  }
  absl::StrAppend(&out,
                  "# HELP wm_predict_batch_rows Rows per batched model "
                  "call.\n# TYPE wm_predict_batch_rows histogram\n");
  batch_rows_.Render("wm_predict_batch_rows", "", &out);
  absl::StrAppend(&out,
                  "# HELP wm_predict_batch_calls Predict calls per batched "
                  "model call.\n# TYPE wm_predict_batch_calls histogram\n");
  batch_calls_.Render("wm_predict_batch_calls", "", &out);
  absl::StrAppend(&out,
                  "# HELP wm_predict_queue_depth Predict calls waiting.\n"
                  "# TYPE wm_predict_queue_depth gauge\n"
                  "wm_predict_queue_depth ",
                  queue_depth, "\n");
  absl::StrAppend(&out,
                  "# HELP wm_loaded_versions Loaded versions per model.\n"
                  "# TYPE wm_loaded_versions gauge\n");
  for (const ModelListing& model : models) {
    absl::StrAppend(&out, "wm_loaded_versions{model=\"",
                    EscapeLabelValue(model.name), "\"} ", model.versions.size(),
                    "\n");
  }
  return out;
}

}  // namespace wm::services
