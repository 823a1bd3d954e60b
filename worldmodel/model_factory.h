#ifndef WM_WORLDMODEL_MODEL_FACTORY_H_
#define WM_WORLDMODEL_MODEL_FACTORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Loads model versions from checkpoint directories (docs/design.md section 4):
// `<models>/<name>/<N>/manifest.pbtxt` names the model kind, and the loader
// registered for that kind builds the model. An explicit registry that
// starts empty: each kind's target registers its loader
// (model_registry_hooks.h: RegisterMujocoModel, RegisterLearnedModels).
// Register before use; Load is const and thread-safe once registration is
// over.
class ModelFactory {
 public:
  // Builds a model from a version directory and its parsed manifest.
  using Loader = std::function<absl::StatusOr<std::unique_ptr<WorldModel>>(
      const std::string& version_dir, const v1::CheckpointManifest&)>;

  // Registers (or replaces) the loader of `kind`. Not thread-safe.
  void Register(std::string kind, Loader loader);

  // The registered kinds, sorted.
  std::vector<std::string> kinds() const;

  // Loads `path`: `MODELS/NAME` (its latest version) or `MODELS/NAME/N` (a
  // pinned version); see ResolveModelVersionDir. Errors: NOT_FOUND for no
  // such model or version (listing the versions there are); DATA_LOSS for a
  // manifest that does not parse; FAILED_PRECONDITION for a kind nobody
  // registered (listing the registered ones); the loader's errors; INTERNAL
  // when the loader throws. The model is guarded (GuardModel): its calls
  // never throw and its answers are finite.
  absl::StatusOr<std::unique_ptr<WorldModel>> Load(
      const std::string& path) const;

 private:
  std::map<std::string, Loader> loaders_;
};

// The version directory `path` refers to. A directory holding
// `manifest.pbtxt` is a version itself (pinned); any other directory is a
// model directory whose latest version (the largest integer-named
// subdirectory; names that are not integers, like `3.tmp` or `.train`, are
// ignored) is chosen. A missing `MODELS/NAME/N` whose parent exists is a
// missing pinned version. NOT_FOUND, naming the path and listing the
// available versions, when nothing fits. Thread-safe (reads the filesystem).
absl::StatusOr<std::string> ResolveModelVersionDir(const std::string& path);

// The integer versions under `model_dir`, increasing (non-integer names are
// ignored); empty when the directory does not exist.
std::vector<int64_t> ListModelVersions(const std::string& model_dir);

// The version number a new checkpoint of `model_dir` gets: the largest
// existing integer version + 1, or 1 when there is none (or the directory
// does not exist yet). FAILED_PRECONDITION when `model_dir` exists but is not
// a directory.
absl::StatusOr<int64_t> NextModelVersion(const std::string& model_dir);

// Publishes `manifest` as the next version of `model_dir` (created when
// missing), atomically: sets its name (the directory's) and version N =
// NextModelVersion, lets `write_files` (may be empty) write the other files
// (weights.pt) into `<N>.tmp`, records each such file's SHA-256 in
// manifest->file_sha256, writes `<N>.tmp/manifest.pbtxt` and renames
// `<N>.tmp` to `<N>`. Returns the version directory. Errors:
// FAILED_PRECONDITION when model_dir is not a directory; file errors and
// write_files' errors.
absl::StatusOr<std::string> PublishModelVersion(
    const std::string& model_dir, v1::CheckpointManifest* manifest,
    const std::function<absl::Status(const std::string&)>& write_files);

// The bytes of `version_dir`/`file`, a file of the version whose manifest
// is `manifest`, checked against the SHA-256 the manifest records for it
// (none recorded: unchecked). NOT_FOUND when the file is missing; DATA_LOSS
// naming the file when its bytes differ (corrupt or modified).
absl::StatusOr<std::string> ReadVersionFile(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    const std::string& file);

// "NAME/N" for the version directory ".../NAME/N" (for reports).
std::string ModelVersionName(const std::string& version_dir);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_MODEL_FACTORY_H_
