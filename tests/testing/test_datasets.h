#ifndef WM_TESTS_TESTING_TEST_DATASETS_H_
#define WM_TESTS_TESTING_TEST_DATASETS_H_

// Tiny generated datasets and a spec with every joint kind, for the
// worldmodel/ tests.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "datasets/dataset_writer.h"
#include "sim/rollout_generator.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "util/status_macros.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel::testing {

// Simulates `episodes` episodes of `steps` steps of a scene into a
// dataset directory `directory` (as `wm gen` does).
inline absl::Status GenerateDataset(const v1::SceneConfig& config,
                                    const std::string& directory,
                                    int64_t episodes, int64_t steps,
                                    uint64_t seed = 1) {
  WM_ASSIGN_OR_RETURN(auto scene, sim::Scene::Create(config));
  sim::GenerationOptions options;
  options.episodes = episodes;
  options.steps = steps;
  options.seed = seed;
  options.workers = 1;
  WM_ASSIGN_OR_RETURN(auto generator,
                      sim::RolloutGenerator::Create(scene, options));
  v1::DatasetManifest manifest = sim::ManifestForScene(*scene);
  manifest.mutable_provenance()->set_source("test");
  WM_ASSIGN_OR_RETURN(auto writer,
                      datasets::DatasetWriter::Create(directory, manifest, 64,
                                                      /*overwrite=*/false));
  WM_ASSIGN_OR_RETURN(auto summary, generator->Run(writer.get(), nullptr));
  return writer->Finish(summary.dropped).status();
}

// The same for a built-in scene.
inline absl::Status GenerateDataset(const std::string& scene_name,
                                    const std::string& directory,
                                    int64_t episodes, int64_t steps,
                                    uint64_t seed = 1) {
  WM_ASSIGN_OR_RETURN(const v1::SceneConfig config,
                      sim::LoadSceneConfig(scene_name));
  return GenerateDataset(config, directory, episodes, steps, seed);
}

inline v1::Joint* AddJoint(v1::StateSpec* spec, const std::string& name,
                           v1::Joint::Type type, int qpos, int qvel) {
  v1::Joint* joint = spec->add_joints();
  joint->set_name(name);
  joint->set_type(type);
  joint->set_qpos_offset(qpos);
  joint->set_qvel_offset(qvel);
  joint->set_quaternion_offset(type == v1::Joint::FREE
                                   ? qpos + 3
                                   : (type == v1::Joint::BALL ? qpos : -1));
  return joint;
}

// A free joint "body" (qpos 0-6, qvel 0-5), a ball "wrist" (qpos 7-10, qvel
// 6-8), a hinge "elbow" (qpos 11, qvel 9), a slide "rail" (qpos 12, qvel
// 10): nq 13, nv 11, nu 1.
inline v1::StateSpec AllJointsSpec() {
  v1::StateSpec spec;
  spec.set_nq(13);
  spec.set_nv(11);
  spec.set_nu(1);
  AddJoint(&spec, "body", v1::Joint::FREE, 0, 0);
  AddJoint(&spec, "wrist", v1::Joint::BALL, 7, 6);
  AddJoint(&spec, "elbow", v1::Joint::HINGE, 11, 9);
  AddJoint(&spec, "rail", v1::Joint::SLIDE, 12, 10);
  spec.add_actuators()->set_name("motor");
  return spec;
}

}  // namespace wm::worldmodel::testing

#endif  // WM_TESTS_TESTING_TEST_DATASETS_H_
