#!/usr/bin/env bash
# Builds ui/ into ui/dist, which the Rust build embeds (tauri.conf.json frontendDist).
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
