// The fused inference path (InferencePath::kFused, what serving uses)
// against LibTorch (InferencePath::kLibTorch, training's arithmetic) on
// every learned kind: random weights (every parameter perturbed, so no
// output is trivially zero), random states, actions and parameters on the
// push scene (a free box with quaternion and geometry features, a pusher
// on slides). Predict and Rollout must agree within kRelativeTolerance on
// every answer: plain, with explicit parameters inside and outside the
// training range (the extrapolation path), with context histories one per
// row and scored as surprising (the surprise path), and per member.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tests/testing/learned_kinds.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/parallel.h"
#include "worldmodel/learned/fused_columns.h"
#include "worldmodel/learned/fused_state_ops.h"
#include "worldmodel/learned/hybrid_model.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/learned_model.h"
#include "worldmodel/learned/weights_file.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::IsOk;

// Each entry's |fused - LibTorch| may be at most this fraction of the
// larger of |LibTorch| and the answer tensor's RMS (entries near zero are
// compared at the tensor's scale).
constexpr double kRelativeTolerance = 1e-4;
// A surprise reference far below any random history's surprise, so the
// surprise factor is > 1 on every row.
constexpr double kTinySurpriseReference = 1e-3;
// The std of the noise added to every weight: large enough that every
// output matters, small enough that rollouts stay bounded (chaotic growth
// would amplify float rounding beyond any tolerance).
constexpr double kWeightNoise = 0.05;
// How far the hybrid's rollouts lift the box (m): out of contact for the
// whole rollout.
constexpr double kAirborneLift = 2.0;

// The push scene's manifest with made-up statistics; `horizontal`:
// horizontal invariance (the physics kind's default).
v1::CheckpointManifest PushManifest(ModelKind kind, bool horizontal) {
  auto scene = sim::LoadScene("push");
  CHECK(scene.ok()) << scene.status();
  const v1::DatasetManifest data = sim::ManifestForScene(**scene);
  v1::CheckpointManifest manifest;
  manifest.set_kind(ModelKindName(kind));
  manifest.mutable_training()->set_ensemble_size(3);
  manifest.mutable_training()->set_seed(7);
  for (int width : {24, 16}) manifest.mutable_training()->add_hidden(width);
  *manifest.mutable_spec() = data.spec();
  *manifest.mutable_scene() = data.scene();
  manifest.set_dt(data.dt());
  manifest.set_timestep(data.timestep());
  manifest.set_frame_skip(data.frame_skip());
  *manifest.mutable_parameters() = data.parameters();
  manifest.set_horizontal_invariance(horizontal);
  for (const v1::ParameterInfo& parameter : data.parameters()) {
    (void)parameter;
    manifest.add_parameter_values(0.5);
  }
  const int nx = data.spec().nq() + data.spec().nv(), nv = data.spec().nv();
  v1::NormalizationStats& stats = *manifest.mutable_normalization();
  for (int i = 0; i < nx; ++i) {
    stats.add_state_mean(0.01 * i);
    stats.add_state_std(0.2 + 0.05 * i);
  }
  for (int i = 0; i < data.spec().nu(); ++i) {
    stats.add_action_mean(0.05);
    stats.add_action_std(0.2);
  }
  for (int i = 0; i < 2 * nv; ++i) {
    stats.add_delta_mean(0.001 * i);
    // One entry that never varied (delta_varies 0).
    stats.add_delta_std(i == 5 ? 0.0 : 0.01 + 0.005 * i);
  }
  for (int i = 0; i < data.parameters_size(); ++i) {
    stats.add_param_mean(0.6);
    stats.add_param_std(0.25);
  }
  if (kind == ModelKind::kPhysics) {
    manifest.set_history_surprise_reference(kTinySurpriseReference);
  }
  return manifest;
}

// Random states [rows, nx] (unit quaternions, some with w < 0); `lift` (m)
// raises free bodies.
Tensor RandomStates(const v1::StateSpec& spec, int64_t rows,
                    double lift = 0.0) {
  torch::Tensor states = 0.3 * torch::randn({rows, spec.nq() + spec.nv()});
  for (const v1::Joint& joint : spec.joints()) {
    if (joint.type() != v1::Joint::FREE) continue;
    states.select(1, joint.qpos_offset() + 2).add_(lift);
    auto q = states.narrow(1, joint.quaternion_offset(), 4);
    q.copy_(torch::randn({rows, 4}));
    q.div_(q.norm(2, 1, true));
  }
  return FromTorch(states);
}

