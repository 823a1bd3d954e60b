// The ZIP structure check in front of LibTorch's reader: a checked-in
// weights file (ZIP64 records, as LibTorch writes them) and a deflated
// archive pass; every truncation of them, a changed data byte (CRC-32) and
// garbage are DATA_LOSS.

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

TEST(ZipCheckTest, AChangedDataByteIsACrcMismatch) {
  auto bytes = ReadFileToString(kWeights);
  ASSERT_THAT(bytes, IsOk());
  // Inside the first entry's data (its local header is 30 bytes plus the
  // name and extra field, well under 200 bytes).
  std::string corrupt = *bytes;
  corrupt[200] = static_cast<char>(corrupt[200] ^ 1);
  EXPECT_THAT(CheckZipStructure(corrupt, "x"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("CRC-32")));
  // The fuzzer's inputs that made LibTorch's unpickler ask for ~30 GB: a
  // pickle byte changed, its CRC-32 not.
  auto huge = ReadFileToString(
      "tests/fuzz/corpus/checkpoint/crash_unpickler_huge_allocation");
  ASSERT_THAT(huge, IsOk());
  EXPECT_THAT(CheckZipStructure(*huge, "x"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("CRC-32")));
}

TEST(ZipCheckTest, DeflatedEntriesAreInflatedAndChecked) {
  // Written by Python's zipfile with ZIP_DEFLATED: two deflated entries.
  auto bytes = ReadFileToString("tests/data/zip/deflated.zip");
  ASSERT_THAT(bytes, IsOk());
  EXPECT_THAT(CheckZipStructure(*bytes, "d.zip"), IsOk());
  // A byte of the first entry's compressed data (after its 30-byte header
  // and 16-byte name) changed: it no longer inflates, or not to its CRC.
  std::string corrupt = *bytes;
  corrupt[50] = static_cast<char>(corrupt[50] ^ 0x55);
  EXPECT_THAT(CheckZipStructure(corrupt, "d.zip"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("d.zip")));
}

}  // namespace
}  // namespace wm
