"""Draws a `wm fleet` run (its JSON lines): over time, the served model's
50-step error on fresh episodes with the versions served, the planning
success per report interval, and the episodes ingested with the
flywheel's published and refused decisions; the drift is shaded.

  /usr/bin/python3 tools/plot_fleet.py fleet.jsonl --out fleet.png
"""

import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    lines = [json.loads(line) for line in open(args.report) if line.strip()]
    reports = [line for line in lines if line["type"] == "report"]
    if not reports:
        raise SystemExit(f"{args.report}: no report lines")
    t = [r["t_s"] / 60 for r in reports]

    fig, axes = plt.subplots(3, 1, figsize=(8, 9), sharex=True)
    error, success, counts = axes
    error.plot(t, [r["model_error"] for r in reports], "o-", color="C0")
    error.set_ylabel("served model: box position\nerror at 50 steps (m)")
    for previous, report in zip(reports, reports[1:]):
        if report["served_version"] != previous["served_version"]:
            error.axvline(report["t_s"] / 60, color="C2", lw=0.8, ls="--")
            error.annotate(report["served_version"], (report["t_s"] / 60, 0),
                           xycoords=("data", "axes fraction"), rotation=90,
                           fontsize=7, va="bottom")
    success.plot(t, [r["interval_success_rate"] for r in reports], "o-",
                 color="C1")
    success.set_ylabel("planning success\n(per interval)")
    success.set_ylim(-0.05, 1.05)
    counts.plot(t, [r["episodes_ingested"] for r in reports], color="C0",
                label="episodes ingested")
    counts.set_ylabel("episodes ingested")
    decisions = counts.twinx()
    decisions.step(t, [r["published"] for r in reports], where="post",
                   color="C2", label="published")
    decisions.step(t, [r["refused"] for r in reports], where="post",
                   color="C3", label="refused")
    decisions.set_ylabel("flywheel decisions")
    decisions.legend(loc="upper left", fontsize=8)
    counts.set_xlabel("minutes")
    drifting = [r["t_s"] / 60 for r in reports if 0 < r["drift_fraction"] < 1]
    done = [r["t_s"] / 60 for r in reports if r["drift_fraction"] >= 1]
    start = min(drifting + done) if drifting or done else None
    for ax in axes:
        if start is not None:
            ax.axvspan(start, min(done) if done else t[-1], color="0.9")
            if done:
                ax.axvspan(min(done), t[-1], color="0.8")
    fig.suptitle("wm fleet: drift (grey) and the flywheel")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
