#!/usr/bin/env bash
# `wm import` through the built binary on the real logs: a broken file is
# refused and named while the rest import, the motor-off rule and the
# resampling of the pendulum runs, `wm inspect` reads the result, and a
# preset without --in finds the real data itself.
# Usage: import_cli_test.sh WM_BINARY REAL_DATA_DIR (the repository's
# data/real unless -DWM_REAL_DATA_DIR says otherwise).
set -uo pipefail
WM="$1"
DATA="$2"
if [ ! -d "$DATA/cube_toss/tosses" ] || [ ! -d "$DATA/double_pendulum/runs" ]; then
  echo "FAIL: no real data at $DATA"
  exit 1
fi
source "$(dirname "$0")/cli_test_lib.sh"

# Three good tosses and one with a NaN height on line 6.
mkdir -p "$WORK/toss/sub"
cp "$DATA"/cube_toss/tosses/toss_00{0,1}.csv "$WORK/toss/"
cp "$DATA/cube_toss/tosses/toss_002.csv" "$WORK/toss/sub/"
awk -F, -v OFS=, 'NR == 6 { $4 = "nan" } { print }' \
  "$DATA/cube_toss/tosses/toss_003.csv" >"$WORK/toss/toss_broken.csv"
output="$(cd "$WORK" && "$WM" import --preset cube_toss --in toss --out toss_data 2>&1)"
code=$?
[ "$code" -eq 0 ] || fail "cube_toss import exit $code: $output"
grep -q "imported 3 of 4 files: 3 episodes" <<<"$output" || fail "cube_toss counts: $output"
grep -q "refused 1 file" <<<"$output" || fail "refusal not summarised: $output"
grep -q "toss_broken.csv:6: qpos\[2\] (column 'z_m') is NaN" <<<"$output" \
  || fail "broken file and line not named: $output"
inspect="$("$WM" inspect "$WORK/toss_data" 2>&1)"
grep -q "episodes 3 (0 dropped)" <<<"$inspect" || fail "inspect episode count: $inspect"
grep -q 'file: "sub/toss_002.csv"' <<<"$inspect" || fail "file table in provenance"
grep -q 'source: "wm import"' <<<"$inspect" || fail "provenance source"
grep -q "cube_ground/friction .*unknown in every episode" <<<"$inspect" \
  || fail "parameters of the scene, unknown for real logs"

# Every file refused: exit 1 and nothing written.
mkdir -p "$WORK/bad"
cp "$WORK/toss/toss_broken.csv" "$WORK/bad/"
expect_error "all refused" "no file imported" -- \
  "$WM" import --preset cube_toss --in "$WORK/bad" --out "$WORK/bad_data"
[ -e "$WORK/bad_data" ] && fail "an all-refused import left its output"
expect_error "unknown preset" "presets: cube_toss, double_pendulum" -- \
  "$WM" import --preset pinball --in "$WORK/toss" --out "$WORK/x"
expect_error "preset and config" "not both" -- \
  "$WM" import --preset cube_toss --config "$WORK/x.pbtxt" --in "$WORK/toss" --out "$WORK/x"
expect_error "existing output" "not empty" -- \
  "$WM" import --preset cube_toss --in "$WORK/toss" --out "$WORK/toss_data"

# A user config: the cube's world-frame spin from a custom column mapping is
# refused when a column is missing, naming the header line.
cat >"$WORK/custom.pbtxt" <<PBTXT
scene: "toss"
time { name: "t_s" }
qpos { name: "x_m" } qpos { name: "y_m" } qpos { name: "z_m" }
qpos { name: "qx" } qpos { name: "qy" } qpos { name: "qz" } qpos { name: "q_w" }
quaternion_order: XYZW
qvel { name: "vx_mps" } qvel { name: "vy_mps" } qvel { name: "vz_mps" }
qvel { name: "wx_body_radps" } qvel { name: "wy_body_radps" } qvel { name: "wz_body_radps" }
PBTXT
expect_error "custom config, missing column" "toss_000.csv:1: missing column 'q_w'" -- \
  "$WM" import --config "$WORK/custom.pbtxt" --in "$WORK/toss/toss_000.csv" --out "$WORK/custom"

