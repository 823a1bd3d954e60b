#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) with clang-14, AddressSanitizer
# and UndefinedBehaviorSanitizer in build-fuzz/, then runs each for N seconds
# on a copy of its seed corpus (tests/fuzz/corpus/<name>/). Prints the
# executions per harness; exits non-zero when any harness crashed, leaving
# the reproducer in build-fuzz/crashes/<name>/ (add it to the corpus once
# fixed, so the CI replay keeps it fixed). Not part of CI.
#
#   tools/fuzz.sh [--seconds N] [--only NAME[,NAME...]] [--jobs J]
#
# Defaults: 600 s per harness, every harness, -j2 builds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
only=""
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

tools/setup.sh >/dev/null
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
BUILD=build-fuzz
harnesses=(request csv_log text_proto mjcf_scene hdf5_shard checkpoint ingest_chunk)
if [ -n "$only" ]; then IFS=, read -r -a harnesses <<<"$only"; fi
targets=()
for name in "${harnesses[@]}"; do targets+=("${name}_fuzz"); done

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DWM_FUZZ=ON -DWM_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$jobs" --target "${targets[@]}"

# LibTorch, OpenBLAS and gRPC keep caches that LeakSanitizer would report.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
crashed=()
summary=()
for name in "${harnesses[@]}"; do
  corpus="$BUILD/corpus/$name"
  crashes="$BUILD/crashes/$name"
  mkdir -p "$corpus" "$crashes"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  log="$BUILD/fuzz_$name.log"
  echo "== $name: ${seconds}s"
  set +e
  # -fork=1 -ignore_ooms=1: an input that makes LibTorch's unpickler ask for
  # more memory than exists is an out-of-memory under ASan (whose operator
  # new aborts instead of throwing); outside ASan wm reports it as DATA_LOSS
  # (tests/fuzz/corpus/checkpoint/crash_unpickler_huge_allocation, replayed
  # in CI). Fuzzing goes on past such inputs; any other crash stops it.
  "$BUILD/fuzz/${name}_fuzz" "$corpus" -max_total_time="$seconds" \
    -rss_limit_mb=4096 -fork=1 -ignore_ooms=1 -max_len=131072 -timeout=30 \
    -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  code=$?
  set -e
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  # Fork mode reports progress lines "#N: ..." instead.
  [ -n "$runs" ] || runs="$(sed -n 's/^#\([0-9]*\):.*/\1/p' "$log" | tail -1)"
  summary+=("$name: ${runs:-?} executions, exit $code")
  if [ "$code" -ne 0 ]; then
    crashed+=("$name")
    grep -m3 -E "ERROR: |SUMMARY: |Test unit written" "$log" || tail -5 "$log"
  fi
done
echo
echo "== summary (${seconds}s per harness)"
printf '%s\n' "${summary[@]}"
if [ ${#crashed[@]} -gt 0 ]; then
  echo "crashed: ${crashed[*]} (reproducers in $BUILD/crashes/)"
  exit 1
fi
