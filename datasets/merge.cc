#include "datasets/merge.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "datasets/dataset.h"
#include "datasets/dataset_writer.h"
#include "datasets/generation_shard.h"
#include "util/status_macros.h"

namespace wm::datasets {
namespace {

// One input dataset: shard `shard` of a run, holding the episodes `range`.
struct Input {
  std::string path;
  std::unique_ptr<Dataset> dataset;
  GenerationShard shard;
  EpisodeRange range;
};

std::string Describe(const GenerationShard& shard, const EpisodeRange& range) {
  return absl::StrCat("shard ", shard.index, " of ", shard.count,
                      " (episodes [", range.begin, ", ", range.end, "))");
}

// The manifest without what legitimately differs between the shards of one
// run: shard list, counts, the shard, the output path and overwrite flag.
v1::DatasetManifest RunPart(const v1::DatasetManifest& manifest) {
  v1::DatasetManifest run = manifest;
  run.clear_shards();
  run.clear_num_episodes();
  run.clear_num_transitions();
  run.clear_num_dropped_episodes();
  v1::GenerationConfig* generation =
      run.mutable_provenance()->mutable_generation();
  generation->clear_shard_index();
  generation->clear_num_shards();
  generation->clear_out();
  generation->clear_overwrite();
  generation->clear_workers();
  return run;
}

// Opens `path` and checks that it is one complete shard of a sharded run.
absl::StatusOr<Input> OpenInput(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Dataset>> dataset = Dataset::Open(path);
  if (!dataset.ok()) {
    return absl::Status(
        dataset.status().code(),
        absl::StrCat("input '", path, "': ", dataset.status().message()));
  }
  const v1::DatasetManifest& manifest = (*dataset)->manifest();
  const v1::GenerationConfig& generation = manifest.provenance().generation();
  if (manifest.provenance().source() != "wm gen" ||
      generation.num_shards() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", path,
        "' is not one shard of a sharded run: its manifest names no "
        "`wm gen --shard K/N`"));
  }
  Input input{path,
              *std::move(dataset),
              {generation.shard_index(), generation.num_shards()}};
  if (input.shard.index < 0 || input.shard.index >= input.shard.count ||
      input.shard.count > generation.episodes()) {
    return absl::DataLossError(
        absl::StrCat("input '", path, "': its manifest names shard ",
                     input.shard.index, " of ", input.shard.count, " of ",
                     generation.episodes(), " episodes, which does not exist"));
  }
  input.range = ShardEpisodeRange(generation.episodes(), input.shard.index,
                                  input.shard.count);
  const int64_t held =
      manifest.num_episodes() + manifest.num_dropped_episodes();
  if (held != input.range.size()) {
    return absl::DataLossError(absl::StrCat(
        "input '", path, "' holds ", manifest.num_episodes(), " episodes and ",
        manifest.num_dropped_episodes(), " dropped, but its ",
        Describe(input.shard, input.range), " has ", input.range.size()));
  }
  return input;
}

// INVALID_ARGUMENT unless `input` is a shard of the same run as `reference`.
absl::Status CheckSameRun(const Input& reference, const Input& input) {
  if (input.shard.count != reference.shard.count) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", input.path, "' is shard ", input.shard.index,
                     " of ", input.shard.count, " but input '", reference.path,
                     "' is shard ", reference.shard.index, " of ",
                     reference.shard.count, ": not the shards of one run"));
  }
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  if (!differencer.Compare(RunPart(reference.dataset->manifest()),
                           RunPart(input.dataset->manifest()))) {
    // One line: "modified: provenance.seed: 1 -> 2; modified: ...".
    absl::StripTrailingAsciiWhitespace(&difference);
    absl::StrReplaceAll({{"\n", "; "}}, &difference);
    constexpr size_t kShown = 400;
    if (difference.size() > kShown) {
      difference.resize(kShown);
      difference += "...";
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", input.path, "' is not from the same generation run as '",
        reference.path,
        "' (its manifest differs in more than the shard): ", difference));
  }
  return absl::OkStatus();
}

