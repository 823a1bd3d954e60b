#!/usr/bin/env bash
# `wm gen` and `wm inspect` through the built binary: byte-identical output
# for any worker count, and every bad input refused with a clear message, a
# non-zero exit and nothing half-written. Usage: gen_cli_test.sh WM_BINARY
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"

# Same command, 1 and 2 workers: byte-identical datasets.
"$WM" gen --scene push --episodes 6 --steps 8 --seed 3 --workers 1 \
  --episodes_per_shard 4 --out "$WORK/one" >/dev/null 2>&1 || fail "gen one worker"
"$WM" gen --scene push --episodes 6 --steps 8 --seed 3 --workers 2 \
  --episodes_per_shard 4 --out "$WORK/two" >/dev/null 2>&1 || fail "gen two workers"
for file in manifest.pbtxt shard_00000.h5 shard_00001.h5; do
  [ -f "$WORK/one/$file" ] || fail "missing $file"
  # Only the output path differs between the two manifests.
  if [ "$file" = manifest.pbtxt ]; then
    diff <(sed 's#/one"#/X"#' "$WORK/one/$file") \
         <(sed 's#/two"#/X"#' "$WORK/two/$file") >/dev/null \
      || fail "manifests differ"
  else
    cmp -s "$WORK/one/$file" "$WORK/two/$file" || fail "$file differs"
  fi
done
grep -q "num_episodes: 6" "$WORK/one/manifest.pbtxt" || fail "episode count"

# The config file works and flags override it.
cat >"$WORK/gen.pbtxt" <<PBTXT
scene: "slide"
episodes: 3
steps: 5
seed: 9
PBTXT
"$WM" gen --config "$WORK/gen.pbtxt" --steps 7 --out "$WORK/cfg" >/dev/null 2>&1 \
  || fail "gen from config"
grep -q "num_transitions: 21" "$WORK/cfg/manifest.pbtxt" || fail "flag did not override config"
"$WM" inspect "$WORK/cfg" | grep -q "box/mass" || fail "inspect lists parameters"

# Bad inputs.
expect_error "existing output" "not empty" -- \
  "$WM" gen --scene slide --episodes 1 --steps 2 --out "$WORK/one"
[ -f "$WORK/one/manifest.pbtxt" ] || fail "refused run touched the old dataset"
expect_error "unknown scene" "built-in scenes" -- \
  "$WM" gen --scene pinball --episodes 1 --steps 2 --out "$WORK/pinball"
expect_error "zero steps" "steps must be >= 1" -- \
  "$WM" gen --scene slide --episodes 1 --steps 0 --out "$WORK/zero"
touch "$WORK/a_file"
expect_error "unwritable output" "a_file" -- \
  "$WM" gen --scene slide --episodes 1 --steps 2 --out "$WORK/a_file/sub"
printf '<mujoco><worldbody><body>\n</mujoco>' >"$WORK/bad.xml"
printf 'name: "bad" mjcf_file: "bad.xml" frame_skip: 1\n' >"$WORK/bad.pbtxt"
expect_error "malformed MJCF" "Line number=1" -- \
  "$WM" gen --scene "$WORK/bad.pbtxt" --episodes 1 --steps 2 --out "$WORK/bad"
printf '<mujoco><worldbody><body name="b"><freejoint/><geom size=".1"/></body></worldbody></mujoco>' >"$WORK/ok.xml"
printf 'name: "r" mjcf_file: "ok.xml" frame_skip: 1\nrandomize { element: "b" quantity: "mass" min: 2 max: 1 }\n' >"$WORK/range.pbtxt"
expect_error "min > max" "b/mass: min 2 > max 1" -- \
  "$WM" gen --scene "$WORK/range.pbtxt" --episodes 1 --steps 2 --out "$WORK/range"
printf 'name: "m" mjcf_file: "ok.xml" frame_skip: 1\nrandomize { element: "b" quantity: "mass" min: -1 max: 1 }\n' >"$WORK/mass.pbtxt"
expect_error "negative mass" "below zero" -- \
  "$WM" gen --scene "$WORK/mass.pbtxt" --episodes 1 --steps 2 --out "$WORK/mass"
for dir in pinball zero bad range mass; do
  [ -e "$WORK/$dir" ] && fail "a failed run left $dir behind"
