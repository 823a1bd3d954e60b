#ifndef WM_TESTS_TESTING_TEST_MANIFESTS_H_
#define WM_TESTS_TESTING_TEST_MANIFESTS_H_

// A small checkpoint manifest for LibTorch tests that build ensembles
// without a dataset: two slide joints (nq = nv = 2), one actuator, one
// physical parameter (mean 0.5, std 0.2), 20 ms steps.

#include <string>
#include <vector>

#include "wm/v1/model.pb.h"

namespace wm::worldmodel::testing {

inline v1::CheckpointManifest PlanarManifest(const std::string& kind,
                                             const std::vector<int>& hidden,
                                             int members) {
  v1::CheckpointManifest manifest;
  manifest.set_kind(kind);
  manifest.set_dt(0.02);
  manifest.set_frame_skip(10);
  v1::StateSpec* spec = manifest.mutable_spec();
  spec->set_nq(2);
  spec->set_nv(2);
  spec->set_nu(1);
  for (int j = 0; j < 2; ++j) {
    auto* joint = spec->add_joints();
    joint->set_type(v1::Joint::SLIDE);
    joint->set_qpos_offset(j);
    joint->set_qvel_offset(j);
    joint->set_quaternion_offset(-1);
  }
  manifest.mutable_normalization()->add_param_mean(0.5);
  manifest.mutable_normalization()->add_param_std(0.2);
  manifest.mutable_training()->set_ensemble_size(members);
  for (int width : hidden) manifest.mutable_training()->add_hidden(width);
  manifest.mutable_training()->set_seed(1);
  return manifest;
}

// `manifest` (a PlanarManifest) with unit normalisation statistics: zero
// means and unit stds for its 4 state entries, their deltas and its action.
inline v1::CheckpointManifest WithUnitNormalization(
    v1::CheckpointManifest manifest) {
  v1::NormalizationStats& stats = *manifest.mutable_normalization();
  for (int i = 0; i < 4; ++i) {
    stats.add_state_mean(0);
    stats.add_state_std(1);
    stats.add_delta_mean(0);
    stats.add_delta_std(1);
  }
  stats.add_action_mean(0);
  stats.add_action_std(1);
  return manifest;
}

}  // namespace wm::worldmodel::testing

#endif  // WM_TESTS_TESTING_TEST_MANIFESTS_H_
