"""Finds and imports the Python stubs generated from proto/ at build time.

The stubs live in the directory named by the environment variable
WM_PYTHON_STUBS, else in <repo>/build/python (the wm_python_stubs target of
clients/python/CMakeLists.txt writes them there). That directory is put on
sys.path so that `import wm.v1.service_pb2` works.
"""

import os
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def stub_dir():
    """The directory holding the generated `wm/v1/*_pb2*.py` modules."""
    return os.environ.get("WM_PYTHON_STUBS") or os.path.join(
        _REPO, "build", "python")


def _import_stubs():
    directory = stub_dir()
    if not os.path.isfile(os.path.join(directory, "wm", "v1",
                                       "service_pb2_grpc.py")):
        raise ImportError(
            f"no wm.v1 Python stubs in {directory}: build the wm_python_stubs "
            "target (cmake --build build --target wm_python_stubs) or set "
            "WM_PYTHON_STUBS to the directory holding wm/v1/service_pb2.py")
    if directory not in sys.path:
        sys.path.insert(0, directory)
    from wm.v1 import service_pb2, service_pb2_grpc, state_spec_pb2, \
        tensor_pb2  # noqa: E402
    return service_pb2, service_pb2_grpc, state_spec_pb2, tensor_pb2


service_pb2, service_pb2_grpc, state_spec_pb2, tensor_pb2 = _import_stubs()
