#!/usr/bin/env bash
# Durable publishes, checked on the system calls themselves (strace): in `wm
# gen` (shards, then the manifest) and `wm train` (resume state, weights,
# manifest, the version directory) every renamed file or directory was
# fsynced before its rename, and the directory it was renamed into was
# fsynced after it, before the next rename and before the process exited.
# Usage: durable_publish_test.sh WM_BINARY
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"
command -v strace >/dev/null || { echo "strace is not installed (tools/setup.sh)"; exit 1; }

# trace FILE COMMAND...: runs the command under strace, fd paths decoded.
trace() {
  local out="$1"
  shift
  strace -f -y -qq -o "$out" -e trace=fsync,fdatasync,rename,renameat,renameat2 \
    "$@" >/dev/null 2>&1
}

# check_order TRACE LABEL: the order rule above; prints what breaks it.
check_order() {
  /usr/bin/python3 - "$1" "$2" <<'PY' || fail "$2: publish order"
import os, re, sys
path, label = sys.argv[1], sys.argv[2]
synced = set()      # paths fsynced so far
pending = None      # (rename target's directory, target) awaiting its fsync
renames = 0
bad = []
for line in open(path):
    m = re.search(r'\b(?:fsync|fdatasync)\(\d+<([^>]*)>\) = 0', line)
    if m:
        synced.add(m.group(1))
        if pending and m.group(1) == pending[0]:
            pending = None
        continue
    m = re.search(r'\brename(?:at2?)?\((?:[^,]*, )?"([^"]*)", (?:[^,]*, )?"([^"]*)"', line)
    if m and '= 0' in line:
        source, target = os.path.realpath(m.group(1)), os.path.realpath(m.group(2))
        renames += 1
        if pending:
            bad.append(f"rename to {pending[1]} was not followed by fsync of {pending[0]}")
        if source not in synced:
            bad.append(f"{source} renamed to {target} without an fsync first")
        pending = (os.path.dirname(target), target)
if pending:
    bad.append(f"rename to {pending[1]} was not followed by fsync of {pending[0]}")
if renames == 0:
    bad.append("no rename traced")
for b in bad:
    print(f"{label}: {b}")
print(f"{label}: {renames} renames checked")
sys.exit(1 if bad else 0)
PY
}

trace "$WORK/gen.trace" "$WM" gen --scene slide --episodes 6 --steps 10 --seed 1 \
  --episodes_per_shard 2 --out "$WORK/data" || fail "wm gen"
[ -f "$WORK/data/manifest.pbtxt" ] || fail "wm gen wrote no manifest"
check_order "$WORK/gen.trace" "wm gen"

cat >"$WORK/tiny.pbtxt" <<PBTXT
model: "blackbox"
ensemble_size: 1
hidden: [8]
history_seconds: 0.1
horizon: 2
batch_size: 8
max_steps: 20
eval_every: 10
seed: 1
workers: 1
PBTXT
trace "$WORK/train.trace" "$WM" train --config "$WORK/tiny.pbtxt" \
  --data "$WORK/data" --out "$WORK/models/tiny" || fail "wm train"
[ -f "$WORK/models/tiny/1/manifest.pbtxt" ] || fail "wm train published no version"
check_order "$WORK/train.trace" "wm train"
grep -q "models/tiny/1.tmp.*models/tiny/1\"" "$WORK/train.trace" ||
  fail "wm train: the version directory was not renamed into place"

[ "$failures" -eq 0 ] || exit 1
echo "durable publishes: ok"
