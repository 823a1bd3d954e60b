#ifndef WM_TESTS_TESTING_TEST_EPISODES_H_
#define WM_TESTS_TESTING_TEST_EPISODES_H_

// Small deterministic episodes, specs and manifests for the datasets/ tests.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "datasets/dataset_writer.h"
#include "datasets/episode.h"
#include "util/status_macros.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::datasets::testing {

// A free joint "box" (qpos 0..6, qvel 0..5) then a hinge "arm" (qpos 7,
// qvel 6): nq 8, nv 7; two actuators.
inline v1::StateSpec FreeAndHingeSpec() {
  v1::StateSpec spec;
  spec.set_nq(8);
  spec.set_nv(7);
  spec.set_nu(2);
  v1::Joint* box = spec.add_joints();
  box->set_name("box");
  box->set_type(v1::Joint::FREE);
  box->set_qpos_offset(0);
  box->set_qvel_offset(0);
  box->set_quaternion_offset(3);
  box->set_linear_velocity_frame(v1::Joint::WORLD);
  box->set_angular_velocity_frame(v1::Joint::BODY);
  v1::Joint* arm = spec.add_joints();
  arm->set_name("arm");
  arm->set_type(v1::Joint::HINGE);
  arm->set_qpos_offset(7);
  arm->set_qvel_offset(6);
  arm->set_quaternion_offset(-1);
  for (const char* name : {"push_x", "torque"}) {
    v1::Actuator* actuator = spec.add_actuators();
    actuator->set_name(name);
    actuator->set_unit("N");
  }
  return spec;
}

// A manifest for FreeAndHingeSpec() with two parameters.
inline v1::DatasetManifest TestManifest() {
  v1::DatasetManifest manifest;
  *manifest.mutable_spec() = FreeAndHingeSpec();
  manifest.set_dt(0.01);
  manifest.set_timestep(0.002);
  manifest.set_frame_skip(5);
  v1::ParameterInfo* mass = manifest.add_parameters();
  mass->set_name("box/mass");
  mass->set_unit("kg");
  v1::ParameterInfo* friction = manifest.add_parameters();
  friction->set_name("box_table/friction");
  friction->set_unit("1");
  manifest.mutable_provenance()->set_source("test");
  return manifest;
}

// An episode whose every value is a distinct function of (index, step,
// entry); the free joint's quaternion is a unit quaternion rotating about z.
inline Episode MakeEpisode(int64_t index, int steps, int nq = 8, int nv = 7,
                           int nu = 2, int num_params = 2) {
  Episode episode;
  episode.index = index;
  episode.nq = nq;
  episode.nv = nv;
  episode.nu = nu;
  for (int t = 0; t <= steps; ++t) {
    for (int i = 0; i < nq; ++i) {
      episode.qpos.push_back(index * 100.0 + t + 0.01 * i);
    }
    if (nq >= 7) {
      const double angle = 0.05 * t + 0.1 * index;
      double* quaternion = &episode.qpos[t * nq + 3];
      quaternion[0] = std::cos(angle / 2);
      quaternion[1] = 0.0;
      quaternion[2] = 0.0;
      quaternion[3] = std::sin(angle / 2);
    }
    for (int i = 0; i < nv; ++i) {
      episode.qvel.push_back(-index * 10.0 + 0.5 * t - 0.02 * i);
    }
    episode.time.push_back(0.01 * t);
  }
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < nu; ++i) episode.ctrl.push_back(0.1 * t - i + index);
  }
  for (int p = 0; p < num_params; ++p) {
    episode.params.push_back(p == 1 ? std::numeric_limits<double>::quiet_NaN()
                                    : 1.0 + index + 0.25 * p);
  }
  return episode;
}

// Writes `episodes` (increasing indices) as a dataset in `directory`.
inline absl::Status WriteTestDataset(const std::string& directory,
                                     const v1::DatasetManifest& manifest,
                                     const std::vector<Episode>& episodes,
                                     int64_t episodes_per_shard,
                                     int64_t num_dropped = 0) {
  WM_ASSIGN_OR_RETURN(auto writer, DatasetWriter::Create(directory, manifest,
                                                         episodes_per_shard,
                                                         /*overwrite=*/false));
  for (const Episode& episode : episodes) {
    WM_RETURN_IF_ERROR(writer->Write(episode));
  }
  return writer->Finish(num_dropped).status();
}

}  // namespace wm::datasets::testing

#endif  // WM_TESTS_TESTING_TEST_EPISODES_H_