// Sorts the inputs by shard; INVALID_ARGUMENT when a shard is given twice or
// one of the run's shards is missing.
absl::Status CheckCoverage(std::vector<Input>* inputs) {
  std::sort(inputs->begin(), inputs->end(), [](const Input& a, const Input& b) {
    return a.shard.index < b.shard.index;
  });
  for (size_t i = 1; i < inputs->size(); ++i) {
    const Input &before = (*inputs)[i - 1], &input = (*inputs)[i];
    if (before.shard.index == input.shard.index) {
      return absl::InvalidArgumentError(absl::StrCat(
          "inputs '", before.path, "' and '", input.path, "' both hold ",
          Describe(input.shard, input.range), ": give each shard once"));
    }
  }
  const GenerationShard& any = inputs->front().shard;
  const int64_t episodes =
      inputs->front().dataset->manifest().provenance().generation().episodes();
  std::vector<std::string> missing;
  size_t next = 0;
  for (int k = 0; k < any.count; ++k) {
    if (next < inputs->size() && (*inputs)[next].shard.index == k) {
      ++next;
      continue;
    }
    missing.push_back(
        Describe({k, any.count}, ShardEpisodeRange(episodes, k, any.count)));
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "missing ", absl::StrJoin(missing, ", "),
        ": no input holds it; give the dataset of every shard of the run"));
  }
  return absl::OkStatus();
}

// INVALID_ARGUMENT when `out` is (resolves to) one of the inputs.
absl::Status CheckOutIsNoInput(const std::vector<Input>& inputs,
                               const std::string& out) {
  std::error_code error;
  const auto target = std::filesystem::weakly_canonical(out, error);
  for (const Input& input : inputs) {
    std::error_code input_error;
    const auto path =
        std::filesystem::weakly_canonical(input.path, input_error);
    if (!error && !input_error && path == target) {
      return absl::InvalidArgumentError(
          absl::StrCat("the output '", out, "' is the input '", input.path,
                       "': merge into another directory"));
    }
  }
  return absl::OkStatus();
}

// Writes every episode of `input` to `writer`, checking it lies in the
// input's shard.
absl::Status CopyEpisodes(const Input& input, DatasetWriter* writer) {
  for (int k = 0; k < input.dataset->num_shards(); ++k) {
    WM_ASSIGN_OR_RETURN(std::vector<Episode> episodes,
                        input.dataset->ReadShard(k));
    for (Episode& episode : episodes) {
      if (episode.index < input.range.begin ||
          episode.index >= input.range.end) {
        return absl::DataLossError(absl::StrCat(
            "input '", input.path, "' holds episode ", episode.index,
            ", outside its ", Describe(input.shard, input.range)));
      }
      WM_RETURN_IF_ERROR(writer->Write(std::move(episode)));
    }
  }
  return absl::OkStatus();
}

// Writes the checked, sorted inputs to `out`.
absl::StatusOr<v1::DatasetManifest> WriteMerged(
    const std::vector<Input>& inputs, const std::string& out, bool overwrite) {
  v1::DatasetManifest manifest = RunPart(inputs.front().dataset->manifest());
  v1::GenerationConfig* generation =
      manifest.mutable_provenance()->mutable_generation();
  generation->set_out(out);
  generation->set_overwrite(overwrite);
  WM_ASSIGN_OR_RETURN(
      std::unique_ptr<DatasetWriter> writer,
      DatasetWriter::Create(out, manifest, generation->episodes_per_shard(),
                            overwrite));
  int64_t dropped = 0;
  for (const Input& input : inputs) {
    WM_RETURN_IF_ERROR(CopyEpisodes(input, writer.get()));
    dropped += input.dataset->manifest().num_dropped_episodes();
  }
  return writer->Finish(dropped);
}

}  // namespace

absl::StatusOr<v1::DatasetManifest> MergeShardDatasets(
    const std::vector<std::string>& inputs, const std::string& out,
    bool overwrite) {
  if (inputs.empty()) {
    return absl::InvalidArgumentError(
        "no datasets to merge: give the dataset of every shard of one "
        "`wm gen --shard K/N` run");
  }
  std::vector<Input> opened;
  for (const std::string& path : inputs) {
    WM_ASSIGN_OR_RETURN(Input input, OpenInput(path));
    opened.push_back(std::move(input));
  }
  for (size_t i = 1; i < opened.size(); ++i) {
    WM_RETURN_IF_ERROR(CheckSameRun(opened.front(), opened[i]));
  }
  WM_RETURN_IF_ERROR(CheckCoverage(&opened));
  WM_RETURN_IF_ERROR(CheckOutIsNoInput(opened, out));
  const bool existed = std::filesystem::exists(out);
  absl::StatusOr<v1::DatasetManifest> written =
      WriteMerged(opened, out, overwrite);
  if (!written.ok() && !existed) {
    // Leave nothing half-written behind in a directory this call created.
    std::error_code ignored;
    std::filesystem::remove_all(out, ignored);
  }
  return written;
}

}  // namespace wm::datasets
