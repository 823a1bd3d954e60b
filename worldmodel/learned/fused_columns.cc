#include "worldmodel/learned/fused_columns.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "worldmodel/learned/fused_math.h"

namespace wm::worldmodel {
namespace {

constexpr int B = kBlockRows;
constexpr float kHalfPi = 1.57079632679f;

// sin and cos of x in [0, pi / 2] by their Taylor series to x^13 and x^14
// (truncation below 7e-10), vectorisable; larger x is left to the caller.
inline void SinCosSmall(float x, float* sine, float* cosine) {
  const float z = x * x;
  *sine = x * (1.0f + z * (-1.0f / 6 +
                           z * (1.0f / 120 +
                                z * (-1.0f / 5040 +
                                     z * (1.0f / 362880 +
                                          z * (-1.0f / 39916800 +
                                               z * (1.0f / 6227020800.0f)))))));
  *cosine =
      1.0f +
      z * (-0.5f + z * (1.0f / 24 +
                        z * (-1.0f / 720 +
                             z * (1.0f / 40320 +
                                  z * (-1.0f / 3628800 +
                                       z * (1.0f / 479001600 +
                                            z * (-1.0f / 87178291200.0f)))))));
}

// atan2(y, x) for y > 0 and x >= 0, vectorisable: the ratio t <= 1 (or
// its inverse, then pi/2 - atan), halved in angle twice by t / (1 +
// sqrt(1 + t^2)) to below tan(pi / 16), then the Taylor series of atan to
// t^13 (truncation below 3e-12), times 4.
inline float Atan2Positive(float y, float x) {
  const bool steep = y > x;
  float t = steep ? x / y : y / x;
  t = t / (1.0f + std::sqrt(1.0f + t * t));
  t = t / (1.0f + std::sqrt(1.0f + t * t));
  const float z = t * t;
  const float angle =
      4.0f * t *
      (1.0f +
       z * (-1.0f / 3 +
            z * (1.0f / 5 +
                 z * (-1.0f / 7 +
                      z * (1.0f / 9 + z * (-1.0f / 11 + z * (1.0f / 13)))))));
  return steep ? kHalfPi - angle : angle;
}

// out = a b, quaternions (w first) in columns 0..3 of a, b and out.
WM_VECTORIZED void QuatMultiplyColumns(int count, const float* __restrict a,
                                       const float* __restrict b,
                                       float* __restrict out) {
  for (int i = 0; i < count; ++i) {
    const float a0 = a[i], a1 = a[B + i], a2 = a[2 * B + i], a3 = a[3 * B + i];
    const float b0 = b[i], b1 = b[B + i], b2 = b[2 * B + i], b3 = b[3 * B + i];
    out[i] = a0 * b0 - a1 * b1 - a2 * b2 - a3 * b3;
    out[B + i] = a0 * b1 + a1 * b0 + a2 * b3 - a3 * b2;
    out[2 * B + i] = a0 * b2 - a1 * b3 + a2 * b0 + a3 * b1;
    out[3 * B + i] = a0 * b3 + a1 * b2 - a2 * b1 + a3 * b0;
  }
}

// The unit quaternion exp(r / 2) of rotation vectors r (3 columns).
WM_VECTORIZED void QuatExpColumns(int count, const float* __restrict r,
                                  float* __restrict out) {
  for (int i = 0; i < count; ++i) {
    const float x = r[i], y = r[B + i], z = r[2 * B + i];
    const float angle_sq = x * x + y * y + z * z;
    const float angle = std::sqrt(angle_sq + 1e-20f);
    const bool small = angle_sq < 1e-8f;
    float sine, cosine;
    SinCosSmall(0.5f * angle, &sine, &cosine);
    const float sinc = small ? 0.5f - angle_sq / 48.0f : sine / angle;
    out[i] = small ? 1.0f - angle_sq / 8.0f : cosine;
    out[B + i] = x * sinc;
    out[2 * B + i] = y * sinc;
    out[3 * B + i] = z * sinc;
  }
}

// Rotations beyond SinCosSmall's range (half angle > pi / 2: over 60 rad/s
// in one 50 ms step; rare) recomputed with the library's sin and cos.
void QuatExpLargeAngles(int count, const float* r, float* out) {
  for (int i = 0; i < count; ++i) {
    const float x = r[i], y = r[B + i], z = r[2 * B + i];
    const float angle = std::sqrt(x * x + y * y + z * z + 1e-20f);
    if (!(0.5f * angle > kHalfPi)) continue;
    const float sinc = std::sin(0.5f * angle) / angle;
    out[i] = std::cos(0.5f * angle);
    out[B + i] = x * sinc;
    out[2 * B + i] = y * sinc;
    out[3 * B + i] = z * sinc;
  }
}

// The rotation vector 2 log(q) of quaternions q (4 columns, any sign).
WM_VECTORIZED void QuatLogColumns(int count, const float* __restrict q,
                                  float* __restrict out) {
  for (int i = 0; i < count; ++i) {
    const float sign = q[i] < 0 ? -1.0f : 1.0f;
    const float w = q[i] * sign;
    const float x = q[B + i] * sign, y = q[2 * B + i] * sign,
                z = q[3 * B + i] * sign;
    const float norm_sq = x * x + y * y + z * z;
    const float norm = std::sqrt(norm_sq + 1e-20f);
    const float scale = norm_sq < 1e-12f ? 2.0f / std::max(w, 1e-6f)
                                         : 2.0f * Atan2Positive(norm, w) / norm;
    out[i] = x * scale;
    out[B + i] = y * scale;
    out[2 * B + i] = z * scale;
  }
}

// Each quaternion (4 columns) divided by its norm (at least 1e-12).
WM_VECTORIZED void NormalizeQuatColumns(int count, float* __restrict q) {
  for (int i = 0; i < count; ++i) {
    const float norm = std::max(
        std::sqrt(q[i] * q[i] + q[B + i] * q[B + i] +
                  q[2 * B + i] * q[2 * B + i] + q[3 * B + i] * q[3 * B + i]),
        1e-12f);
    for (int k = 0; k < 4; ++k) q[k * B + i] /= norm;
  }
}

}  // namespace

// Down each column (contiguous stores, strided loads: vector gathers).
WM_VECTORIZED void RowsToColumns(const float* __restrict rows, int64_t stride,
                                 int count, int width,
                                 float* __restrict columns) {
  for (int j = 0; j < width; ++j) {
    for (int i = 0; i < count; ++i) columns[j * B + i] = rows[i * stride + j];
  }
}

WM_VECTORIZED void ColumnsToRows(const float* __restrict columns, int count,
                                 int width, float* __restrict rows,
                                 int64_t stride) {
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < width; ++j) rows[i * stride + j] = columns[j * B + i];
  }
}