# Pendulum run 03 (shoulder motor off) and run 12 (~617 Hz, extra columns).
mkdir -p "$WORK/dp"
cp "$DATA"/double_pendulum/runs/trajectory_{03,12}.csv "$WORK/dp/"
output="$("$WM" import --preset double_pendulum --in "$WORK/dp" --out "$WORK/dp_data" 2>&1)"
code=$?
[ "$code" -eq 0 ] || fail "double_pendulum import exit $code: $output"
grep -q "trajectory_03.csv .*ctrl\[0\] constant" <<<"$output" || fail "motor-off rule not shown: $output"
/usr/bin/python3 - "$WORK/dp_data" <<'PY' || fail "double_pendulum dataset checks"
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1] + "/shard_00000.h5", "r") as f:
    ctrl, time = f["ctrl"][:], f["time"][:]
    so, ao = f["state_offsets"][:], f["action_offsets"][:]
assert len(ao) == 3, f"expected 2 episodes (runs 03, 12), got {len(ao) - 1}"
run03, run12 = ctrl[ao[0]:ao[1]], ctrl[ao[1]:ao[2]]
# Run 03: the shoulder motor is off, so ctrl[0] is the commanded 0, not the
# measured sensor noise; the elbow keeps its measured torque.
assert np.all(run03[:, 0] == 0.0), "run 03 ctrl[0] is not 0"
assert np.std(run03[:, 1]) > 0.01, "run 03 ctrl[1] lost its torque"
assert np.std(run12[:, 0]) > 0.1, "run 12 ctrl[0] must stay measured"
# Run 12: 6 s at ~617 Hz resampled to 2 ms: about 3000 steps, no split.
steps12 = ao[2] - ao[1]
assert 2950 <= steps12 <= 3000, f"run 12 has {steps12} steps"
assert np.allclose(np.diff(time[so[1]:so[2]]), 0.002), "run 12 not on a 2 ms grid"
assert 4950 <= ao[1] - ao[0] <= 5000, f"run 03 has {ao[1] - ao[0]} steps"
print("pendulum ok:", ao[1] - ao[0], steps12)
PY

# Without --in a preset imports its logs from the real-data directory:
# $WM_REAL_DATA_DIR when set (here a copy holding two tosses), and only there.
mkdir -p "$WORK/real/cube_toss/tosses"
cp "$DATA"/cube_toss/tosses/toss_00{0,1}.csv "$WORK/real/cube_toss/tosses/"
output="$(WM_REAL_DATA_DIR="$WORK/real" "$WM" import --preset cube_toss \
  --out "$WORK/env_toss" 2>&1)"
grep -q "imported 2 of 2 files: 2 episodes" <<<"$output" \
  || fail "import from \$WM_REAL_DATA_DIR: $output"
expect_error "override not a directory" "WM_REAL_DATA_DIR names $WORK/nowhere" -- \
  env WM_REAL_DATA_DIR="$WORK/nowhere" "$WM" import --preset cube_toss --out "$WORK/x"
expect_error "no --in for a config without real_data_subdir" "--in is required" -- \
  "$WM" import --config "$WORK/custom.pbtxt" --out "$WORK/x"
# Else the repository's data/real, found from the binary in a build tree
# (build/bin/wm); a binary elsewhere names the places it looked at.
beside="$(cd "$(dirname "$WM")/../.." && pwd)/data/real"
if [ -d "$beside/cube_toss/tosses" ]; then
  output="$(env -u WM_REAL_DATA_DIR "$WM" import --preset cube_toss \
    --out "$WORK/all_tosses" 2>&1)"
  grep -q "imported 400 of 400 files: 400 episodes, 42167 transitions" <<<"$output" \
    || fail "cube_toss preset without --in: $output"
  output="$(env -u WM_REAL_DATA_DIR "$WM" import --preset double_pendulum \
    --out "$WORK/all_runs" 2>&1)"
  grep -q "imported 6 of 6 files" <<<"$output" \
    || fail "double_pendulum preset without --in: $output"
else
  expect_error "no real data beside the binary" "neither .*data/real nor" -- \
    env -u WM_REAL_DATA_DIR "$WM" import --preset cube_toss --out "$WORK/x"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "all import CLI checks passed"
