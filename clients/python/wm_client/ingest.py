"""IngestClient: uploads episodes to a `wm ingest` (or `wm serve
--ingest_store`) endpoint, the Python twin of services/client/ingest_client.h.

    from wm_client import IngestClient
    with IngestClient("127.0.0.1:50052") as ingest:
        spec = ingest.spec_from_manifest("runs/fleet/manifest.pbtxt")
        ack = ingest.upload_episode("robot7", "ep-0001", "push", 0.05, spec,
                                    times, states, actions)

An episode is N samples: times [N] s (t_k = t_0 + k dt), states [N, nq + nv]
in MuJoCo's [qpos | qvel] layout, actions [N, nu] (the last one is not
stored). It goes out in chunks of at most 256 samples; a failed stream is
sent again whole (the server acknowledges chunks it already holds as
duplicates, so (robot_id, episode_id) is stored once), retrying UNAVAILABLE
and other transient codes for up to `retry_for` seconds. A chunk the server
refuses raises IngestError with INVALID_ARGUMENT and the server's message
naming the chunk, sample and check.
"""

import time
from typing import Iterator, List, Optional, Sequence, Union

import grpc
import numpy as np
from google.protobuf import text_format

from ._stubs import dataset_pb2, ingest_pb2, ingest_pb2_grpc, state_spec_pb2
from .channel import Connection

__all__ = ["IngestClient", "IngestError", "UploadAck"]

_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
              grpc.StatusCode.CANCELLED, grpc.StatusCode.ABORTED,
              grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)


class IngestError(Exception):
    """A failed upload: `code` is the grpc.StatusCode, `message` the
    server's explanation."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"Upload failed: {code.name}: {message}")
        self.code = code
        self.message = message


class UploadAck:
    """What the final attempt's reply said, and the totals over attempts."""

    def __init__(self, reply, attempts: int, stored: int, duplicate: int):
        self.reply = reply  # wm.v1.UploadReply
        self.attempts = attempts
        self.chunks_stored = stored
        self.chunks_duplicate = duplicate

    @property
    def complete(self) -> bool:
        """Every episode of the upload is durable and complete."""
        return all(ack.complete for ack in self.reply.episodes)


def chunk_episode(robot_id: str, episode_id: str, scene: str, dt: float,
                  spec: state_spec_pb2.StateSpec, times, states, actions,
                  params: Optional[Sequence[float]] = None,
                  max_chunk_samples: int = 256) -> List[ingest_pb2.EpisodeChunk]:
    """The episode's chunks (sequence 0, 1, ...; spec and params on chunk 0,
    `last` on the final one). ValueError when the shapes disagree with the
    spec or N < 2."""
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    n, width = times.shape[0], spec.nq + spec.nv
    states = np.asarray(states, dtype=np.float64).reshape(n, width)
    actions = np.asarray(actions, dtype=np.float64).reshape(n, spec.nu)
    if n < 2:
        raise ValueError(f"an episode needs at least 2 samples, got {n}")
    chunks = []
    for begin in range(0, n, max_chunk_samples):
        end = min(n, begin + max_chunk_samples)
        chunk = ingest_pb2.EpisodeChunk(
            robot_id=robot_id, episode_id=episode_id, sequence=len(chunks),
            last=end == n, scene=scene, dt=dt)
        if begin == 0:
            chunk.spec.CopyFrom(spec)
            chunk.params.extend(params or [])
        chunk.times.extend(times[begin:end].tolist())
        chunk.states.extend(states[begin:end].reshape(-1).tolist())
        chunk.actions.extend(actions[begin:end].reshape(-1).tolist())
        chunks.append(chunk)
    return chunks


class IngestClient(Connection):
    """A connection to an ingest service. target, token, root_certificates
    and timeout as WorldModelClient takes them. Thread-safe."""

    def __init__(self, target: Union[str, List[str]],
                 token: Optional[str] = None,
                 root_certificates: Union[bytes, str, None] = None,
                 timeout: Optional[float] = 30.0):
        super().__init__(target, token, root_certificates,
                         [("grpc.max_send_message_length", 64 << 20)], timeout)
        self._stub = ingest_pb2_grpc.IngestServiceStub(self._channel)

    @staticmethod
    def spec_from_manifest(path: str) -> state_spec_pb2.StateSpec:
        """The StateSpec of a dataset manifest.pbtxt (the store's own, or any
        dataset of the same scene)."""
        manifest = dataset_pb2.DatasetManifest()
        with open(path) as text:
            text_format.Parse(text.read(), manifest)
        return manifest.spec

    def upload_episode(self, robot_id: str, episode_id: str, scene: str,
                       dt: float, spec: state_spec_pb2.StateSpec, times,
                       states, actions,
                       params: Optional[Sequence[float]] = None,
                       max_chunk_samples: int = 256,
                       retry_for: float = 60.0) -> UploadAck:
        """Uploads one episode (chunk_episode) in one stream, retrying as the
        module says until it is acknowledged complete."""
        chunks = chunk_episode(robot_id, episode_id, scene, dt, spec, times,
                               states, actions, params, max_chunk_samples)
        return self._upload(chunks, retry_for)

    def _upload(self, chunks, retry_for: float) -> UploadAck:
        give_up = time.monotonic() + retry_for
        backoff, attempts, stored, duplicate = 0.05, 0, 0, 0
        while True:
            attempts += 1
            try:
                reply = self._stub.Upload(iter(chunks), timeout=self._timeout,
                                          metadata=self._metadata)
                return UploadAck(reply, attempts, stored + reply.chunks_stored,
                                 duplicate + reply.chunks_duplicate)
            except grpc.RpcError as error:
                if error.code() not in _RETRYABLE or \
                        time.monotonic() + backoff > give_up:
                    raise IngestError(error.code(), error.details()) from None
            time.sleep(backoff)
            backoff = min(2 * backoff, 1.0)
