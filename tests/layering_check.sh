#!/usr/bin/env bash
# ctest: the engine's modules and what each may include. The graph is the one the build uses: the
# ioscope_engine_module(NAME PUBLIC ... PRIVATE ...) calls of engine/CMakeLists.txt (drawn in
# docs/architecture.md). The compiler already refuses an include of a module that is not linked
# (each module has its own include root); this check says it sooner and more exactly:
# - a file of engine/NAME includes only NAME and the modules NAME declares, and a header only the
#   PUBLIC ones (a header including a PRIVATE module would break its users);
# - every declared dependency is used, and a PUBLIC one by a header (else it should be PRIVATE);
# - every engine folder is a declared module; nothing in engine/ includes Qt;
# - widgets/ includes only the engine modules widgets/CMakeLists.txt links (never the runtime,
#   the pipeline or the front ends).
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
complain() { echo "$1"; status=1; }

declare -A public=() private=() used_h=() used_c=()
modules=" "
while IFS= read -r line; do
  [[ $line =~ ^[[:space:]]*ioscope_engine_module\(([a-z_]+)(.*)\) ]] || continue
  name=${BASH_REMATCH[1]}
  scope=
  pub= priv=
  for word in ${BASH_REMATCH[2]}; do
    case $word in
      PUBLIC | PRIVATE | SOURCES) scope=$word ;;
      *) [[ $scope == PUBLIC ]] && pub+="$word "
         [[ $scope == PRIVATE ]] && priv+="$word " ;;
    esac
  done
  modules+="$name "
  public[$name]=$pub
  private[$name]=$priv
done <engine/CMakeLists.txt
[[ $modules == " " ]] && { echo "engine/CMakeLists.txt: no ioscope_engine_module calls found"; exit 1; }

widgets_links=" $(grep -o 'ioscope_[a-z_]*' widgets/CMakeLists.txt | sed 's/^ioscope_//' | sort -u | tr '\n' ' ')"

check_file() { # FILE MODULE
  local file=$1 module=$2 line n target header=0 allowed
  [[ $file == *.h || $file == *.cuh ]] && header=1
  if [[ $module == widgets ]]; then
    allowed=$widgets_links
  elif ((header)); then
    allowed=" ${public[$module]}"
  else
    allowed=" ${public[$module]}${private[$module]}"
  fi
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([a-z_]+)/ ]]; then
      target=${BASH_REMATCH[1]}
      [[ $target == "$module" ]] && continue
      [[ $modules == *" $target "* ]] || continue
      if [[ $allowed != *" $target "* ]]; then
        if [[ $module == widgets ]]; then
          complain "$file:$n: widgets/ may not include $target/ (it links:$allowed)"
        elif ((header)) && [[ " ${private[$module]}" == *" $target "* ]]; then
          complain "$file:$n: a header of $module includes $target/, a PRIVATE dependency (make it PUBLIC in engine/CMakeLists.txt)"
        else
          complain "$file:$n: $module may not include $target/ (engine/CMakeLists.txt declares:${allowed:- nothing})"
        fi
      fi
      if ((header)); then used_h[$module]+=" $target "; else used_c[$module]+=" $target "; fi
    elif [[ $module != widgets && $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<Q ]]; then
      complain "$file:$n: the engine is Qt-free"
    fi
  done <"$file"
}

count=0
for module in $modules; do
  [ -d "engine/$module" ] || { complain "engine/$module: declared in engine/CMakeLists.txt but missing"; continue; }
  while IFS= read -r f; do check_file "$f" "$module"; count=$((count + 1)); done \
    < <(find "engine/$module" -name '*.h' -o -name '*.cuh' -o -name '*.cpp' -o -name '*.cu' | sort)
  for dep in ${public[$module]}; do
    [[ ${used_h[$module]-} == *" $dep "* ]] && continue
    if [[ ${used_c[$module]-} == *" $dep "* ]]; then
      complain "engine/CMakeLists.txt: $module's headers never include $dep/: make it PRIVATE"
    else
      complain "engine/CMakeLists.txt: $module declares $dep but never includes it"
    fi
  done
  for dep in ${private[$module]}; do
    [[ ${used_c[$module]-}${used_h[$module]-} == *" $dep "* ]] ||
      complain "engine/CMakeLists.txt: $module declares $dep but never includes it"
  done
done
for d in engine/*/; do
  d=${d%/}; d=${d#engine/}
  [[ $modules == *" $d "* ]] || complain "engine/$d: a folder engine/CMakeLists.txt does not declare as a module"
done
while IFS= read -r f; do check_file "$f" widgets; count=$((count + 1)); done < <(find widgets -name '*.h' -o -name '*.cpp' | sort)

[ $status -eq 0 ] && echo "layering: $count files follow the module graph of engine/CMakeLists.txt ($(echo $modules | wc -w) modules)"
exit $status
