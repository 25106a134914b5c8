#!/usr/bin/env bash
# Measures the panel as BENCHMARKS.md reports it: cold start to the first
# interactive render (as the app itself reports it), idle memory of the app
# plus its WebKit processes (sum of PSS) beside a bare Tauri window of the same
# Tauri, profile, size and flags (scripts/bare-window), and the stripped release binary.
#   scripts/measure-panel.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
runs=${1:-10}
scripts/build-ui.sh
cargo build --release --locked -p facepay-desk --features custom-protocol
bin=target/release/facepay-desk
# The reference, from a copy of the panel's lock file: the same Tauri and WebKit bindings.
cp Cargo.lock scripts/bare-window/Cargo.lock
cargo build --release --manifest-path scripts/bare-window/Cargo.toml --features custom-protocol \
  --target-dir target/bare-window
bare=target/bare-window/release/bare-window
tauri_of() { awk '/^name = "tauri"$/ {getline; print $3; exit}' "$1"; }
[ "$(tauri_of Cargo.lock)" = "$(tauri_of scripts/bare-window/Cargo.lock)" ] ||
  { echo "the bare window resolved another Tauri than the panel" >&2; exit 1; }
home=$(mktemp -d)
export XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" FACEPAY_DB="$home/facepay.db"

# Warm the journal and the font cache once, then measure cold starts of the process.
FACEPAY_EXIT_AFTER_READY=1 timeout 60 xvfb-run -a "$bin" >/dev/null 2>&1 || true
times=()
for _ in $(seq "$runs"); do
  ms=$(FACEPAY_EXIT_AFTER_READY=1 timeout 60 xvfb-run -a "$bin" 2>&1 | sed -n 's/.*ui ready after \([0-9]*\) ms.*/\1/p' | head -1)
  [ -n "$ms" ] || { echo "the app did not report ready" >&2; exit 1; }
  times+=("$ms")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
worst=$(echo "$sorted" | tail -1)

# Idle memory: start, wait until idle, sum PSS of the app and every descendant.
idle_pss() {
  xvfb-run -a bash -c '
  "$0" >/dev/null 2>&1 & app=$!
  sleep 12
  pids="$app"; frontier="$app"
  while [ -n "$frontier" ]; do
    next=""
    for p in $frontier; do next="$next $(pgrep -P "$p" || true)"; done
    frontier=$(echo $next); pids="$pids $frontier"
  done
  total=0
  for p in $pids; do
    kb=$(awk "/^Pss:/ {print \$2}" /proc/$p/smaps_rollup 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
    # What is alive at idle: each process, its PSS and its threads by name.
    if [ -n "$1" ] && [ -r /proc/$p/comm ]; then
      printf "%s (pid %s): %s MB, threads: %s\n" "$(cat /proc/$p/comm)" "$p" $((${kb:-0} / 1024)) \
        "$(cat /proc/$p/task/*/comm 2>/dev/null | sort | uniq -c | awk "{printf \"%s×%s \", \$2, \$1}")" >>"$1"
    fi
  done
  kill $app; wait $app 2>/dev/null || true
  echo $total
' "$1" "${2:-}"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Side by side: the panel and the bare window alternately, three times, medians compared.
panel_kb=() bare_kb=()
for _ in 1 2 3; do
  panel_kb+=("$(idle_pss "$bin")")
  bare_kb+=("$(idle_pss "$bare")")
done
pss=$(median "${panel_kb[@]}")
bare_pss=$(median "${bare_kb[@]}")
ratio=$(awk -v a="$pss" -v b="$bare_pss" 'BEGIN {printf "%.2f", a / b}')
for who in panel bare; do
  alive=$(mktemp)
  idle_pss "$([ $who = panel ] && echo "$bin" || echo "$bare")" "$alive" >/dev/null
  echo "alive at idle in the $who window (one more start):"
  sed 's/^/  /' "$alive"
  rm -f "$alive"
done

size=$(stat -c %s "$bin")
echo "| measure | result | target |"
echo "|---|---|---|"
echo "| cold start to interactive panel, median of $runs (worst) | ${median} ms (${worst} ms) | ≤ 600 ms |"
echo "| idle memory, app + WebKit processes (sum of PSS, median of 3) | $((pss / 1024)) MB | ≤ 250 MB |"
echo "| idle memory vs a bare Tauri window (same run) | $((pss / 1024)) MB vs $((bare_pss / 1024)) MB = ${ratio}× | ≤ 1.10× |"
echo "| stripped release binary | $((size / 1024 / 1024)).$(( (size * 10 / 1024 / 1024) % 10 )) MB | ≤ 15 MB |"
