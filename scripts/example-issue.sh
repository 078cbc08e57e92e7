#!/usr/bin/env bash
# Writes reports/example-issue.md: what `teamlens publish github-issue` would send for the demo's
# report (reports/example/), exactly as its --dry-run prints it (the title, labels, body and any
# continuation comments); nothing is sent, and no token is needed. docs/monthly.md shows it as
# what the monthly issue looks like. Run it after `teamlens demo --out reports/example` has
# regenerated the report, and commit both.
set -euo pipefail
cd "$(dirname "$0")/.."

out=reports/example-issue.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# The repository only names where the issue would go: the dry run reads nothing from GitHub.
cargo run --quiet --locked -- publish github-issue acme/engineering --report reports/example \
    --dry-run >"$tmp"
[ -s "$tmp" ] || { echo "error: the dry run printed nothing; $out left as it was" >&2; exit 1; }
cat "$tmp" >"$out"
trap - EXIT
echo "wrote $out ($(wc -c <"$out") bytes)"
