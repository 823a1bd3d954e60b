#ifndef WM_WORLDMODEL_LEARNED_TORCH_RUNTIME_H_
#define WM_WORLDMODEL_LEARNED_TORCH_RUNTIME_H_

// Facts about, and settings of, the LibTorch runtime. Torch-free header.

#include <string>

#include "absl/status/statusor.h"

namespace wm::worldmodel {

// Sets one intra-op thread for LibTorch and for OpenBLAS in this process
// (docs/design.md section 7: parallelise across requests and ensemble members
// instead), whatever OPENBLAS_NUM_THREADS says. `wm` calls it at start-up
// for every subcommand. Call once, before any worker thread runs torch.
void UseOneIntraOpThread();

// The threads this process computes with, as set now.
struct ThreadSettings {
  int torch_intra_op = 0;  // at::get_num_threads()
  int openblas = -1;       // openblas_get_num_threads(); -1: not OpenBLAS
  // OPENBLAS_NUM_THREADS in the environment ("" when unset): read by
  // OpenBLAS when it loads, then overridden by UseOneIntraOpThread.
  std::string openblas_environment;
};
ThreadSettings CurrentThreadSettings();

// The resolved file (symlinks followed) of the BLAS library that provides
// `sgemm_` to LibTorch in this process, after running a small matrix product
// through LibTorch. INTERNAL when no BLAS symbol is loaded.
absl::StatusOr<std::string> LoadedBlasLibrary();

// True when `library_path` (from LoadedBlasLibrary) is an OpenBLAS build.
bool IsOpenBlas(const std::string& library_path);

// "1.13.1": LibTorch's version string.
std::string TorchVersion();

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TORCH_RUNTIME_H_
