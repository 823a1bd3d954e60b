#include "worldmodel/eval/eval_report_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wm::testing::IsOk;

EvalReport FullReport() {
  EvalReport report;
  report.model = "push_physics/3";
  report.episodes = 100;
  report.one_step_nmse = 0.0123;
  HorizonReport horizon;
  horizon.steps = 10;
  horizon.errors = {{"pos_m", {0.001, 0.004}}, {"rot_deg", {1.5, 2.25}}};
  report.rollout.push_back(horizon);
  ParameterReport mass;
  mass.name = "box/mass";
  mass.median_rel_err = 0.04;
  mass.coverage90 = 0.9;
  mass.identifiable_episodes = 87;
  ParameterReport friction;
  friction.name = "pusher_box/friction";
  friction.coverage90 = 0.85;  // identifiable nowhere: no error
  report.params = {mass, friction};
  report.calibration = CalibrationReport{-3.1, 0.88};
  report.ood = OodReport{2.7, std::nullopt};
  return report;
}

TEST(EvalReportJsonTest, WritesTheIssueShape) {
  EvalReport baseline;
  baseline.model = "constant_velocity";
  baseline.episodes = 100;
  baseline.one_step_nmse = NAN;
  const std::string json =
      EvalReportToJson(FullReport(), {{"constant_velocity", baseline}});
  EXPECT_EQ(json,
            R"({
  "model": "push_physics/3",
  "split": "test",
  "episodes": 100,
  "one_step_nmse": 0.0123,
  "rollout": {
    "10": {
      "pos_m": {
        "median": 0.001,
        "p90": 0.004
      },
      "rot_deg": {
        "median": 1.5,
        "p90": 2.25
      }
    }
  },
  "params": {
    "box/mass": {
      "median_rel_err": 0.04,
      "coverage90": 0.9,
      "identifiable_episodes": 87
    },
    "pusher_box/friction": {
      "coverage90": 0.85,
      "identifiable_episodes": 0
    }
  },
  "calibration": {
    "nll": -3.1,
    "coverage90": 0.88
  },
  "ood": {
    "spread_ratio": 2.7
  },
  "baselines": {
    "constant_velocity": {
      "model": "constant_velocity",
      "episodes": 100,
      "one_step_nmse": null,
      "rollout": {}
    }
  }
}
)");
}

TEST(EvalReportJsonTest, NumbersKeepTheirDigitsAndStringsAreEscaped) {
  EvalReport report;
  report.model = "a \"quoted\"\\name";
  report.one_step_nmse = 1.0 / 3.0;
  const std::string json = EvalReportToJson(report, {});
  EXPECT_THAT(json, HasSubstr("0.3333333333"));
  EXPECT_THAT(json, HasSubstr(R"("a \"quoted\"\\name")"));
  EXPECT_THAT(json, Not(HasSubstr("params")));
  EXPECT_THAT(json, Not(HasSubstr("calibration")));
}

TEST(EvalReportJsonTest, WritesTheFile) {
  ::wm::testing::TempDir temp;
  const std::string path = temp.Join("eval.json");
  ASSERT_THAT(WriteEvalReportJson(path, FullReport(), {}), IsOk());
  EXPECT_EQ(*ReadFileToString(path), EvalReportToJson(FullReport(), {}));
}

}  // namespace
}  // namespace wm::worldmodel
