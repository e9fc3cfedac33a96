#!/usr/bin/env bash
# Model sync and memory, whole process, side by side in one run:
#   1. one SIZE_MIB file over loopback from one local HTTP server (Kestrel, sendfile): ComfyDoctor's verified transfer
#      (hashed while written, fsync, rename) against curl -o, curl -o + sync FILE, and curl -o + sha256sum
#   2. peak RSS of comfydoctor check --deep (hashing) and of the verified transfer (syncing) at several file sizes
# Usage: bench/sync.sh WORKDIR SIZE_MIB "MEMORY_SIZES_GIB"   (called by bench/run.sh; needs comfydoctor published to
# WORKDIR/bin and bench/ComfyDoctor.AgentBench to WORKDIR/sync). SYNC_BINS="label=dir ..." measures several builds of the
# transfer side by side (e.g. before and after a fix) in the same rounds.
set -euo pipefail
work=$1; size_mib=$2; memory_gib=$3
rounds=${SYNC_ROUNDS:-3}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
sync_bin=(dotnet "$work/sync/ComfyDoctor.AgentBench.dll")

src="$work/source"; dst="$work/dest"; mkdir -p "$src" "$dst"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${sync_bin[@]}" serve "$src" "$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q serving "$work/serve.log" && break; sleep 0.2; done
grep -q serving "$work/serve.log" || { echo "the file server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }
url="http://127.0.0.1:$port"

# ---- 1. throughput: one file, page-cached at the source ----
head -c $((size_mib << 20)) /dev/urandom > "$src/model.safetensors"
bytes=$((size_mib << 20))
sha=$(openssl dgst -sha256 -r "$src/model.safetensors" | cut -d' ' -f1)
read -r -a builds <<< "${SYNC_BINS:-=$work/sync}"
: > "$work/curl"; : > "$work/curl_sync"; : > "$work/curl_sha"; : > "$work/curl_cpu"; : > "$work/curl_sync_cpu"; : > "$work/curl_sha_cpu"
for b in "${!builds[@]}"; do : > "$work/cd$b"; : > "$work/cd_whole$b"; : > "$work/cd_whole${b}_cpu"; done
# Free page cache left by earlier work (where permitted), so the writes measured here do not first have to evict it;
# then warm the source file: every client reads it from memory.
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(page cache not dropped: not permitted here)" >&2
cat "$src/model.safetensors" > /dev/null
# timed NAME COMMAND...: wall seconds to $work/NAME, CPU seconds (user + system, children included) to $work/NAME_cpu
timed() {
  local name=$1; shift
  rm -rf "${dst:?}"/*; sync
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > "$work/out"
  awk '{ print $1 }' "$work/time" >> "$work/$name"; awk '{ printf "%.3f\n", $2 + $3 }' "$work/time" >> "$work/${name}_cpu"
}
for _ in $(seq 1 $rounds); do
  timed curl curl -sf -o "$dst/a" "$url/model.safetensors"
  timed curl_sync sh -c 'curl -sf -o "$1" "$2" && sync "$1"' - "$dst/a" "$url/model.safetensors"
  timed curl_sha sh -c 'curl -sf -o "$1" "$2" && sha256sum "$1"' - "$dst/a" "$url/model.safetensors"
  for b in "${!builds[@]}"; do
    timed "cd_whole$b" dotnet "${builds[$b]#*=}/ComfyDoctor.AgentBench.dll" fetch "$url/model.safetensors" "$sha" "$bytes" "$dst/a"
    awk '{ print $2 }' "$work/out" >> "$work/cd$b"
  done
done
rm -rf "$dst"/*
curl_s=$(median < "$work/curl"); curl_rate=$(rate $bytes "$curl_s")
echo "## Model sync: one ${size_mib} MiB file over loopback (median of $rounds rounds)"
echo "| client | seconds | MiB/s | ratio to curl -o | CPU s (user + system) |"
echo "| --- | --- | --- | --- | --- |"
row() {
  local s cpu="—"; s=$(median < "$work/$2"); [ -s "$work/$2_cpu" ] && cpu=$(median < "$work/$2_cpu")
  echo "| $1 | $s | $(rate $bytes "$s") | $(ratio "$(rate $bytes "$s")" "$curl_rate") | $cpu |"
}
row "curl -o (no hash, no fsync)" curl
row "curl -o, then sync FILE (fsync)" curl_sync
row "curl -o, then sha256sum" curl_sha
for b in "${!builds[@]}"; do
  label=${builds[$b]%%=*}
  row "comfydoctor${label:+ $label} verified transfer (hash while writing, direct writes, fsync, rename), transfer alone" "cd$b"
  row "comfydoctor${label:+ $label} verified transfer, whole process incl. .NET start-up" "cd_whole$b"
done
echo

# ---- 2. memory: peak RSS while hashing and while syncing, by file size (sparse files: RSS, not the disk, is measured) ----
echo "## Memory: peak RSS by file size (sparse files in /tmp)"
echo "| file size | comfydoctor check --deep (hashing) MiB | verified transfer (syncing) MiB |"
echo "| --- | --- | --- |"
for gib in $memory_gib; do
  comfy="$work/mem/ComfyUI"; mkdir -p "$comfy/models/checkpoints"
  truncate -s "${gib}G" "$comfy/models/checkpoints/big.bin"
  hash_kib=$( { /usr/bin/time -f '%M' dotnet "$work/bin/comfydoctor.dll" check --comfyui "$comfy" --deep --json --parallel 1 --cache "$work/mem.json" >/dev/null || true; } 2>&1 | tail -1 )
  ln -f "$comfy/models/checkpoints/big.bin" "$src/big.bin"
  big_sha=$(openssl dgst -sha256 -r "$src/big.bin" | cut -d' ' -f1)
  sync_kib=$( { /usr/bin/time -f '%M' "${sync_bin[@]}" fetch "$url/big.bin" "$big_sha" $((gib << 30)) "$dst/big.bin" >/dev/null; } 2>&1 | tail -1 )
  echo "| $gib GiB | $((hash_kib / 1024)) | $((sync_kib / 1024)) |"
  rm -rf "$work/mem" "$work/mem.json" "$src/big.bin" "$dst"/*
done
