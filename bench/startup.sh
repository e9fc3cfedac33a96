#!/usr/bin/env bash
# Size and start-up of the self-contained single-file executable against `dotnet comfydoctor.dll` (docs/benchmarks.md, section 11).
#
#   bench/startup.sh [ROUNDS]      (default 10 rounds; each round runs both, in turn)
#
# Publishes linux-x64 with scripts/publish.sh and a framework-dependent Release build, creates the demo once, then times
# `check --demo DIR --cache FILE` (the same warm demo and cache for both) and `--version`. Prints the median and best of each
# and the ratio single-file / dotnet.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-10}
work=$(mktemp -d /tmp/cdstartup-XXXXXX)
trap 'rm -rf "$work"' EXIT

RIDS=linux-x64 "$root/scripts/publish.sh" "$work/publish" >/dev/null
dotnet publish "$root/src/ComfyDoctor/ComfyDoctor.csproj" -c Release --no-self-contained -p:DebugType=none \
  -p:ComfyDoctorCommit="$(git -C "$root" rev-parse HEAD)" -o "$work/fdd" >/dev/null
single="$work/publish/linux-x64/comfydoctor"

echo "single file: $(stat -c %s "$single") bytes; framework-dependent folder: $(du -sb "$work/fdd" | cut -f1) bytes"
"$single" check --demo "$work/demo" --cache "$work/cache.json" >/dev/null || true # creates the demo and warms the cache

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; echo $((($(date +%s%N) - s) / 1000000)); }
stats() { sort -n | awk '{a[NR]=$1} END {printf "%d %d\n", a[int((NR+1)/2)], a[1]}'; }

for what in "check --demo $work/demo --cache $work/cache.json" "--version"; do
  : >"$work/a"; : >"$work/b"
  for _ in $(seq "$rounds"); do
    # shellcheck disable=SC2086
    ms "$single" $what >>"$work/a"
    # shellcheck disable=SC2086
    ms dotnet "$work/fdd/comfydoctor.dll" $what >>"$work/b"
  done
  read -r a_med a_best < <(stats <"$work/a")
  read -r b_med b_best < <(stats <"$work/b")
  echo "${what%% *}: single file median ${a_med} ms (best ${a_best}); dotnet comfydoctor.dll median ${b_med} ms (best ${b_best}); ratio $(awk "BEGIN {printf \"%.2f\", $a_med / $b_med}")"
done
