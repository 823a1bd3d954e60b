"""Conversions between numpy arrays and wm.v1.Tensor (packed, row-major
float32) through the packed bytes, never through Python lists: an array's
bytes become the message's `data` field as they are, and a message's `data`
bytes are read back with numpy.frombuffer."""

import numpy as np

from ._stubs import tensor_pb2

_FIELDS = tensor_pb2.Tensor.DESCRIPTOR.fields_by_name
_SHAPE_FIELD = _FIELDS["shape"].number
_DATA_FIELD = _FIELDS["data"].number
_LENGTH_DELIMITED = 2  # protobuf wire type of packed repeated fields
_FLOAT32 = np.dtype("<f4")


def _varint(value):
    """The protobuf base-128 encoding of a non-negative integer."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(buffer, position):
    """(value, next position) of the varint at buffer[position]."""
    value = shift = 0
    while True:
        byte = buffer[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _packed_field(number, payload):
    return (_varint(number << 3 | _LENGTH_DELIMITED) + _varint(len(payload))
            + payload)


def to_tensor(array, out=None):
    """Fills `out` (or a new wm.v1.Tensor) with `array` as float32,
    replacing what it held; returns the message.

    Any array-like of any shape; the shape travels with the data. Negative
    shapes cannot occur; values are sent as they are (NaN included: the
    server refuses them with INVALID_ARGUMENT).
    """
    values = np.ascontiguousarray(array, dtype=_FLOAT32)
    shape = b"".join(_varint(int(d)) for d in values.shape)
    encoded = _packed_field(_DATA_FIELD, values.tobytes())
    if shape:
        encoded = _packed_field(_SHAPE_FIELD, shape) + encoded
    tensor = tensor_pb2.Tensor() if out is None else out
    tensor.Clear()
    tensor.MergeFromString(encoded)
    return tensor


def from_tensor(tensor):
    """A writable float32 numpy array of the tensor's shape, or None when the
    tensor is empty (no shape: the field was not set). ValueError when the
    data do not fill the shape."""
    if len(tensor.shape) == 0:
        return None
    shape = tuple(int(d) for d in tensor.shape)
    size = int(np.prod(shape))
    buffer = bytearray(tensor.SerializeToString())
    data = bytearray()
    position = 0
    while position < len(buffer):
        key, position = _read_varint(buffer, position)
        if key & 7 != _LENGTH_DELIMITED:
            raise ValueError(f"unexpected wire type in wm.v1.Tensor: {key}")
        length, position = _read_varint(buffer, position)
        if key >> 3 == _DATA_FIELD:
            data += buffer[position:position + length]
        position += length
    if len(data) != size * _FLOAT32.itemsize:
        raise ValueError(f"tensor of shape {list(shape)} carries "
                         f"{len(data) // _FLOAT32.itemsize} values, "
                         f"expected {size}")
    return np.frombuffer(data, dtype=_FLOAT32, count=size).reshape(shape)
