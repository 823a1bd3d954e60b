// `wm doctor`: prints the versions of wm's runtime dependencies and the
// threads it computes with, and checks that LibTorch calls OpenBLAS
// (Debian's reference BLAS is 16x slower).
// Exit code 1 when a check fails.

#include <grpcpp/grpcpp.h>
#include <mujoco/mujoco.h>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/wm/subcommand.h"
#include "worldmodel/learned/torch_runtime.h"

namespace wm::tools {

int RunDoctor(const Invocation& invocation) {
  std::cout << "MuJoCo    " << mj_versionString() << "\n"
            << "LibTorch  " << worldmodel::TorchVersion() << "\n"
            << "gRPC      " << grpc::Version() << "\n"
            << "cores     " << std::thread::hardware_concurrency() << "\n";
  absl::StatusOr<std::string> blas = worldmodel::LoadedBlasLibrary();
  if (!blas.ok()) {
    std::cout << "BLAS      FAIL: " << blas.status().message() << "\n";
    return 1;
  }
  const bool open_blas = worldmodel::IsOpenBlas(*blas);
  std::cout << "BLAS      " << *blas
            << (open_blas ? "  (OpenBLAS: ok)"
                          : "  (FAIL: not OpenBLAS; install "
                            "libopenblas0-pthread and select it with "
                            "update-alternatives --config "
                            "libblas.so.3-x86_64-linux-gnu)")
            << "\n";
  const worldmodel::ThreadSettings threads =
      worldmodel::CurrentThreadSettings();
  std::cout << "threads   LibTorch intra-op " << threads.torch_intra_op
            << ", OpenBLAS "
            << (threads.openblas < 0 ? std::string("n/a")
                                     : std::to_string(threads.openblas))
            << " (set by wm for every subcommand; OPENBLAS_NUM_THREADS "
            << (threads.openblas_environment.empty()
                    ? std::string("unset")
                    : "=" + threads.openblas_environment + " is overridden")
            << ")\n";
  return open_blas ? 0 : 1;
}

}  // namespace wm::tools
