"""The quickstart's served-model check: replays a recorded episode against a
running `wm serve` through the Python client and prints what it found.

  /usr/bin/python3 tools/quickstart_query.py --server HOST:PORT \
      --model NAME --data DATASET_DIR [--horizon 20] [--json OUT.json]

From episode 0 of the dataset's first shard: a Rollout of `--horizon`
recorded actions from its first state (box position after the horizon,
predicted vs recorded, and the epistemic spread), and InferParameters on its
first second of transitions (inferred vs true parameters).
"""

import argparse
import json
import os

import h5py
import numpy as np

from wm_client import WorldModelClient


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--horizon", type=int, default=20)
    parser.add_argument("--json", help="also write the findings here")
    args = parser.parse_args()

    with h5py.File(os.path.join(args.data, "shard_00000.h5"), "r") as shard:
        s0, s1 = shard["state_offsets"][0:2]
        a0 = shard["action_offsets"][0]
        states = np.concatenate([shard["qpos"][s0:s1], shard["qvel"][s0:s1]], 1)
        actions = shard["ctrl"][a0:a0 + (s1 - s0 - 1)]
        true_params = shard["params"][0]

    with WorldModelClient(args.server, timeout=60) as client:
        info = client.model_info(args.model)
        horizon = min(args.horizon, len(actions))
        trajectory = client.rollout(args.model, states[:1],
                                    actions[None, :horizon])
        history = min(len(actions), max(1, int(round(1.0 / info.dt))))
        estimate = client.infer_parameters(args.model, states[None, :history + 1],
                                           actions[None, :history])

    predicted = trajectory.mean[0, horizon, :3]
    recorded = states[horizon, :3]
    spread = trajectory.epistemic_std[0, horizon, :3]
    findings = {
        "model": f"{args.model}/{trajectory.version}",
        "horizon_steps": horizon,
        "box_position_predicted_m": predicted.tolist(),
        "box_position_recorded_m": recorded.tolist(),
        "box_position_error_m": float(np.linalg.norm(predicted - recorded)),
        "box_position_epistemic_std_m": spread.tolist(),
        "parameters": {},
    }
    print(f"served model {findings['model']} ({info.kind}, dt {info.dt} s)")
    print(f"rollout of {horizon} recorded actions ({horizon * info.dt:.2f} s): "
          f"box at {np.round(predicted, 3)} m, recorded {np.round(recorded, 3)} m, "
          f"error {findings['box_position_error_m']:.3f} m, "
          f"epistemic std {np.round(spread, 4)} m")
    print(f"parameters inferred from {history} transitions "
          f"({history * info.dt:.1f} s):")
    for parameter, truth in zip(estimate.parameters, true_params):
        findings["parameters"][parameter.name] = {
            "mean": parameter.mean, "std": parameter.std, "true": float(truth)}
        print(f"  {parameter.name}: {parameter.mean:.3f} +- {parameter.std:.3f} "
              f"{parameter.unit} (90% [{parameter.lower90:.3f}, "
              f"{parameter.upper90:.3f}]), true {truth:.3f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(findings, out, indent=1, allow_nan=False)


if __name__ == "__main__":
    main()
