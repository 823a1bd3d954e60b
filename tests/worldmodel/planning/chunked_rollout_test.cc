// ChunkedRollout against one Rollout call of a real MuJoCo model of the
// slide scene: the same trajectories, per-sample inputs split with their
// samples, shared ones shared, and a chunk's error passed on.

#include "worldmodel/planning/chunked_rollout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "worldmodel/mujoco/mujoco_model.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr int kSamples = 7, kHorizon = 5;

std::unique_ptr<MujocoModel> Slide() {
  auto scene = sim::LoadSceneConfig("slide");
  EXPECT_THAT(scene, IsOk());
  auto model = MujocoModel::Create(*scene, {});
  EXPECT_THAT(model, IsOk());
  return std::move(model).value();
}

// Distinct pushes per sample and step.
Tensor Pushes(int nu) {
  Tensor actions = Tensor::Filled({kSamples, kHorizon, nu});
  for (int64_t i = 0; i < actions.NumElements(); ++i) {
    actions.data[i] = static_cast<float>((i * 7) % 11) - 5.0f;
  }
  return actions;
}

TEST(ChunkedRolloutTest, SplitsPerSampleInputsAndMatchesOneCall) {
  auto model = Slide();
  const int nx = model->spec().nq() + model->spec().nv();
  const int nu = model->spec().nu();
  const int params = static_cast<int>(model->parameters().size());
  Tensor initial = Tensor::Filled({kSamples, nx});
  Context context;
  context.parameters = Tensor::Filled({kSamples, params});
  for (int s = 0; s < kSamples; ++s) {
    initial.data[s * nx + nx - 4] = 0.1f * s;  // a velocity per sample
    for (int p = 0; p < params; ++p) {
      // Positive friction and mass, different per sample.
      context.parameters.data[s * params + p] = (0.3f + 0.1f * s) * (p + 1);
    }
  }
  const Tensor actions = Pushes(nu);
  auto whole = model->Rollout(initial, actions, context);
  ASSERT_THAT(whole, IsOk());
  for (int chunks : {2, 3, kSamples, 2 * kSamples}) {
    auto chunked = ChunkedRollout(*model, initial, actions, context, chunks);
    ASSERT_THAT(chunked, IsOk());
    EXPECT_EQ(chunked->mean.shape, whole->mean.shape) << chunks << " chunks";
    EXPECT_EQ(chunked->mean.data, whole->mean.data) << chunks << " chunks";
    EXPECT_EQ(chunked->epistemic_std.shape, whole->epistemic_std.shape);
    EXPECT_EQ(chunked->aleatoric_std.data, whole->aleatoric_std.data);
  }
}

TEST(ChunkedRolloutTest, SharesALeadingOneAndPassesOnErrors) {
  auto model = Slide();
  const int nx = model->spec().nq() + model->spec().nv();
  const Tensor actions = Pushes(model->spec().nu());
  const Tensor initial = Tensor::Filled({1, nx});
  auto whole = model->Rollout(initial, actions, {});
  ASSERT_THAT(whole, IsOk());
  auto chunked = ChunkedRollout(*model, initial, actions, {}, 3);
  ASSERT_THAT(chunked, IsOk());
  EXPECT_EQ(chunked->mean.data, whole->mean.data);

  Context bad;
  bad.parameters = Tensor::Filled({kSamples, 99}, 1.0f);  // too many columns
  EXPECT_THAT(ChunkedRollout(*model, initial, actions, bad, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::worldmodel
