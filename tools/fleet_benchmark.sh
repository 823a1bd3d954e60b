#!/usr/bin/env bash
# The fleet flywheel measured (issue 38; not CI): `wm serve` with an ingest
# store serves the checked-in pretrained push model (the pre-drift model),
# `wm flywheel` fine-tunes it on what the store receives, and `wm fleet`
# robots plan through it while the table's friction falls to 0.05-0.07 and
# the boxes grow to 2.5-3 kg (beyond push's 0.1-1 and 0.2-2 kg). Then every
# version, and the offline reference (the pre-drift model fine-tuned with
# `wm train --init` on the post-drift episodes the store had received 10
# minutes after the drift's end, the flywheel's training config), is
# scored by `wm eval` on an audit set nobody trained or gated on: post-drift
# planning episodes of robots planning with the pre-drift model, simulated
# before the run into a store of their own. The error is the median box
# position error 50 steps ahead.
#
#   tools/fleet_benchmark.sh [--quick] [--out DIR] [--no-build]
#
# Targets (exit 1 when one is missed): the pre-drift model's error at least
# 1.5x the reference's; the version served 10 minutes after the drift's
# end (the last one served, in a shorter run) within 1.2x of it; planning
# success over the last 100 post-drift episodes within the 90% interval of
# the pre-drift rate, or above it; no published version worse on the audit
# set than the one it replaced. Full: 4 robots, 30 min of fleet time
# (drift from 5 to 10 min), under 60 min on 2 cores; --quick: 2 robots,
# 12 min (drift from 1 to 2 min: the run ends 10 min after the drift).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

quick=0
out=fleet_out
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "fleet_benchmark.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$quick" -eq 1 ]; then
  robots=2 seconds=720 drift_start=60 drift_end=120 report=20
  min_new=24 audit_seconds=150 samples=64 iterations=1
else
  robots=4 seconds=1800 drift_start=300 drift_end=600 report=30
  min_new=40 audit_seconds=180 samples=128 iterations=2
fi
# The fine-tune of every cycle and of the reference (docs/fleet.md): small
# enough to end within a few minutes on 2 busy cores.
training="learning_rate: 0.001 max_steps: 400 eval_every: 50 seed: 1 workers: 2"
drift="box_table/friction=0.05:0.07,box/mass=2.5:3"
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && { wm_build wm >/dev/null || exit 1; }
rm -rf "$out" && mkdir -p "$out/models" || exit 1
cp -r data/pretrained/push_physics "$out/models/"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
stop_all() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait; }
trap stop_all EXIT

echo "poll_seconds: 2" >"$out/server.pbtxt"
# Starts `wm serve` on MODELS with the ingest store STORE; sets address.
serve() {
  "$WM" serve --models "$1" --port 0 --config "$out/server.pbtxt" \
    --ingest_store "$2" --scene push >"$2.serve.out" 2>"$2.serve.log" &
  pids+=($!)
  for _ in $(seq 300); do
    grep -q '^listening on' "$2.serve.out" && break
    sleep 0.1
  done
  address=$(sed -n 's/^listening on //p' "$2.serve.out")
  [ -n "$address" ] || { cat "$2.serve.log" >&2; exit 1; }
}
# fleet SECONDS DRIFT_START DRIFT_END SEED POST_DRIFT_OUT [ARGS...]
fleet() {
  "$WM" fleet --robots "$robots" --scene push --server "$address" \
    --model push_physics --drift "$drift" --drift_start "$2" \
    --drift_end "$3" --seconds "$1" --report_every "$report" \
    --samples "$samples" --iterations "$iterations" --seed "$4" \
    --post_drift_out "$5" "${@:6}"
}

# The audit set: robots planning with the pre-drift model under the full
# drift, into a store of their own (the flywheel never sees it).
wm_stage "audit set: $audit_seconds s of post-drift planning episodes"
mkdir -p "$out/audit_models" && cp -r data/pretrained/push_physics "$out/audit_models/"
serve "$out/audit_models" "$out/audit_store"
fleet "$audit_seconds" 0 0 4242 "$out/audit" --json "$out/audit_fleet.jsonl" \
  2>"$out/audit_fleet.log" || { tail -5 "$out/audit_fleet.log" >&2; exit 1; }
stop_all
pids=()

cat >"$out/flywheel.pbtxt" <<CFG
min_new_episodes: $min_new
holdout_fraction: 0.4
training { $training }
CFG
serve "$out/models" "$out/store"
"$WM" flywheel --data "$out/store" --models "$out/models/push_physics" \
  --config "$out/flywheel.pbtxt" --log "$out/flywheel.jsonl" \
  >"$out/flywheel.out" 2>"$out/flywheel.log" &
