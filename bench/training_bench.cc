// Training and rollout cost of the learned members, on the `push` scene's
// sizes (nq 9, nv 8, nu 2, 3 parameters) with synthetic tensors:
//  - blackbox_train_1_thread: training samples/s (Adam steps x batch 128) of
//    a BlackboxMember through MemberLoss (history 0, horizon 1) and
//    torch::optim::Adam, exactly as trainer.cc steps, against
//    bench/training_peer.py doing the same arithmetic in python3-torch on the
//    same initial weights and batch (both on one intra-op thread). The two
//    sides' losses over the warm-up steps are checked to agree, so the
//    comparison is of like with like;
//  - ensemble4_2_threads_vs_1: 4 blackbox members trained one per thread on
//    2 threads (trainer.cc's worker pattern) against the same work on 1;
//  - physics_rollout_256x30: a default physics ensemble (5 members,
//    DefaultHidden) stepping 256 samples x 30 steps with MemberNetwork::Step
//    under InferenceMode, against the compute floor: its Linear and gain-bmm
//    FLOPs at the measured single-thread sgemm rate of a 512^3 at::mm;
//  - physics_rollout_256x30_stacked: the same with the members stacked
//    (StackMembers), as a loaded model runs them, against the same floor;
//  - physics_flops_per_sample_step: those FLOPs per sample-step over all
//    members, against the 0.25 MFLOP budget.
// Diagnostics (BLAS library, threads, cores used) go to stderr.
// Medians of a few repetitions after warm-up; the whole run takes about
// 20 s on a 2-core machine. Needs /usr/bin/python3 with torch.

#include <ATen/Parallel.h>
#include <torch/serialize.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_report.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "util/logging.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/learned_networks.h"
#include "worldmodel/learned/torch_runtime.h"
#include "worldmodel/learned/torch_state_ops.h"
#include "worldmodel/learned/training_batch.h"
#include "worldmodel/model_kind.h"

#ifndef WM_SOURCE_DIR
#error "WM_SOURCE_DIR (the source tree, for bench/training_peer.py) is unset"
#endif

namespace wm::bench {
namespace {

using worldmodel::MemberNetwork;
using worldmodel::StateOps;
using worldmodel::WindowBatch;

constexpr int kBatch = 128;
constexpr double kLearningRate = 1e-3;

double Seconds(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

double ProcessCpuSeconds() {
  timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + 1e-9 * now.tv_nsec;
}

// A checkpoint manifest of `kind` for the push scene, with synthetic
// normalisation statistics (the arithmetic does not depend on their values).
v1::CheckpointManifest PushManifest(worldmodel::ModelKind kind, int members) {
  auto scene = sim::LoadScene("push");
  CHECK(scene.ok()) << scene.status();
  const v1::DatasetManifest data = sim::ManifestForScene(**scene);
  v1::CheckpointManifest manifest;
  manifest.set_kind(worldmodel::ModelKindName(kind));
  manifest.mutable_training()->set_ensemble_size(members);
  manifest.mutable_training()->set_seed(1);
  *manifest.mutable_spec() = data.spec();
  manifest.set_dt(data.dt());
  manifest.set_frame_skip(data.frame_skip());
  *manifest.mutable_parameters() = data.parameters();
  const int nx = data.spec().nq() + data.spec().nv(), nv = data.spec().nv(),
            nu = data.spec().nu(), p = data.parameters_size();
  v1::NormalizationStats& stats = *manifest.mutable_normalization();
  for (int i = 0; i < nx; ++i) {
    stats.add_state_mean(0.01 * i);
    stats.add_state_std(0.5 + 0.1 * i);
  }
  for (int i = 0; i < nu; ++i) {
    stats.add_action_mean(0.0);
    stats.add_action_std(0.2);
  }
  for (int i = 0; i < 2 * nv; ++i) {
    stats.add_delta_mean(0.001 * i);
    stats.add_delta_std(0.05 + 0.01 * i);
  }
  for (int i = 0; i < p; ++i) {
    stats.add_param_mean(1.0);
    stats.add_param_std(0.3);
  }
  return manifest;
}

// Random states [rows, nx] with unit quaternions.
torch::Tensor RandomStates(const v1::StateSpec& spec, int64_t rows) {
  torch::Tensor states = 0.3 * torch::randn({rows, spec.nq() + spec.nv()});
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.quaternion_offset() < 0 ||
        (joint.type() != v1::Joint::FREE && joint.type() != v1::Joint::BALL)) {
      continue;
    }
    auto q = states.narrow(1, joint.quaternion_offset(), 4);
    q.add_(torch::tensor({1.0f, 0.0f, 0.0f, 0.0f}));
    q.div_(q.norm(2, 1, true));
  }
  return states;
}

// One synthetic training batch: history 0, horizon 1.
WindowBatch SyntheticBatch(const v1::CheckpointManifest& manifest) {
  const v1::StateSpec& spec = manifest.spec();
  WindowBatch batch;
  torch::Tensor before = RandomStates(spec, kBatch);
  torch::Tensor after = before + 0.02 * torch::randn_like(before);
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.type() != v1::Joint::FREE && joint.type() != v1::Joint::BALL) {
      continue;
    }
    auto q = after.narrow(1, joint.quaternion_offset(), 4);
    q.div_(q.norm(2, 1, true));
  }
  batch.states = torch::stack({before, after}, 1);
  batch.actions = 0.2 * torch::randn({kBatch, 1, spec.nu()});
  batch.parameters =
      torch::rand({kBatch, manifest.parameters_size()}) * 2.0 + 0.1;
  batch.history = 0;
  batch.horizon = 1;
  return batch;
}

