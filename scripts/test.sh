#!/usr/bin/env bash
# The whole test suite, as CI runs it: lints, every crate's tests, the engine's
# independence from Tauri, and the real app window under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
artifacts=${ARTIFACTS:-ci-artifacts}
mkdir -p "$artifacts"
# shellcheck source=scripts/workspace.sh
. scripts/workspace.sh

started=$SECONDS
step() { printf '\n== [%dm%02ds] %s ==\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*"; }

step "UI: install, typecheck and build (the Rust build embeds ui/dist)"
scripts/build-ui.sh

step "format"
cargo fmt --all -- --check

step "engine crates never depend on Tauri or WebKit"
engine=(-p nhsa-protocol -p nhsa-terminal -p facepay-sim -p nation-ec-fake -p nation-ec-host -p facepay-keystore -p facepay-journal -p facepay-central -p facepay-core -p facepay-bridge -p facepay-cli -p facepay-bench)
if cargo tree "${engine[@]}" -e normal,build,dev --prefix none | grep -Eiq '^(tauri|webkit|gtk|wry)'; then
  echo "an engine crate pulls in Tauri/WebKit:" >&2
  cargo tree "${engine[@]}" -e normal,build,dev -i tauri 2>&1 | head -20 >&2
  exit 1
fi

step "clippy (once: every crate, every target, the one feature set of scripts/workspace.sh)"
cargo clippy "${WORKSPACE[@]}" --all-targets -- -D warnings

step "build: every binary and test, once (everything below runs what this built)"
build_workspace

step "tests (the end-to-end ones are ignored here: they need a display, see below); they include the HIS bridge's 30 s load test, its OpenAPI document check and the labels check"
# ts-rs writes the bindings when its tests run: into a scratch folder, never over the committed ones.
TS_RS_EXPORT_DIR="$PWD/target/ts-bindings" cargo test "${WORKSPACE[@]}"

step "the HIS guide's examples (docs/his-bridge.md): every curl block in order, and the Java 8 client, against facepay serve on the simulator"
scripts/his-guide-examples.sh

step "fuzz smoke: every cargo-fuzz target briefly (the long runs are scripts/fuzz.sh; figures in RELIABILITY.md)"
scripts/fuzz.sh --smoke

step "benchmark smoke (a small journal; the real figures are in BENCHMARKS.md)"
target/debug/facepay-bench --rows 5000 --samples 10 --data target/bench-smoke
target/debug/facepay-bench --bridge --samples 10
target/debug/facepay-bench --sign-in --samples 10

step "generated files match the Rust types: TypeScript bindings and the OpenAPI document"
scripts/bindings.sh --check

step "app window under Xvfb: starts and reports ready"
FACEPAY_DESK_BIN=target/debug/facepay-desk scripts/smoke-window.sh "$artifacts"

step "end-to-end: the real window driven by WebDriver against the simulator"
E2E_SCREENSHOTS="$PWD/$artifacts/screenshots" E2E_BUILT=1 scripts/e2e.sh

step "the cashier's keys timed in the real window (smoke: the debug build on the bench smoke's journal; BENCHMARKS.md's figures are scripts/measure-keys.sh's)"
scripts/measure-keys.sh --smoke

step "packages: the .deb, the Windows panel, CLI, host and installer built into dist/ and checked; the installer run under Wine (install, CLI, uninstall keeps the journal); the .deb installed, its panel opened under Xvfb, removed"
# The dev build, packaged: what CI checks (the files, the installer, install, run, uninstall) holds for it as for
# the shipping profile, whose one codegen unit and LTO would cost 15 of CI's minutes on 2 cores; the Linux one
# reuses the build above (only what custom-protocol changes recompiles). Releases run scripts/package.sh alone.
export PACKAGE_PROFILE=dev
scripts/package.sh
scripts/package-test.sh "$artifacts"

step "Windows: nation-ec-host under Wine — the x64 host and fake vendor DLL driven by the Linux CLI through a whole visit; the x86 pair built and link-checked"
FACEPAY_BIN_DIR=target/debug scripts/wine-visit.sh

step "all passed"
