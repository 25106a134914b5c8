#!/usr/bin/env bash
# Opens the real app window under Xvfb on the embedded simulator and checks
# that the page rendered and reached the backend; saves a screenshot.
#   scripts/smoke-window.sh [OUT_DIR]
# FACEPAY_DESK_BIN=PATH checks that binary (e.g. the one a package installed)
# instead of building the debug one; SMOKE_NAME=PREFIX prefixes the log's and
# the screenshot's names.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-ci-artifacts}
mkdir -p "$out"
bin=${FACEPAY_DESK_BIN:-}
if [ -z "$bin" ]; then
  # shellcheck source=scripts/workspace.sh
  . scripts/workspace.sh
  build_workspace
  bin=target/debug/facepay-desk
fi
name=${SMOKE_NAME:-}
echo "smoke-window: $bin"
home=$(mktemp -d)
export XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" FACEPAY_DB="$home/facepay.db"

# 1. The page renders, runs its script and calls the backend: the app exits 0 after ui_ready.
log="$out/${name}smoke-window.log"
if ! FACEPAY_EXIT_AFTER_READY=1 timeout 120 xvfb-run -a "$bin" >"$log" 2>&1; then
  echo "the app window did not become ready:" >&2
  cat "$log" >&2
  exit 1
fi
grep -q "ui ready after" "$log" || { echo "no readiness report in $log" >&2; exit 1; }
grep "ui ready after" "$log"

# 2. What a cashier sees on a first start (fresh profile: docked to the right edge).
home=$(mktemp -d)
export XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" FACEPAY_DB="$home/facepay.db"
xvfb-run -a -s "-screen 0 1366x768x24" bash -c '
  "$1" & app=$!
  sleep 5
  import -window root "$0/$2window-docked.png"
  kill $app; wait $app 2>/dev/null || true
' "$out" "$bin" "$name"
echo "screenshot: $out/${name}window-docked.png"
