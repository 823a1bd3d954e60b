#!/usr/bin/env bash
# The CLI as people expect it: each subcommand's --help lists only its own
# flags with its own text (no other subcommand's meaning), glog's flags are
# accepted (--v, --log_dir writes log files there), and `wm completion bash`
# completes subcommands and each one's flags in a real bash.
# Usage: cli_conventions_test.sh WM
set -uo pipefail
WM="$1"
source "$(dirname "$0")/cli_test_lib.sh"

subcommands="$("$WM" --help | sed -n 's/^  \([a-z]*\)  .*/\1/p')"
[ "$(wc -w <<<"$subcommands")" -ge 10 ] || fail "wm --help lists: $subcommands"
for command in $subcommands; do
  help="$("$WM" "$command" --help)" || fail "wm $command --help exits non-zero"
  # A flag's text that speaks for other subcommands ("eval: ...") is not its own.
  for other in $subcommands; do
    grep -q "^  --[a-z_]* ($other: " <<<"$help" \
      && fail "wm $command --help shows $other's text: $(grep "($other: " <<<"$help")"
  done
  # Every flag it shows, it accepts (flags are checked before --help answers).
  shown=($(sed -n 's/^  --\([a-z_]*\) (.*/--\1=x/p' <<<"$help"))
  out="$("$WM" "$command" "${shown[@]}" --help 2>&1)" \
    || fail "wm $command refuses a flag its --help shows: $(head -1 <<<"$out")"
done
"$WM" train --help | grep -q "^  --model (The kind to train" \
  || fail "wm train --help: --model is not the kind to train"
"$WM" eval --help | grep -q "^  --model (The model scored" \
  || fail "wm eval --help: --model is not the model scored"
"$WM" gen --help | grep -q "^  --model" && fail "wm gen --help shows --model"

# glog's flags: accepted by any subcommand; --log_dir takes the logs.
"$WM" doctor --v=1 >/dev/null 2>&1 || fail "wm doctor --v=1"
mkdir -p "$WORK/logs"
"$WM" gen --scene slide --episodes 12 --steps 40 --seed 1 --workers 1 \
  --out "$WORK/data" >/dev/null 2>&1 || fail "gen"
printf 'ensemble_size: 1\nhidden: [8]\nhistory_seconds: 0.2\nhorizon: 2\nbatch_size: 8\nlearning_rate: 0.001\nmax_steps: 20\neval_every: 10\nworkers: 1\n' \
  >"$WORK/tiny.pbtxt"
"$WM" train --data "$WORK/data" --out "$WORK/models/tiny" --config "$WORK/tiny.pbtxt" \
  --log_dir "$WORK/logs" >/dev/null 2>"$WORK/train.err" \
  || fail "wm train --log_dir: $(tail -3 "$WORK/train.err")"
grep -q "history surprise" "$WORK/logs"/wm.*INFO* 2>/dev/null \
  || fail "--log_dir holds no INFO log of the training"
grep -q "history surprise" "$WORK/train.err" \
  && fail "with --log_dir, INFO lines still went to stderr"
expect_error "bad --v" "--v takes an integer" -- "$WM" doctor --v=loud

# Completion, in bash itself.
"$WM" completion bash >"$WORK/wm.bash" || fail "wm completion bash"
expect_error "unknown shell" "wm completion bash" -- "$WM" completion fish
complete_words() {  # complete_words WORD...: what bash offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
           _wm; printf "%s\n" "${COMPREPLY[@]}"' _ "$WORK/wm.bash" "$@"
}
complete_words wm tr | grep -qx train || fail "completion: wm tr -> train"
complete_words wm train --mo | grep -qx -- --model || fail "completion: --mo"
complete_words wm train --res | grep -qx -- --resume || fail "completion: --res"
complete_words wm gen --mo | grep -q . && fail "completion offers gen a --model"
complete_words wm serve --log | grep -qx -- --log_dir || fail "completion: --log_dir"

[ "$failures" -eq 0 ] || { echo "$failures checks failed"; exit 1; }
echo "the CLI behaves as people expect"
