#ifndef WM_SERVICES_SERVER_METRICS_H_
#define WM_SERVICES_SERVER_METRICS_H_

// Counters and histograms of the service, rendered in the Prometheus text
// exposition format: calls and latency per method and code, batch sizes.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/model_manager.h"

namespace wm::services {

// `value` escaped for a Prometheus label value between double quotes:
// backslash, double quote and newline become \\, \" and \n, so a model
// directory named with a quote or newline cannot break the page.
std::string EscapeLabelValue(absl::string_view value);

class ServerMetrics {
 public:
  // Counts one finished call of `method` ("Predict", ...) with its status
  // code and latency. Thread-safe.
  void RecordCall(const std::string& method, absl::StatusCode code,
                  absl::Duration latency);

  // Counts one model call made by the Predict batcher. Thread-safe.
  void RecordBatch(int64_t rows, int calls);

  // The Prometheus text page: wm_calls_total{method,code},
  // wm_call_latency_seconds{method} histogram, wm_predict_batch_rows and
  // wm_predict_batch_calls histograms, wm_predict_queue_depth and
  // wm_loaded_versions{model} gauges from the values given. Thread-safe.
  std::string RenderPrometheus(int queue_depth,
                               const std::vector<ModelListing>& models) const;

 private:
  struct Histogram {
    std::vector<double> bounds;    // upper bounds, increasing; +Inf implied
    std::vector<uint64_t> counts;  // per bucket (not cumulative), +Inf last
    double sum = 0;
    uint64_t count = 0;
    void Add(double value);
    void Render(const std::string& name, const std::string& labels,
                std::string* out) const;
  };
  static Histogram LatencyHistogram();
  static Histogram SizeHistogram();

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> calls_;
  std::map<std::string, Histogram> latency_;
  Histogram batch_rows_ = SizeHistogram();
  Histogram batch_calls_ = SizeHistogram();
};

}  // namespace wm::services

#endif  // WM_SERVICES_SERVER_METRICS_H_
