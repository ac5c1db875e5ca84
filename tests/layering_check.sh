#!/usr/bin/env bash
# ctest: the engine's folders form layers; an include may only go to a folder below its own.
# The table is the architecture (docs/architecture.md): a new dependency is a decision made here,
# not an accident. Also: nothing in engine/ includes Qt, nothing in widgets/ includes the GPU
# runtime or the front ends.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [util]=""
  [graph]="util"
  [analysis]="graph util"
  [io]="graph util"
  [layout]="graph util"
  [schedule]="graph io util"
  [cost]="schedule graph io util"
  [onnx]="io graph util"
  [models]="onnx io graph util"
  [sched]="cost schedule analysis graph io util"
  [exec]="sched cost schedule analysis graph io util"
  [gpu]="exec sched cost schedule analysis graph io util"
  [pipeline]="exec sched cost schedule analysis graph io util"
  [widgets]="layout sched schedule cost analysis graph io util"
)
engine_folders=" util graph analysis io layout schedule cost onnx models sched exec gpu pipeline "

status=0
complain() { echo "$1"; status=1; }

check_file() { # FILE FOLDER
  local file=$1 folder=$2 line n target
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([a-z_]+)/ ]]; then
      target=${BASH_REMATCH[1]}
      [[ $target == "$folder" ]] && continue
      [[ $engine_folders == *" $target "* ]] || continue
      [[ " ${allowed[$folder]} " == *" $target "* ]] ||
        complain "$file:$n: $folder/ may not include $target/ (allowed: ${allowed[$folder]:-nothing})"
    elif [[ $folder != widgets && $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<Q ]]; then
      complain "$file:$n: the engine is Qt-free"
    fi
  done <"$file"
}

count=0
for folder in $engine_folders; do
  [ -d "engine/$folder" ] || { complain "engine/$folder: listed in the table but missing"; continue; }
  while IFS= read -r f; do check_file "$f" "$folder"; count=$((count + 1)); done \
    < <(find "engine/$folder" -name '*.h' -o -name '*.cpp' -o -name '*.cu' | sort)
done
for d in engine/*/; do
  d=${d%/}; d=${d#engine/}
  [[ $engine_folders == *" $d "* ]] || complain "engine/$d: a folder the layering table does not know"
done
while IFS= read -r f; do check_file "$f" widgets; count=$((count + 1)); done < <(find widgets -name '*.h' -o -name '*.cpp' | sort)

[ $status -eq 0 ] && echo "layering: $count files follow the table"
exit $status
