// Generation throughput on `push` and `toss`:
//  - ours (RolloutGenerator, one worker, in-memory sink) against a bare
//    mj_step loop over the same models, initial states and actions;
//  - two workers against one (median of 5 runs each);
//  - end to end with HDF5 writing against the in-memory sink.
// Rates are MuJoCo steps per second (control steps x frame skip).

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "datasets/dataset_writer.h"
#include "datasets/in_memory_sink.h"
#include "sim/rollout_generator.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "util/logging.h"

namespace wm::bench {
namespace {

double Seconds(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

std::unique_ptr<sim::RolloutGenerator> MakeGenerator(
    std::shared_ptr<const sim::Scene> scene, int64_t episodes, int64_t steps,
    int workers) {
  sim::GenerationOptions options;
  options.episodes = episodes;
  options.steps = steps;
  options.seed = 1;
  options.workers = workers;
  auto generator = sim::RolloutGenerator::Create(scene, options);
  CHECK(generator.ok()) << generator.status();
  return *std::move(generator);
}

// Replays the episodes' initial states and actions with bare mj_step calls
// on models carrying each episode's parameters (prepared outside the timing).
double RawLoopSeconds(const sim::Scene& scene,
                      const std::vector<datasets::Episode>& episodes) {
  std::vector<sim::ModelPtr> models;
  for (const datasets::Episode& episode : episodes) {
    sim::ModelPtr model = sim::CopyModel(scene.model());
    for (size_t p = 0; p < scene.parameters().size(); ++p) {
      sim::WriteParameter(model.get(), scene.parameters()[p],
                          episode.params[p]);
    }
    models.push_back(std::move(model));
  }
  sim::DataPtr data(mj_makeData(models.front().get()));
  const int nq = scene.nq(), nv = scene.nv(), nu = scene.nu();
  return Seconds([&] {
    for (size_t e = 0; e < episodes.size(); ++e) {
      const mjModel* model = models[e].get();
      mj_setConst(models[e].get(), data.get());
      mj_resetData(model, data.get());
      mju_copy(data->qpos, episodes[e].qpos.data(), nq);
      mju_copy(data->qvel, episodes[e].qvel.data(), nv);
      for (int64_t t = 0; t < episodes[e].num_steps(); ++t) {
        mju_copy(data->ctrl, episodes[e].ctrl.data() + t * nu, nu);
        for (int k = 0; k < scene.frame_skip(); ++k) mj_step(model, data.get());
      }
    }
  });
}

void BenchScene(const std::string& name, int64_t episodes, int64_t steps) {
  auto scene = sim::LoadScene(name);
  CHECK(scene.ok()) << scene.status();
  const double mj_steps =
      static_cast<double>(episodes) * steps * (*scene)->frame_skip();

  // Ours with one worker against the bare loop, alternating, median of 5.
  std::vector<double> ours, raw;
  for (int run = 0; run < 5; ++run) {
    datasets::InMemorySink sink;
    auto generator = MakeGenerator(*scene, episodes, steps, 1);
    ours.push_back(mj_steps /
                   Seconds([&] { CHECK(generator->Run(&sink, {}).ok()); }));
    raw.push_back(mj_steps / RawLoopSeconds(**scene, sink.episodes()));
  }
  Report(name + "/generate_1_worker_vs_raw_mj_step", Median(ours), Median(raw),
         "steps/s");

  // Two workers against one, median of 5 runs each.
  std::vector<double> one, two;
  for (int run = 0; run < 5; ++run) {
    for (int workers : {1, 2}) {
      datasets::InMemorySink discard;
      auto parallel = MakeGenerator(*scene, episodes, steps, workers);
      const double seconds =
          Seconds([&] { CHECK(parallel->Run(&discard, {}).ok()); });
      (workers == 1 ? one : two).push_back(mj_steps / seconds);
    }
  }
  Report(name + "/generate_2_workers_vs_1", Median(two), Median(one),
         "steps/s");

  // End to end with HDF5 shards against the in-memory sink (two workers).
  const std::string directory = std::filesystem::temp_directory_path() /
                                ("wm_bench_" + name + "_dataset");
  auto writer = datasets::DatasetWriter::Create(
      directory, sim::ManifestForScene(**scene), 64, /*overwrite=*/true);
  CHECK(writer.ok()) << writer.status();
  auto to_disk = MakeGenerator(*scene, episodes, steps, 2);
  const double disk = Seconds([&] {
    auto summary = to_disk->Run(writer->get(), {});
    CHECK(summary.ok()) << summary.status();
    CHECK((*writer)->Finish(summary->dropped).ok());
  });
  Report(name + "/generate_2_workers_hdf5_vs_memory", mj_steps / disk,
         Median(two), "steps/s");
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace wm::bench

int main() {
  wm::bench::BenchScene("push", 40, 100);
  wm::bench::BenchScene("toss", 60, 150);
  return 0;
}
