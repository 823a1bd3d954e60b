// Tests of the hybrid model kind (MuJoCo base + learned residual) with real
// MuJoCo and LibTorch: training beats a base with wrong parameters, a zero
// residual is the base itself, a diverging residual publishes the base
// alone, checkpoints round-trip, bad bases are refused. The trained model is
// shared by the cases (training is the cost).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "datasets/dataset_writer.h"
#include "datasets/split.h"
#include "sim/scene.h"
#include "sim/scene_library.h"
#include "tests/testing/metrics_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_datasets.h"
#include "util/file_util.h"
#include "util/random.h"
#include "util/sha256.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

// metrics.jsonl records 10 significant digits.
constexpr double kLoggedPrecision = 1e-5;

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// The hybrid's held-out one-step RMS error, over the velocities (what the
// residual corrects; positions follow at the next step) and over the whole
// state, must be at most these fractions of the wrong-friction base's
// (measured 0.80 with the former std:: minibatch sampler, 0.73 and 0.74 with
// wm::Rng: the data's friction is drawn per episode, and the residual,
// seeing one transition, cannot know it).
constexpr double kMaxVelocityErrorRatio = 0.85;
constexpr double kMaxStateErrorRatio = 0.9;

// Held-out (test split) transitions of a dataset.
struct HeldOut {
  Tensor states, actions, next;
};

HeldOut ReadTestSplit(const std::string& dir) {
  HeldOut out;
  auto dataset = datasets::Dataset::Open(dir);
  EXPECT_THAT(dataset, IsOk());
  int64_t rows = 0;
  int nx = 0, nu = 0;
  EXPECT_THAT((*dataset)->ForEachEpisode([&](const datasets::Episode& e) {
    if (datasets::SplitOf(e.index, {}) != datasets::Split::kTest) {
      return absl::OkStatus();
    }
    nx = e.nq + e.nv;
    nu = e.nu;
    for (int64_t t = 0; t < e.num_steps(); ++t) {
      for (int64_t s : {t, t + 1}) {
        Tensor& to = s == t ? out.states : out.next;
        for (int i = 0; i < e.nq; ++i) to.data.push_back(e.qpos[s * e.nq + i]);
        for (int i = 0; i < e.nv; ++i) to.data.push_back(e.qvel[s * e.nv + i]);
      }
      for (int i = 0; i < nu; ++i)
        out.actions.data.push_back(e.ctrl[t * nu + i]);
      ++rows;
    }
    return absl::OkStatus();
  }),
              IsOk());
  out.states.shape = out.next.shape = {rows, nx};
  out.actions.shape = {rows, nu};
  return out;
}

// RMS over rows and state entries [begin, end) of prediction - truth, each
// entry divided by its std over the held-out next states (slide has no
// quaternions).
double NormalizedRmsError(const Tensor& predicted, const Tensor& truth,
                          int64_t begin, int64_t end) {
  const int64_t rows = truth.shape[0], nx = truth.shape[1];
  double total = 0;
  for (int64_t i = begin; i < end; ++i) {
    double mean = 0, square = 0, error = 0;
    for (int64_t r = 0; r < rows; ++r) mean += truth.data[r * nx + i];
    mean /= rows;
    for (int64_t r = 0; r < rows; ++r) {
      square += std::pow(truth.data[r * nx + i] - mean, 2);
      error += std::pow(predicted.data[r * nx + i] - truth.data[r * nx + i], 2);
    }
    total += error / std::max(square, 1e-12);
  }
  return std::sqrt(total / (end - begin));
}

class HybridModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::wm::testing::TempDir();
    ASSERT_THAT(::wm::worldmodel::testing::GenerateDataset(
                    "slide", dir_->Join("data"), 200, 100, /*seed=*/3),
                IsOk());
    // The base: the slide scene with twice its nominal friction.
    auto config = sim::LoadSceneConfig("slide");
    ASSERT_THAT(config, IsOk());
    auto nominal = MujocoModel::Create(*config, {});
    ASSERT_THAT(nominal, IsOk());
    v1::CheckpointManifest base;
    base.set_kind("mujoco");
    *base.mutable_scene() = *config;
    *base.mutable_spec() = (*nominal)->spec();
    base.set_dt((*nominal)->dt());
    for (size_t i = 0; i < (*nominal)->parameters().size(); ++i) {
      *base.add_parameters() = (*nominal)->parameters()[i];
      const bool friction =
          absl::StrContains((*nominal)->parameters()[i].name(), "friction");
      base.add_parameter_values((*nominal)->parameter_values()[i] *
                                (friction ? 2.0 : 1.0));
    }
    fs::create_directories(dir_->Join("models/base/1"));
    ASSERT_THAT(
        WriteTextProtoFile(dir_->Join("models/base/1/manifest.pbtxt"), base),
        IsOk());

    TrainingRequest request;
    request.config.set_model("hybrid");
    request.config.set_ensemble_size(3);
    request.config.add_hidden(64);
    request.config.add_hidden(64);
    request.config.set_max_steps(1000);
    request.config.set_eval_every(100);
    request.config.set_seed(7);
    request.config.set_workers(2);
    request.data_dir = dir_->Join("data");
    request.model_dir = dir_->Join("models/hybrid");
    request.base = dir_->Join("models/base");
    auto manifest = TrainAndPublish(request, {});
    ASSERT_THAT(manifest, IsOk());
    std::cout << "validation RMS (normalised tangent): MuJoCo base "
              << manifest->metrics().at("validation_rmse_mujoco") << ", hybrid "
              << manifest->metrics().at("validation_rmse_hybrid") << "\n";
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::unique_ptr<WorldModel> Load(const std::string& path) {
    ModelFactory factory;
    RegisterLearnedModels(&factory);
    auto model = factory.Load(path);
    EXPECT_THAT(model, IsOk());
    return model.ok() ? *std::move(model) : nullptr;
  }

  static ::wm::testing::TempDir* dir_;
};

::wm::testing::TempDir* HybridModelTest::dir_ = nullptr;

