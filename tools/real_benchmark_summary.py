#!/usr/bin/env python3
"""Prints every number of tools/real_benchmark.sh from its reports and
publishes the best cube-toss model as MODELS/cube_best/1.

Usage: real_benchmark_summary.py REPORTS_DIR MODELS_DIR
"""
import json
import os
import shutil
import sys

TOSS_MODELS = ["toss_sysid_single", "toss_sysid", "toss_physics", "toss_hybrid"]
PENDULUM_MODELS = ["pendulum_sysid", "pendulum_physics", "pendulum_hybrid"]


def load(path):
    with open(path) as f:
        return json.load(f)


def toss_rows(reports):
    """Each model's row on tosses 300-399, and the paper's MuJoCo row."""
    rows, paper = {}, None
    for name in TOSS_MODELS:
        path = os.path.join(reports, f"tosses_test_{name}.json")
        if not os.path.exists(path):
            continue
        report = load(path)
        model, baseline = report["models"][0], report["models"][1]
        rows[name] = model
        rows[name]["paired"] = baseline["model_over_this"]
        paper = baseline
    return rows, paper


def describe(entry):
    e_q = entry["e_q"]
    return (f"e_q mean {e_q['mean']:.4f} [{e_q['ci90'][0]:.4f}, "
            f"{e_q['ci90'][1]:.4f}], median {e_q['median']:.4f}, "
            f"pos {entry['mean_pos_err_m']:.4f} m, "
            f"rot {entry['mean_rot_err_deg']:.2f} deg")


def print_estimates(title, estimates):
    print(title)
    for p in estimates:
        low, high = p.get("interval90", [p["estimate"], p["estimate"]])
        print(f"  {p['name']:32s} {p['estimate']:12.6g} {p.get('unit', ''):10s}"
              f" 90% [{low:.6g}, {high:.6g}]")


def main():
    reports, models = sys.argv[1], sys.argv[2]
    check = load(os.path.join(reports, "protocol_check.json"))["models"][0]
    print("Acosta protocol, MuJoCo with the paper's parameters, 400 tosses:")
    print("  " + describe(check) + "  (README: 0.405 +- 0.01)")

    rows, paper = toss_rows(reports)
    if paper is not None:
        print("Tosses 300-399 (fitted / trained on 000-299):")
        print(f"  {'mujoco_paper':16s} {describe(paper)}")
        for name, row in rows.items():
            paired = row["paired"]
            print(f"  {name:16s} {describe(row)}; over paper "
                  f"{paired['mean_ratio']:.3f} [{paired['ci90'][0]:.3f}, "
                  f"{paired['ci90'][1]:.3f}], better on "
                  f"{100 * paired['share_model_better']:.0f}% of tosses")
        best = min(rows, key=lambda n: rows[n]["e_q"]["mean"])
        if rows[best]["e_q"]["mean"] < paper["e_q"]["mean"]:
            versions = sorted(int(v) for v in os.listdir(os.path.join(models, best))
                              if v.isdigit())
            source = os.path.join(models, best, str(versions[-1]))
            target = os.path.join(models, "cube_best")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, os.path.join(target, "1"))
            print(f"  best: {best} (copied to {target}/1); target ratio <= 0.6")
        else:
            print("  best: none beats MuJoCo with the paper's parameters")

    for name in ["toss_sysid", "pendulum_sysid"]:
        path = os.path.join(reports, f"{name}.json")
        if os.path.exists(path):
            report = load(path)
            print_estimates(f"{name} ({report.get('seconds', 0):.0f} s, "
                            f"objective {report['objective']:.4g}, nominal "
                            f"{report['nominal_objective']:.4g}):",
                            report["parameters"])
            if report.get("base_parameters"):
                print_estimates("  base parameters:", report["base_parameters"])
            ensemble = report.get("ensemble", {})
            if ensemble.get("members", 0) >= 2:
                print(f"  ensemble of {ensemble['members']} (objective "
                      f"{report['ensemble_objective']:.4g}): parameters x "
                      f"exp({ensemble.get('parameter_log_std', 0):.3g} z), "
                      f"angle {ensemble.get('angle_std', 0):.3g} rad, linear "
                      f"velocity {ensemble.get('linear_velocity_std', 0):.3g} "
                      f"m/s, angular velocity "
                      f"{ensemble.get('angular_velocity_std', 0):.3g} rad/s")

    for run, label in [("04", "run 04 (held out)"),
                       ("12", "run 12 (swing-up, extrapolation)")]:
        print(f"Double pendulum {label}: median joint error (rad) at 0.5 s / 2 s")
        for name in PENDULUM_MODELS:
            path = os.path.join(reports, f"pendulum_{run}_{name}.json")
            if not os.path.exists(path):
                continue
            report = load(path)
            entries = [(name, report)] + [
                (b, r) for b, r in report.get("baselines", {}).items()
                if name == PENDULUM_MODELS[0]]
            for label_name, entry in entries:
                cells = []
                for steps in sorted(entry.get("rollout", {}), key=int):
                    error = entry["rollout"][steps].get("joint_rad", {})
                    cells.append(f"{int(steps) * 0.002:.1f} s: "
                                 f"{error.get('median', float('nan')):.4f}")
                print(f"  {label_name:20s} " + ", ".join(cells))


if __name__ == "__main__":
    main()
