#include "worldmodel/learned/weights_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_manifests.h"
#include "util/file_util.h"
#include "worldmodel/learned/learned_ensemble.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

v1::CheckpointManifest Manifest(const std::string& kind, int width) {
  return testing::PlanarManifest(kind, {width}, 2);
}

torch::Tensor NextStates(const LearnedEnsemble& ensemble) {
  torch::NoGradGuard no_grad;
  torch::Tensor states = torch::tensor({{0.1f, -0.2f, 0.3f, 0.0f}});
  torch::Tensor actions = torch::tensor({{0.5f}});
  torch::Tensor parameters = torch::tensor({{0.4f}});
  std::vector<torch::Tensor> out;
  for (const auto& member : ensemble.members) {
    out.push_back(
        member->Step(*ensemble.ops, states, actions, parameters).next_state);
  }
  return torch::stack(out);
}

TEST(WeightsFileTest, RoundTripGivesIdenticalPredictions) {
  ::wm::testing::TempDir dir;
  LearnedEnsemble trained = BuildEnsemble(Manifest("physics", 16));
  // Make the weights differ from a fresh build.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : trained.members[0]->parameters()) p.add_(0.01);
  }
  ASSERT_THAT(SaveEnsembleWeights(dir.Join("w.pt"), trained.members), IsOk());
  LearnedEnsemble loaded = BuildEnsemble(Manifest("physics", 16));
  ASSERT_FALSE(torch::equal(NextStates(trained), NextStates(loaded)));
  ASSERT_THAT(LoadEnsembleWeights(dir.Join("w.pt"), loaded.members), IsOk());
  EXPECT_TRUE(torch::equal(NextStates(trained), NextStates(loaded)));
}

TEST(WeightsFileTest, MismatchedShapesAndCorruptFilesAreRefused) {
  ::wm::testing::TempDir dir;
  LearnedEnsemble small = BuildEnsemble(Manifest("physics", 16));
  ASSERT_THAT(SaveEnsembleWeights(dir.Join("w.pt"), small.members), IsOk());
  LearnedEnsemble wide = BuildEnsemble(Manifest("physics", 32));
  EXPECT_THAT(
      LoadEnsembleWeights(dir.Join("w.pt"), wide.members),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has shape [16")));
  LearnedEnsemble other_kind = BuildEnsemble(Manifest("blackbox", 16));
  EXPECT_THAT(
      LoadEnsembleWeights(dir.Join("w.pt"), other_kind.members),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("member0.")));
  std::string bytes = *ReadFileToString(dir.Join("w.pt"));
  ASSERT_THAT(WriteFileAtomically(dir.Join("cut.pt"),
                                  bytes.substr(0, bytes.size() / 2)),
              IsOk());
  EXPECT_THAT(LoadEnsembleWeights(dir.Join("cut.pt"), small.members),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace wm::worldmodel
