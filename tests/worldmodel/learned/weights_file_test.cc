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

TEST(WeightsFileTest, PublishedWeightsAreCheckedAgainstTheirDigest) {
  ::wm::testing::TempDir dir;
  v1::CheckpointManifest manifest = Manifest("physics", 16);
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  absl::StatusOr<std::string> version = PublishEnsembleVersion(
      dir.Join("models/box"), &manifest, ensemble.members);
  ASSERT_THAT(version, IsOk());
  ASSERT_EQ(manifest.file_sha256().count("weights.pt"), 1u);
  EXPECT_EQ(manifest.file_sha256().at("weights.pt").size(), 64u);
  EXPECT_EQ(manifest.file_sha256().count("manifest.pbtxt"), 0u);
  EXPECT_THAT(LoadVersionWeights(*version, manifest, ensemble.members), IsOk());
  // One byte changed: refused by the digest before anything parses it.
  const std::string path = *version + "/weights.pt";
  std::string bytes = *ReadFileToString(path);
  std::string changed = bytes;
  changed[bytes.size() / 2] = static_cast<char>(changed[bytes.size() / 2] ^ 1);
  ASSERT_THAT(WriteFileAtomically(path, changed), IsOk());
  EXPECT_THAT(LoadVersionWeights(*version, manifest, ensemble.members),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("weights.pt: corrupt or modified")));
  // A manifest from before digests: the file is parsed (here the ZIP check
  // refuses the changed byte by its CRC-32).
  manifest.clear_file_sha256();
  EXPECT_THAT(LoadVersionWeights(*version, manifest, ensemble.members),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("weights.pt")));
  ASSERT_THAT(WriteFileAtomically(path, bytes), IsOk());
  EXPECT_THAT(LoadVersionWeights(*version, manifest, ensemble.members), IsOk());
}

}  // namespace
}  // namespace wm::worldmodel
