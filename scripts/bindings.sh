#!/usr/bin/env bash
# Regenerates what is generated from the Rust types: the TypeScript bindings
# of the IPC types (ui/src/bindings, ts-rs), the panel's Chinese labels
# (ui/src/generated/labels.ts), the panel's commands as TypeScript sees them
# (ui/src/generated/commands.ts) and the HIS bridge's OpenAPI document
# (docs/his-bridge.openapi.json). With --check, changes nothing and
# fails if either committed copy is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=ui/src/bindings
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
log=$fresh/log
# Into a folder of its own: a failed run leaves the committed bindings as they were.
export TS_RS_EXPORT_DIR="$fresh/bindings"
# ts-rs notes every serde attribute it does not interpret; show them only on failure.
# shellcheck source=scripts/workspace.sh
. scripts/workspace.sh
if ! cargo test -q "${WORKSPACE[@]}" --lib export_bindings >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
if [ "${1:-}" = "--check" ]; then
  if ! diff -r "$out" "$fresh/bindings"; then
    echo "ui/src/bindings is out of date: run scripts/bindings.sh and commit the result" >&2
    exit 1
  fi
  echo "bindings are current ($(ls "$out" | wc -l) types)"
  cargo test -q "${WORKSPACE[@]}" --test openapi >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  echo "the OpenAPI document is current"
  cargo test -q "${WORKSPACE[@]}" --test vocabulary >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  echo "the panel's labels are current"
  cargo test -q "${WORKSPACE[@]}" --test command_bindings >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  echo "the panel's command bindings are current"
else
  rm -rf "$out"
  mv "$fresh/bindings" "$out"
  UPDATE_OPENAPI=1 cargo test -q "${WORKSPACE[@]}" --test openapi >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  UPDATE_LABELS=1 cargo test -q "${WORKSPACE[@]}" --test vocabulary >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  UPDATE_COMMANDS=1 cargo test -q "${WORKSPACE[@]}" --test command_bindings >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  echo "regenerated $out ($(ls "$out" | wc -l) types), ui/src/generated/labels.ts, ui/src/generated/commands.ts and docs/his-bridge.openapi.json"
fi
