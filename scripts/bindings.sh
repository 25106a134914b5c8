#!/usr/bin/env bash
# Regenerates the TypeScript bindings of the IPC types (ui/src/bindings) from
# the Rust types with ts-rs. With --check, fails if the committed ones are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=ui/src/bindings
if [ "${1:-}" = "--check" ]; then
  before=$(mktemp -d)
  cp -r "$out"/. "$before"/
fi
rm -rf "$out"
log=$(mktemp)
# ts-rs notes every serde attribute it does not interpret; show them only on failure.
if ! cargo test -q --locked -p nhsa-terminal -p facepay-journal -p facepay-core -p facepay-bridge -p facepay-desk \
  --features facepay-desk/ts --lib export_bindings >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
if [ "${1:-}" = "--check" ]; then
  if ! diff -r "$before" "$out"; then
    echo "ui/src/bindings is out of date: run scripts/bindings.sh and commit the result" >&2
    exit 1
  fi
  echo "bindings are current ($(ls "$out" | wc -l) types)"
fi
