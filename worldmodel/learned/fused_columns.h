#ifndef WM_WORLDMODEL_LEARNED_FUSED_COLUMNS_H_
#define WM_WORLDMODEL_LEARNED_FUSED_COLUMNS_H_

// The fused path's per-row state algebra (quaternion exponential and
// logarithm, tangent integration and differences) over a block of rows at
// once, in column layout: value j of row i at [j * kBlockRows + i]. A
// row holds only ~20-50 numbers, so loops along a row do not vectorise;
// loops down a column of kBlockRows rows do. Each function equals its
// one-row FusedStateOps counterpart within float rounding (sin, cos and
// atan by polynomials, relative error below 1e-6). Torch-free header.

#include <cstdint>

#include "worldmodel/learned/fused_state_ops.h"

namespace wm::worldmodel {

// The rows of one block; column buffers hold width * kBlockRows floats.
constexpr int kBlockRows = 64;

// Rows -> columns: `count` (<= kBlockRows) rows of `width` values, row i
// at rows + i * stride, into `columns`.
void RowsToColumns(const float* rows, int64_t stride, int count, int width,
                   float* columns);

// Columns -> rows: the inverse of RowsToColumns.
void ColumnsToRows(const float* columns, int count, int width, float* rows,
                   int64_t stride);

// FusedStateOps::TangentIntegrate of `count` rows: state [nx] and delta
// [2 nv] columns in, next-state [nx] columns out (not aliasing `state`).
void TangentIntegrateColumns(const FusedStateOps& ops, int count,
                             const float* state, const float* delta,
                             float* out);

// FusedStateOps::TangentDelta b - a of `count` rows: [nx] columns in,
// [2 nv] columns out.
void TangentDeltaColumns(const FusedStateOps& ops, int count, const float* a,
                         const float* b, float* out);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_FUSED_COLUMNS_H_
