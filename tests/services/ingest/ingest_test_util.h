#ifndef WM_TESTS_SERVICES_INGEST_INGEST_TEST_UTIL_H_
#define WM_TESTS_SERVICES_INGEST_INGEST_TEST_UTIL_H_

// Push-scene episodes for the ingest tests: the scene's real manifest and
// random but valid samples (finite, unit quaternions, times k dt).

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/client/ingest_client.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "wm/v1/dataset.pb.h"

namespace wm::services::testing {

// The push scene's manifest part (spec, dt, parameters, scene).
inline v1::DatasetManifest PushManifest() {
  auto scene = sim::LoadScene("push");
  EXPECT_TRUE(scene.ok()) << scene.status();
  return sim::ManifestForScene(**scene);
}

// An episode of `samples` samples of the push scene, seeded.
inline EpisodeUpload MakePushEpisode(const v1::DatasetManifest& manifest,
                                     const std::string& robot,
                                     const std::string& episode, int samples,
                                     unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  const v1::StateSpec& spec = manifest.spec();
  const int width = spec.nq() + spec.nv();
  EpisodeUpload upload;
  upload.robot_id = robot;
  upload.episode_id = episode;
  upload.scene = manifest.scene().name();
  upload.dt = manifest.dt();
  upload.spec = spec;
  for (int k = 0; k < samples; ++k) {
    upload.times.push_back(k * manifest.dt());
    std::vector<double> state(width);
    for (double& x : state) x = value(random);
    for (const v1::Joint& joint : spec.joints()) {
      if (joint.quaternion_offset() < 0 || (joint.type() != v1::Joint::FREE &&
                                            joint.type() != v1::Joint::BALL)) {
        continue;
      }
      double* q = &state[joint.quaternion_offset()];
      q[0] = 1, q[1] = q[2] = q[3] = 0;
    }
    upload.states.insert(upload.states.end(), state.begin(), state.end());
    for (int u = 0; u < spec.nu(); ++u) upload.actions.push_back(value(random));
  }
  return upload;
}

}  // namespace wm::services::testing

#endif  // WM_TESTS_SERVICES_INGEST_INGEST_TEST_UTIL_H_
