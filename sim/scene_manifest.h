#ifndef WM_SIM_SCENE_MANIFEST_H_
#define WM_SIM_SCENE_MANIFEST_H_

#include "sim/scene.h"
#include "wm/v1/dataset.pb.h"

namespace wm::sim {

// The parts of a dataset manifest that describe `scene`: StateSpec, dt,
// timestep, frame skip, parameter names and units, and the scene config with
// its MJCF inline (so the data can be simulated again). Shards, counts and
// provenance are left for the writer and the caller.
v1::DatasetManifest ManifestForScene(const Scene& scene);

}  // namespace wm::sim

#endif  // WM_SIM_SCENE_MANIFEST_H_
