#!/usr/bin/env bash
# Opens the real app window under Xvfb on the embedded simulator and checks
# that the page rendered and reached the backend; saves a screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-ci-artifacts}
mkdir -p "$out"
cargo build -p facepay-desk --locked
home=$(mktemp -d)
export XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" FACEPAY_DB="$home/facepay.db"

# 1. The page renders, runs its script and calls the backend: the app exits 0 after ui_ready.
log="$out/smoke-window.log"
if ! FACEPAY_EXIT_AFTER_READY=1 timeout 120 xvfb-run -a target/debug/facepay-desk >"$log" 2>&1; then
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
  target/debug/facepay-desk & app=$!
  sleep 5
  import -window root "$0/window-docked.png"
  kill $app; wait $app 2>/dev/null || true
' "$out"
echo "screenshot: $out/window-docked.png"
