#include "worldmodel/sysid/cma_es.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::StatusIs;

constexpr double kPositionTolerance = 1e-4;

CmaEsOptions Box(std::vector<double> initial, double lower, double upper,
                 double sigma0, uint64_t seed) {
  CmaEsOptions options;
  options.lower.assign(initial.size(), lower);
  options.upper.assign(initial.size(), upper);
  options.initial = std::move(initial);
  options.sigma0 = sigma0;
  options.seed = seed;
  return options;
}

double Rosenbrock(const std::vector<double>& x) {
  double f = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    f += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  }
  return f;
}

TEST(SymmetricEigenTest, ReconstructsTheMatrix) {
  const std::vector<double> a = {4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 1};
  std::vector<double> values, vectors;
  SymmetricEigen(a, 3, &values, &vectors);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      double sum = 0;
      for (int k = 0; k < 3; ++k) {
        sum += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
      }
      EXPECT_NEAR(sum, a[i * 3 + j], 1e-12) << i << "," << j;
    }
  }
}

TEST(CmaEsTest, ShiftedQuadraticIn10DConverges) {
  std::vector<double> target(10);
  for (int i = 0; i < 10; ++i) target[i] = 0.3 * i - 1;
  auto cma = CmaEs::Create(Box(std::vector<double>(10, 0.0), -5, 5, 1, 7));
  ASSERT_TRUE(cma.ok());
  // Ill-conditioned: scales 1 to 1e3 across dimensions.
  auto f = [&](const std::vector<double>& x) {
    double sum = 0;
    for (int i = 0; i < 10; ++i) {
      sum += std::pow(10.0, 3.0 * i / 9) * std::pow(x[i] - target[i], 2);
    }
    return sum;
  };
  const std::vector<double> best = MinimizeWithCmaEs(cma->get(), 2000, f);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(best[i], target[i], 1e-4) << i;
  EXPECT_TRUE((*cma)->Converged());
}

TEST(CmaEsTest, RosenbrockIn2And5DConverges) {
  for (int n : {2, 5}) {
    auto cma = CmaEs::Create(Box(std::vector<double>(n, -1.0), -3, 3, 0.5, 3));
    ASSERT_TRUE(cma.ok());
    const std::vector<double> best =
        MinimizeWithCmaEs(cma->get(), 5000, Rosenbrock);
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(best[i], 1.0, kPositionTolerance) << "n " << n << " i " << i;
    }
    EXPECT_LT((*cma)->best_value(), 1e-8);
  }
}

TEST(CmaEsTest, BoundsAreRespectedAndAnOptimumOnTheFaceIsFound) {
  // The unconstrained optimum (3, -2, 0.5) lies outside the box [0, 1]^3.
  auto cma = CmaEs::Create(Box({0.5, 0.5, 0.5}, 0, 1, 0.3, 11));
  ASSERT_TRUE(cma.ok());
  auto f = [](const std::vector<double>& x) {
    return std::pow(x[0] - 3, 2) + std::pow(x[1] + 2, 2) +
           std::pow(x[2] - 0.5, 2);
  };
  while ((*cma)->generation() < 300 && !(*cma)->Converged()) {
    const auto& candidates = (*cma)->Ask();
    std::vector<double> values;
    for (const auto& x : candidates) {
      for (double v : x) {
        ASSERT_GE(v, 0.0);
        ASSERT_LE(v, 1.0);
      }
      values.push_back(f(x));
    }
    (*cma)->Tell(values);
  }
  EXPECT_NEAR((*cma)->best()[0], 1.0, kPositionTolerance);
  EXPECT_NEAR((*cma)->best()[1], 0.0, kPositionTolerance);
  EXPECT_NEAR((*cma)->best()[2], 0.5, kPositionTolerance);
}

TEST(CmaEsTest, SameSeedSameRunOtherSeedOtherCandidates) {
  auto run = [](uint64_t seed) {
    auto cma = CmaEs::Create(Box({0.0, 0.0, 0.0}, -3, 3, 0.5, seed));
    MinimizeWithCmaEs(cma->get(), 30, Rosenbrock);
    return std::make_pair((*cma)->best(), (*cma)->Ask());
  };
  const auto a = run(5), b = run(5), c = run(6);
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);
  EXPECT_NE(a.second, c.second);
}

// A run started with an earlier run's step size and covariance (the
// bootstrap's warm start) continues where it left off: it samples the same
// shape and keeps converging.
TEST(CmaEsTest, WarmStartFromAnEarlierCovariance) {
  auto f = [](const std::vector<double>& x) {
    return std::pow(x[0] + x[1] - 1, 2) + 0.01 * std::pow(x[0] - x[1], 2);
  };
  auto first = CmaEs::Create(Box({0.0, 0.0}, -3, 3, 0.5, 2));
  MinimizeWithCmaEs(first->get(), 40, f);
  CmaEsOptions options = Box((*first)->best(), -3, 3, (*first)->sigma(), 3);
  options.initial_covariance = (*first)->covariance();
  auto second = CmaEs::Create(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->covariance(), (*first)->covariance());
  const std::vector<double> best = MinimizeWithCmaEs(second->get(), 300, f);
  EXPECT_NEAR(best[0], 0.5, kPositionTolerance);
  EXPECT_NEAR(best[1], 0.5, kPositionTolerance);
}

TEST(CmaEsTest, DefaultPopulationAndNanValues) {
  auto cma = CmaEs::Create(Box(std::vector<double>(12, 0.0), -1, 1, 0.3, 1));
  ASSERT_TRUE(cma.ok());
  EXPECT_EQ((*cma)->population(), 4 + 7);  // 4 + floor(3 ln 12)
  const auto& candidates = (*cma)->Ask();
  std::vector<double> values(candidates.size(), std::nan(""));
  values[3] = 1.0;
  (*cma)->Tell(values);
  EXPECT_EQ((*cma)->best_value(), 1.0);
  EXPECT_EQ((*cma)->evaluations(), 11);
}

TEST(CmaEsTest, BadOptionsAreRefused) {
  EXPECT_THAT(CmaEs::Create(Box({}, 0, 1, 0.3, 1)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      CmaEs::Create(Box({2.0}, 0, 1, 0.3, 1)).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside")));
  EXPECT_THAT(
      CmaEs::Create(Box({0.5}, 1, 0, 0.3, 1)).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lower < upper")));
  EXPECT_THAT(
      CmaEs::Create(Box({0.5}, 0, 1, 0, 1)).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sigma0")));
}

}  // namespace
}  // namespace wm::worldmodel