done
expect_error "inspect a non-dataset" "manifest" -- "$WM" inspect "$WORK"

# Self-describing shards: h5py alone finds dt, column names and units, and
# each episode's split (wm eval's test episodes are the split's "test").
/usr/bin/python3 - "$WORK/one" >"$WORK/h5_splits.txt" <<'PY' || fail "shard labels"
import glob, sys
import h5py
splits = {}
for path in sorted(glob.glob(f"{sys.argv[1]}/shard_*.h5")):
    with h5py.File(path, "r") as shard:
        assert shard.attrs["format_version"] == 1 and abs(shard.attrs["dt"] - 0.05) < 1e-12
        labels = {name: [c.decode() for c in shard[name].attrs["columns"]]
                  for name in ("qpos", "qvel", "ctrl", "params")}
        units = {name: [u.decode() for u in shard[name].attrs["units"]]
                 for name in ("qpos", "qvel", "ctrl", "params")}
        assert labels["qpos"][:4] == ["box.x", "box.y", "box.z", "box.qw"], labels
        assert units["qvel"][3:6] == ["rad/s"] * 3, units
        assert labels["ctrl"] == ["vx", "vy"] and units["ctrl"] == ["m/s", "m/s"], labels
        assert "box/mass" in labels["params"] and "kg" in units["params"], units
        for name in labels:
            assert len(labels[name]) == shard[name].shape[1], name
        for index, split in zip(shard["episode_index"][:], shard["split"][:]):
            splits[int(index)] = split.decode()
assert set(splits.values()) <= {"train", "validation", "test"}, splits
assert sorted(splits) == list(range(6)), splits
counts = [list(splits.values()).count(s) for s in ("train", "validation", "test")]
print("splits: train %d, validation %d, test %d" % tuple(counts))
PY
"$WM" inspect "$WORK/one" >"$WORK/inspect.txt" 2>&1 || fail "inspect"
# wm export --format d4rl: transitions as offline-RL tools read them, equal
# to the shards' states and actions (float32), one timeout per episode.
"$WM" export --data "$WORK/one" --out "$WORK/d4rl.h5" >/dev/null 2>&1 || fail "export"
/usr/bin/python3 - "$WORK/one" "$WORK/d4rl.h5" <<'PY' || fail "d4rl export"
import glob, sys
import h5py, numpy as np
observations, actions, next_observations = [], [], []
for path in sorted(glob.glob(f"{sys.argv[1]}/shard_*.h5")):
    with h5py.File(path, "r") as shard:
        states = np.concatenate([shard["qpos"][:], shard["qvel"][:]], 1)
        so, ao = shard["state_offsets"][:], shard["action_offsets"][:]
        for e in range(len(so) - 1):
            observations.append(states[so[e]:so[e + 1] - 1])
            next_observations.append(states[so[e] + 1:so[e + 1]])
            actions.append(shard["ctrl"][ao[e]:ao[e + 1]])
with h5py.File(sys.argv[2], "r") as d4rl:
    np.testing.assert_array_equal(d4rl["observations"][:], np.concatenate(observations).astype(np.float32))
    np.testing.assert_array_equal(d4rl["next_observations"][:], np.concatenate(next_observations).astype(np.float32))
    np.testing.assert_array_equal(d4rl["actions"][:], np.concatenate(actions).astype(np.float32))
    n = d4rl["observations"].shape[0]
    assert d4rl["rewards"].shape == (n,) and not d4rl["rewards"][:].any()
    assert not d4rl["terminals"][:].any() and d4rl["timeouts"][:].sum() == 6
    assert d4rl["timeouts"][-1] == 1 and sorted(set(d4rl["infos/episode_index"][:])) == list(range(6))
    assert d4rl["actions"].attrs["columns"][0] == b"vx" and abs(d4rl.attrs["dt"] - 0.05) < 1e-12
PY
expect_error "export split" "bogus" -- "$WM" export --data "$WORK/one" --out "$WORK/x.h5" --split bogus
[ -e "$WORK/x.h5" ] && fail "a failed export left its file"
grep -qF "$(cat "$WORK/h5_splits.txt")" "$WORK/inspect.txt" \
  || fail "the shards' split ($(cat "$WORK/h5_splits.txt")) is not wm's: $(grep splits "$WORK/inspect.txt")"

if [ "$failures" -gt 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "all gen CLI checks passed"
