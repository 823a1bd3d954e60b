#ifndef WM_TESTS_TESTING_STATUS_MATCHERS_H_
#define WM_TESTS_TESTING_STATUS_MATCHERS_H_

// gMock matchers for absl::Status and absl::StatusOr (Abseil 20220623 has
// none): EXPECT_THAT(status, IsOk());
// EXPECT_THAT(result, StatusIs(absl::StatusCode::kNotFound, HasSubstr("x")));

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code,
          "has code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + std::string(absl::StatusCodeToString(code)) +
               " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

}  // namespace wm::testing

// Asserts that a Status or StatusOr is OK, printing it otherwise.
#define WM_ASSERT_OK(expr) ASSERT_THAT(expr, ::wm::testing::IsOk())
#define WM_EXPECT_OK(expr) EXPECT_THAT(expr, ::wm::testing::IsOk())

#endif  // WM_TESTS_TESTING_STATUS_MATCHERS_H_
