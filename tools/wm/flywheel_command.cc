// `wm flywheel`: the continual trainer. Watches an append-only store (wm
// ingest's), fine-tunes the served model MODELS/NAME on new episodes and
// publishes a candidate only when the bootstrap gate on held-out episodes
// supports it (worldmodel/flywheel/flywheel_cycle.h); every decision is a
// JSON line and a Prometheus counter. Safe to kill: a rerun resumes.

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/flywheel/flywheel_cycle.h"
#include "worldmodel/flywheel/flywheel_gate.h"
#include "worldmodel/flywheel/flywheel_state.h"

namespace wm::tools {
namespace {

absl::StatusOr<worldmodel::FlywheelJob> ResolveJob(
    const Invocation& invocation) {
  worldmodel::FlywheelJob job;
  v1::FlywheelConfig config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_config), &config));
  }
  if (invocation.Given("metrics_port")) {
    config.set_metrics_port(absl::GetFlag(FLAGS_metrics_port));
  }
  WM_ASSIGN_OR_RETURN(job.config, worldmodel::WithFlywheelDefaults(config));
  job.store_dir = absl::GetFlag(FLAGS_data);
  job.model_dir = absl::GetFlag(FLAGS_models);
  if (job.store_dir.empty()) {
    return absl::InvalidArgumentError("--data STORE is required");
  }
  if (job.model_dir.empty()) {
    return absl::InvalidArgumentError(
        "--models MODELS/NAME is required (the served model, with a "
        "version to start from)");
  }
  job.log_path = absl::GetFlag(FLAGS_log).empty()
                     ? worldmodel::DefaultFlywheelLog(job.model_dir)
                     : absl::GetFlag(FLAGS_log);
  return job;
}

// Serves the counters of the state on disk at /metrics until destroyed.
class MetricsPage {
 public:
  absl::Status Start(const worldmodel::FlywheelJob& job) {
    const std::string flywheel_dir =
        worldmodel::FlywheelDirectory(job.model_dir);
    const std::string name =
        std::filesystem::path(job.model_dir).filename().string();
    server_.Get("/metrics", [flywheel_dir, name](const httplib::Request&,
                                                 httplib::Response& response) {
      absl::StatusOr<v1::FlywheelState> state =
          worldmodel::LoadFlywheelState(flywheel_dir);
      if (!state.ok()) {
        response.status = 500;
        response.set_content(std::string(state.status().message()),
                             "text/plain");
        return;
      }
      response.set_content(worldmodel::RenderFlywheelMetrics(*state, name),
                           "text/plain; version=0.0.4");
    });
    const std::string address = absl::GetFlag(FLAGS_metrics_address);
    if (!server_.bind_to_port(address, job.config.metrics_port())) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen for metrics on ", address, ":",
                       job.config.metrics_port()));
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }
  ~MetricsPage() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

 private:
  httplib::Server server_;
  std::thread thread_;
};

absl::Status RunLoop(worldmodel::FlywheelJob job) {
  MetricsPage page;
  if (job.config.metrics_port() > 0) WM_RETURN_IF_ERROR(page.Start(job));
  const int64_t max_cycles = absl::GetFlag(FLAGS_max_cycles);
  std::cerr << "wm flywheel: " << job.store_dir << " -> " << job.model_dir
            << ", log " << job.log_path << "\n";
  std::unique_ptr<ProgressBar> bar;
  job.progress = [&bar](const worldmodel::TrainingProgress& progress) {
    if (!bar)
      bar = std::make_unique<ProgressBar>("steps", progress.steps_total);
    bar->Update(progress.steps_done,
                absl::StrFormat("loss %.4g, val %.4g", progress.train_loss,
                                progress.validation_loss));
  };
  std::string last_wait;
  for (int64_t decided = 0; max_cycles <= 0 || decided < max_cycles;) {
    absl::StatusOr<worldmodel::FlywheelStep> step =
        worldmodel::RunFlywheelStep(job);
    if (bar) bar->Finish();
    bar.reset();
    if (!step.ok()) return step.status();
    if (step->decided) {
      ++decided;
      last_wait.clear();
      std::cout << worldmodel::FlywheelDecisionJson(step->decision)
                << std::endl;
      continue;
    }
    if (step->waiting_reason != last_wait) {
      std::cerr << "wm flywheel: waiting: " << step->waiting_reason << "\n";
      last_wait = step->waiting_reason;
    }
    std::this_thread::sleep_for(
        std::chrono::duration<double>(job.config.poll_seconds()));
  }
  return absl::OkStatus();
}

}  // namespace

int RunFlywheel(const Invocation& invocation) {
  absl::StatusOr<worldmodel::FlywheelJob> job = ResolveJob(invocation);
  const absl::Status status = job.ok() ? RunLoop(*job) : job.status();
  if (!status.ok()) {
    std::cerr << "wm flywheel: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
