#include "util/quaternion.h"

#include <cmath>

namespace wm {

void QuatMultiply(const double a[4], const double b[4], double out[4]) {
  const double w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
  const double x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
  const double y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
  const double z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
  out[0] = w;
  out[1] = x;
  out[2] = y;
  out[3] = z;
}

void QuatConjugate(const double q[4], double out[4]) {
  out[0] = q[0];
  out[1] = -q[1];
  out[2] = -q[2];
  out[3] = -q[3];
}

double QuatNormalize(double q[4]) {
  const double norm =
      std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (!(norm > 0.0) || !std::isfinite(norm)) {
    q[0] = 1.0;
    q[1] = q[2] = q[3] = 0.0;
    return norm;
  }
  for (int i = 0; i < 4; ++i) q[i] /= norm;
  return norm;
}

void QuatRotate(const double q[4], const double v[3], double out[3]) {
  // v' = v + 2 w (u x v) + 2 u x (u x v), with u the vector part.
  const double* u = q + 1;
  const double t[3] = {2.0 * (u[1] * v[2] - u[2] * v[1]),
                       2.0 * (u[2] * v[0] - u[0] * v[2]),
                       2.0 * (u[0] * v[1] - u[1] * v[0])};
  const double x = v[0] + q[0] * t[0] + (u[1] * t[2] - u[2] * t[1]);
  const double y = v[1] + q[0] * t[1] + (u[2] * t[0] - u[0] * t[2]);
  const double z = v[2] + q[0] * t[2] + (u[0] * t[1] - u[1] * t[0]);
  out[0] = x;
  out[1] = y;
  out[2] = z;
}

void QuatToRotationVector(const double q[4], double out[3]) {
  double n[4] = {q[0], q[1], q[2], q[3]};
  QuatNormalize(n);
  if (n[0] < 0.0) {
    for (double& value : n) value = -value;
  }
  const double sin_half = std::sqrt(n[1] * n[1] + n[2] * n[2] + n[3] * n[3]);
  // angle / sin(angle / 2); tends to 2 / w as the angle goes to 0.
  double scale;
  if (sin_half < 1e-12) {
    scale = 2.0 / n[0];
  } else {
    scale = 2.0 * std::atan2(sin_half, n[0]) / sin_half;
  }
  out[0] = n[1] * scale;
  out[1] = n[2] * scale;
  out[2] = n[3] * scale;
}

void RotationVectorToQuat(const double r[3], double out[4]) {
  const double angle = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  // sin(angle / 2) / angle; tends to 1/2 as the angle goes to 0.
  double scale;
  if (angle < 1e-12) {
    scale = 0.5;
  } else {
    scale = std::sin(0.5 * angle) / angle;
  }
  const double w = std::cos(0.5 * angle);
  const double x = r[0] * scale, y = r[1] * scale, z = r[2] * scale;
  out[0] = w;
  out[1] = x;
  out[2] = y;
  out[3] = z;
  QuatNormalize(out);
}

void QuatDifference(const double q1[4], const double q2[4], double out[3]) {
  double inverse[4];
  QuatConjugate(q1, inverse);
  double relative[4];
  QuatMultiply(inverse, q2, relative);
  QuatToRotationVector(relative, out);
}

void QuatIntegrate(const double q[4], const double r[3], double out[4]) {
  double step[4];
  RotationVectorToQuat(r, step);
  QuatMultiply(q, step, out);
  QuatNormalize(out);
}

void QuatSlerp(const double q0[4], const double q1[4], double t,
               double out[4]) {
  double r[3];
  QuatDifference(q0, q1, r);
  for (double& value : r) value *= t;
  QuatIntegrate(q0, r, out);
}

}  // namespace wm
