#include "services/tensor_codec.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

v1::Tensor Wire(std::vector<int64_t> shape, std::vector<float> data) {
  v1::Tensor tensor;
  tensor.mutable_shape()->Assign(shape.begin(), shape.end());
  tensor.mutable_data()->Assign(data.begin(), data.end());
  return tensor;
}

TEST(TensorCodecTest, RoundTripsShapeAndValues) {
  auto tensor = TensorFromProto(Wire({2, 3}, {1, 2, 3, 4, 5, 6}), "states");
  ASSERT_THAT(tensor, IsOk());
  EXPECT_EQ(tensor->shape, (std::vector<int64_t>{2, 3}));
  v1::Tensor back;
  TensorToProto(*tensor, &back);
  EXPECT_EQ(back.SerializeAsString(),
            Wire({2, 3}, {1, 2, 3, 4, 5, 6}).SerializeAsString());
  auto empty = TensorFromProto(v1::Tensor(), "context.parameters");
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->shape.empty());
}

TEST(TensorCodecTest, RefusesInconsistentOrNonFiniteTensorsNamingTheField) {
  EXPECT_THAT(TensorFromProto(Wire({2, 3}, {1, 2, 3}), "actions").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("actions: shape [2, 3]")));
  EXPECT_THAT(
      TensorFromProto(Wire({-1, 3}, {}), "states").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
  // A claimed shape far beyond the values given allocates nothing.
  EXPECT_THAT(
      TensorFromProto(Wire({1LL << 40, 1LL << 40}, {1}), "states").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("states")));
  EXPECT_THAT(
      TensorFromProto(Wire({2}, {1, std::numeric_limits<float>::infinity()}),
                      "initial_states")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("initial_states")));
  v1::Context context;
  *context.mutable_history_states() = Wire({1, 2, 1}, {0, std::nanf("")});
  EXPECT_THAT(ContextFromProto(context, false).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("context.history_states")));
}

}  // namespace
}  // namespace wm::services