TEST_F(HybridModelTest, BeatsWrongFrictionBaseOnHeldOutTransitions) {
  auto hybrid = Load(dir_->Join("models/hybrid"));
  auto base = Load(dir_->Join("models/base"));
  ASSERT_NE(hybrid, nullptr);
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(hybrid->kind(), "hybrid");
  EXPECT_EQ(hybrid->parameters().size(), base->parameters().size());
  HeldOut held_out = ReadTestSplit(dir_->Join("data"));
  ASSERT_GT(held_out.states.shape[0], 500);
  auto from_hybrid = hybrid->Predict(held_out.states, held_out.actions, {});
  auto from_base = base->Predict(held_out.states, held_out.actions, {});
  ASSERT_THAT(from_hybrid, IsOk());
  ASSERT_THAT(from_base, IsOk());
  const int64_t nq = hybrid->spec().nq(), nx = nq + hybrid->spec().nv();
  const double hybrid_velocity =
      NormalizedRmsError(from_hybrid->mean, held_out.next, nq, nx);
  const double base_velocity =
      NormalizedRmsError(from_base->mean, held_out.next, nq, nx);
  const double hybrid_state =
      NormalizedRmsError(from_hybrid->mean, held_out.next, 0, nx);
  const double base_state =
      NormalizedRmsError(from_base->mean, held_out.next, 0, nx);
  std::cout << "held-out one-step normalised RMS error over "
            << held_out.states.shape[0]
            << " transitions, base (2x friction) / hybrid: velocities "
            << base_velocity << " / " << hybrid_velocity << " (ratio "
            << hybrid_velocity / base_velocity << "), whole state "
            << base_state << " / " << hybrid_state << " (ratio "
            << hybrid_state / base_state << ")\n";
  EXPECT_LT(hybrid_velocity, kMaxVelocityErrorRatio * base_velocity);
  EXPECT_LT(hybrid_state, kMaxStateErrorRatio * base_state);
  // Spreads: shaped [B, 2 nv], finite, the members disagree somewhere.
  const int64_t width = 2 * hybrid->spec().nv();
  ASSERT_EQ(from_hybrid->epistemic_std.shape,
            (std::vector<int64_t>{held_out.states.shape[0], width}));
  ASSERT_EQ(from_hybrid->aleatoric_std.shape, from_hybrid->epistemic_std.shape);
  double spread = 0;
  for (float v : from_hybrid->epistemic_std.data) {
    ASSERT_TRUE(std::isfinite(v));
    spread += v;
  }
  EXPECT_GT(spread, 0);
  // Explicit parameters go to the base; a history is accepted and ignored.
  Context with_parameters;
  with_parameters.parameters =
      Tensor{{1, static_cast<int64_t>(hybrid->parameters().size())},
             std::vector<float>(hybrid->parameters().size(), 0.5f)};
  EXPECT_THAT(
      hybrid->Predict(held_out.states, held_out.actions, with_parameters),
      IsOk());
  EXPECT_THAT(hybrid->InferParameters({}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(HybridModelTest, RolloutMatchesRepeatedPredict) {
  auto hybrid = Load(dir_->Join("models/hybrid"));
  ASSERT_NE(hybrid, nullptr);
  HeldOut held_out = ReadTestSplit(dir_->Join("data"));
  const int64_t nx = held_out.states.shape[1], nu = held_out.actions.shape[1];
  const int horizon = 5;
  Tensor initial{
      {1, nx},
      {held_out.states.data.begin(), held_out.states.data.begin() + nx}};
  Tensor actions{{1, horizon, nu},
                 {held_out.actions.data.begin(),
                  held_out.actions.data.begin() + horizon * nu}};
  auto trajectory = hybrid->Rollout(initial, actions, {});
  ASSERT_THAT(trajectory, IsOk());
  Tensor state = initial;
  for (int t = 0; t < horizon; ++t) {
    Tensor action{
        {1, nu},
        {actions.data.begin() + t * nu, actions.data.begin() + (t + 1) * nu}};
    auto step = hybrid->Predict(state, action, {});
    ASSERT_THAT(step, IsOk());
    state = step->mean;
    for (int64_t i = 0; i < nx; ++i) {
      EXPECT_NEAR(trajectory->mean.data[(t + 1) * nx + i], state.data[i], 1e-5)
          << "step " << t + 1 << " entry " << i;
    }
  }
}

TEST_F(HybridModelTest, SavedWeightsRoundTripAndZeroResidualIsTheBase) {
  // Re-serialise the weights (round trip) and, separately, zero the last
  // layer of every member: no correction at all.
  const std::string version = dir_->Join("models/hybrid/1");
  auto bytes = ReadFileToString(version + "/weights.pt");
  ASSERT_THAT(bytes, IsOk());
  c10::Dict<std::string, at::Tensor> weights, zeroed;
  for (const auto& entry :
       torch::pickle_load(std::vector<char>(bytes->begin(), bytes->end()))
           .toGenericDict()) {
    const std::string name = entry.key().toStringRef();
    torch::Tensor tensor = entry.value().toTensor();
    weights.insert(name, tensor);
    // The last layer of each member: zero output, no correction.
    zeroed.insert(name, absl::StrContains(name, "network.layer2.")
                            ? torch::zeros_like(tensor)
                            : tensor);
  }
  auto write_version = [&](const std::string& dir,
                           const c10::Dict<std::string, at::Tensor>& dict) {
    fs::create_directories(dir);
    std::vector<char> out = torch::pickle_save(c10::IValue(dict));
    const std::string weights_bytes(out.begin(), out.end());
    ASSERT_THAT(WriteFileAtomically(dir + "/weights.pt", weights_bytes),
                IsOk());
    // New weights, so the manifest records their digest.
    v1::CheckpointManifest manifest;
    ASSERT_THAT(ReadTextProtoFile(version + "/manifest.pbtxt", &manifest),
                IsOk());
    (*manifest.mutable_file_sha256())["weights.pt"] = Sha256Hex(weights_bytes);
    ASSERT_THAT(WriteTextProtoFile(dir + "/manifest.pbtxt", manifest), IsOk());
  };
  write_version(dir_->Join("copy/hybrid/1"), weights);
  write_version(dir_->Join("zero/hybrid/1"), zeroed);

  auto hybrid = Load(dir_->Join("models/hybrid"));
  auto copy = Load(dir_->Join("copy/hybrid"));
  auto zero = Load(dir_->Join("zero/hybrid"));
  auto base = Load(dir_->Join("models/base"));
  ASSERT_TRUE(hybrid && copy && zero && base);
  HeldOut held_out = ReadTestSplit(dir_->Join("data"));
  auto a = hybrid->Predict(held_out.states, held_out.actions, {});
  auto b = copy->Predict(held_out.states, held_out.actions, {});
  auto z = zero->Predict(held_out.states, held_out.actions, {});
  auto m = base->Predict(held_out.states, held_out.actions, {});
  ASSERT_TRUE(a.ok() && b.ok() && z.ok() && m.ok());
  EXPECT_EQ(a->mean.data, b->mean.data);
  EXPECT_EQ(a->epistemic_std.data, b->epistemic_std.data);
  EXPECT_EQ(a->aleatoric_std.data, b->aleatoric_std.data);
  ASSERT_EQ(z->mean.data.size(), m->mean.data.size());
  double worst = 0;
  for (size_t i = 0; i < z->mean.data.size(); ++i) {
    worst =
        std::max<double>(worst, std::abs(z->mean.data[i] - m->mean.data[i]));
  }
  EXPECT_LT(worst, 1e-5);
  for (float v : z->epistemic_std.data) EXPECT_EQ(v, 0.0f);
}

// A learning rate that blows the residual up (non-finite losses, skipped
// steps) publishes the base alone: every member keeps its zero correction,
// the best on validation rollouts.
TEST_F(HybridModelTest, DivergingResidualKeepsTheBase) {
  TrainingRequest request;
  request.config.set_model("hybrid");
  request.config.set_ensemble_size(1);
  request.config.add_hidden(16);
  request.config.set_learning_rate(1e9);
  request.config.set_max_steps(300);
  request.config.set_eval_every(50);
  request.config.set_seed(7);
  request.data_dir = dir_->Join("data");
  request.model_dir = dir_->Join("models/diverged");
  request.base = dir_->Join("models/base");
  ASSERT_THAT(TrainAndPublish(request, {}), IsOk());
  auto diverged = Load(dir_->Join("models/diverged"));
  auto base = Load(dir_->Join("models/base"));
  ASSERT_TRUE(diverged && base);
  HeldOut held_out = ReadTestSplit(dir_->Join("data"));
  auto d = diverged->Predict(held_out.states, held_out.actions, {});
  auto m = base->Predict(held_out.states, held_out.actions, {});
  ASSERT_TRUE(d.ok() && m.ok());
  ASSERT_EQ(d->mean.data.size(), m->mean.data.size());
  for (size_t i = 0; i < d->mean.data.size(); ++i) {
    ASSERT_NEAR(d->mean.data[i], m->mean.data[i], 1e-5) << "entry " << i;
  }
}

// Writes `from`'s episodes to `to` with Gaussian noise of std `qvel_std` on
// every velocity, as a real rig's encoders would log them.
absl::Status CopyWithVelocityNoise(const std::string& from,
                                   const std::string& to, double qvel_std) {
  WM_ASSIGN_OR_RETURN(auto source, datasets::Dataset::Open(from));
  WM_ASSIGN_OR_RETURN(
      auto writer, datasets::DatasetWriter::Create(to, source->manifest(), 64,
                                                   /*overwrite=*/false));
  Rng rng(11);
  WM_RETURN_IF_ERROR(
      source->ForEachEpisode([&](const datasets::Episode& episode) {
        datasets::Episode noisy = episode;
        for (double& v : noisy.qvel) v += qvel_std * rng.Normal();
        return writer->Write(std::move(noisy));
      }));
  return writer->Finish(0).status();
}

// A base that is already exact (the data's own scene at its fixed
// parameters; the logs carry only velocity noise, as a real rig's
// encoders do) leaves the residual nothing to learn but noise. No member
// may publish a correction that loses to the zero one on the validation
// rollouts it is selected on.
TEST(HybridExactBaseTest, NeverPublishesWorseThanAnExactBase) {
  ::wm::testing::TempDir temp;
  absl::StatusOr<v1::SceneConfig> config = sim::LoadSceneConfig("slide");
  ASSERT_THAT(config, IsOk());
  config->clear_randomize();  // every episode at the MJCF's parameters
  ASSERT_THAT(::wm::worldmodel::testing::GenerateDataset(
                  *config, temp.Join("clean"), 60, 60, /*seed=*/5),
              IsOk());
  ASSERT_THAT(
      CopyWithVelocityNoise(temp.Join("clean"), temp.Join("data"), 0.02),
      IsOk());
  TrainingRequest request;
  request.config.set_model("hybrid");
  request.config.set_ensemble_size(2);
  request.config.add_hidden(32);
  request.config.set_max_steps(300);
  request.config.set_eval_every(50);
  request.config.set_patience(100);
  request.config.set_seed(3);
  request.config.set_workers(2);
  request.data_dir = temp.Join("data");
  request.model_dir = temp.Join("models/hybrid");
  request.base = "mujoco:" + temp.Join("data");
  absl::StatusOr<v1::CheckpointManifest> manifest =
      TrainAndPublish(request, {});
  ASSERT_THAT(manifest, IsOk());
  // Each member's first validation (step 0) scores the zero correction,
  // the base alone. Later ones chase the noise and often lose to it; the
  // member publishes its best, never worse than the base's.
  const std::map<int, std::vector<double>> logged =
      ::wm::testing::LoggedValidationLosses(request.model_dir +
                                            "/metrics.jsonl");
  ASSERT_EQ(logged.size(), 2u);
  bool some_validation_lost_to_the_base = false;
  for (const auto& [k, losses] : logged) {
    ASSERT_GE(losses.size(), 2u);
    const double base = losses.front();
    const double best = *std::min_element(losses.begin(), losses.end());
    for (double loss : losses) some_validation_lost_to_the_base |= loss > base;
    const double published =
        manifest->metrics().at(absl::StrCat("validation_loss_member", k));
    EXPECT_LE(published, base * (1 + kLoggedPrecision)) << "member " << k;
    EXPECT_NEAR(published, best, kLoggedPrecision * best) << "member " << k;
  }
  // Otherwise publishing the last weights would pass too.
  EXPECT_TRUE(some_validation_lost_to_the_base);
}

// Needs no training: the base is checked first.
TEST(HybridBaseTest, RefusesBadBase) {
  ::wm::testing::TempDir dir;
  TrainingRequest request;
  request.config.set_model("hybrid");
  request.data_dir = dir.Join("data");
  request.model_dir = dir.Join("models/refused");
  EXPECT_THAT(
      TrainAndPublish(request, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs --base")));
  request.base = dir.Join("models/missing");
  EXPECT_THAT(TrainAndPublish(request, {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--base")));
  // A learned (physics) checkpoint is not a MuJoCo base.
  v1::CheckpointManifest physics;
  physics.set_kind("physics");
  fs::create_directories(dir.Join("models/physics/1"));
  ASSERT_THAT(
      WriteTextProtoFile(dir.Join("models/physics/1/manifest.pbtxt"), physics),
      IsOk());
  request.base = dir.Join("models/physics");
  EXPECT_THAT(TrainAndPublish(request, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is a 'physics' model; a hybrid needs a "
                                 "'mujoco' base")));
  request.base = "mujoco:" + dir.Join("no_data");
  EXPECT_THAT(TrainAndPublish(request, {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--base")));
  // --base with another kind.
  request.config.set_model("blackbox");
  request.base = dir.Join("models/physics");
  EXPECT_THAT(TrainAndPublish(request, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--model hybrid only")));
}

}  // namespace
}  // namespace wm::worldmodel
