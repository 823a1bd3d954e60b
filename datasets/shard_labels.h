#ifndef WM_DATASETS_SHARD_LABELS_H_
#define WM_DATASETS_SHARD_LABELS_H_

// What a shard says about itself, so that h5py users need no wm code: the
// format version and dt as attributes of the root group, the column names
// and units of qpos, qvel, ctrl and params as their `columns` and `units`
// attributes, and each episode's split (train, validation or test at the
// default fractions, as wm train and wm eval use them) as a `split` dataset
// of fixed-length strings. docs/design.md section 4 lists them.

#include <string>
#include <vector>

#include "wm/v1/dataset.pb.h"

namespace wm::datasets {

// Column names and units of one shard array.
struct ColumnLabels {
  std::vector<std::string> names;
  std::vector<std::string> units;
};

struct ShardLabels {
  int format_version = 1;
  double dt = 0;  // s per control step
  ColumnLabels qpos, qvel, ctrl, params;
};

// The labels of every shard of the dataset `manifest` describes. Joints
// name their entries <joint>.<entry>: a free joint's qpos x y z qw qx qy qz
// (m, 1 for quaternion entries) and qvel vx vy vz (m/s, world frame) wx wy
// wz (rad/s, body frame); a ball joint's qw..qz and wx..wz; a slide or hinge
// joint its own name (m and m/s, rad and rad/s). Actuators and parameters
// keep their names and units. Entries the spec does not describe are named
// qpos[i], qvel[i], ctrl[i], without a unit.
ShardLabels LabelsOf(const v1::DatasetManifest& manifest);

}  // namespace wm::datasets

#endif  // WM_DATASETS_SHARD_LABELS_H_
