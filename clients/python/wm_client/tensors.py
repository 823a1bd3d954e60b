"""Conversions between numpy arrays and wm.v1.Tensor (packed, row-major
float32)."""

import numpy as np

from ._stubs import tensor_pb2


def to_tensor(array, out=None):
    """Fills `out` (or a new wm.v1.Tensor) with `array` as float32.

    Any array-like of any shape; the shape travels with the data.
    """
    values = np.ascontiguousarray(array, dtype=np.float32)
    tensor = tensor_pb2.Tensor() if out is None else out
    tensor.shape.extend(values.shape)
    tensor.data.extend(values.ravel().tolist())
    return tensor


def from_tensor(tensor):
    """A float32 numpy array of the tensor's shape, or None when the tensor is
    empty (no shape: the field was not set)."""
    if len(tensor.shape) == 0:
        return None
    shape = tuple(int(d) for d in tensor.shape)
    size = int(np.prod(shape))
    if size != len(tensor.data):
        raise ValueError(f"tensor of shape {list(shape)} carries "
                         f"{len(tensor.data)} values, expected {size}")
    return np.fromiter(tensor.data, dtype=np.float32, count=size).reshape(shape)
