#ifndef WM_UTIL_QUANTILE_H_
#define WM_UTIL_QUANTILE_H_

#include <vector>

namespace wm {

// The q-quantile (0 <= q <= 1, clamped) of `values` with linear
// interpolation between order statistics (Hyndman and Fan's type 7, numpy's
// default). NaN for no values. The one quantile of the project: eval's
// medians and p90s, sysid's intervals and plan summaries all use it.
double Quantile(std::vector<double> values, double q);

}  // namespace wm

#endif  // WM_UTIL_QUANTILE_H_
