"""The generated wm.v1 modules the client uses.

`pip install ./clients/python` generates them (setup.py) and installs them
beside wm_client as the package `wm.v1`; this module is the one place that
imports them, with an error that says what to do when they are missing.
"""

try:
    from wm.v1 import (dataset_pb2, ingest_pb2, ingest_pb2_grpc,
                       planning_pb2, service_pb2, service_pb2_grpc,
                       state_spec_pb2, tensor_pb2)
except ImportError as error:  # pragma: no cover - a broken installation
    raise ImportError(
        "wm_client cannot import its generated stubs (package wm.v1): "
        "install the client with `python3 -m pip install "
        "--no-build-isolation --no-deps ./clients/python`, which generates "
        f"them ({error})") from error

__all__ = ["dataset_pb2", "ingest_pb2", "ingest_pb2_grpc", "planning_pb2",
           "service_pb2", "service_pb2_grpc", "state_spec_pb2", "tensor_pb2"]
