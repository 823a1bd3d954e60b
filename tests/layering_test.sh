#!/usr/bin/env bash
# The layering rules, checked on the sources (usage: layering_test.sh SRC_DIR):
# - LibTorch headers (torch/, ATen/, c10/) only in worldmodel/learned/,
#   tests/ and bench/;
# - datasets/ includes nothing from sim/ or worldmodel/ (nor MuJoCo, torch);
# - worldmodel/'s rooms depend one way: the interface (worldmodel/*.h) on no
#   room, planning/ on no other room, mujoco/ not on eval/, sysid/,
#   planning/ or learned/, eval/ not on sysid/, planning/ or learned/, and
#   neither sim/, services/ nor another room on learned/ (tools/, the top
#   layer, may include learned/'s torch-free headers); flywheel/ (the
#   continual trainer, on learned/ and eval/) is the last room: neither
#   sim/, services/ nor another room includes it.
set -euo pipefail
cd "$1"
failures=0
# Prints the offending lines and counts a failure when grep finds any.
refuse() {
  local what="$1"; shift
  local found
  found=$(grep -rnE "$@" 2>/dev/null || true)
  if [ -n "$found" ]; then
    echo "layering: $what:"
    echo "$found"
    failures=$((failures + 1))
  fi
}
sources=(--include='*.h' --include='*.cc' --include='*.cpp')
torch='#include *[<"](torch/|ATen/|c10/)'
for dir in proto util datasets sim services tools clients worldmodel; do
  [ -d "$dir" ] || continue
  refuse "LibTorch header outside worldmodel/learned/" "${sources[@]}" \
    --exclude-dir=learned "$torch" "$dir"
done
refuse "datasets/ includes sim/, worldmodel/, MuJoCo or LibTorch" \
  "${sources[@]}" '#include *[<"](sim/|worldmodel/|mujoco/|torch/)' datasets
rooms='(mujoco|eval|sysid|planning|learned|flywheel)/'
refuse "the worldmodel interface includes a room" "${sources[@]}" \
  --exclude-dir=mujoco --exclude-dir=eval --exclude-dir=sysid \
  --exclude-dir=planning --exclude-dir=learned --exclude-dir=flywheel \
  "#include *\"worldmodel/$rooms" worldmodel
refuse "worldmodel/planning/ includes another room" "${sources[@]}" \
  '#include *"worldmodel/(mujoco|eval|sysid|learned)/' worldmodel/planning
refuse "worldmodel/mujoco/ includes a later room" "${sources[@]}" \
  '#include *"worldmodel/(eval|sysid|planning|learned)/' worldmodel/mujoco
refuse "worldmodel/eval/ includes a later room" "${sources[@]}" \
  '#include *"worldmodel/(sysid|planning|learned)/' worldmodel/eval
for dir in sim services worldmodel/mujoco worldmodel/eval \
    worldmodel/sysid worldmodel/planning; do
  refuse "$dir includes worldmodel/learned/" "${sources[@]}" \
    '#include *"worldmodel/learned/' "$dir"
done
for dir in sim services worldmodel/mujoco worldmodel/eval \
    worldmodel/sysid worldmodel/planning worldmodel/learned; do
  refuse "$dir includes worldmodel/flywheel/" "${sources[@]}" \
    '#include *"worldmodel/flywheel/' "$dir"
done
if [ "$failures" -gt 0 ]; then
  echo "layering: $failures rule(s) broken"
  exit 1
fi
echo "layering: ok"
