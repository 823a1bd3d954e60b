// The guard for the BLAS trap: Debian's LibTorch calls whatever
// libblas.so.3 the alternatives system selects, and the reference BLAS is 16x
// slower than OpenBLAS. This checks which library is loaded, not a timing.

#include "worldmodel/learned/torch_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::wm::testing::IsOk;

TEST(TorchRuntimeTest, LibTorchCallsOpenBlas) {
  absl::StatusOr<std::string> blas = LoadedBlasLibrary();
  ASSERT_THAT(blas, IsOk());
  EXPECT_TRUE(IsOpenBlas(*blas))
      << "LibTorch calls " << *blas
      << ", not OpenBLAS: install libopenblas0-pthread and select it with "
         "update-alternatives --config libblas.so.3-x86_64-linux-gnu";
}

TEST(TorchRuntimeTest, RecognisesLibraryPaths) {
  EXPECT_TRUE(
      IsOpenBlas("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"));
  EXPECT_FALSE(IsOpenBlas("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"));
}

TEST(TorchRuntimeTest, VersionIsTheDebianLibTorch) {
  EXPECT_EQ(TorchVersion().substr(0, 4), "1.13");
}

}  // namespace
}  // namespace wm::worldmodel
