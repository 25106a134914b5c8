#!/usr/bin/env bash
# End-to-end tests of the real app window under Xvfb, driven by tauri-driver
# and WebKitWebDriver, against the simulator over HTTP. Saves a screenshot of
# every screen to ci-artifacts/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
# shellcheck source=scripts/workspace.sh
. scripts/workspace.sh
# E2E_BUILT=1: scripts/test.sh built the UI and the workspace already.
if [ -z "${E2E_BUILT:-}" ]; then
  scripts/build-ui.sh
  build_workspace
fi
# The window tests are #[ignore]d in the ordinary run (no display there); here they are all that runs.
tests=()
for f in tests/e2e/tests/*.rs; do tests+=(--test "$(basename "$f" .rs)"); done
xvfb-run -a -s "-screen 0 1366x768x24" cargo test "${WORKSPACE[@]}" "${tests[@]}" -- --ignored --test-threads=1 "$@"
