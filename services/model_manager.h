#ifndef WM_SERVICES_MODEL_MANAGER_H_
#define WM_SERVICES_MODEL_MANAGER_H_

// Loads, serves and retires model versions in the manner of TF Serving's
// manager: `<models_dir>/<name>/<N>/` checkpoints (docs/design.md section 4)
// are found by a scan, loaded and validated off the serving path, then swapped
// in; calls hold a shared_ptr to the version they use, so a version the
// manager drops unloads when its last call ends.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/world_model.h"

namespace wm::services {

// One loaded model version. Immutable and thread-safe.
struct ServedModel {
  std::string name;
  int64_t version = 0;
  v1::CheckpointManifest manifest;
  std::unique_ptr<const worldmodel::WorldModel> model;
};

struct ModelManagerOptions {
  // Versions kept loaded per model: the newest ones that load (default 2).
  int max_loaded_versions = 2;
  // name -> version that "version 0" means (and that is always loaded);
  // other models serve their newest loaded version.
  std::map<std::string, int64_t> pinned_versions;
};

// What ListModels reports for one model.
struct ModelListing {
  std::string name;
  std::vector<int64_t> versions;  // loaded, increasing
  int64_t default_version = 0;
};

class ModelManager {
 public:
  // Scans `models_dir` once and loads what it finds (see Refresh); models
  // load through `factory`, which must outlive the manager. NOT_FOUND when
  // `models_dir` is not a directory. A directory without any loadable model
  // is not an error: versions published later are picked up by polling.
  static absl::StatusOr<std::unique_ptr<ModelManager>> Create(
      std::string models_dir, const worldmodel::ModelFactory* factory,
      ModelManagerOptions options);

  // Stops polling; loaded versions stay alive while calls hold them.
  ~ModelManager();

  // Rescans the directory: loads and validates versions that should be
  // loaded and are not, then swaps them in; drops versions that are no longer
  // wanted or whose directory vanished. A version that fails to load or to
  // validate (a warm-up Predict and Rollout with finite output) is logged
  // once and skipped for good; the versions already loaded keep serving.
  // Returns the number of versions loaded or dropped. Thread-safe; the first
  // call of a new version runs no warm-up cost.
  int Refresh();

  // Calls Refresh every `period` on a background thread until destruction.
  void StartPolling(absl::Duration period);

  // The version `version` (0: the default one) of `name`. INVALID_ARGUMENT
  // for a name that is not plain (empty, "/", leading "."), NOT_FOUND for an
  // unknown model or a version that is not loaded (listing the loaded ones).
  // Thread-safe.
  absl::StatusOr<std::shared_ptr<const ServedModel>> Get(
      const std::string& name, int64_t version) const;

  // Every model with at least one loaded version, by name. Thread-safe.
  std::vector<ModelListing> List() const;

  // Total loaded versions. Thread-safe.
  int LoadedVersionCount() const;

 private:
  ModelManager(std::string models_dir, const worldmodel::ModelFactory* factory,
               ModelManagerOptions options);
  // The versions of `name` to serve next: the newest max_loaded_versions
  // that load (reused from `loaded` or loaded now) plus the pinned one.
  std::map<int64_t, std::shared_ptr<const ServedModel>> NextVersions(
      const std::string& name,
      const std::map<int64_t, std::shared_ptr<const ServedModel>>& loaded);
  // Loads and validates one version; nullptr (logged) on failure.
  std::shared_ptr<const ServedModel> LoadVersion(const std::string& name,
                                                 int64_t version);

  const std::string models_dir_;
  const worldmodel::ModelFactory* const factory_;
  const ModelManagerOptions options_;

  std::mutex refresh_mutex_;                          // one Refresh at a time
  std::set<std::pair<std::string, int64_t>> failed_;  // under refresh_mutex_

  mutable std::mutex mutex_;  // guards models_
  std::map<std::string, std::map<int64_t, std::shared_ptr<const ServedModel>>>
      models_;

  std::mutex poll_mutex_;
  std::condition_variable poll_wake_;
  bool stopping_ = false;  // under poll_mutex_
  std::thread poller_;
};

// True for a model name that is safe as a directory name: non-empty, no
// "/", "\\" or NUL, and not starting with ".".
bool IsPlainModelName(const std::string& name);

}  // namespace wm::services

#endif  // WM_SERVICES_MODEL_MANAGER_H_
