#include "util/tensor_rows.h"

#include <algorithm>

#include "util/logging.h"

namespace wm {
namespace {

// Values per row (the product of the dimensions after `dim`).
int64_t RowSize(const Tensor& tensor, int dim) {
  int64_t size = 1;
  for (size_t d = dim + 1; d < tensor.shape.size(); ++d)
    size *= tensor.shape[d];
  return size;
}

}  // namespace

Tensor ConcatRows(const std::vector<const Tensor*>& parts,
                  const std::vector<int64_t>& rows) {
  CHECK(!parts.empty() && parts.size() == rows.size());
  Tensor out;
  out.shape = parts.front()->shape;
  out.shape[0] = 0;
  for (int64_t count : rows) out.shape[0] += count;
  const int64_t row_size = RowSize(*parts.front(), 0);
  out.data.reserve(out.shape[0] * row_size);
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& part = *parts[i];
    CHECK(std::equal(part.shape.begin() + 1, part.shape.end(),
                     out.shape.begin() + 1, out.shape.end()))
        << "parts disagree in their trailing dimensions";
    if (part.shape[0] == 1 && rows[i] != 1) {
      for (int64_t r = 0; r < rows[i]; ++r) {
        out.data.insert(out.data.end(), part.data.begin(), part.data.end());
      }
    } else {
      CHECK_EQ(part.shape[0], rows[i]);
      out.data.insert(out.data.end(), part.data.begin(), part.data.end());
    }
  }
  return out;
}

Tensor SliceRows(const Tensor& tensor, int dim, int64_t begin, int64_t count) {
  CHECK(dim == 0 || dim == 1) << "dim " << dim;
  CHECK_GT(tensor.rank(), dim);
  CHECK(begin >= 0 && begin + count <= tensor.shape[dim]);
  Tensor out;
  out.shape = tensor.shape;
  out.shape[dim] = count;
  const int64_t row_size = RowSize(tensor, dim);
  const int64_t outer = dim == 0 ? 1 : tensor.shape[0];
  out.data.reserve(outer * count * row_size);
  for (int64_t o = 0; o < outer; ++o) {
    auto first =
        tensor.data.begin() + (o * tensor.shape[dim] + begin) * row_size;
    out.data.insert(out.data.end(), first, first + count * row_size);
  }
  return out;
}

}  // namespace wm
