#include "util/quantile.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wm {

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double position = std::clamp(q, 0.0, 1.0) * (values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - below;
  return values[below] + fraction * (values[above] - values[below]);
}

}  // namespace wm