pids+=($!)
wm_stage "fleet: $robots robots for $seconds s at $address, drift $drift from $drift_start to $drift_end s"
start=$(date +%s)
fleet "$seconds" "$drift_start" "$drift_end" 1 "$out/post_drift" \
  --post_drift_until $((drift_end + 600)) --json "$out/fleet.jsonl" \
  --log "$out/flywheel.jsonl" 2>"$out/fleet.log" ||
  { tail -5 "$out/fleet.log" >&2; exit 1; }
echo "fleet ran $(($(date +%s) - start)) s"
stop_all
pids=()

wm_stage "offline reference: wm train --init on the post-drift episodes received"
echo "model: \"physics\" $training" >"$out/reference.pbtxt"
"$WM" train --config "$out/reference.pbtxt" --data "$out/post_drift" \
  --init "$out/models/push_physics/1" --out "$out/reference" \
  >"$out/reference.log" 2>&1 || { tail -3 "$out/reference.log" >&2; exit 1; }
wm_stage "scoring every version and the reference on the audit set"
for version in "$out"/models/push_physics/[0-9]*; do
  "$WM" eval --model "$version" --data "$out/audit" --split all \
    --json "$out/eval_v$(basename "$version").json" >/dev/null 2>&1 || exit 1
done
"$WM" eval --model "$out/reference" --data "$out/audit" --split all \
  --json "$out/eval_reference.json" >/dev/null 2>&1 || exit 1
/usr/bin/python3 tools/plot_fleet.py "$out/fleet.jsonl" --out "$out/fleet.png" \
  >/dev/null 2>&1 || echo "(no plot: matplotlib missing?)"
/usr/bin/python3 - "$out" "$drift_end" <<'PY'
import glob, json, math, os, sys
out, drift_end = sys.argv[1], float(sys.argv[2])
def error(name):
    return json.load(open(f"{out}/eval_{name}.json"))["rollout"]["50"]["pos_m"]["median"]
versions = {int(os.path.basename(p)[6:-5]): error(os.path.basename(p)[5:-5])
            for p in glob.glob(f"{out}/eval_v*.json")}
reference = error("reference")
lines = [json.loads(l) for l in open(f"{out}/fleet.jsonl")]
reports = [l for l in lines if l["type"] == "report"]
episodes = sorted((l for l in lines if l["type"] == "episode"), key=lambda l: l["t_s"])
decisions = [json.loads(l) for l in open(f"{out}/flywheel.jsonl")] if os.path.exists(
    f"{out}/flywheel.jsonl") else []
ok = True
def target(name, met, text):
    global ok
    ok &= met
    print(f"{name}: {text} -> {'met' if met else 'MISSED'}")
print("audit error (median pos_m at 50 steps): " + ", ".join(
    f"v{v} {e:.4g}" for v, e in sorted(versions.items())) + f", reference {reference:.4g}")
print(f"flywheel: {sum(d['decision'] == 'published' for d in decisions)} published, "
      f"{sum(d['decision'] == 'refused' for d in decisions)} refused; store "
      f"{reports[-1]['episodes_ingested']} episodes ingested")
target("before retraining", versions[1] >= 1.5 * reference,
       f"pre-drift model {versions[1]:.4g} = {versions[1] / reference:.2f}x the reference (>= 1.5x)")
at = [r for r in reports if r["t_s"] <= drift_end + 600] or reports
served = at[-1]["served_version"]
number = int(served.rsplit("/", 1)[1])
target("10 min after the drift", versions[number] <= 1.2 * reference,
       f"served {served} at {at[-1]['t_s']:.0f} s: {versions[number]:.4g} = "
       f"{versions[number] / reference:.2f}x the reference (<= 1.2x)")
pre = [e["success"] for e in episodes if e["drift_fraction"] == 0]
post = [e["success"] for e in episodes if e["drift_fraction"] == 1][-100:]
def wilson(successes, n, z=1.6448536269514722):
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half
if pre and post:
    low, high = wilson(sum(pre), len(pre))
    rate = sum(post) / len(post)
    target("planning success", rate >= low,
           f"{sum(post)}/{len(post)} post-drift = {rate:.2f} against pre-drift "
           f"{sum(pre)}/{len(pre)} = {sum(pre) / len(pre):.2f} (90% interval {low:.2f}-{high:.2f})")
else:
    target("planning success", False, f"{len(pre)} pre-drift, {len(post)} post-drift episodes")
worse = [d for d in decisions if d["decision"] == "published" and
         versions[int(d["published_version"].rsplit("/", 1)[1])] >
         versions[int(d["current_version"].rsplit("/", 1)[1])]]
target("audit", not worse, f"{len(worse)} published versions worse than the one they replaced")
sys.exit(0 if ok else 1)
PY