Tensor Random(std::vector<int64_t> shape, double scale, double offset = 0) {
  return FromTorch(offset + scale * torch::randn(shape));
}

// Physical parameters [rows, P]: inside the training range, or some far
// outside it.
Tensor Parameters(const v1::CheckpointManifest& manifest, int64_t rows,
                  bool outside) {
  const int p = manifest.parameters_size();
  torch::Tensor values = torch::empty({rows, p});
  for (int j = 0; j < p; ++j) {
    const v1::ParameterRange& range = manifest.scene().randomize(j);
    values.select(1, j).uniform_(range.min(), range.max());
  }
  if (outside) values.select(1, 0).mul_(3.0);
  return FromTorch(values);
}

void ExpectClose(const Tensor& fused, const Tensor& reference,
                 const std::string& what) {
  ASSERT_EQ(fused.shape, reference.shape) << what;
  double sum_sq = 0;
  for (float value : reference.data) sum_sq += value * value;
  const double scale =
      std::sqrt(sum_sq / std::max<size_t>(reference.data.size(), 1));
  int bad = 0;
  for (size_t i = 0; i < reference.data.size(); ++i) {
    const double tolerance =
        kRelativeTolerance *
        std::max<double>(std::abs(reference.data[i]), scale);
    if (!(std::abs(fused.data[i] - reference.data[i]) <= tolerance) &&
        ++bad <= 3) {
      ADD_FAILURE() << what << " entry " << i << ": fused " << fused.data[i]
                    << ", LibTorch " << reference.data[i];
    }
  }
  EXPECT_EQ(bad, 0) << what << ": entries beyond tolerance";
}

class FusedInferenceTest : public ::testing::TestWithParam<ModelKind> {
 protected:
  void Load(bool horizontal) {
    torch::manual_seed(11);
    manifest_ = PushManifest(GetParam(), horizontal);
    LearnedEnsemble ensemble = BuildEnsemble(manifest_);
    {
      torch::NoGradGuard no_grad;
      for (auto& member : ensemble.members) {
        for (auto& item : member->named_parameters()) {
          // correction_std (hybrid) is the same in every member.
          if (item.key() == "correction_std") continue;
          item.value().add_(kWeightNoise * torch::randn_like(item.value()));
        }
      }
    }
    auto version = PublishEnsembleVersion(dir_.path() + "/model", &manifest_,
                                          ensemble.members);
    ASSERT_THAT(version, IsOk());
    if (GetParam() == ModelKind::kHybrid) {
      fused_ = LoadHybridModel(*version, manifest_, InferencePath::kFused);
      reference_ =
          LoadHybridModel(*version, manifest_, InferencePath::kLibTorch);
    } else {
      fused_ = LoadLearnedModel(*version, manifest_, InferencePath::kFused);
      reference_ =
          LoadLearnedModel(*version, manifest_, InferencePath::kLibTorch);
    }
    ASSERT_THAT(fused_, IsOk());
    ASSERT_THAT(reference_, IsOk());
    spec_ = manifest_.spec();
  }

  bool physics() const { return GetParam() == ModelKind::kPhysics; }

  // The contexts every case runs under: none; per member; and, for the
  // physics kind, explicit parameters in and out of range (one row for all,
  // one per row) and a history per row.
  std::vector<std::pair<std::string, Context>> Contexts(int64_t rows) {
    std::vector<std::pair<std::string, Context>> contexts;
    contexts.push_back({"no context", Context{}});
    Context per_member;
    per_member.per_member = true;
    contexts.push_back({"per member", per_member});
    const int nu = spec_.nu();
    Context history;
    history.history_states = RandomStates(spec_, rows * 6);
    history.history_states.shape = {rows, 6, spec_.nq() + spec_.nv()};
    history.history_actions = Random({rows, 5, nu}, 0.3);
    history.per_member = true;
    if (GetParam() != ModelKind::kHybrid) {
      contexts.push_back({"history per row (surprising)", history});
    }
    if (!physics() && GetParam() != ModelKind::kHybrid) return contexts;
    for (bool outside : {false, true}) {
      for (int64_t count : {int64_t{1}, rows}) {
        Context explicit_parameters;
        explicit_parameters.parameters =
            Parameters(manifest_, count, outside && physics());
        contexts.push_back({absl::StrCat(outside ? "out-of-range" : "in-range",
                                         " parameters, ", count, " rows"),
                            explicit_parameters});
      }
    }
    return contexts;
  }

