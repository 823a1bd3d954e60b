#!/usr/bin/env python3
"""The quickstart's planning verdict in plain words, from `wm plan --json`.

  /usr/bin/python3 tools/quickstart_summary.py --plan PLAN.json \
      [--name "the pretrained model"] [--target 0.8] \
      [--also OTHER_PLAN.json --also_name "the model trained here"] \
      [--eval EVAL.json]

PLAN.json holds a `physics` row (the served model planned with) and an
`oracle` row (MuJoCo with each episode's true parameters); `wm plan` gives
episode i of every row the same seed, so the same goal and hidden
parameters. Prints how many goals each reached, the model's success over
the oracle's on the episodes both ran, whether that meets --target, and the
planning rates. --also adds a line for a second report's `physics` row (a
model planned over the first few of the same goals, without a verdict);
--eval first adds a line on the trained model's `wm eval` scores beside its
baselines. Every figure is read from the reports; a report that cannot be
read or lacks the rows named is an error (exit 1).
"""

import argparse
import json
import statistics
import sys


def load_row(path, label):
    """The row `label` of the planning report at `path`; exits 1 naming the
    file when the report cannot be read or lacks the row."""
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError) as error:
        sys.exit(f"quickstart_summary: cannot read {path}: {error}")
    if label not in report:
        sys.exit(f"quickstart_summary: {path} has no '{label}' row "
                 f"(rows: {', '.join(report) or 'none'})")
    return report[label]


def reached(row, episodes=None):
    """(goals reached, episodes counted) over the row's first `episodes`
    episodes (all when None)."""
    runs = row["per_episode"][:episodes]
    return sum(1 for e in runs if e["success"]), len(runs)


def rate(row):
    """The row's planning rate as words ("unknown" when the report has
    none)."""
    hz = row.get("planning_hz")
    return "an unknown rate" if hz is None else f"{hz:.0f} Hz"


def goals(count, total):
    """"N of M goal(s)", the plural when M is not 1."""
    return f"{count} of {total} goal{'s' if total != 1 else ''}"


def verdict(model, oracle, name, target):
    """The lines comparing `model` with `oracle` on the episodes both ran
    (the same seeds), and whether the success ratio meets `target`."""
    shared = min(len(model["per_episode"]), len(oracle["per_episode"]))
    seeds_match = all(a["seed"] == b["seed"] for a, b in zip(
        model["per_episode"][:shared], oracle["per_episode"][:shared]))
    model_hits, _ = reached(model, shared)
    oracle_hits, _ = reached(oracle, shared)
    same = "the same" if seeds_match else "DIFFERENT (unpaired)"
    lines = [f"planning: {name} ({model['model']}) reached "
             f"{goals(model_hits, shared)}; the oracle (MuJoCo with each "
             f"episode's true mass and friction) reached "
             f"{oracle_hits} of {same} {shared}."]
    if oracle_hits == 0:
        lines.append("  The oracle reached no goal, so there is no success "
                     "ratio to judge the model by.")
    else:
        ratio = model_hits / oracle_hits
        met = ("meets" if ratio >= target else "FALLS SHORT of")
        lines.append(f"  That is {ratio:.2f}x the oracle's success, which "
                     f"{met} the target of at least {target:.1f}x.")
    times = [e["time_to_goal_s"] for e in model["per_episode"][:shared]
             if e["success"]]
    median = statistics.median(times) if times else None
    lines.append(f"  The model planned at {rate(model)} (the oracle, "
                 f"{oracle['planner']['samples']} MuJoCo samples per step, "
                 f"at {rate(oracle)})"
                 + (f"; median time to goal {median:.1f} s." if median
                    is not None else "."))
    return lines


BASELINE_WORDS = {"constant_velocity": "constant velocity",
                  "mujoco_nominal": "MuJoCo with nominal parameters"}


def evaluation(path):
    """The line saying how the trained model scored on the test split of
    `wm eval --json` at `path` against its baselines (lower is better)."""
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError) as error:
        sys.exit(f"quickstart_summary: cannot read {path}: {error}")
    baselines = ", ".join(
        f"{row['one_step_nmse']:.2f} for "
        f"{BASELINE_WORDS.get(name, name.replace('_', ' '))}"
        for name, row in report["baselines"].items())
    count = report["episodes"]
    line = (f"evaluation: on {count} held-out {report['split']} "
            f"episode{'s' if count != 1 else ''} the trained model ({report['model']}) has a one-step "
            f"error (NMSE, lower is better) of {report['one_step_nmse']:.2f}, "
            f"against {baselines}")
    # A parameter no test episode could identify has no error to report.
    errors = {name: row.get("median_rel_err")
              for name, row in report.get("params", {}).items()}
    known = {name: err for name, err in errors.items() if err is not None}
    if known:
        line += ("; it infers " + ", ".join(
            f"{name} within {100 * err:.0f}%" for name, err in known.items())
            + " (median relative error)")
    return line + "."


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--name", default="the model")
    parser.add_argument("--target", type=float, default=0.8)
    parser.add_argument("--also")
    parser.add_argument("--also_name", default="the other model")
    parser.add_argument("--eval", help="`wm eval --json` report to summarise")
    args = parser.parse_args()

    model = load_row(args.plan, "physics")
    oracle = load_row(args.plan, "oracle")
    lines = [evaluation(args.eval)] if args.eval else []
    lines += verdict(model, oracle, args.name, args.target)
    if args.also:
        other = load_row(args.also, "physics")
        hits, total = reached(other)
        paired = all(a["seed"] == b["seed"] for a, b in zip(
            other["per_episode"], oracle["per_episode"]))
        oracle_line = ""
        if paired and total <= len(oracle["per_episode"]):
            oracle_hits, _ = reached(oracle, total)
            oracle_line = f" (the oracle {oracle_hits} of the same {total})"
        lines.append(f"planning: {args.also_name} ({other['model']}) reached "
                     f"{goals(hits, total)}{oracle_line}, at {rate(other)}.")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
