#!/usr/bin/python3
"""Draws a `wm eval` JSON report to a PNG.

Panels: median rollout error per horizon (bars, with the p90 as a whisker) for
the model and its baselines, one panel per error kind; parameter errors (median
relative error, and 90% coverage) when the model infers parameters; and, with
--data, the true trajectories of a few test episodes from the dataset's HDF5
shards (positions over time).

Usage:
  /usr/bin/python3 tools/plot_eval.py eval.json --out eval.png \
      [--data DATASET_DIR --episodes 3]
"""

import argparse
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ERROR_UNITS = {"pos_m": "m", "rot_deg": "deg", "joint_rad": "rad",
               "joint_m": "m"}


def models_of(report):
    """(label, metrics) for the model and each baseline, in order."""
    rows = [(report.get("model", "model"), report)]
    for name, baseline in report.get("baselines", {}).items():
        rows.append((name, baseline))
    return rows


def error_kinds(rows):
    kinds = []
    for _, metrics in rows:
        for horizon in metrics.get("rollout", {}).values():
            for kind in horizon:
                if kind not in kinds:
                    kinds.append(kind)
    return kinds


def horizons_of(rows):
    steps = set()
    for _, metrics in rows:
        steps.update(int(h) for h in metrics.get("rollout", {}))
    return sorted(steps)


def plot_rollouts(axis, rows, kind, horizons):
    width = 0.8 / max(1, len(rows))
    plotted = []
    for i, (label, metrics) in enumerate(rows):
        medians, p90s, xs = [], [], []
        for j, steps in enumerate(horizons):
            entry = metrics.get("rollout", {}).get(str(steps), {}).get(kind)
            if entry is None or entry.get("median") is None:
                continue
            xs.append(j + (i - (len(rows) - 1) / 2) * width)
            medians.append(entry["median"])
            p90s.append(max(0.0, (entry.get("p90") or entry["median"]) -
                            entry["median"]))
        plotted += medians
        if xs:
            axis.bar(xs, medians, width, yerr=[[0] * len(xs), p90s],
                     capsize=2, label=label)
    axis.set_xticks(range(len(horizons)))
    axis.set_xticklabels([str(h) for h in horizons])
    axis.set_xlabel("horizon (steps)")
    axis.set_ylabel(f"{kind} ({ERROR_UNITS.get(kind, '')}), median / p90")
    axis.set_title(f"rollout error: {kind}")
    # Errors span decades across models and horizons: log scale when all
    # are positive.
    if plotted and min(plotted) > 0 and max(plotted) > 20 * min(plotted):
        axis.set_yscale("log")
    axis.legend(fontsize="small")


def plot_parameters(axis, rows):
    names, series = [], []
    for label, metrics in rows:
        params = metrics.get("params")
        if not params:
            continue
        for name in params:
            if name not in names:
                names.append(name)
        series.append((label, params))
    width = 0.8 / max(1, len(series))
    for i, (label, params) in enumerate(series):
        xs, errors, notes = [], [], []
        for j, name in enumerate(names):
            entry = params.get(name, {})
            if entry.get("median_rel_err") is None:
                continue
            xs.append(j + (i - (len(series) - 1) / 2) * width)
            errors.append(100 * entry["median_rel_err"])
            coverage = entry.get("coverage90")
            notes.append("" if coverage is None else f"{100 * coverage:.0f}%")
        bars = axis.bar(xs, errors, width, label=label)
        for bar, note in zip(bars, notes):
            axis.annotate(note, (bar.get_x() + bar.get_width() / 2,
                                 bar.get_height()),
                          ha="center", va="bottom", fontsize="x-small")
    axis.set_xticks(range(len(names)))
    axis.set_xticklabels(names, rotation=20, fontsize="small")
    axis.set_ylabel("median relative error (%)")
    axis.set_title("parameter errors (labels: 90% coverage)")
    if series:
        axis.legend(fontsize="small")


def read_test_episodes(data_dir, count):
    """(index, time [T+1], qpos [T+1, nq], qpos column names) of the first
    `count` test episodes, by each shard's `split` dataset."""
    import h5py
    import numpy as np
    episodes = []
    for path in sorted(glob.glob(os.path.join(data_dir, "*.h5"))):
        with h5py.File(path, "r") as shard:
            if "split" not in shard:
                sys.exit(f"{path} has no split dataset (written before wm "
                         "labelled its shards): regenerate or re-import it")
            offsets = shard["state_offsets"][:]
            indices = shard["episode_index"][:]
            splits = shard["split"][:]
            columns = [c.decode() for c in shard["qpos"].attrs["columns"]]
            for e, index in enumerate(indices):
                if splits[e] != b"test":
                    continue
                a, b = offsets[e], offsets[e + 1]
                episodes.append((int(index), np.array(shard["time"][a:b]),
                                 np.array(shard["qpos"][a:b]), columns))
                if len(episodes) >= count:
                    return episodes
    return episodes


def plot_episodes(axis, episodes):
    for index, time, qpos, columns in episodes:
        for column in range(min(3, qpos.shape[1])):
            axis.plot(time, qpos[:, column],
                      label=f"ep {index} {columns[column]}")
    axis.set_xlabel("time (s)")
    axis.set_ylabel("qpos")
    axis.set_title("true trajectories (test episodes)")
    axis.legend(fontsize="x-small", ncol=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", help="JSON written by wm eval --json")
    parser.add_argument("--out", default="eval.png", help="PNG to write")
    parser.add_argument("--data", help="dataset directory (optional)")
    parser.add_argument("--episodes", type=int, default=3,
                        help="test episodes to draw with --data")
    args = parser.parse_args()

    with open(args.report) as f:
        report = json.load(f)
    rows = models_of(report)
    kinds = error_kinds(rows)
    horizons = horizons_of(rows)
    has_params = any(metrics.get("params") for _, metrics in rows)
    panels = len(kinds) + (1 if has_params else 0) + (1 if args.data else 0)
    panels = max(1, panels)
    figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 4),
                                squeeze=False)
    axes = list(axes[0])
    for kind in kinds:
        plot_rollouts(axes.pop(0), rows, kind, horizons)
    if has_params:
        plot_parameters(axes.pop(0), rows)
    if args.data:
        plot_episodes(axes.pop(0), read_test_episodes(args.data, args.episodes))
    for axis in axes:
        axis.axis("off")
        axis.text(0.5, 0.5, "no rollout metrics", ha="center")
    figure.suptitle(f"{report.get('model', '')}: {report.get('episodes', 0)} "
                    f"{report.get('split', 'test')} episodes")
    figure.tight_layout()
    figure.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
