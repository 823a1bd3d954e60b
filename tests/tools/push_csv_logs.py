#!/usr/bin/python3
"""Writes each episode of a `wm gen --scene push` dataset as a CSV log in
the layout of configs/import/push.pbtxt (the push robot's log), for the
ingest tests: push_csv_logs.py DATASET OUT_DIR [--first K] [--count N]."""
import argparse
import glob
import os

import h5py

HEADER = ("time,box_x,box_y,box_z,box_qw,box_qx,box_qy,box_qz,pusher_x,"
          "pusher_y,box_vx,box_vy,box_vz,box_wx,box_wy,box_wz,pusher_vx,"
          "pusher_vy,ctrl_vx,ctrl_vy")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("out")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=1 << 30)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = 0
    for path in sorted(glob.glob(os.path.join(args.dataset, "shard_*.h5"))):
        with h5py.File(path) as shard:
            qpos, qvel, time = shard["qpos"][:], shard["qvel"][:], shard["time"][:]
            ctrl, states = shard["ctrl"][:], shard["state_offsets"][:]
            actions, indices = shard["action_offsets"][:], shard["episode_index"][:]
            for e, index in enumerate(indices):
                if index < args.first or written >= args.count:
                    continue
                rows = []
                for k, s in enumerate(range(states[e], states[e + 1])):
                    a = actions[e] + min(k, actions[e + 1] - actions[e] - 1)
                    values = [time[s], *qpos[s], *qvel[s], *ctrl[a]]
                    rows.append(",".join(repr(float(v)) for v in values))
                name = os.path.join(args.out, f"episode_{index:05d}.csv")
                with open(name, "w") as out:
                    out.write(HEADER + "\n" + "\n".join(rows) + "\n")
                written += 1


if __name__ == "__main__":
    main()
