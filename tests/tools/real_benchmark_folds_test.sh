#!/usr/bin/env bash
# Pins the fair protocol's folds (issue 34) from tools/real_benchmark.sh
# --print_folds, the definition the benchmark itself imports from: cube
# tosses fit 000-239, validation 240-299, test 300-399; the fit and
# validation folds are disjoint, neither meets the test tosses, together
# they are tosses 000-299 (the reference fit's); no toss that chooses a
# model (validation) is in the fold sysid fit, the learned candidates'
# training or the test set. The same for the double pendulum's runs (fit
# 00-02, validation 03, reference fit 00-03, tests 04 and 12). No build, no
# run. Usage: real_benchmark_folds_test.sh REPOSITORY_ROOT
set -uo pipefail
ROOT="$1"
source "$(dirname "$0")/cli_test_lib.sh"

"$ROOT/tools/real_benchmark.sh" --print_folds >"$WORK/folds.txt" 2>&1 ||
  fail "--print_folds: $(cat "$WORK/folds.txt")"
/usr/bin/python3 - "$WORK/folds.txt" <<'PY' || fail "fold split"
import sys
datasets, roles = {}, {}
for line in open(sys.argv[1]):
    kind, rest = line.split(" ", 1)
    name, _, values = rest.partition(":")
    target = datasets if kind == "dataset" else roles
    target[name] = values.split()

def files(role):
    out = set()
    for dataset in roles[role]:
        out |= set(datasets[dataset])
    return out

def tosses(first, last):
    return {f"toss_{n:03d}.csv" for n in range(first, last + 1)}

def runs(*numbers):
    return {f"trajectory_{n}.csv" for n in numbers}

errors = []
def check(ok, message):
    if not ok:
        errors.append(message)

for system, everything, fit_and_val, test in [
        ("TOSS", tosses(0, 399), tosses(0, 299), tosses(300, 399)),
        ("PENDULUM", runs("00", "01", "02", "03", "04", "12"),
         runs("00", "01", "02", "03"), runs("04", "12"))]:
    fold_fit, learn = files(f"{system}_FOLD_FIT"), files(f"{system}_LEARN")
    select = files(f"{system}_SELECT")
    tests = files(f"{system}_TEST" if system == "TOSS" else "PENDULUM_TESTS")
    reference = files(f"{system}_REFERENCE_FIT")
    check(fold_fit and select and tests, f"{system}: an empty fold")
    check(not fold_fit & select, f"{system}: fit and validation overlap: "
          f"{sorted(fold_fit & select)[:3]}")
    check(not (fold_fit | select) & tests, f"{system}: fit or validation "
          f"in the test set: {sorted((fold_fit | select) & tests)[:3]}")
    check(fold_fit | select == fit_and_val, f"{system}: fit + validation "
          f"are not {min(fit_and_val)}..{max(fit_and_val)}")
    check(tests == test, f"{system}: the test set is not "
          f"{sorted(test)[0]}..{sorted(test)[-1]}")
    check(reference == fit_and_val, f"{system}: the reference fit is not "
          f"{min(fit_and_val)}..{max(fit_and_val)}")
    check(not select & (fold_fit | learn | tests), f"{system}: a toss that "
          "chooses a model is in the fold fit, the training or the test set")
    check(not learn & tests, f"{system}: training on test data")
    check((fold_fit | select | tests) <= everything, f"{system}: unknown files")
check(set(datasets["tosses_all"]) == tosses(0, 399), "tosses_all is not 000-399")
check(datasets["tosses_fit"] == sorted(tosses(0, 239)), "tosses_fit is not 000-239")
check(datasets["tosses_val"] == sorted(tosses(240, 299)), "tosses_val is not 240-299")
for error in errors:
    print("FAIL:", error)
sys.exit(1 if errors else 0)
PY
[ "$failures" -eq 0 ] || exit 1
echo "the folds are disjoint and pinned"
