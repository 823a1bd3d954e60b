// Checkpoints written before a change still load and answer as they did:
// tests/data/checkpoints/slide_<kind>/1 holds a tiny slide model of each
// learned kind, trained with the binary of commit 48f2d43 (before the
// training loop, model kinds and StateOps were restructured), with a
// predict request and that binary's answer (proto3 JSON of
// wm.v1.PredictRequest / PredictResponse, from `wm serve` + `wm query
// predict`). Each model is loaded through ModelFactory as `wm serve` does;
// a change to the loaders, the manifest's kind names, the weights file or
// the networks' arithmetic that alters the answer fails here.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "tests/testing/learned_kinds.h"
#include "tests/testing/status_matchers.h"
#include "util/file_util.h"
#include "wm/v1/service.pb.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {

namespace {

using ::wm::testing::IsOk;

// The answers must match the recorded ones to within this fraction of the
// recorded value, plus kAbsoluteTolerance for entries near zero (float32
// arithmetic in another order than the recording's may move the last bits).
constexpr double kRelativeTolerance = 1e-5;
constexpr double kAbsoluteTolerance = 1e-7;

std::string CheckpointsDir() {
  return std::string(WM_SOURCE_DIR) + "/tests/data/checkpoints";
}

template <typename Message>
Message ReadJson(const std::string& path) {
  Message message;
  absl::StatusOr<std::string> text = ReadFileToString(path);
  EXPECT_THAT(text, IsOk()) << path;
  if (!text.ok()) return message;
  const auto status =
      google::protobuf::util::JsonStringToMessage(*text, &message);
  EXPECT_TRUE(status.ok()) << path << ": " << status.ToString();
  return message;
}

Tensor FromProto(const v1::Tensor& proto) {
  return Tensor{{proto.shape().begin(), proto.shape().end()},
                {proto.data().begin(), proto.data().end()}};
}

// Expects `actual` to equal the recorded `expected` within the tolerances.
void ExpectClose(const Tensor& actual, const v1::Tensor& expected,
                 const std::string& what) {
  ASSERT_EQ(actual.shape, std::vector<int64_t>(expected.shape().begin(),
                                               expected.shape().end()))
      << what;
  ASSERT_EQ(actual.data.size(), static_cast<size_t>(expected.data_size()))
      << what;
  for (int i = 0; i < expected.data_size(); ++i) {
    const double want = expected.data(i);
    EXPECT_NEAR(actual.data[i], want,
                kRelativeTolerance * std::abs(want) + kAbsoluteTolerance)
        << what << " entry " << i;
  }
}

class CheckedInCheckpointTest : public ::testing::TestWithParam<ModelKind> {};

TEST_P(CheckedInCheckpointTest, LoadsAndPredictsAsWhenWritten) {
  const std::string name = std::string("slide_") + ModelKindName(GetParam());
  const std::string base = CheckpointsDir() + "/" + name;
  ModelFactory factory;
  RegisterLearnedModels(&factory);
  absl::StatusOr<std::unique_ptr<WorldModel>> model = factory.Load(base);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ((*model)->kind(), ModelKindName(GetParam()));

  const auto request = ReadJson<v1::PredictRequest>(base + ".request.json");
  const auto expected = ReadJson<v1::PredictResponse>(base + ".response.json");
  ASSERT_GT(request.context().history_states().data_size(), 0);
  Context context;
  context.history_states = FromProto(request.context().history_states());
  context.history_actions = FromProto(request.context().history_actions());
  context.per_member = request.per_member();
  absl::StatusOr<Prediction> prediction = (*model)->Predict(
      FromProto(request.states()), FromProto(request.actions()), context);
  ASSERT_THAT(prediction, IsOk());
  ExpectClose(prediction->mean, expected.mean(), name + " mean");
  ExpectClose(prediction->epistemic_std, expected.epistemic_std(),
              name + " epistemic_std");
  ExpectClose(prediction->aleatoric_std, expected.aleatoric_std(),
              name + " aleatoric_std");
  ExpectClose(prediction->member_mean, expected.member_mean(),
              name + " member_mean");
}

INSTANTIATE_TEST_SUITE_P(LearnedKinds, CheckedInCheckpointTest,
                         testing::kLearnedKinds, testing::LearnedKindTestName);

}  // namespace
}  // namespace wm::worldmodel
