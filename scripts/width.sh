#!/usr/bin/env bash
# Readable width (issue 14.8): no line of C# or Razor longer than 140 characters (characters, not bytes) under the given
# folders. Exit 1 with each long line named. CI runs it over src, tests and bench.
set -uo pipefail
status=0
for root in "$@"; do
  while IFS= read -r -d '' file; do
    perl -CSD -ne 'chomp; if (length > 140) { printf "%s:%d: %d characters (at most 140)\n", $ARGV, $., length; $bad = 1 }
      END { exit($bad ? 1 : 0) }' "$file" || status=1
  done < <(find "$root" \( -name bin -o -name obj \) -prune -o \( -name '*.cs' -o -name '*.razor' \) -print0)
done
exit $status
