#!/usr/bin/env bash
# Lints ui/ and builds it into ui/dist, which the Rust build embeds (tauri.conf.json frontendDist).
# Built once per change: a build that passed stamps ui/dist with a digest of
# the sources it came from, and a later call on the same sources (test.sh's,
# then e2e.sh's and package.sh's) only says so.
set -euo pipefail
cd "$(dirname "$0")/../ui"
digest=$(find . \( -path ./node_modules -o -path ./dist \) -prune -o -type f -print0 |
  LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
stamp=dist/.sources.sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  echo "build-ui: ui/dist is already built from these sources"
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# Lint first (Biome: ui/biome.jsonc; a warning fails it too), the unit tests
# (vitest: money, the seat, times, numbers, error wording), then typecheck and build.
npm run lint --silent
npm test --silent
npm run build --silent
echo "$digest" >"$stamp"