// One optimiser step as trainer.cc's TrainMember takes it; the loss.
double TrainStep(MemberNetwork& member, const StateOps& ops,
                 const WindowBatch& batch, torch::optim::Adam& optimizer) {
  worldmodel::LossTerms terms =
      worldmodel::MemberLoss(member, ops, batch, 1.0, 1.0,
                             /*training=*/false);
  optimizer.zero_grad();
  terms.total.backward();
  optimizer.step();
  return terms.total.item<double>();
}

torch::Tensor Floats(const google::protobuf::RepeatedField<double>& values) {
  std::vector<float> floats(values.begin(), values.end());
  return torch::tensor(floats, torch::kFloat32);
}

// The peer's inputs: the member's weights, the batch, the statistics and
// the joint layout (as StateOps derives it from the StateSpec).
void WritePeerInputs(const std::string& path,
                     const v1::CheckpointManifest& manifest,
                     const std::vector<int>& hidden,
                     const MemberNetwork& member, const WindowBatch& batch) {
  c10::Dict<std::string, at::Tensor> d;
  for (const auto& item : member.named_parameters()) {
    d.insert("member." + item.key(), item.value().detach().clone());
  }
  d.insert("states", batch.states);
  d.insert("actions", batch.actions);
  d.insert("parameters", batch.parameters);
  const v1::StateSpec& spec = manifest.spec();
  d.insert("sizes", torch::tensor(
                        std::vector<int64_t>{spec.nq(), spec.nv(), spec.nu()}));
  d.insert("hidden",
           torch::tensor(std::vector<int64_t>(hidden.begin(), hidden.end())));
  const v1::NormalizationStats& stats = manifest.normalization();
  d.insert("state_mean", Floats(stats.state_mean()));
  d.insert("state_std", Floats(stats.state_std()));
  d.insert("action_mean", Floats(stats.action_mean()));
  d.insert("action_std", Floats(stats.action_std()));
  d.insert("delta_mean", Floats(stats.delta_mean()));
  d.insert("delta_std", Floats(stats.delta_std()));
  std::vector<int64_t> linear_qpos, linear_qvel, quaternion_qpos,
      quaternion_qvel;
  for (const v1::Joint& joint : spec.joints()) {
    const bool free = joint.type() == v1::Joint::FREE;
    if (free || joint.type() == v1::Joint::BALL) {
      for (int i = 0; free && i < 3; ++i) {
        linear_qpos.push_back(joint.qpos_offset() + i);
        linear_qvel.push_back(joint.qvel_offset() + i);
      }
      quaternion_qpos.push_back(joint.qpos_offset() + (free ? 3 : 0));
      quaternion_qvel.push_back(joint.qvel_offset() + (free ? 3 : 0));
    } else {
      linear_qpos.push_back(joint.qpos_offset());
      linear_qvel.push_back(joint.qvel_offset());
    }
  }
  d.insert("linear_qpos", torch::tensor(linear_qpos, torch::kLong));
  d.insert("linear_qvel", torch::tensor(linear_qvel, torch::kLong));
  d.insert("quaternion_qpos", torch::tensor(quaternion_qpos, torch::kLong));
  d.insert("quaternion_qvel", torch::tensor(quaternion_qvel, torch::kLong));
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(d));
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), bytes.size());
  CHECK(out.good()) << "writing " << path;
}

