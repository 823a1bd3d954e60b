#include "worldmodel/learned/weights_file.h"

#include <torch/serialize.h>

#include <new>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "util/zip_check.h"
#include "worldmodel/model_factory.h"

namespace wm::worldmodel {
namespace {

std::string ShapeOf(const torch::Tensor& tensor) {
  return absl::StrCat("[", absl::StrJoin(tensor.sizes(), ", "), "]");
}

}  // namespace

absl::Status SaveEnsembleWeights(
    const std::string& path,
    const std::vector<std::shared_ptr<MemberNetwork>>& members) {
  c10::Dict<std::string, at::Tensor> dictionary;
  for (size_t k = 0; k < members.size(); ++k) {
    for (const auto& item : members[k]->named_parameters()) {
      dictionary.insert(absl::StrCat("member", k, ".", item.key()),
                        item.value().detach().clone());
    }
  }
  std::vector<char> bytes;
  try {
    bytes = torch::pickle_save(c10::IValue(dictionary));
  } catch (const c10::Error& error) {
    return absl::InternalError(
        absl::StrCat("serialising weights for ", path, ": ", error.what()));
  }
  return WriteFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

absl::StatusOr<std::string> PublishEnsembleVersion(
    const std::string& model_dir, v1::CheckpointManifest* manifest,
    const std::vector<std::shared_ptr<MemberNetwork>>& members) {
  return PublishModelVersion(
      model_dir, manifest, [&](const std::string& directory) {
        return SaveEnsembleWeights(directory + "/weights.pt", members);
      });
}

namespace {

// LoadEnsembleWeights on bytes already read from `path`.
absl::Status ParseEnsembleWeights(
    const std::string& bytes, const std::string& path,
    const std::vector<std::shared_ptr<MemberNetwork>>& members) {
  // LibTorch's zip reader overruns its buffer on some corrupt archives:
  // check the structure first (util/zip_check.h).
  WM_RETURN_IF_ERROR(CheckZipStructure(bytes, path));
  c10::IValue value;
  try {
    value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const c10::Error& error) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a readable weights file: ", error.what()));
  } catch (const std::bad_alloc&) {
    // LibTorch's unpickler allocates the sizes a pickle declares before
    // checking them against the archive (a 10 KB file found by
    // tests/fuzz/checkpoint_fuzz.cc asks for ~30 GB).
    return absl::DataLossError(absl::StrCat(
        path,
        ": not a readable weights file: it declares more memory than "
        "can be allocated (corrupt?)"));
  }
  if (!value.isGenericDict()) {
    return absl::DataLossError(
        absl::StrCat(path, ": expected a name -> tensor dictionary"));
  }
  c10::Dict<c10::IValue, c10::IValue> dictionary = value.toGenericDict();
  std::set<std::string> expected;
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < members.size(); ++k) {
    for (auto& item : members[k]->named_parameters()) {
      const std::string name = absl::StrCat("member", k, ".", item.key());
      expected.insert(name);
      auto found = dictionary.find(name);
      if (found == dictionary.end() || !found->value().isTensor()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": missing tensor '", name, "'"));
      }
      const at::Tensor stored = found->value().toTensor();
      if (!stored.sizes().equals(item.value().sizes())) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": tensor '", name, "' has shape ", ShapeOf(stored),
            ", the model needs ", ShapeOf(item.value())));
      }
      item.value().copy_(stored);
    }
  }
  for (const auto& entry : dictionary) {
    const std::string name =
        entry.key().isString() ? entry.key().toStringRef() : "?";
    if (expected.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": unexpected tensor '", name, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadEnsembleWeights(
    const std::string& path,
    const std::vector<std::shared_ptr<MemberNetwork>>& members) {
  WM_ASSIGN_OR_RETURN(const std::string bytes, ReadFileToString(path));
  return ParseEnsembleWeights(bytes, path, members);
}

absl::Status LoadVersionWeights(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    const std::vector<std::shared_ptr<MemberNetwork>>& members) {
  WM_ASSIGN_OR_RETURN(const std::string bytes,
                      ReadVersionFile(version_dir, manifest, "weights.pt"));
  return ParseEnsembleWeights(bytes, absl::StrCat(version_dir, "/weights.pt"),
                              members);
}

}  // namespace wm::worldmodel
