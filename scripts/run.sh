#!/usr/bin/env bash
# Builds the UI and the app and opens the panel. Without a configured
# terminal (FACEPAY_CONFIG / facepay.toml / FACEPAY_TERMINAL_URL) it runs on
# the embedded terminal simulator (演示模式).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/build-ui.sh
exec cargo run -p facepay-desk --locked "$@"
