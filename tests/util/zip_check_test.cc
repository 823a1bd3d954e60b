// The ZIP structure check in front of LibTorch's reader: a checked-in
// weights file (ZIP64 records, as LibTorch writes them) passes; every
// truncation of it, and garbage, is DATA_LOSS.

#include "util/zip_check.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "util/file_util.h"

namespace wm {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// Tests run from the repository root (wm_cc_test's working directory).
constexpr char kWeights[] = "tests/data/checkpoints/slide_physics/1/weights.pt";

TEST(ZipCheckTest, AWeightsFilePassesAndEveryTruncationIsDataLoss) {
  auto bytes = ReadFileToString(kWeights);
  ASSERT_THAT(bytes, IsOk());
  EXPECT_THAT(CheckZipStructure(*bytes, "w.pt"), IsOk());
  constexpr size_t kStep = 97;
  for (size_t size = 0; size < bytes->size(); size += kStep) {
    EXPECT_THAT(
        CheckZipStructure(absl::string_view(*bytes).substr(0, size), "w.pt"),
        StatusIs(absl::StatusCode::kDataLoss, HasSubstr("w.pt")))
        << size;
  }
}

TEST(ZipCheckTest, CorruptOffsetsAreDataLoss) {
  auto bytes = ReadFileToString(kWeights);
  ASSERT_THAT(bytes, IsOk());
  EXPECT_THAT(CheckZipStructure("PK\x03\x04 not a zip", "x"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("no end-of-central-directory")));
  // The first local header's signature broken.
  std::string corrupt = *bytes;
  corrupt[0] = 'Q';
  EXPECT_THAT(
      CheckZipStructure(corrupt, "x"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no local header")));
}

}  // namespace
}  // namespace wm
