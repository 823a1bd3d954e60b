#!/usr/bin/env python3
"""The choice of cube_best and pendulum_best on the validation fold, and every
number of tools/real_benchmark.sh from its reports.

Usage: real_benchmark_summary.py select|summary REPORTS MODELS
           --toss CANDIDATE... --pendulum CANDIDATE...
  select   reads only the validation reports (REPORTS/val_<name>.json),
           picks cube_best (lowest validation mean e_q) and pendulum_best
           (lowest validation median joint_rad, the mean of the 0.5 s and
           2 s medians), copies each one's latest version to
           MODELS/<best>/1 and writes REPORTS/selection.json. Test reports
           are never read here.
  summary  prints the protocol check, the choice, the learned-part check,
           the test scores (REPORTS/test_*.json; info_test_*.json are
           labelled as not used to choose), the fits and the wall time
           (REPORTS/run.json).
"""
import argparse
import json
import os
import re
import shutil

TOSS_TARGETS = "targets: <= 0.42x the paper's MuJoCo, <= 0.85x like-hedged toss_sysid"
PENDULUM_STEPS = 0.002  # s per step of the real double pendulum logs
LEARNED_PART_MIN_CHANGE = 0.05  # zeroing the learned part: at least 5%


def load(path):
    with open(path) as f:
        return json.load(f)


def latest_version(models, name):
    """MODELS/name/<largest N>."""
    versions = [int(v) for v in os.listdir(os.path.join(models, name))
                if v.isdigit()]
    return os.path.join(models, name, str(max(versions)))


def manifest_text(models, name):
    with open(os.path.join(latest_version(models, name),
                           "manifest.pbtxt")) as f:
        return f.read()


def is_hedged(text):
    """Whether a model's prediction averages whole member trajectories: a
    mujoco model with a simulation_ensemble, a physics or blackbox ensemble
    of 2+ members (each member rolls out on its own); a hybrid averages one
    correction per step (single). Any other kind: hedged when its manifest
    has a simulation_ensemble."""
    if re.search(r"^simulation_ensemble \{", text, re.M):
        return True
    kind = re.search(r'^kind: "(\w+)"', text, re.M)
    kind = kind.group(1) if kind else ""
    size = re.search(r"^  ensemble_size: (\d+)", text, re.M)
    return kind in ("physics", "blackbox") and size is not None and \
        int(size.group(1)) >= 2


def toss_validation(reports, name):
    """A candidate's validation protocol row (tosses 240-299)."""
    return load(os.path.join(reports, f"val_{name}.json"))["models"][0]


def pendulum_medians(entry):
    """{seconds: median joint_rad} of a pendulum eval report entry."""
    out = {}
    for steps, row in entry.get("rollout", {}).items():
        median = row.get("joint_rad", {}).get("median")
        if median is not None:
            out[round(int(steps) * PENDULUM_STEPS, 3)] = median
    return out


def pendulum_score(entry):
    """The selection score: the mean of the medians at 0.5 s and 2 s."""
    medians = pendulum_medians(entry)
    return sum(medians.values()) / max(1, len(medians))


def publish(models, source, target):
    """Copies MODELS/source's latest version to MODELS/target/1."""
    shutil.rmtree(os.path.join(models, target), ignore_errors=True)
    shutil.copytree(latest_version(models, source),
                    os.path.join(models, target, "1"))


def select(args):
    cube_scores = {n: toss_validation(args.reports, n)["e_q"]["mean"]
                   for n in args.toss}
    cube = min(cube_scores, key=cube_scores.get)
    hedged = is_hedged(manifest_text(args.models, cube))
    pendulum_scores = {
        n: pendulum_score(load(os.path.join(args.reports, f"val_{n}.json")))
        for n in args.pendulum}
    pendulum = min(pendulum_scores, key=pendulum_scores.get)
    selection = {
        "cube_best": {
            "source": cube, "hedged": hedged,
            "like": "toss_sysid" if hedged else "toss_sysid_single",
            "base": "toss_sysid_fold" if hedged else "toss_sysid_fold_single",
            "validation_mean_e_q": cube_scores},
        "pendulum_best": {
            "source": pendulum, "base": "pendulum_sysid_fold",
            "validation_joint_rad": pendulum_scores},
    }
    publish(args.models, cube, "cube_best")
    publish(args.models, pendulum, "pendulum_best")
    with open(os.path.join(args.reports, "selection.json"), "w") as f:
        json.dump(selection, f, indent=1, allow_nan=False)
    print(f"cube_best = {cube} ({'hedged' if hedged else 'single'}), "
          f"pendulum_best = {pendulum}; chosen on validation only")


