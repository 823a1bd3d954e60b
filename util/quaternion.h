#ifndef WM_UTIL_QUATERNION_H_
#define WM_UTIL_QUATERNION_H_

// Quaternion helpers, free of MuJoCo and LibTorch. Quaternions are w first,
// as in MuJoCo: q = [w, x, y, z], stored as double[4]. Rotation vectors are
// axis * angle in radians, double[3]. Every function is pure and
// thread-safe, and every output may alias any input.

namespace wm {

// out = a * b (Hamilton product: rotate by b, then by a).
void QuatMultiply(const double a[4], const double b[4], double out[4]);

// out = conj(q) = [w, -x, -y, -z], the inverse of a unit quaternion.
void QuatConjugate(const double q[4], double out[4]);

// Scales q to unit length in place and returns its former norm. A zero (or
// non-finite-norm) quaternion becomes the identity [1, 0, 0, 0].
double QuatNormalize(double q[4]);

// out = q v q^-1: the vector v rotated by the unit quaternion q.
void QuatRotate(const double q[4], const double v[3], double out[3]);

// The log map: the rotation vector of q (normalised first), on the shortest
// path (q and -q give the same result: the sign is flipped when w < 0), so
// its angle lies in [0, pi].
void QuatToRotationVector(const double q[4], double out[3]);

// The exp map: the unit quaternion rotating by |r| radians about r / |r|.
void RotationVectorToQuat(const double r[3], double out[4]);

// The body-frame difference of two orientations: the rotation vector r with
// q2 = q1 * exp(r) (up to sign), on the shortest path. Equals MuJoCo's
// mju_subQuat(r, q2, q1).
void QuatDifference(const double q1[4], const double q2[4], double out[3]);

// out = q * exp(r): q advanced by the body-frame rotation vector r, then
// normalised. The inverse of QuatDifference: QuatIntegrate(q1,
// QuatDifference(q1, q2)) = +-q2. Equals MuJoCo's mju_quatIntegrate with
// scale 1.
void QuatIntegrate(const double q[4], const double r[3], double out[4]);

// Spherical linear interpolation on the shortest path: out = q0 *
// exp(t * QuatDifference(q0, q1)), so t = 0 gives q0 (normalised) and t = 1
// gives +-q1, at a constant angular rate in between. t outside [0, 1]
// extrapolates.
void QuatSlerp(const double q0[4], const double q1[4], double t, double out[4]);

}  // namespace wm

#endif  // WM_UTIL_QUATERNION_H_
