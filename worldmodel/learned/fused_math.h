#ifndef WM_WORLDMODEL_LEARNED_FUSED_MATH_H_
#define WM_WORLDMODEL_LEARNED_FUSED_MATH_H_

// The arithmetic kernels of the fused inference path (fused_ensemble.h):
// row-major matrix products through the process's BLAS (sgemm, OpenBLAS
// here: the library LibTorch uses) and vectorised elementwise loops.
// Torch-free header. Single-threaded: BLAS runs on the threads the process
// set (UseOneIntraOpThread).

#include <cstdint>

// The elementwise kernels are compiled for the widest vector unit present,
// chosen at load time (GCC function multiversioning).
#define WM_VECTORIZED \
  __attribute__((target_clones("avx512f", "avx2", "default")))

namespace wm::worldmodel {

// While alive, float operations on this thread flush denormal results and
// inputs to zero (x86 MXCSR FTZ and DAZ), restoring the previous mode
// after: a denormal costs about a hundred cycles per operation, and values
// below 1e-38 change no answer within any tolerance. Not copyable.
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x40;
  unsigned saved_;
};

// How a [rows, width] matrix lies in memory: kRows row-major (a row's
// values contiguous), kColumns column layout ([width, rows] row-major: each
// value's entries over all rows contiguous).
enum class Layout { kRows, kColumns };

// y [rows, out] = x [rows, in] . w [in, out] (w row-major), x and y each in
// its layout, contiguous.
void MatMul(int64_t rows, int in, int out, const float* x, const float* w,
            float* y, Layout x_layout = Layout::kRows,
            Layout y_layout = Layout::kRows);

// y_t [width, rows] += bias[j] along each row j (column layout).
void BiasColumns(int64_t rows, int width, const float* bias, float* y_t);

// y [rows, width] += bias [width] per row.
void Bias(int64_t rows, int width, const float* bias, float* y);

// y [rows, width] = swish(y + bias) per row, swish(v) = v sigmoid(v)
// (relative error of the exponential below 2e-7).
void BiasSwish(int64_t rows, int width, const float* bias, float* y);

// A member's predicted noise std from raw network outputs: per entry i,
// exp(lv / 2) scale[i] with lv the raw value soft-bounded between the
// member's log-variance bounds, min + softplus(max - softplus(max - raw)
// - min) (MemberNetwork::BoundLogVariance; LibTorch's softplus, beta 1,
// threshold 20). raw: `rows` rows of `width` entries, entry i of row r at
// raw[r * raw_row_stride + i * raw_entry_stride]; out: rows `out_stride`
// apart, entries contiguous. Absolute error of lv below 1e-6.
void BoundedStd(int64_t rows, int width, const float* raw,
                int64_t raw_row_stride, int64_t raw_entry_stride,
                const float* max_log_variance, const float* min_log_variance,
                const float* scale, float* out, int64_t out_stride);

// y[j] = asinh(gain x[j]) for n contiguous values, as log(|v| + sqrt(v^2 +
// 1)) with v's sign: absolute error below 1e-7 for |v| < 1, relative
// beyond. x and y must not overlap.
void ScaledAsinh(int64_t n, float gain, const float* x, float* y);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_FUSED_MATH_H_