def describe(entry):
    e_q = entry["e_q"]
    return (f"e_q mean {e_q['mean']:.4f} [{e_q['ci90'][0]:.4f}, "
            f"{e_q['ci90'][1]:.4f}], median {e_q['median']:.4f}, "
            f"pos {entry['mean_pos_err_m']:.4f} m, "
            f"rot {entry['mean_rot_err_deg']:.2f} deg")


def paired(entry, target=None):
    """The paired ratio (the model's mean e_q over this one's), its 90%
    interval and the share of tosses won; against `target` when given."""
    p = entry["model_over_this"]
    text = (f"{p['mean_ratio']:.3f} [{p['ci90'][0]:.3f}, {p['ci90'][1]:.3f}], "
            f"won {100 * p['share_model_better']:.0f}% of tosses")
    if target is not None:
        met = p["mean_ratio"] <= target and p["ci90"][1] < 1
        text += f" (target <= {target}x, interval below 1: " + \
            ("met)" if met else "NOT met)")
    return text


def print_estimates(title, estimates):
    print(title)
    for p in estimates:
        low, high = p.get("interval90", [p["estimate"], p["estimate"]])
        print(f"  {p['name']:32s} {p['estimate']:12.6g} {p.get('unit', ''):10s}"
              f" 90% [{low:.6g}, {high:.6g}]")


def learned_part(label, best, base, score_best, score_base, unit):
    """Prints the learned-part check: the best against its base."""
    if best == base:
        print(f"  learned part: none ({best} is the fold fit itself)")
        return
    change = (score_best - score_base) / score_base
    verdict = "matters" if abs(change) >= LEARNED_PART_MIN_CHANGE else \
        "does NOT matter"
    print(f"  learned part ({label} vs its base {base}, learned part zeroed): "
          f"{score_best:.4f} vs {score_base:.4f}{unit}, change "
          f"{100 * change:+.1f}% (>= 5% needed: {verdict})")


def summary_tosses(args, selection):
    cube = selection["cube_best"]
    print("Cube tosses, choice on the validation fold (tosses 240-299; fold "
          "fits and training on 000-239):")
    scores = cube["validation_mean_e_q"]
    for name in args.toss:
        row = toss_validation(args.reports, name)
        mark = "  <- cube_best" if name == cube["source"] else ""
        print(f"  {name:24s} {describe(row)}{mark}")
    learned_part("validation mean e_q", cube["source"], cube["base"],
                 scores[cube["source"]],
                 toss_validation(args.reports, cube["base"])["e_q"]["mean"],
                 "")
    path = os.path.join(args.reports, "test_cube_best.json")
    if not os.path.exists(path):
        return
    print(f"Cube tosses 300-399 (test; scored once per final candidate; "
          f"{TOSS_TARGETS}):")
    best = load(path)["models"]
    print(f"  {'mujoco_paper':24s} {describe(best[1])}")
    for name in ["toss_sysid_single", "toss_sysid"]:
        rows = load(os.path.join(args.reports, f"test_{name}.json"))["models"]
        print(f"  {name:24s} {describe(rows[0])}; over paper {paired(rows[1])}")
    hedging = "hedged" if cube["hedged"] else "single"
    print(f"  {'cube_best':24s} {describe(best[0])}  ({cube['source']}, "
          f"{hedging})")
    print(f"    over the paper's MuJoCo: {paired(best[1], 0.42)}")
    print(f"    over {cube['like']} (same hedging): {paired(best[2], 0.85)}")
    print("  for information only, not used to choose:")
    for name in args.toss:
        path = os.path.join(args.reports, f"info_test_{name}.json")
        if os.path.exists(path):
            rows = load(path)["models"]
            print(f"    {name:22s} e_q mean {rows[0]['e_q']['mean']:.4f}, "
                  f"over paper {paired(rows[1])}")


def pendulum_cells(entry):
    return ", ".join(f"{s:.1f} s: {m:.4f}"
                     for s, m in sorted(pendulum_medians(entry).items()))