  void ExpectPredictionsEqual() {
    const int64_t rows = 9;
    const Tensor states = RandomStates(spec_, rows);
    const Tensor actions = Random({rows, spec_.nu()}, 0.4, 0.1);
    for (const auto& [name, context] : Contexts(rows)) {
      SCOPED_TRACE(name);
      auto fused = (*fused_)->Predict(states, actions, context);
      auto reference = (*reference_)->Predict(states, actions, context);
      ASSERT_THAT(fused, IsOk());
      ASSERT_THAT(reference, IsOk());
      ExpectClose(fused->mean, reference->mean, "mean");
      ExpectClose(fused->epistemic_std, reference->epistemic_std, "epistemic");
      ExpectClose(fused->aleatoric_std, reference->aleatoric_std, "aleatoric");
      ExpectClose(fused->member_mean, reference->member_mean, "member_mean");
    }
  }

  // `rows` rows (301: split over two threads in unequal parts of at least
  // 128 rows when RowSplitThreads() is 2).
  void ExpectRolloutsEqual(int64_t rows = 6) {
    const int64_t horizon = 7;
    // MuJoCo's contacts amplify float rounding chaotically over a rollout:
    // the hybrid's rollouts start with the box in the air, so that they
    // compare the fused arithmetic, not the contacts' sensitivity (Predict
    // compares single steps through contacts).
    const double lift = GetParam() == ModelKind::kHybrid ? kAirborneLift : 0.0;
    for (int64_t starts : {int64_t{1}, rows}) {
      const Tensor initial = RandomStates(spec_, starts, lift);
      const Tensor actions = Random({rows, horizon, spec_.nu()}, 0.4, 0.1);
      for (const auto& [name, context] : Contexts(rows)) {
        SCOPED_TRACE(absl::StrCat(name, ", ", starts, " initial states"));
        auto fused = (*fused_)->Rollout(initial, actions, context);
        auto reference = (*reference_)->Rollout(initial, actions, context);
        ASSERT_THAT(fused, IsOk());
        ASSERT_THAT(reference, IsOk());
        ExpectClose(fused->mean, reference->mean, "mean");
        ExpectClose(fused->epistemic_std, reference->epistemic_std,
                    "epistemic");
        ExpectClose(fused->aleatoric_std, reference->aleatoric_std,
                    "aleatoric");
        ExpectClose(fused->member_mean, reference->member_mean, "member_mean");
      }
    }
  }

  wm::testing::TempDir dir_;
  v1::CheckpointManifest manifest_;
  v1::StateSpec spec_;
  absl::StatusOr<std::unique_ptr<WorldModel>> fused_, reference_;
};

TEST_P(FusedInferenceTest, PredictEqualsLibTorch) {
  Load(/*horizontal=*/true);
  ExpectPredictionsEqual();
}

TEST_P(FusedInferenceTest, RolloutEqualsLibTorch) {
  Load(/*horizontal=*/true);
  ExpectRolloutsEqual();
}

TEST_P(FusedInferenceTest, WorldFrameFeaturesEqualLibTorch) {
  Load(/*horizontal=*/false);
  ExpectPredictionsEqual();
  ExpectRolloutsEqual();
}

// One Rollout's rows split over two threads: each part's offsets into the
// actions, parameters, surprise factors and answers (per member too).
TEST_P(FusedInferenceTest, RolloutSplitOverThreadsEqualsLibTorch) {
  if (GetParam() == ModelKind::kHybrid) {
    GTEST_SKIP() << "the hybrid's Rollout steps MuJoCo, not FusedRollout";
  }
  Load(/*horizontal=*/true);
  SetRowSplitThreads(2);
  ExpectRolloutsEqual(/*rows=*/301);
  SetRowSplitThreads(1);
}

