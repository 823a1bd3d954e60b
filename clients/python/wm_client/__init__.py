"""A small typed Python client for the wm world-model service (wm.v1 gRPC).

    import numpy as np
    from wm_client import WorldModelClient
    with WorldModelClient("127.0.0.1:50051") as client:
        info = client.model_info("push")
        step = client.predict("push", info.zero_states(1), np.zeros((1, info.nu)))
        print(step.version, step.mean)  # [1, nx] next state

States are MuJoCo's [qpos (nq) | qvel (nv)] (nx = nq + nv) in SI units, unit
quaternions w first; actions are actuator controls in the units ModelInfo
lists; spreads are standard deviations in the 2 nv tangent space [position
change (rotation vectors for quaternions) | velocity]. Arrays go out as
float32 and come back as float32 numpy arrays. Every answer carries the model
version that produced it. Failures raise WorldModelError with the gRPC status
code (NOT_FOUND for an unknown model or version, INVALID_ARGUMENT for a bad
shape or value, RESOURCE_EXHAUSTED over the server's caps, UNAUTHENTICATED
without the right token).

IngestClient uploads robots' episodes to an ingest service (`wm ingest`,
docs/fleet.md); failures raise IngestError.

ModelEnv wraps a served model as a batched environment (reset / step) for
Python planners and RL code. The generated wm.v1 stubs (messages and the
gRPC stub) are installed beside this package as `wm.v1`.
"""

from .answers import (ModelEntry, ModelInfo, Parameter, ParameterEstimate,
                      Plan, Prediction, Trajectory)
from .client import WorldModelClient, WorldModelError
from .ingest import IngestClient, IngestError, UploadAck
from .model_env import ModelEnv

# The wm release this client belongs to (CMakeLists.txt project VERSION;
# the python_client test checks they agree).
__version__ = "0.1.0"

__all__ = [
    "WorldModelClient", "WorldModelError", "ModelEnv", "ModelEntry",
    "ModelInfo", "Prediction", "Trajectory", "Parameter",
    "ParameterEstimate", "Plan", "IngestClient", "IngestError", "UploadAck",
]
