#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine that has the .NET SDK: installs the Debian packages the tests use
# (git, Python with venv, PostgreSQL server binaries, util-linux's script) when they are missing, then runs every
# test project. Exit code: dotnet test's.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)   # the README's TLS quick start is run by a test
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)   # drops root's file capabilities for the unreadable-folder test
command -v script >/dev/null 2>&1 || missing+=(bsdutils)   # runs the CLI on a pseudo-terminal in one test
command -v chromium >/dev/null 2>&1 || missing+=(chromium)  # the dashboard tests drive it headless through Playwright
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)             # deploy's tests run a real sshd on a loopback port
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)    # deploy drives the system's OpenSSH client
# The server tests start a throwaway PostgreSQL cluster (initdb + pg_ctl as the 'postgres' user).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3 python3-venv python3-pip)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages the tests need: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || {
    echo "could not install: ${missing[*]}" >&2; exit 1; }
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1   # Playwright drives Debian's chromium; it never downloads a browser

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test ComfyDoctor.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One plain closing line over all test projects: "N passed, N failed, N skipped".
awk '/(Passed|Failed)!  - Failed:/ {
       for (i = 1; i <= NF; i++) { v = $(i+1); gsub(/,/, "", v)
         if ($i == "Failed:") f += v; if ($i == "Passed:") p += v; if ($i == "Skipped:") s += v }
     } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
