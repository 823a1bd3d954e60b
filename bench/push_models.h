#ifndef WM_BENCH_PUSH_MODELS_H_
#define WM_BENCH_PUSH_MODELS_H_

// The push models the serving and inference benchmarks measure: a small
// generated push dataset and the physics and blackbox kinds trained on it
// for a few steps at their default sizes (speed does not depend on the
// weights), through the `wm` binary.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "util/logging.h"
#include "worldmodel/model_kind.h"

namespace wm::bench {

// Runs a shell command, CHECKing success.
inline void Run(const std::string& command) {
  CHECK_EQ(std::system(command.c_str()), 0) << "failed: " << command;
}

// Generates the dataset into WORK/data and trains MODELS/push_<kind> for
// physics and blackbox; returns WORK/models. `wm` is the binary's path.
inline std::string PreparePushModels(const std::string& wm,
                                     const std::string& work) {
  Run(absl::StrCat(wm, " gen --scene push --episodes 24 --steps 60 --seed 1 ",
                   "--workers 2 --out ", work, "/data > /dev/null 2>&1"));
  std::FILE* config = std::fopen((work + "/train.pbtxt").c_str(), "w");
  CHECK(config != nullptr) << work;
  std::fputs("max_steps: 2\nlearning_rate: 0.001\nvalidation_windows: 16\n",
             config);
  std::fclose(config);
  for (worldmodel::ModelKind model :
       {worldmodel::ModelKind::kPhysics, worldmodel::ModelKind::kBlackbox}) {
    const char* kind = worldmodel::ModelKindName(model);
    Run(absl::StrCat(wm, " train --data ", work, "/data --out ", work,
                     "/models/push_", kind, " --model ", kind, " --config ",
                     work, "/train.pbtxt > /dev/null 2>&1"));
  }
  return work + "/models";
}

}  // namespace wm::bench

#endif  // WM_BENCH_PUSH_MODELS_H_
