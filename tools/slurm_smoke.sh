#!/usr/bin/env bash
# A real single-node Slurm run (not CI; docs/scale.md). As root: installs
# slurm-wlm and munge when missing (apt-get), starts munged, slurmctld and
# slurmd on a throwaway configuration in a temporary directory, then
# submits through sbatch
#   1. deploy/gen.sbatch: a 2-task `wm gen --shard auto` job array and its
#      afterok `wm merge` job; the merged dataset must equal an unsharded
#      `wm gen` byte for byte;
#   2. deploy/train.sbatch: a 2-task `wm train --distributed` (srun) of 2
#      members, spread one per task; rank 0 must gather and publish the
#      model and rank 1 say it trained;
# waits for them and stops everything it started. Exits non-zero, saying
# why, when Slurm cannot start or a job or check fails; it never skips.
#
#   tools/slurm_smoke.sh [--keep] [--no-build]
#
# --keep leaves the temporary directory (configuration, logs, outputs).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
keep=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "slurm_smoke.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
die() { echo "slurm_smoke.sh: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it starts slurmctld, slurmd and munged)"
started=$(date +%s)

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  echo "installing slurm-wlm and munge (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    slurm-wlm munge >/dev/null || die "apt-get install slurm-wlm munge failed"
fi
# shellcheck source=tools/lib.sh
source tools/lib.sh
[ "$build" -eq 1 ] && { wm_build wm >/dev/null || die "building wm failed"; }
# WM: set by tools/lib.sh ($BUILD_DIR/bin/wm, absolute)
[ -x "$WM" ] || die "no wm at $WM (build it, or drop --no-build)"
SOURCE="$PWD"

TMP="$(mktemp -d /tmp/wm-slurm.XXXXXX)"
chmod 755 "$TMP"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
stop_all() {
  if [ -n "${SLURM_CONF:-}" ] && [ "${#pids[@]}" -gt 1 ]; then
    scancel --quiet --full --user=root 2>/dev/null
  fi
  # Last started, first stopped: slurmd, slurmctld, munged.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  if [ "$keep" -eq 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap stop_all EXIT
# logs: the daemons' last lines, for a failure message.
logs() { tail -n 5 "$TMP"/log/*.log 2>/dev/null; }
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- munge: its own key and socket in TMP.
mkdir -p "$TMP/munge" "$TMP/log" "$TMP/state" "$TMP/spool" "$TMP/jobs"
chmod 700 "$TMP/munge"
dd if=/dev/urandom of="$TMP/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$TMP/munge/munge.key"
munged --foreground --force --key-file="$TMP/munge/munge.key" \
  --socket="$TMP/munge/munge.socket" --pid-file="$TMP/munge/munged.pid" \
  --seed-file="$TMP/munge/munged.seed" --log-file="$TMP/log/munged.log" \
  >"$TMP/log/munged.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$TMP/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$TMP/munge/munge.socket" ] || die "munged did not start: $(logs)"

# --- Slurm: this node, all its CPUs, one partition.
node_line="$(slurmd -C | head -n 1)"
node="${node_line%% *}"
node="${node#NodeName=}"
[ -n "$node" ] || die "slurmd -C printed no node: $node_line"
export SLURM_CONF="$TMP/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=wmsmoke
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$TMP/munge/munge.socket
CredType=cred/munge
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/log/slurmctld.log
SlurmdLogFile=$TMP/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=smoke Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$TMP/log/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$TMP/log/slurmd.out.log" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 60); do
  state="$(sinfo -h -o %T 2>/dev/null | head -n 1)"
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || die "Slurm did not start (node state '$state'): $(logs)"
echo "Slurm up: $node_line, partition smoke"

# wait_job ID: waits until the job (and its array tasks) left the queue;
# prints its final state(s).
wait_job() {
  for _ in $(seq 1200); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && break
    sleep 0.5
  done
  scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' '
}

cd "$TMP/jobs" || die "no $TMP/jobs"
# --- 1. Sharded generation: array + merge, against an unsharded run.
# OUT relative to the jobs' working directory (the submit directory): the
# manifest records --out as given, so the reference run spells it the same.
export WM SCENE=push EPISODES=40 STEPS=50 SEED=1 SHARDS=2 OUT=push
gen_start=$(date +%s.%N)
submitted="$(bash "$SOURCE/deploy/gen.sbatch" submit)" || die "gen.sbatch submit: $submitted"
echo "$submitted"
array="$(sed -n 's/.*array job \([0-9]*\).*/\1/p' <<<"$submitted")"
merge="$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$submitted")"
{ [ -n "$array" ] && [ -n "$merge" ]; } || die "no job ids in: $submitted"
array_state="$(wait_job "$array")"
merge_state="$(wait_job "$merge")"
gen_seconds=$(awk -v s="$gen_start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
[ "$array_state" = "COMPLETED " ] || die "gen array ended $array_state: $(cat wm-gen-*.log | tail -5)"
[ "$merge_state" = "COMPLETED " ] || die "merge ended $merge_state: $(cat wm-gen-*.log | tail -5)"
mkdir -p "$TMP/reference"
(cd "$TMP/reference" && "$WM" gen --scene push --episodes 40 --steps 50 --seed 1 \
  --out push >/dev/null 2>&1) || die "unsharded wm gen failed"
[ "$(ls "$TMP/jobs/push")" = "$(ls "$TMP/reference/push")" ] ||
  die "merged files: $(ls "$TMP/jobs/push") against $(ls "$TMP/reference/push")"
for file in "$TMP"/reference/push/*; do
  name="$(basename "$file")"
  cmp -s "$file" "$TMP/jobs/push/$name" || die "merged $name differs from the unsharded run's"
done
echo "gen: array $array (2 tasks) and merge $merge COMPLETED in $gen_seconds s; merged dataset equals the unsharded run byte for byte"

# --- 2. Distributed training: 2 tasks through srun.
printf 'ensemble_size: 2\nhidden: [64, 64]\nhistory_seconds: 0.2\nhorizon: 4\nbatch_size: 64\nmax_steps: 100\neval_every: 50\n' \
  >"$TMP/jobs/train.pbtxt"
train_start=$(date +%s.%N)
job="$(DATA="$TMP/jobs/push" MODELS="$TMP/jobs/models" NAME=push TIMEOUT=60 \
  EXTRA_TRAIN_ARGS="--config $TMP/jobs/train.pbtxt" \
  sbatch --parsable --ntasks=2 "$SOURCE/deploy/train.sbatch")" || die "sbatch train.sbatch: $job"
train_state="$(wait_job "$job")"
train_seconds=$(awk -v s="$train_start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
log="$TMP/jobs/wm-train-$job.log"
[ "$train_state" = "COMPLETED " ] || die "train job ended $train_state: $(tail -5 "$log")"
grep -q "published $TMP/jobs/models/push/1 " "$log" || die "rank 0 did not publish: $(tail -5 "$log")"
grep -q "rank 1 of 2 trained" "$log" || die "rank 1 did not report: $(tail -5 "$log")"
grep -q "members spread over 2 ranks: " "$log" || die "rank 0 did not gather the members: $(tail -5 "$log")"
[ -f "$TMP/jobs/models/push/1/weights.pt" ] || die "no published weights"
echo "train: job $job (2 tasks, srun) COMPLETED in $train_seconds s; rank 0 published models/push/1"
echo "slurm smoke passed in $(($(date +%s) - started)) s (load $(uptime | sed 's/.*load average: //'))"
