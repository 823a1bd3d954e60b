"""Draws a `wm plan` report: a few episodes' box paths seen from above, one
panel per model, with each goal and its 2 cm success circle.

  /usr/bin/python3 tools/plot_plan.py plan.json --out plan.png [--episodes 6]
"""

import argparse
import json
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report")
    parser.add_argument("--out", required=True)
    parser.add_argument("--episodes", type=int, default=6)
    args = parser.parse_args()
    report = json.load(open(args.report))

    fig, axes = plt.subplots(1, len(report), figsize=(5 * len(report), 5),
                             squeeze=False)
    for ax, (name, result) in zip(axes[0], report.items()):
        for index, episode in enumerate(result["per_episode"][:args.episodes]):
            color = f"C{index % 10}"
            xs = [p[0] for p in episode["path"]]
            ys = [p[1] for p in episode["path"]]
            gx, gy, gyaw = episode["goal"]
            ax.plot(xs, ys, color=color, lw=1.5,
                    ls="-" if episode["success"] else "--")
            ax.plot(xs[0], ys[0], "o", color=color, ms=4)
            tool = episode.get("tool_path", [])
            if tool:
                ax.plot([p[0] for p in tool], [p[1] for p in tool],
                        color=color, lw=0.6, ls=":")
            ax.add_patch(plt.Circle((gx, gy), 0.02, fill=False, color=color))
            ax.arrow(gx, gy, 0.04 * math.cos(gyaw), 0.04 * math.sin(gyaw),
                     color=color, width=0.002)
        ax.set_title(f"{name}: success {result['success_rate']:.0%}, "
                     f"{result['planning_hz']:.0f} Hz")
        ax.set_aspect("equal")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        ax.grid(alpha=0.3)
    fig.suptitle("box paths from above (dots: start; circles: goal and 2 cm "
                 "tolerance; dashed: not reached; dotted: the pusher)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
