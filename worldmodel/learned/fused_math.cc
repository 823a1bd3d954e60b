#include "worldmodel/learned/fused_math.h"

#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

// Fortran BLAS, column-major; LibTorch calls the same symbol.
extern "C" void sgemm_(const char* transa, const char* transb, const int* m,
                       const int* n, const int* k, const float* alpha,
                       const float* a, const int* lda, const float* b,
                       const int* ldb, const float* beta, float* c,
                       const int* ldc);

namespace wm::worldmodel {
namespace {

// e^x in float, vectorisable: x = n ln2 + r with |r| <= ln2 / 2, e^r by
// its degree-6 Taylor polynomial (relative error below 2e-7), 2^n through
// the exponent bits. x is clamped to [-86.5, 88], where the result is a
// normal float: a denormal costs a hundred cycles, and below e^-86.5 the
// callers' 1 + e^x is 1 all the same. n is rounded by adding and
// subtracting 1.5 2^23 (no call to nearbyint).
inline float Exp(float x) {
  x = std::min(std::max(x, -86.5f), 88.0f);
  constexpr float kRound = 12582912.0f;
  const float n = (x * 1.44269504088896341f + kRound) - kRound;
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// log(x) for normal x > 0, vectorisable: x = m 2^e with m in [sqrt(1/2),
// sqrt(2)), log(m) = 2 atanh(s), s = (m - 1) / (m + 1), by its odd series
// to s^9 (|s| < 0.172: absolute error below 1e-8).
inline float Log(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  // Exponent relative to sqrt(1/2): subtracting its bits puts m in range.
  constexpr int32_t kSqrtHalfBits = 0x3f3504f3;
  const int32_t e = (bits - kSqrtHalfBits) >> 23;
  const int32_t mantissa_bits = bits - e * (1 << 23);  // no shift of e < 0
  float m;
  std::memcpy(&m, &mantissa_bits, sizeof(m));
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  float p = 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  p = p * s2 + 1.0f;
  return static_cast<float>(e) * 0.693147180559945f + 2.0f * s * p;
}

// LibTorch's softplus (beta 1, threshold 20) through Exp and Log.
inline float VectorSoftplus(float x) {
  return x > 20.0f ? x : Log(1.0f + Exp(x));
}

}  // namespace

FlushDenormals::FlushDenormals() : saved_(_mm_getcsr()) {
  _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
}

FlushDenormals::~FlushDenormals() { _mm_setcsr(saved_); }

void MatMul(int64_t rows, int in, int out, const float* x, const float* w,
            float* y, Layout x_layout, Layout y_layout) {
  // Column-major BLAS: a row-major matrix is its transpose. Row layout y
  // is y^T [out, rows] = w^T x^T, column layout y [rows, out] = x w; x in
  // row layout is x^T [in, rows] (ld in), in column layout x (ld rows).
  const int n = static_cast<int>(rows);
  const float one = 1.0f, zero = 0.0f;
  const bool x_columns = x_layout == Layout::kColumns;
  const int ldx = x_columns ? n : in;
  if (y_layout == Layout::kRows) {
    sgemm_("N", x_columns ? "T" : "N", &out, &n, &in, &one, w, &out, x, &ldx,
           &zero, y, &out);
  } else {
    sgemm_(x_columns ? "N" : "T", "T", &n, &out, &in, &one, x, &ldx, w, &out,
           &zero, y, &n);
  }
}

WM_VECTORIZED void BiasColumns(int64_t rows, int width, const float* bias,
                               float* y_t) {
  for (int j = 0; j < width; ++j) {
    float* column = y_t + j * rows;
    for (int64_t r = 0; r < rows; ++r) column[r] += bias[j];
  }
}

WM_VECTORIZED void Bias(int64_t rows, int width, const float* bias, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * width;
    for (int i = 0; i < width; ++i) row[i] += bias[i];
  }
}

WM_VECTORIZED void BiasSwish(int64_t rows, int width, const float* bias,
                             float* y) {
  // In two passes over chunks of a row: the exponentials, then one
  // division each (in one loop GCC also divides by the clamped
  // exponential's constant and blends, two divisions per value).
  constexpr int kChunk = 64;
  float denominator[kChunk];
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * width;
    for (int first = 0; first < width; first += kChunk) {
      const int count = std::min(kChunk, width - first);
      float* values = row + first;
      const float* offsets = bias + first;
      for (int i = 0; i < count; ++i) {
        denominator[i] = 1.0f + Exp(-(values[i] + offsets[i]));
      }
      for (int i = 0; i < count; ++i) {
        values[i] = (values[i] + offsets[i]) / denominator[i];
      }
    }
  }
}

namespace {

// Over n contiguous values: exp(bound(x) / 2) factor in place, bounds
// `high` and `low` (see BoundedStd).
WM_VECTORIZED void BoundedStdColumn(int64_t n, float high, float low,
                                    float factor, float* __restrict x) {
  for (int64_t j = 0; j < n; ++j) {
    const float bounded = high - VectorSoftplus(high - x[j]);
    const float log_variance = low + VectorSoftplus(bounded - low);
    x[j] = Exp(0.5f * log_variance) * factor;
  }
}

}  // namespace

void BoundedStd(int64_t rows, int width, const float* raw,
                int64_t raw_row_stride, int64_t raw_entry_stride,
                const float* max_log_variance, const float* min_log_variance,
                const float* scale, float* out, int64_t out_stride) {
  // One entry at a time over all rows, contiguous: rows are many, entries
  // per row few.
  std::vector<float> column(rows);
  for (int i = 0; i < width; ++i) {
    const float* entry = raw + i * raw_entry_stride;
    for (int64_t r = 0; r < rows; ++r) column[r] = entry[r * raw_row_stride];
    BoundedStdColumn(rows, max_log_variance[i], min_log_variance[i], scale[i],
                     column.data());
    for (int64_t r = 0; r < rows; ++r) out[r * out_stride + i] = column[r];
  }
}

WM_VECTORIZED void ScaledAsinh(int64_t n, float gain, const float* __restrict x,
                               float* __restrict y) {
  for (int64_t j = 0; j < n; ++j) {
    const float v = gain * x[j];
    const float a = v < 0 ? -v : v;
    const float magnitude = Log(a + std::sqrt(a * a + 1.0f));
    y[j] = v < 0 ? -magnitude : magnitude;
  }
}

}  // namespace wm::worldmodel