struct PeerResult {
  double loss_first = 0, loss_last = 0;
  std::vector<double> rates;
};

// Runs bench/training_peer.py once and parses its report.
PeerResult RunPeer(const std::string& inputs, int steps, int warmup,
                   int repeats) {
  const std::string command = absl::StrCat(
      "/usr/bin/python3 ", WM_SOURCE_DIR, "/bench/training_peer.py --inputs ",
      inputs, " --steps ", steps, " --warmup ", warmup, " --repeats ", repeats);
  FILE* pipe = popen(command.c_str(), "r");
  CHECK(pipe != nullptr) << "cannot run " << command;
  PeerResult result;
  char line[4096];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "loss_first") in >> result.loss_first;
    if (key == "loss_last") in >> result.loss_last;
    if (key == "samples_per_s") {
      for (double rate; in >> rate;) result.rates.push_back(rate);
    }
  }
  const int status = pclose(pipe);
  CHECK(status == 0 && !result.rates.empty())
      << "the Python peer failed (status " << status << "): " << command;
  return result;
}

void ExpectSameLoss(const char* what, double ours, double peer) {
  CHECK_LE(std::abs(ours - peer), 1e-4 * std::max(1.0, std::abs(ours)))
      << what << " loss differs from the Python peer's: ours " << ours
      << ", peer " << peer << " (training_peer.py no longer mirrors C++)";
}

void BenchBlackboxTraining() {
  constexpr int kSteps = 40, kWarmup = 10, kRepeats = 3, kRounds = 3;
  const v1::CheckpointManifest manifest =
      PushManifest(worldmodel::ModelKind::kBlackbox, 1);
  worldmodel::LearnedEnsemble ensemble = worldmodel::BuildEnsemble(manifest);
  const StateOps& ops = *ensemble.ops;
  MemberNetwork& member = *ensemble.members[0];
  const WindowBatch batch = SyntheticBatch(manifest);
  const std::string inputs =
      std::filesystem::temp_directory_path() /
      absl::StrCat("wm_bench_training_", getpid(), ".pt");
  WritePeerInputs(inputs, manifest,
                  worldmodel::DefaultHidden(worldmodel::ModelKind::kBlackbox),
                  member, batch);

  torch::optim::Adam optimizer(member.parameters(),
                               torch::optim::AdamOptions(kLearningRate));
  std::vector<double> losses;
  for (int s = 0; s < kWarmup; ++s) {
    losses.push_back(TrainStep(member, ops, batch, optimizer));
  }
  // Alternate our repetitions with the peer's runs, for fairness under load.
  std::vector<double> ours, reference;
  for (int round = 0; round < kRounds; ++round) {
    for (int r = 0; r < kRepeats; ++r) {
      const double seconds = Seconds([&] {
        for (int s = 0; s < kSteps; ++s) {
          TrainStep(member, ops, batch, optimizer);
        }
      });
      ours.push_back(kSteps * kBatch / seconds);
    }
    PeerResult peer = RunPeer(inputs, kSteps, kWarmup, kRepeats);
    ExpectSameLoss("first warm-up step", losses.front(), peer.loss_first);
    ExpectSameLoss("last warm-up step", losses.back(), peer.loss_last);
    reference.insert(reference.end(), peer.rates.begin(), peer.rates.end());
  }
  std::filesystem::remove(inputs);
  Report("blackbox_train_1_thread", Median(ours), Median(reference),
         "samples/s");
}

