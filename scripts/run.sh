#!/usr/bin/env bash
# Builds and opens the panel. Without FACEPAY_TERMINAL_URL it runs on the
# embedded terminal simulator (演示模式).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo run -p facepay-desk --locked "$@"
