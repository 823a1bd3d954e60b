#include "services/model_manager.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/logging.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

namespace wm::services {
namespace fs = std::filesystem;
namespace {

// A resting state of `spec`: zeros, with identity quaternions.
Tensor NeutralStates(const v1::StateSpec& spec, int64_t rows) {
  const int nx = spec.nq() + spec.nv();
  Tensor states = Tensor::Filled({rows, nx});
  for (int64_t row = 0; row < rows; ++row) {
    for (const auto& joint : spec.joints()) {
      if (joint.quaternion_offset() >= 0) {
        states.data[row * nx + joint.quaternion_offset()] = 1.0f;
      }
    }
  }
  return states;
}

// Mid-range actions, [shape..., nu].
Tensor MidRangeActions(const v1::StateSpec& spec, std::vector<int64_t> shape) {
  shape.push_back(spec.nu());
  Tensor actions = Tensor::Filled(std::move(shape));
  for (size_t i = 0; i < actions.data.size(); ++i) {
    const auto& actuator = spec.actuators(i % spec.nu());
    actions.data[i] = 0.5f * (actuator.ctrl_min() + actuator.ctrl_max());
  }
  return actions;
}

// A warm-up call of each kind that also proves the version computes finite
// answers, so the first served call is neither slow nor broken.
absl::Status WarmUp(const worldmodel::WorldModel& model) {
  const v1::StateSpec& spec = model.spec();
  WM_ASSIGN_OR_RETURN(
      worldmodel::Prediction prediction,
      model.Predict(NeutralStates(spec, 1), MidRangeActions(spec, {1}), {}));
  if (!prediction.diverged.empty()) {
    return absl::FailedPreconditionError(
        "the warm-up Predict diverged (a non-finite or unbounded answer)");
  }
  WM_ASSIGN_OR_RETURN(
      worldmodel::Trajectory trajectory,
      model.Rollout(NeutralStates(spec, 1), MidRangeActions(spec, {2, 3}), {}));
  if (!trajectory.diverged.empty()) {
    return absl::FailedPreconditionError(
        "the warm-up Rollout diverged (a non-finite or unbounded answer)");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsPlainModelName(const std::string& name) {
  return !name.empty() && name[0] != '.' &&
         name.find_first_of(std::string("/\\\0", 3)) == std::string::npos;
}

absl::StatusOr<std::unique_ptr<ModelManager>> ModelManager::Create(
    std::string models_dir, const worldmodel::ModelFactory* factory,
    ModelManagerOptions options) {
  std::error_code error;
  if (!fs::is_directory(models_dir, error)) {
    return absl::NotFoundError(
        absl::StrCat("models directory ", models_dir, " does not exist"));
  }
  if (options.max_loaded_versions < 1) options.max_loaded_versions = 1;
  std::unique_ptr<ModelManager> manager(
      new ModelManager(std::move(models_dir), factory, std::move(options)));
  manager->Refresh();
  return manager;
}

ModelManager::ModelManager(std::string models_dir,
                           const worldmodel::ModelFactory* factory,
                           ModelManagerOptions options)
    : models_dir_(std::move(models_dir)),
      factory_(factory),
      options_(std::move(options)) {}

ModelManager::~ModelManager() {
  {
    std::lock_guard<std::mutex> lock(poll_mutex_);
    stopping_ = true;
  }
  poll_wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

std::map<int64_t, std::shared_ptr<const ServedModel>>
ModelManager::NextVersions(
    const std::string& name,
    const std::map<int64_t, std::shared_ptr<const ServedModel>>& loaded) {
  const std::vector<int64_t> on_disk =
      worldmodel::ListModelVersions(absl::StrCat(models_dir_, "/", name));
  auto pinned = options_.pinned_versions.find(name);
  std::map<int64_t, std::shared_ptr<const ServedModel>> next;
  int newest_kept = 0;
  for (auto it = on_disk.rbegin(); it != on_disk.rend(); ++it) {
    const int64_t version = *it;
    const bool is_pinned =
        pinned != options_.pinned_versions.end() && pinned->second == version;
    if (failed_.count({name, version}) ||
        (!is_pinned && newest_kept >= options_.max_loaded_versions)) {
      continue;
    }
    auto existing = loaded.find(version);
    std::shared_ptr<const ServedModel> served =
        existing != loaded.end() ? existing->second
                                 : LoadVersion(name, version);
    if (served == nullptr)
      continue;  // refused: an older version takes its place
    next[version] = std::move(served);
    if (!is_pinned) ++newest_kept;
  }
  return next;
}

std::shared_ptr<const ServedModel> ModelManager::LoadVersion(
    const std::string& name, int64_t version) {
  const std::string dir = absl::StrCat(models_dir_, "/", name, "/", version);
  auto served = std::make_shared<ServedModel>();
  served->name = name;
  served->version = version;
  absl::Status status = ReadTextProtoFile(absl::StrCat(dir, "/manifest.pbtxt"),
                                          &served->manifest);
  if (status.ok()) {
    auto model = factory_->Load(dir);
    status = model.status();
    if (status.ok()) {
      served->model = std::move(model).value();
      status = WarmUp(*served->model);
    }
  }
  if (!status.ok()) {
    LOG(WARNING) << "refused model version " << name << "/" << version << ": "
                 << status;
    failed_.insert({name, version});
    return nullptr;
  }
  LOG(INFO) << "loaded model version " << name << "/" << version << " ("
            << served->model->kind() << ")";
  return served;
}

int ModelManager::Refresh() {
  std::lock_guard<std::mutex> refresh_lock(refresh_mutex_);
  std::set<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(models_dir_, error)) {
    const std::string name = entry.path().filename().string();
    if (IsPlainModelName(name) && entry.is_directory()) names.insert(name);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, versions] : models_) names.insert(name);
  }
  int changes = 0;
  for (const std::string& name : names) {
    std::map<int64_t, std::shared_ptr<const ServedModel>> loaded;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = models_.find(name);
      if (it != models_.end()) loaded = it->second;
    }
    std::map<int64_t, std::shared_ptr<const ServedModel>> next =
        NextVersions(name, loaded);
    for (const auto& [version, served] : loaded) {
      if (!next.count(version)) {
        LOG(INFO) << "unloading model version " << name << "/" << version
                  << " once its last call ends";
        ++changes;
      }
    }
    for (const auto& [version, served] : next) {
      if (!loaded.count(version)) ++changes;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (next.empty()) {
      models_.erase(name);
    } else {
      models_[name] = std::move(next);
    }
  }
  return changes;
}

void ModelManager::StartPolling(absl::Duration period) {
  CHECK(!poller_.joinable()) << "StartPolling called twice";
  poller_ = std::thread([this, period] {
    std::unique_lock<std::mutex> lock(poll_mutex_);
    while (!poll_wake_.wait_for(lock, absl::ToChronoNanoseconds(period),
                                [this] { return stopping_; })) {
      lock.unlock();
      Refresh();
      lock.lock();
    }
  });
}

absl::StatusOr<std::shared_ptr<const ServedModel>> ModelManager::Get(
    const std::string& name, int64_t version) const {
  if (!IsPlainModelName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.name: '", name,
                     "' is not a plain model name (empty, '/' or "
                     "a leading '.')"));
  }
  if (version < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.version: ", version, " is negative"));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto model = models_.find(name);
  if (model == models_.end()) {
    std::vector<std::string> known;
    for (const auto& [known_name, versions] : models_) {
      known.push_back(known_name);
    }
    return absl::NotFoundError(
        absl::StrCat("no model named '", name, "' is served (served: ",
                     known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
  }
  const auto& versions = model->second;
  if (version == 0) {
    auto pinned = options_.pinned_versions.find(name);
    if (pinned == options_.pinned_versions.end()) {
      return versions.rbegin()->second;
    }
    version = pinned->second;
  }
  auto served = versions.find(version);
  if (served == versions.end()) {
    std::vector<int64_t> loaded;
    for (const auto& [loaded_version, unused] : versions) {
      loaded.push_back(loaded_version);
    }
    return absl::NotFoundError(
        absl::StrCat("model '", name, "' has no loaded version ", version,
                     " (loaded: ", absl::StrJoin(loaded, ", "), ")"));
  }
  return served->second;
}

std::vector<ModelListing> ModelManager::List() const {
  std::vector<ModelListing> listings;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, versions] : models_) {
    ModelListing listing;
    listing.name = name;
    for (const auto& [version, unused] : versions) {
      listing.versions.push_back(version);
    }
    auto pinned = options_.pinned_versions.find(name);
    listing.default_version = pinned != options_.pinned_versions.end()
                                  ? pinned->second
                                  : listing.versions.back();
    listings.push_back(std::move(listing));
  }
  return listings;
}

int ModelManager::LoadedVersionCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int count = 0;
  for (const auto& [name, versions] : models_) count += versions.size();
  return count;
}

}  // namespace wm::services
