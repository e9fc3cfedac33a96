#!/usr/bin/env bash
# Fleet benchmark: one real `comfydoctor server` process per run, on SQLite and on a throwaway PostgreSQL cluster,
# loaded by bench/ComfyDoctor.FleetLoad with N simulated agents speaking the agent protocol.
# Usage: bench/fleet.sh WORKDIR "100 500 1000" [sqlite] [postgres]   (called by bench/run.sh; needs comfydoctor published
# to WORKDIR/bin and the load generator to WORKDIR/fleet). FLEET_BINS="label=dir ..." runs several builds side by side
# (e.g. before and after a fix), alternating for each size. FLEET_MODE=bigstore: the sizes are model counts, and each run is
# two workers with that many models each and the times of the pages an admin opens (issue 16.5, BigStoreRun).
# FLEET_REPLICAS=2: on PostgreSQL, that many server processes on the one database, the agents pinned to them in turn
# (issue 20); SQLite always runs one. FLEET_IDLE / FLEET_SETTLE: the idle window and the settling before it, in seconds
# (defaults 10 and 20; an idle window shorter than the server's long poll misses the polls' renewals).
# FLEET_STORM=1: the reconnect storm instead (issue 20): the agents wait, every replica is stopped (SIGTERM) and started
# again on its address and store, and the run says when all the polls are back, the 503s answered and the refused connections.
set -euo pipefail
work=$1; sizes=$2; shift 2
stores=("$@"); [ ${#stores[@]} -eq 0 ] && stores=(sqlite postgres)
read -r -a builds <<< "${FLEET_BINS:-=$work/bin}"
export COMFYDOCTOR_ADMIN_TOKEN=bench-admin-token COMFYDOCTOR_ENROLL_TOKEN=bench-enroll-token
export COMFYDOCTOR_MASTER_KEY=bench-master-key-0123456789abcdef0123 # replicas on one database share it
pg=""; pgpid=""

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  # its own folder: the postgres user cannot enter the work folder (mktemp makes it 0700)
  pg=$(mktemp -d /tmp/comfydoctor-pg.XXXXXX); [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg"
  pgport=$(free_port)
  as_pg "$pgbin/initdb" -D "$pg/data" -A trust -U postgres >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o "-p $pgport -k $pg -c listen_addresses=127.0.0.1" start >/dev/null
  pgpid=$(head -1 "$pg/data/postmaster.pid")
}

stop_postgres() { [ -n "$pg" ] && { as_pg "$pgbin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null || true; rm -rf "$pg"; }; }
trap stop_postgres EXIT

mode=(); [ "${FLEET_MODE:-}" = bigstore ] && mode=(--models)
[ "${FLEET_STORM:-}" = 1 ] && mode=(--storm)

# write_restart DATA BIN URL… : a script that stops the replicas listed in DATA/pids and starts them again as they were
write_restart() {
  local data=$1 bin=$2; shift 2
  {
    echo '#!/usr/bin/env bash'
    echo "pids=\$(cat $data/pids); kill \$pids"
    echo "for p in \$pids; do while [ -e /proc/\$p ] && ! grep -q '^State:.*Z' /proc/\$p/status; do sleep 0.05; done; done"
    echo ": > $data/pids"
    local r=0
    for url in "$@"; do
      r=$((r + 1))
      printf 'dotnet %q server --urls %q --data %q' "$bin/comfydoctor.dll" "$url" "$data/r$r"
      [ ${#database[@]} -gt 0 ] && printf ' --database %q' "${database[1]}"
      echo " > $data/server$r.restarted.log 2>&1 & echo \$! >> $data/pids"
    done
    echo "for r in \$(seq 1 $r); do for _ in \$(seq 1 300); do grep -q 'listening on' $data/server\$r.restarted.log && break; sleep 0.1; done; done"
  } > "$data/restart.sh"
  chmod +x "$data/restart.sh"
}
echo "## Fleet: one server process, N simulated agents (each enrolls, long-polls, posts its inventory)"
dotnet "$work/fleet/ComfyDoctor.FleetLoad.dll" --header "${mode[@]}"
for store in "${stores[@]}"; do
  [ "$store" = postgres ] && [ -z "$pg" ] && start_postgres
  for n in $sizes; do for build in "${builds[@]}"; do
    label=${build%%=*}; bin=${build#*=}
    port=$(free_port); data="$work/server-$store-$n$label"; rm -rf "$data"; mkdir -p "$data"
    database=()
    if [ "$store" = postgres ]; then
      db="fleet$n${label//[^a-z0-9]/}"
      as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres "$db"
      # replicas share the cluster's 100 connections (max_connections): each pool gets its part
      pool=""; [ "${FLEET_REPLICAS:-1}" -gt 1 ] && pool=";Maximum Pool Size=$((90 / FLEET_REPLICAS))"
      database=(--database "Host=127.0.0.1;Port=$pgport;Username=postgres;Database=$db$pool")
    fi
    replicas=1; [ "$store" = postgres ] && replicas=${FLEET_REPLICAS:-1}
    urls=(); pids=()
    for r in $(seq 1 "$replicas"); do
      [ "$r" -gt 1 ] && port=$(free_port)
      log="$data/server$r.log"
      dotnet "$bin/comfydoctor.dll" server --urls "http://127.0.0.1:$port" --data "$data/r$r" "${database[@]}" >"$log" 2>&1 &
      pids+=($!); urls+=("http://127.0.0.1:$port")
      for _ in $(seq 1 150); do grep -q "listening on" "$log" && break; sleep 0.2; done
    done
    joined() { local IFS=,; echo "$*"; }
    name="$store${label:+ $label}"; [ "$replicas" -gt 1 ] && name="$name ×$replicas"
    extra=(); [ "${FLEET_MODE:-}" = bigstore ] && extra=(--models "$n")
    if [ "${FLEET_STORM:-}" = 1 ]; then
      echo "${pids[*]}" > "$data/pids"; write_restart "$data" "$bin" "${urls[@]}"; extra=(--storm "$data/restart.sh")
    fi
    dotnet "$work/fleet/ComfyDoctor.FleetLoad.dll" --server "$(joined "${urls[@]}")" --admin-token "$COMFYDOCTOR_ADMIN_TOKEN" \
      --enroll-token "$COMFYDOCTOR_ENROLL_TOKEN" --agents "$n" "${extra[@]}" --server-pid "$(joined "${pids[@]}")" \
      ${pgpid:+--db-pid "$pgpid"} --store "$name" --idle "${FLEET_IDLE:-10}" --settle "${FLEET_SETTLE:-20}" \
      || echo "| $name | $n | run failed: see $data/server*.log |"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    if [ -f "$data/pids" ]; then for pid in $(cat "$data/pids"); do kill "$pid" 2>/dev/null || true; done; fi
  done; done
done
