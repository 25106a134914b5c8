#!/usr/bin/env bash
# Lints ui/ and builds it into ui/dist, which the Rust build embeds (tauri.conf.json frontendDist).
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# Lint first (Biome: ui/biome.jsonc; a warning fails it too), the unit tests
# (vitest: money, the seat, times, numbers, error wording), then typecheck and build.
npm run lint --silent
npm test --silent
npm run build --silent
