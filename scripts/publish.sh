#!/usr/bin/env bash
# Builds comfydoctor as self-contained single-file executables (no .NET needed on the target) and their SHA-256 sums.
#
#   scripts/publish.sh [OUT]          OUT defaults to artifacts/publish; RIDS="linux-x64" picks targets
#
# OUT/<rid>/comfydoctor[.exe] per target, OUT/SHA256SUMS over all of them (check with: cd OUT && sha256sum -c SHA256SUMS).
# Every assembly carries the git commit (-p:ComfyDoctorCommit, "-dirty" when the work tree has changes): `comfydoctor --version`
# prints it, and an agent says it in its hello. A target whose runtime pack the NuGet feed does not have is skipped with a
# message naming the pack; any other failure stops the script.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/artifacts/publish}" && cd "${1:-$root/artifacts/publish}" && pwd)
rids=${RIDS:-linux-x64 linux-arm64 win-x64}

commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo dev)
if [ "$commit" != dev ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi

published=()
for rid in $rids; do
  log="$out/publish-$rid.log"
  echo "publishing $rid (commit $commit)..."
  if dotnet publish "$root/src/ComfyDoctor/ComfyDoctor.csproj" -c Release -r "$rid" --self-contained \
      -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none \
      -p:ComfyDoctorCommit="$commit" -o "$out/$rid" >"$log" 2>&1; then
    for file in "$out/$rid/comfydoctor" "$out/$rid/comfydoctor.exe"; do
      [ -f "$file" ] && published+=("$rid/$(basename "$file")")
    done
    rm -f "$log"
  elif grep -Eq 'NU110[12]' "$log"; then
    packs=$(grep -Eo 'Microsoft\.[A-Za-z]+\.App\.(Runtime|Host)\.[A-Za-z0-9-]+' "$log" | sort -u | tr '\n' ' ')
    echo "skipping $rid: the NuGet feed has no ${packs:-runtime pack for it} (see $log)" >&2
  else
    cat "$log" >&2
    echo "publishing $rid failed (log: $log)" >&2
    exit 1
  fi
done

if [ ${#published[@]} -eq 0 ]; then
  echo "nothing was published" >&2
  exit 1
fi

(cd "$out" && sha256sum "${published[@]}" >SHA256SUMS)
for file in "${published[@]}"; do
  echo "$out/$file  $(stat -c %s "$out/$file") bytes"
done
echo "sums: $out/SHA256SUMS"
