#ifndef WM_UTIL_TENSOR_ROWS_H_
#define WM_UTIL_TENSOR_ROWS_H_

// Row operations on wm::Tensor: stacking the rows of several calls into a
// batch, handing each call its share of the answer, and splitting a batch
// into chunks computed in parallel. Pure, thread-safe.

#include <cstdint>
#include <vector>

#include "util/tensor.h"

namespace wm {

// Concatenates tensors along dimension 0. Part i contributes rows[i] rows: a
// part with leading dimension 1 is repeated rows[i] times (a context shared
// by a call's batch), otherwise its leading dimension must equal rows[i].
// The trailing dimensions of all parts must agree (CHECKed).
Tensor ConcatRows(const std::vector<const Tensor*>& parts,
                  const std::vector<int64_t>& rows);

// Rows [begin, begin + count) of `tensor` along dimension `dim` (0 or 1;
// dimension 1 for per-member answers [K, B, ...]).
Tensor SliceRows(const Tensor& tensor, int dim, int64_t begin, int64_t count);

}  // namespace wm

#endif  // WM_UTIL_TENSOR_ROWS_H_