void BenchEnsembleThreads() {
  constexpr int kMembers = 4, kSteps = 25, kRepeats = 3;
  const v1::CheckpointManifest manifest =
      PushManifest(worldmodel::ModelKind::kBlackbox, kMembers);
  worldmodel::LearnedEnsemble ensemble = worldmodel::BuildEnsemble(manifest);
  const StateOps& ops = *ensemble.ops;
  const WindowBatch batch = SyntheticBatch(manifest);
  std::vector<std::unique_ptr<torch::optim::Adam>> optimizers;
  for (const auto& member : ensemble.members) {
    optimizers.push_back(std::make_unique<torch::optim::Adam>(
        member->parameters(), torch::optim::AdamOptions(kLearningRate)));
    for (int s = 0; s < 5; ++s) {
      TrainStep(*member, ops, batch, *optimizers.back());
    }
  }
  // Members taken from a shared counter by `threads` workers (trainer.cc).
  auto train = [&](int threads) {
    std::atomic<int> next{0};
    auto worker = [&] {
      for (int k = next++; k < kMembers; k = next++) {
        for (int s = 0; s < kSteps; ++s) {
          TrainStep(*ensemble.members[k], ops, batch, *optimizers[k]);
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& thread : pool) thread.join();
  };
  // Also the process CPU time per wall second (2 when both threads had a
  // core), which tells other load from contention between the threads.
  std::vector<double> one, two, one_cpu, two_cpu;
  const double samples = static_cast<double>(kMembers) * kSteps * kBatch;
  for (int r = 0; r < kRepeats; ++r) {
    for (int threads : {1, 2}) {
      const double cpu_start = ProcessCpuSeconds();
      const double seconds = Seconds([&] { train(threads); });
      const double cpu = ProcessCpuSeconds() - cpu_start;
      (threads == 1 ? one : two).push_back(samples / seconds);
      (threads == 1 ? one_cpu : two_cpu).push_back(cpu / seconds);
    }
  }
  std::fprintf(stderr,
               "wm_bench_training: ensemble training used %.2f cores on 1 "
               "thread, %.2f on 2\n",
               Median(one_cpu), Median(two_cpu));
  Report("ensemble4_2_threads_vs_1", Median(two), Median(one), "samples/s");
}

// Single-thread sgemm rate through at::mm, FLOP/s.
double SgemmRate() {
  constexpr int64_t kSize = 512;
  torch::Tensor a = torch::randn({kSize, kSize}),
                b = torch::randn({kSize, kSize});
  torch::Tensor c = at::mm(a, b);
  std::vector<double> rates;
  for (int r = 0; r < 15; ++r) {
    const double seconds = Seconds([&] { c = at::mm(a, b); });
    rates.push_back(2.0 * kSize * kSize * kSize / seconds);
  }
  return Median(rates);
}

void BenchPhysicsRollout() {
  constexpr int64_t kSamples = 256, kHorizon = 30;
  constexpr int kRepeats = 7;
  const v1::CheckpointManifest manifest =
      PushManifest(worldmodel::ModelKind::kPhysics, 5);
  worldmodel::LearnedEnsemble ensemble = worldmodel::BuildEnsemble(manifest);
  const StateOps& ops = *ensemble.ops;
  for (auto& member : ensemble.members) member->eval();

  // FLOPs per sample-step over all members: the dynamics network's Linear
  // layers (2 in out each), the sums over parameter and inverse-mass ratios
  // and the gain bmm; the encoder runs once per rollout, not per step.
  double flops = 0;
  for (const auto& member : ensemble.members) {
    for (const auto& item : member->named_parameters()) {
      if (item.key().rfind("dynamics.", 0) == 0 && item.value().dim() == 2) {
        flops += 2.0 * item.value().size(0) * item.value().size(1);
      }
    }
    flops += 2.0 * ops.nv() * (1 + ops.num_parameters() + ops.num_masses()) +
             2.0 * ops.nv() * ops.nu() * (2 + ops.num_masses());
  }

  c10::InferenceMode inference;
  const torch::Tensor start = RandomStates(manifest.spec(), kSamples);
  const torch::Tensor actions =
      0.2 * torch::randn({kSamples, kHorizon, ops.nu()});
  const torch::Tensor parameters =
      torch::randn({kSamples, ops.num_parameters()});
  auto rollout = [&] {
    std::vector<torch::Tensor> state(ensemble.members.size(), start);
    for (int64_t t = 0; t < kHorizon; ++t) {
      const torch::Tensor action = actions.select(1, t);
      for (size_t k = 0; k < ensemble.members.size(); ++k) {
        state[k] = ensemble.members[k]
                       ->Step(ops, state[k], action, parameters)
                       .next_state;
      }
    }
  };
  rollout();
  rollout();
  std::vector<double> ms;
  for (int r = 0; r < kRepeats; ++r) ms.push_back(1e3 * Seconds(rollout));
  const double floor_ms = 1e3 * flops * kSamples * kHorizon / SgemmRate();
  Report("physics_rollout_256x30", Median(ms), floor_ms, "ms");

  // The same rollout as served: all members stacked (StackMembers).
  const int64_t k = ensemble.members.size();
  auto stacked = worldmodel::StackMembers(ensemble.kind, ops, ensemble.hidden,
                                          ensemble.members);
  const torch::Tensor stacked_actions = actions.repeat({k, 1, 1});
  const torch::Tensor stacked_parameters = parameters.repeat({k, 1});
  auto stacked_rollout = [&] {
    torch::Tensor state = start.repeat({k, 1});
    for (int64_t t = 0; t < kHorizon; ++t) {
      state = stacked
                  ->Step(ops, state, stacked_actions.select(1, t),
                         stacked_parameters)
                  .next_state;
    }
  };
  stacked_rollout();
  std::vector<double> stacked_ms;
  for (int r = 0; r < kRepeats; ++r) {
    stacked_ms.push_back(1e3 * Seconds(stacked_rollout));
  }
  Report("physics_rollout_256x30_stacked", Median(stacked_ms), floor_ms, "ms");
  Report("physics_flops_per_sample_step", flops, 250000.0, "flop");
}

// Where the run happens: BLAS library and intra-op threads (stderr).
void DescribeRuntime() {
  auto blas = worldmodel::LoadedBlasLibrary();
  int worker_threads = 0;
  std::thread([&] { worker_threads = at::get_num_threads(); }).join();
  std::fprintf(stderr,
               "wm_bench_training: BLAS %s; intra-op threads: main %d, "
               "worker %d\n",
               blas.ok() ? blas->c_str() : blas.status().ToString().c_str(),
               at::get_num_threads(), worker_threads);
}

}  // namespace
}  // namespace wm::bench

int main() {
  wm::worldmodel::UseOneIntraOpThread();
  wm::bench::DescribeRuntime();
  wm::bench::BenchBlackboxTraining();
  wm::bench::BenchEnsembleThreads();
  wm::bench::BenchPhysicsRollout();
  return 0;
}
