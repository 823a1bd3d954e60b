// Ingest throughput (issue 38's target: at least 50,000 transitions per
// second from 8 streaming clients on loopback, push scene, chunks of at
// most 256 transitions): a real `wm ingest` server (IngestServer, in this
// process, on a loopback port) writing a store in a temporary directory,
// and N client threads, each with its own channel, uploading push episodes
// of 1000 samples (4 chunks) with IngestClient::UploadEpisode, every one
// acknowledged durable (journal fsynced). The samples are valid push states
// (unit quaternions, times k dt), random otherwise. Prints
//   ingest_transitions_per_s: ours X, reference 50000 (the target), ratio R
// and checks that the store holds every acknowledged transition.
//
//   wm_bench_ingest [--seconds S] [--clients N] [--samples K]

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_report.h"
#include "services/client/ingest_client.h"
#include "services/ingest/ingest_server.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"

namespace {

using wm::services::EpisodeUpload;

// A valid push episode of `samples` samples.
EpisodeUpload PushEpisode(const wm::v1::DatasetManifest& manifest, int samples,
                          unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  const wm::v1::StateSpec& spec = manifest.spec();
  EpisodeUpload upload;
  upload.scene = manifest.scene().name();
  upload.dt = manifest.dt();
  upload.spec = spec;
  for (int k = 0; k < samples; ++k) {
    upload.times.push_back(k * manifest.dt());
    const size_t at = upload.states.size();
    for (int i = 0; i < spec.nq() + spec.nv(); ++i) {
      upload.states.push_back(value(random));
    }
    for (const wm::v1::Joint& joint : spec.joints()) {
      if (joint.type() != wm::v1::Joint::FREE) continue;
      double* q = &upload.states[at + joint.quaternion_offset()];
      q[0] = 1, q[1] = q[2] = q[3] = 0;
    }
    for (int u = 0; u < spec.nu(); ++u) upload.actions.push_back(value(random));
  }
  return upload;
}

int Flag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = Flag(argc, argv, "--seconds", 10);
  const int clients = Flag(argc, argv, "--clients", 8);
  const int samples = Flag(argc, argv, "--samples", 1000);
  auto scene = wm::sim::LoadScene("push");
  if (!scene.ok()) return 1;
  const wm::v1::DatasetManifest manifest = wm::sim::ManifestForScene(**scene);
  const std::string store = std::filesystem::temp_directory_path() /
                            absl::StrCat("wm_bench_ingest.", getpid());
  wm::v1::IngestConfig config;
  config.set_store(store);
  auto server = wm::services::IngestServer::Start(config, {}, &manifest);
  if (!server.ok()) {
    std::cerr << server.status() << "\n";
    return 1;
  }
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());
  std::atomic<int64_t> transitions{0};
  std::atomic<int> failures{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = wm::services::IngestClient::Connect(address, {});
      if (!client.ok()) return void(++failures);
      EpisodeUpload episode = PushEpisode(manifest, samples, c);
      episode.robot_id = absl::StrCat("robot", c);
      for (int e = 0; absl::Now() < end; ++e) {
        episode.episode_id = absl::StrCat("e", e);
        auto result = (*client)->UploadEpisode(episode);
        if (!result.ok() || result->chunks_stored == 0) return void(++failures);
        transitions += samples - 1;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  (*server)->Shutdown(absl::Seconds(5));  // publishes the rest
  const int64_t stored = (*server)->store().manifest().num_transitions();
  server->reset();
  std::filesystem::remove_all(store);
  std::printf(
      "# %d clients, episodes of %d samples, %.1f s: %lld transitions "
      "acknowledged, %lld published, %d failed uploads\n",
      clients, samples, elapsed, static_cast<long long>(transitions),
      static_cast<long long>(stored), failures.load());
  wm::bench::Report("ingest_transitions_per_s", transitions / elapsed, 50000,
                    "transitions/s");
  return failures == 0 && stored == transitions ? 0 : 1;
}
