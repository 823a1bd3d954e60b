#include "sim/scene_manifest.h"

namespace wm::sim {

v1::DatasetManifest ManifestForScene(const Scene& scene) {
  v1::DatasetManifest manifest;
  *manifest.mutable_spec() = scene.spec();
  manifest.set_dt(scene.dt());
  manifest.set_timestep(scene.model().opt.timestep);
  manifest.set_frame_skip(scene.frame_skip());
  for (const PhysicalParameter& parameter : scene.parameters()) {
    v1::ParameterInfo* info = manifest.add_parameters();
    info->set_name(parameter.name);
    info->set_unit(parameter.unit);
  }
  *manifest.mutable_scene() = scene.config();
  return manifest;
}

}  // namespace wm::sim
