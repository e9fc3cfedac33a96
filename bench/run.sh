#!/usr/bin/env bash
# Whole-process benchmarks, each measured side by side with a reference tool in the same run (ratios are the result):
#   1. hash throughput: comfydoctor check --deep against openssl dgst -sha256, sha256sum and Python hashlib; one file
#      page-cached and cold, in process and whole process (bench/hash.sh)
#   2. re-scan of an unchanged tree of many model files against find -printf (a stat per file)
#   3. model sync over loopback against curl, and peak RSS while hashing and syncing by file size (bench/sync.sh)
#   4. fleet: one server process and 100 / 500 / 1,000 simulated agents, on SQLite and PostgreSQL (bench/fleet.sh)
# Usage: bench/run.sh [--quick]   (--quick: 4 x 256 MiB, 2,000 files, a 256 MiB sync, 1-2 GiB memory sizes, 100 agents
# instead of 4 x 2 GiB, 10,000 files, a 2 GiB sync, 1-4-10 GiB and 100-500-1,000 agents)
# Cold-cache rows need `echo 3 > /proc/sys/vm/drop_caches` (root); they are skipped where it is refused.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0; [ "${1:-}" = "--quick" ] && quick=1
if [ $quick = 1 ]; then size_mib=256; files=2000; sync_mib=256; memory_gib="1 2"; fleet="100"
else size_mib=2048; files=10000; sync_mib=2048; memory_gib="1 4 10"; fleet="100 500 1000"; fi
cores=$(nproc)
work=$(mktemp -d /tmp/comfydoctor-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "building comfydoctor (Release)…" >&2
# builds go to their own artifacts folder: nothing is written into the tree, nothing shared with other builds
for project in src/ComfyDoctor:bin bench/ComfyDoctor.AgentBench:sync bench/ComfyDoctor.FleetLoad:fleet; do
  dotnet publish "${project%%:*}" -c Release -o "$work/${project#*:}" --artifacts-path "$work/artifacts" --nologo -v q >/dev/null
done
cd_bin=(dotnet "$work/bin/comfydoctor.dll")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- 1. hash throughput (page-cached: every tool reads the same warm files) ----
big="$work/big/ComfyUI"; mkdir -p "$big/models/checkpoints"
for i in 1 2 3 4; do head -c $((size_mib << 20)) /dev/urandom > "$big/models/checkpoints/m$i.bin"; done
total=$((4 * size_mib << 20))
cat "$big"/models/checkpoints/*.bin > /dev/null   # warm the page cache

t0=$(now); openssl dgst -sha256 "$big/models/checkpoints/m1.bin" >/dev/null; t1=$(now)
openssl_one=$(elapsed "$t0" "$t1")
t0=$(now); sha256sum "$big"/models/checkpoints/*.bin >/dev/null; t1=$(now)
sha256sum_all=$(elapsed "$t0" "$t1")
t0=$(now); python3 - "$big"/models/checkpoints/*.bin <<'PY' >/dev/null
import hashlib, sys
for p in sys.argv[1:]:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    print(h.hexdigest(), p)
PY
t1=$(now); python_all=$(elapsed "$t0" "$t1")
t0=$(now); "${cd_bin[@]}" check --comfyui "$big" --deep --json --parallel 1 --cache "$work/c1.json" >/dev/null || true; t1=$(now)
cd_one_core=$(elapsed "$t0" "$t1")
t0=$(now); "${cd_bin[@]}" check --comfyui "$big" --deep --json --parallel "$cores" --cache "$work/cN.json" >/dev/null || true; t1=$(now)
cd_all_cores=$(elapsed "$t0" "$t1")

openssl_rate=$(rate $((size_mib << 20)) "$openssl_one")
echo "## Hash throughput: 4 x ${size_mib} MiB, page-cached, ${cores} cores"
echo "| tool | MiB/s | ratio to openssl single-core |"
echo "| --- | --- | --- |"
echo "| openssl dgst -sha256 (1 file, 1 core) | $openssl_rate | 1.00 |"
echo "| sha256sum (4 files, sequential) | $(rate $total "$sha256sum_all") | $(ratio "$(rate $total "$sha256sum_all")" "$openssl_rate") |"
echo "| python3 hashlib (4 files, sequential) | $(rate $total "$python_all") | $(ratio "$(rate $total "$python_all")" "$openssl_rate") |"
echo "| comfydoctor check --deep --parallel 1 | $(rate $total "$cd_one_core") | $(ratio "$(rate $total "$cd_one_core")" "$openssl_rate") |"
echo "| comfydoctor check --deep --parallel $cores | $(rate $total "$cd_all_cores") | $(ratio "$(rate $total "$cd_all_cores")" "$openssl_rate") (target ≥ $(awk -v n="$cores" 'BEGIN{printf "%.1f", 0.9*n}')) |"
echo

# ---- 1b. one file, page-cached and cold (bench/hash.sh) ----
mv "$big/models/checkpoints/m1.bin" "$work/one.bin"
bench/hash.sh "$work" "$work/one.bin"
rm -f "$work/one.bin"
rm -rf "$work/big"

# ---- 2. re-scan of an unchanged tree ----
tree="$work/tree/ComfyUI"
python3 - "$tree" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
folders = ["checkpoints", "loras", "vae", "controlnet", "embeddings", "upscale_models"]
for i in range(n):
    d = os.path.join(root, "models", folders[i % len(folders)], f"set{i % 50}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"model{i}.safetensors"), "wb") as f:
        f.write(os.urandom(4096))
PY
"${cd_bin[@]}" check --comfyui "$tree" --json --cache "$work/tree.json" >/dev/null || true   # first scan fills the cache
t0=$(now); "${cd_bin[@]}" check --comfyui "$tree" --json --cache "$work/tree.json" >/dev/null || true; t1=$(now)
rescan=$(elapsed "$t0" "$t1")
t0=$(now); find "$tree/models" -type f -printf '%s %T@ %i %p\n' >/dev/null; t1=$(now)
find_s=$(elapsed "$t0" "$t1")
echo "## Re-scan of an unchanged tree: $files model files"
echo "| tool | seconds | files/s |"
echo "| --- | --- | --- |"
echo "| find -printf (size, mtime, inode) | $find_s | $(awk -v n="$files" -v s="$find_s" 'BEGIN{printf "%.0f", n/s}') |"
echo "| comfydoctor check (cache hit, whole process) | $rescan | $(awk -v n="$files" -v s="$rescan" 'BEGIN{printf "%.0f", n/s}') |"
echo "ratio comfydoctor / find: $(ratio "$rescan" "$find_s") (whole process, including .NET start-up)"
echo

# ---- 3. model sync and memory ----
bench/sync.sh "$work" "$sync_mib" "$memory_gib"
echo

# ---- 4. fleet ----
bench/fleet.sh "$work" "$fleet" sqlite postgres
