#ifndef WM_WORLDMODEL_LEARNED_TRAINER_H_
#define WM_WORLDMODEL_LEARNED_TRAINER_H_

// Training of the learned model kinds. Torch-free header.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/distributed_options.h"

namespace wm::worldmodel {

struct TrainingRequest {
  v1::TrainingConfig config;
  std::string data_dir;   // a dataset directory (wm gen / wm import)
  std::string model_dir;  // MODELS/NAME: versions are published inside it
  bool resume = false;    // continue from MODELS/NAME/.train
  // Fine-tuning: a pretrained version (MODELS/OTHER or MODELS/OTHER/N) whose
  // kind, sizes, history length and normalisation are kept and whose weights
  // every member starts from. Empty: train from scratch.
  std::string init_from;
  // Hybrid models only: the MuJoCo base, MODELS/NAME[/N] of kind "mujoco"
  // or mujoco:DATA_DIR (the dataset's scene at nominal values); see
  // LoadHybridBase in hybrid_trainer.h.
  std::string base;
  std::string validation_data_dir;  // wm train --validation_data: a dataset
  // of the same system (state layout, dt, parameter names) whose every
  // episode validates (early stopping, learning-rate trial, calibration)
  // while every episode of data_dir trains; empty: data_dir's hash split
  // (datasets/split.h). See training_splits.h.
  // wm train --distributed: this process's place in a data-parallel run
  // of physics or blackbox members (not enabled: this process alone).
  DistributedOptions distributed;
};

struct TrainingProgress {
  int64_t steps_done = 0;  // optimiser steps over all members
  int64_t steps_total = 0;
  double train_loss = 0;  // latest, averaged over members reporting
  double validation_loss = 0;
  double samples_per_second = 0;
};

// `config` with every zero / empty field set to its default for
// config.model() (see model.proto). INVALID_ARGUMENT for an unknown model
// or one wm train does not train (mujoco).
absl::StatusOr<v1::TrainingConfig> WithTrainingDefaults(
    v1::TrainingConfig config);

// Trains an ensemble on the dataset's training split (normalisation from it,
// early stopping on the validation split; with validation_data_dir, on
// every episode of data_dir, validated on every episode of
// validation_data_dir) and publishes it atomically as
// version N = largest + 1 in request.model_dir; returns its manifest.
// Every learned kind trains its members through one loop
// (member_training.h): members train side by side, one intra-op thread
// each, taking turns on config.workers() cores; every member is seeded, so
// the same request gives the same weights. Each member's weights are its
// best on validation, its starting weights (validated at step 0) included.
// Divergence policy: a step with a non-finite loss or gradient is skipped;
// after kMaxConsecutiveNonFiniteSteps (100) of them in a row the member
// stops and keeps its best weights, the run goes on and publishes, and the
// manifest's metric diverged_members counts such members (absent when
// none); only a member that never validated to a finite loss fails the run
// (INTERNAL). Resume state (physics, blackbox) is saved in model_dir/.train
// at each validation; with `resume`, training continues from it and ends
// with the same weights as an uninterrupted run (unless the max_minutes
// budget cut either run short). `progress` (may be empty) is called from
// worker threads under a lock. Metrics go to model_dir/metrics.jsonl, one
// JSON object per validation of a member (step 0 included), for every kind.
// With init_from, the pretrained model's kind, hidden sizes, ensemble size,
// history steps and normalisation replace the config's, and its weights are
// the starting point (parameters the data leaves unknown, NaN, get no
// parameter loss, as always).
// Data-parallel (request.distributed enabled): every rank runs this with
// the same request; each step's batch is split over the ranks and the
// gradients summed (ProcessGroupGloo), so the weights equal one process's
// on the full batch up to float rounding; the members train one after
// another on one core per rank. Rank 0 alone writes metrics.jsonl and
// resume state, calibrates and publishes; the others return the manifest
// unpublished (version 0). Resume state does not depend on the world size:
// `resume` continues with any number of ranks, one included. UNAVAILABLE
// when the ranks do not meet, or a rank dies or stalls past the timeout.
// config.model() "hybrid" is trained by TrainHybridAndPublish
// (hybrid_trainer.h); `base` is refused for the other kinds.
// Errors: NOT_FOUND / DATA_LOSS from the dataset or init_from,
// INVALID_ARGUMENT for a bad config, an init_from model whose state
// layout or parameter names differ from the dataset's, or a
// validation_data_dir of another system (or data_dir itself),
// FAILED_PRECONDITION when
// the dataset has no usable window or the resume state belongs to another
// dataset or config.
absl::StatusOr<v1::CheckpointManifest> TrainAndPublish(
    const TrainingRequest& request,
    const std::function<void(const TrainingProgress&)>& progress);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TRAINER_H_
