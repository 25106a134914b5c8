#!/usr/bin/env bash
# End-to-end tests of the real app window under Xvfb, driven by tauri-driver
# and WebKitWebDriver, against the simulator over HTTP. Saves a screenshot of
# every screen to ci-artifacts/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
scripts/build-ui.sh
cargo build -p facepay-desk --locked
xvfb-run -a -s "-screen 0 1366x768x24" cargo test -p facepay-e2e --locked -- --test-threads=1 "$@"
