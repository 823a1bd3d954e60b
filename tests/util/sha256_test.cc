// SHA-256 digests (util/sha256.h): the standard's test vectors, and the
// check that refuses bytes whose digest differs from the recorded one.

#include "util/sha256.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace wm {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(Sha256Test, MatchesTheStandardsVectors) {
  // FIPS 180-2 appendix B.1 and the empty message.
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, CheckRefusesOtherBytesAndAcceptsAnEmptyRecord) {
  const std::string recorded = Sha256Hex("weights");
  EXPECT_THAT(CheckSha256("weights", recorded, "w.pt"), IsOk());
  EXPECT_THAT(CheckSha256("weightz", recorded, "w.pt"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("w.pt: corrupt or modified")));
  // Nothing recorded (a file written before digests existed): accepted.
  EXPECT_THAT(CheckSha256("anything", "", "w.pt"), IsOk());
}

}  // namespace
}  // namespace wm