def summary_pendulum(args, selection):
    chosen = selection["pendulum_best"]
    print("Double pendulum, choice on the validation fold (run 03 pieces; "
          "fold fit and training on runs 00-02): median joint error (rad)")
    for name in args.pendulum:
        entry = load(os.path.join(args.reports, f"val_{name}.json"))
        mark = "  <- pendulum_best" if name == chosen["source"] else ""
        print(f"  {name:24s} {pendulum_cells(entry)}; score "
              f"{pendulum_score(entry):.4f}{mark}")
    scores = chosen["validation_joint_rad"]
    learned_part("validation joint_rad (mean of 0.5 s and 2 s medians)",
                 chosen["source"], chosen["base"], scores[chosen["source"]],
                 scores[chosen["base"]], " rad")
    for run, label in [("04", "run 04 (held out)"),
                       ("12", "run 12 (swing-up, extrapolation)")]:
        path = os.path.join(args.reports, f"test_pendulum_{run}_pendulum_best.json")
        if not os.path.exists(path):
            continue
        print(f"Double pendulum {label}, test: median joint error (rad) "
              f"(targets: pendulum_best <= 0.85x pendulum_sysid on run 04, "
              f"<= 1.0x on run 12)")
        sysid = load(os.path.join(args.reports,
                                  f"test_pendulum_{run}_pendulum_sysid.json"))
        best = load(path)
        reference = pendulum_medians(sysid)
        rows = [("pendulum_sysid", sysid), ("pendulum_best", best)]
        rows += list(sysid.get("baselines", {}).items())
        for name, entry in rows:
            medians = pendulum_medians(entry)
            ratios = ", ".join(f"{medians[s] / reference[s]:.3f}x"
                               for s in sorted(medians) if reference.get(s))
            print(f"  {name:24s} {pendulum_cells(entry)}; over "
                  f"pendulum_sysid {ratios}")
        print("  for information only, not used to choose:")
        for name in args.pendulum:
            info = os.path.join(args.reports,
                                f"info_test_pendulum_{run}_{name}.json")
            if os.path.exists(info):
                print(f"    {name:22s} {pendulum_cells(load(info))}")


def summary_fits(reports):
    for name in ["toss_sysid", "toss_sysid_fold", "pendulum_sysid",
                 "pendulum_sysid_fold"]:
        path = os.path.join(reports, f"{name}.json")
        if not os.path.exists(path):
            continue
        report = load(path)
        print_estimates(f"{name} ({report.get('seconds', 0):.0f} s, "
                        f"objective {report['objective']:.4g}, nominal "
                        f"{report['nominal_objective']:.4g}):",
                        report["parameters"])
        ensemble = report.get("ensemble", {})
        if ensemble.get("members", 0) >= 2:
            print(f"  ensemble of {ensemble['members']} (objective "
                  f"{report['ensemble_objective']:.4g}): parameters x "
                  f"exp({ensemble.get('parameter_log_std', 0):.3g} z), "
                  f"angle {ensemble.get('angle_std', 0):.3g} rad, linear "
                  f"velocity {ensemble.get('linear_velocity_std', 0):.3g} "
                  f"m/s, angular velocity "
                  f"{ensemble.get('angular_velocity_std', 0):.3g} rad/s")


def summary(args):
    check = load(os.path.join(args.reports, "protocol_check.json"))["models"][0]
    print("Acosta protocol, MuJoCo with the paper's parameters, 400 tosses:")
    print("  " + describe(check) + "  (data/real/cube_toss/README.md: 0.405 +- 0.01)")
    selection = load(os.path.join(args.reports, "selection.json"))
    summary_tosses(args, selection)
    summary_pendulum(args, selection)
    summary_fits(args.reports)
    run = os.path.join(args.reports, "run.json")
    if os.path.exists(run):
        run = load(run)
        cached = run["cached"]
        print(f"Wall time: {run['seconds'] / 60:.1f} min (build included) " +
              (f"with cached steps: {', '.join(cached)}" if cached else
               "from an empty --out (nothing cached)"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["select", "summary"])
    parser.add_argument("reports")
    parser.add_argument("models")
    parser.add_argument("--toss", nargs="+", required=True)
    parser.add_argument("--pendulum", nargs="+", required=True)
    args = parser.parse_args()
    select(args) if args.mode == "select" else summary(args)


if __name__ == "__main__":
    main()
