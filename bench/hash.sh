#!/usr/bin/env bash
# One file hashed by each tool, page-cached and cold, side by side: openssl dgst -sha256 (the reference), sha256sum,
# Python hashlib, ComfyDoctor's FileHasher timed in process (after .NET start-up) and `comfydoctor check --deep` as a whole
# process. Each round runs every tool once, in an order that rotates from round to round; best and median per tool.
# Usage: bench/hash.sh WORKDIR FILE   (called by bench/run.sh; needs comfydoctor published to WORKDIR/bin and
# bench/ComfyDoctor.AgentBench to WORKDIR/sync). HASH_ROUNDS (default 7). Cold rows need `echo 3 > /proc/sys/vm/drop_caches`.
#
# Why best and median: on a virtual machine the first use of page cache after a drop can cost seconds of system time in
# whichever process reads next (the host handing memory back), so one sample says little; the best of the rounds is the
# machine's speed, the median how often it is reached. The rotation keeps a tool from always landing on the same beat.
set -euo pipefail
work=$1; one=$2
rounds=${HASH_ROUNDS:-7}
bytes=$(stat -c %s "$one")
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
best() { sort -n "$1" | head -1; }
middle() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

comfy="$work/hash-one/ComfyUI"; mkdir -p "$comfy/models/checkpoints"; ln -f "$one" "$comfy/models/checkpoints/one.bin"
tools=(openssl sha256sum python cd_alone cd_whole cat)
run_tool() {
  local t0 t1
  t0=$(now)
  case $1 in
    openssl) openssl dgst -sha256 "$one" >/dev/null ;;
    sha256sum) sha256sum "$one" >/dev/null ;;
    python) python3 -c 'import hashlib,sys; h=hashlib.sha256(); f=open(sys.argv[1],"rb"); [h.update(c) for c in iter(lambda: f.read(1<<20), b"")]' "$one" ;;
    cat) cat "$one" > /dev/null ;;
    cd_alone) dotnet "$work/sync/ComfyDoctor.AgentBench.dll" hash "$one" | awk '{ print $4 }' >> "$work/one_cd_alone"; return ;;
    cd_whole) dotnet "$work/bin/comfydoctor.dll" check --comfyui "$comfy" --deep --json --parallel 1 --cache "$work/one.json" >/dev/null || true; rm -f "$work/one.json" ;;
  esac
  t1=$(now); elapsed "$t0" "$t1" >> "$work/one_$1"; echo >> "$work/one_$1"
}

measure() { # MODE: warm (the file read once before each tool) or cold (the page cache dropped before each tool)
  local mode=$1 n=${#tools[@]}
  for tool in "${tools[@]}"; do : > "$work/one_$tool"; done
  for r in $(seq 0 $((rounds - 1))); do
    for i in $(seq 0 $((n - 1))); do
      local tool=${tools[$(((i + r) % n))]}
      if [ "$mode" = cold ]; then sync; echo 3 > /proc/sys/vm/drop_caches; else cat "$one" > /dev/null; fi
      run_tool "$tool"
    done
  done
  local ref_best ref_mid
  ref_best=$(rate "$bytes" "$(best "$work/one_openssl")"); ref_mid=$(rate "$bytes" "$(middle "$work/one_openssl")")
  echo "## Hash throughput, one $((bytes >> 20)) MiB file, $mode: best and median of $rounds rounds"
  echo "| tool | MiB/s best | ratio to openssl best | MiB/s median | ratio to openssl median |"
  echo "| --- | --- | --- | --- | --- |"
  line() {
    local b m; b=$(rate "$bytes" "$(best "$work/one_$2")"); m=$(rate "$bytes" "$(middle "$work/one_$2")")
    echo "| $1 | $b | $(ratio "$b" "$ref_best") | $m | $(ratio "$m" "$ref_mid") |"
  }
  line "openssl dgst -sha256" openssl
  line "sha256sum" sha256sum
  line "python3 hashlib, 1 MiB reads" python
  line "comfydoctor FileHasher, hashing alone (in process, after start-up)" cd_alone
  line "comfydoctor check --deep --parallel 1 (whole process)" cd_whole
  line "cat > /dev/null (reading alone)" cat
  echo
}

measure warm
if sync && echo 3 2>/dev/null > /proc/sys/vm/drop_caches; then measure cold; else echo "(cold cache not measured: writing /proc/sys/vm/drop_caches was refused)"; echo; fi
rm -rf "$work/hash-one"
