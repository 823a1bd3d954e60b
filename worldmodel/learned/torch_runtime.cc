#include "worldmodel/learned/torch_runtime.h"

#include <ATen/Parallel.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/ones.h>
#include <dlfcn.h>
#include <torch/csrc/api/include/torch/version.h>

#include <climits>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace wm::worldmodel {

void UseOneIntraOpThread() {
  at::set_num_threads(1);
  // OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads; set it at run time
  // through its own entry point when present.
  using SetThreads = void (*)(int);
  if (auto set_threads = reinterpret_cast<SetThreads>(
          dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set_threads(1);
  }
}

ThreadSettings CurrentThreadSettings() {
  ThreadSettings settings;
  settings.torch_intra_op = at::get_num_threads();
  using GetThreads = int (*)();
  if (auto get_threads = reinterpret_cast<GetThreads>(
          dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
    settings.openblas = get_threads();
  }
  const char* environment = std::getenv("OPENBLAS_NUM_THREADS");
  settings.openblas_environment = environment == nullptr ? "" : environment;
  return settings;
}

absl::StatusOr<std::string> LoadedBlasLibrary() {
  // A product large enough that LibTorch hands it to BLAS.
  at::Tensor a = at::ones({64, 64});
  at::Tensor product = at::mm(a, a);
  (void)product;

  void* symbol = dlsym(RTLD_DEFAULT, "sgemm_");
  if (symbol == nullptr) {
    return absl::InternalError("no BLAS symbol sgemm_ is loaded");
  }
  Dl_info info;
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) {
    return absl::InternalError("dladdr could not name the library of sgemm_");
  }
  char resolved[PATH_MAX];
  if (realpath(info.dli_fname, resolved) == nullptr) {
    return std::string(info.dli_fname);
  }
  return std::string(resolved);
}

bool IsOpenBlas(const std::string& library_path) {
  return absl::StrContains(library_path, "openblas");
}

std::string TorchVersion() { return TORCH_VERSION; }

}  // namespace wm::worldmodel
