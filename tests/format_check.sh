#!/usr/bin/env bash
# ctest: every tracked C++ source follows .clang-format. Skips (exit 77) without clang-format or git.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null && command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 || {
  echo "SKIP: clang-format or a git checkout is missing"; exit 77; }
bad=$(git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' | cut -d: -f1 | sort -u)
if [ -n "$bad" ]; then
  echo "not clang-formatted (run clang-format -i on them):"; echo "$bad"; exit 1
fi
echo "all $(git ls-files '*.cpp' '*.h' | wc -l) C++ files are clang-formatted"
