#ifndef WM_TESTS_TESTING_METRICS_LOG_H_
#define WM_TESTS_TESTING_METRICS_LOG_H_

// Reading a training run's metrics.jsonl in tests.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace wm::testing {

// Member -> its validation losses in metrics.jsonl's order (NaN for a
// non-finite one, written as null).
inline std::map<int, std::vector<double>> LoggedValidationLosses(
    const std::string& path) {
  std::map<int, std::vector<double>> losses;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  for (std::string line; std::getline(in, line);) {
    int member = -1;
    EXPECT_EQ(std::sscanf(line.c_str(), "{\"member\": %d,", &member), 1)
        << line;
    const size_t at = line.find("\"validation_loss\": ");
    EXPECT_NE(at, std::string::npos) << line;
    if (at == std::string::npos) continue;
    double value = 0;
    if (std::sscanf(line.c_str() + at, "\"validation_loss\": %lf", &value) ==
        1) {
      losses[member].push_back(value);
    } else {
      losses[member].push_back(NAN);  // null: a non-finite validation
    }
  }
  return losses;
}

}  // namespace wm::testing

#endif  // WM_TESTS_TESTING_METRICS_LOG_H_