void TangentIntegrateColumns(const FusedStateOps& ops, int count,
                             const float* state, const float* delta,
                             float* out) {
  const int nq = ops.nq(), nv = ops.nv();
  for (int j = 0; j < nq; ++j) std::copy_n(state + j * B, count, out + j * B);
  const std::vector<int>& linear_qpos = ops.linear_qpos();
  for (size_t j = 0; j < linear_qpos.size(); ++j) {
    float* q = out + linear_qpos[j] * B;
    const float* d = delta + ops.linear_qvel()[j] * B;
    for (int i = 0; i < count; ++i) q[i] += d[i];
  }
  for (size_t j = 0; j < ops.quaternion_qpos().size(); ++j) {
    float rotation[4 * B], moved[4 * B];
    const float* r = delta + ops.quaternion_qvel()[j] * B;
    QuatExpColumns(count, r, rotation);
    QuatExpLargeAngles(count, r, rotation);
    QuatMultiplyColumns(count, state + ops.quaternion_qpos()[j] * B, rotation,
                        moved);
    NormalizeQuatColumns(count, moved);
    float* q = out + ops.quaternion_qpos()[j] * B;
    for (int k = 0; k < 4; ++k) std::copy_n(moved + k * B, count, q + k * B);
  }
  for (int v = 0; v < nv; ++v) {
    const float* s = state + (nq + v) * B;
    const float* d = delta + (nv + v) * B;
    float* o = out + (nq + v) * B;
    for (int i = 0; i < count; ++i) o[i] = s[i] + d[i];
  }
}

void TangentDeltaColumns(const FusedStateOps& ops, int count, const float* a,
                         const float* b, float* out) {
  const int nq = ops.nq(), nv = ops.nv();
  std::fill(out, out + nv * B, 0.0f);
  const std::vector<int>& linear_qpos = ops.linear_qpos();
  for (size_t j = 0; j < linear_qpos.size(); ++j) {
    const float* qa = a + linear_qpos[j] * B;
    const float* qb = b + linear_qpos[j] * B;
    float* o = out + ops.linear_qvel()[j] * B;
    for (int i = 0; i < count; ++i) o[i] = qb[i] - qa[i];
  }
  for (size_t j = 0; j < ops.quaternion_qpos().size(); ++j) {
    const float* qa = a + ops.quaternion_qpos()[j] * B;
    float conjugate[4 * B], relative[4 * B];
    for (int k = 0; k < 4; ++k) {
      const float sign = k == 0 ? 1.0f : -1.0f;
      for (int i = 0; i < count; ++i)
        conjugate[k * B + i] = sign * qa[k * B + i];
    }
    QuatMultiplyColumns(count, conjugate, b + ops.quaternion_qpos()[j] * B,
                        relative);
    QuatLogColumns(count, relative, out + ops.quaternion_qvel()[j] * B);
  }
  for (int v = 0; v < nv; ++v) {
    const float* va = a + (nq + v) * B;
    const float* vb = b + (nq + v) * B;
    float* o = out + (nv + v) * B;
    for (int i = 0; i < count; ++i) o[i] = vb[i] - va[i];
  }
}

}  // namespace wm::worldmodel
