#ifndef WM_DATASETS_MERGE_H_
#define WM_DATASETS_MERGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/dataset.pb.h"

namespace wm::datasets {

// `wm merge`: joins the datasets of one sharded generation run (`wm gen
// --shard K/N` for every K, see generation_shard.h), given in any order,
// into the dataset directory `out` that the unsharded run (`wm gen` with
// the same flags and --out `out`) writes: the same HDF5 shard files byte
// for byte, each holding its episode range [k * episodes_per_shard,
// (k + 1) * episodes_per_shard), and the same manifest, whose provenance
// names `out` and `overwrite` as that run's would. Every episode is read
// back and written again through DatasetWriter, so `out` is written as any
// dataset is: shards by atomic, durable rename, the manifest last. Returns
// the manifest written.
//
// The inputs are checked before anything is written (INVALID_ARGUMENT,
// naming the input and what is wrong): each must be a complete dataset
// written by `wm gen --shard` (Dataset::Open's errors otherwise, prefixed
// with the input); all must share the shard count N and everything else
// in the manifest (scene with its MJCF, spec, dt, parameters, seed,
// episodes, steps, policy, episodes_per_shard, git revision: the fields
// that differ are named); no shard may be given twice (overlapping
// episodes) and none of the N may be missing; `out` must not be an input.
// DATA_LOSS when an input's episode and drop counts do not add up to its
// shard's range or it holds an episode outside that range. `out` is
// refused when it is not empty unless `overwrite` (DatasetWriter::Create);
// on a later error a directory this call created is removed again.
absl::StatusOr<v1::DatasetManifest> MergeShardDatasets(
    const std::vector<std::string>& inputs, const std::string& out,
    bool overwrite);

}  // namespace wm::datasets

#endif  // WM_DATASETS_MERGE_H_