// A history prepared once is reused (FusedCallCache) only for the same
// history bytes and row count: calls alternating between two histories
// that differ in one action, and a different row count, each equal
// LibTorch's answer for their own history.
TEST_P(FusedInferenceTest, RepeatedHistoriesEqualLibTorch) {
  if (GetParam() != ModelKind::kPhysics) {
    GTEST_SKIP() << "only the physics kind identifies parameters";
  }
  Load(/*horizontal=*/true);
  const int64_t horizon = 5, nx = spec_.nq() + spec_.nv();
  Context first;
  first.history_states = RandomStates(spec_, 6);
  first.history_states.shape = {1, 6, nx};
  first.history_actions = Random({1, 5, spec_.nu()}, 0.3);
  Context second = first;
  second.history_actions.data[3] += 0.5f;
  second.per_member = true;
  const Tensor initial = RandomStates(spec_, 1);
  for (const auto& [name, context, rows] :
       std::vector<std::tuple<std::string, Context, int64_t>>{
           {"first", first, 6},
           {"first again", first, 6},
           {"second", second, 6},
           {"first, other rows", first, 4},
           {"first once more", first, 6}}) {
    SCOPED_TRACE(name);
    const Tensor actions = Random({rows, horizon, spec_.nu()}, 0.4, 0.1);
    auto fused = (*fused_)->Rollout(initial, actions, context);
    auto reference = (*reference_)->Rollout(initial, actions, context);
    ASSERT_THAT(fused, IsOk());
    ASSERT_THAT(reference, IsOk());
    ExpectClose(fused->mean, reference->mean, "mean");
    ExpectClose(fused->epistemic_std, reference->epistemic_std, "epistemic");
    ExpectClose(fused->member_mean, reference->member_mean, "member_mean");
  }
}

// The column kernels (fused_columns.h) against FusedStateOps' row
// functions at any orientation: relative rotations up to 180 degrees
// (atan's steep branch) and rotation vectors up to 12 rad (sin and cos
// beyond their polynomials' range), over a partial block.
TEST(FusedColumnsTest, EqualRowFunctionsAtAnyAngle) {
  torch::manual_seed(5);
  const v1::CheckpointManifest manifest =
      PushManifest(ModelKind::kPhysics, /*horizontal=*/true);
  const LearnedEnsemble ensemble = BuildEnsemble(manifest);
  const FusedStateOps ops(*ensemble.ops);
  const int nx = ops.nx(), width = 2 * ops.nv(), count = kBlockRows - 3;
  const Tensor a = RandomStates(manifest.spec(), count);
  const Tensor b = RandomStates(manifest.spec(), count);
  Tensor delta = Random({count, width}, 4.0);
  std::vector<float> a_columns(nx * kBlockRows), b_columns(nx * kBlockRows),
      delta_columns(width * kBlockRows), out_columns(nx * kBlockRows);
  RowsToColumns(a.data.data(), nx, count, nx, a_columns.data());
  RowsToColumns(b.data.data(), nx, count, nx, b_columns.data());
  RowsToColumns(delta.data.data(), width, count, width, delta_columns.data());
  std::vector<float> columns_answer(count * nx), rows_answer(count * nx);
  TangentIntegrateColumns(ops, count, a_columns.data(), delta_columns.data(),
                          out_columns.data());
  ColumnsToRows(out_columns.data(), count, nx, columns_answer.data(), nx);
  for (int i = 0; i < count; ++i) {
    ops.TangentIntegrate(&a.data[i * nx], &delta.data[i * width],
                         &rows_answer[i * nx]);
  }
  for (size_t i = 0; i < rows_answer.size(); ++i) {
    EXPECT_NEAR(columns_answer[i], rows_answer[i], 1e-5) << "integrate " << i;
  }
  TangentDeltaColumns(ops, count, a_columns.data(), b_columns.data(),
                      delta_columns.data());
  ColumnsToRows(delta_columns.data(), count, width, columns_answer.data(),
                width);
  for (int i = 0; i < count; ++i) {
    ops.TangentDelta(&a.data[i * nx], &b.data[i * nx], &rows_answer[i * width]);
  }
  for (int i = 0; i < count * width; ++i) {
    EXPECT_NEAR(columns_answer[i], rows_answer[i], 1e-5) << "delta " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(LearnedKinds, FusedInferenceTest,
                         testing::kLearnedKinds, testing::LearnedKindTestName);

}  // namespace
}  // namespace wm::worldmodel
