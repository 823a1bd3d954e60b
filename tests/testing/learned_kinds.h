#ifndef WM_TESTS_TESTING_LEARNED_KINDS_H_
#define WM_TESTS_TESTING_LEARNED_KINDS_H_

// Parameterising a test over the learned model kinds:
//   INSTANTIATE_TEST_SUITE_P(LearnedKinds, MyTest, kLearnedKinds,
//                            LearnedKindTestName);

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "worldmodel/model_kind.h"

namespace wm::worldmodel {

// Test output shows the kind's name (found by gtest through ADL).
inline void PrintTo(ModelKind kind, std::ostream* out) {
  *out << ModelKindName(kind);
}

namespace testing {

inline const auto kLearnedKinds = ::testing::Values(
    ModelKind::kPhysics, ModelKind::kBlackbox, ModelKind::kHybrid);

// The test's name suffix: the kind's name.
inline std::string LearnedKindTestName(
    const ::testing::TestParamInfo<ModelKind>& info) {
  return ModelKindName(info.param);
}

}  // namespace testing
}  // namespace wm::worldmodel

#endif  // WM_TESTS_TESTING_LEARNED_KINDS_H_
