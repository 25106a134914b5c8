#!/usr/bin/env bash
# The cashier's keys timed in the real window on a large journal, as
# BENCHMARKS.md reports them (issue 19): F2, F6, a filter's 查询, F7.
#   scripts/measure-keys.sh [rows] [presses]     release panel, default 1 000 000 settlements, 10 presses
#   scripts/measure-keys.sh --smoke              CI: the debug build on the bench smoke's 5 000-row journal
# The journal is the benchmark's (tools/bench, kept between runs), copied: the
# run signs in and scans. The panel's clock is put on the journal's last
# business day (faketime, 18:30, after the generator's last write) so 历史 and 日结 open on a full day.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
if [ "${1:-}" = --smoke ]; then
  # scripts/test.sh built the UI and the workspace.
  profile=debug rows=5000 presses=2 data=target/bench-smoke
else
  profile=release rows=${1:-1000000} presses=${2:-10} data=target/bench-data
  scripts/build-ui.sh
  cargo build --release --locked -p facepay-desk --features custom-protocol
  cargo build --release --locked -p facepay-bench
  # The harness, in the one selection every script builds (scripts/workspace.sh).
  # shellcheck source=scripts/workspace.sh
  . scripts/workspace.sh
  build_workspace
fi
journal=$(target/$profile/facepay-bench --rows "$rows" --data "$data" --generate-only)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$journal" "$work/journal.db"
[ ! -e "$journal-wal" ] || cp "$journal-wal" "$work/journal.db-wal"
cp -r "${journal%.db}.keys" "$work/journal.keys"
cat >"$work/panel" <<SH
#!/bin/sh
exec faketime '2026-11-25 18:30:00' "$PWD/target/$profile/facepay-desk" "\$@"
SH
chmod +x "$work/panel"
KEYS_APP="$work/panel" KEYS_JOURNAL="$work/journal.db" KEYS_SAMPLES=$presses \
  xvfb-run -a -s "-screen 0 1366x768x24" target/debug/measure-keys
