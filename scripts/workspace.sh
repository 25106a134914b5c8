# Sourced by the scripts that build the workspace (test.sh, e2e.sh,
# smoke-window.sh, bindings.sh): the one selection and feature set they all
# use, so cargo compiles each crate once. Cargo unifies features over the
# packages selected, so `-p facepay-e2e` or `--exclude facepay-e2e` would each
# rebuild everything under a feature set of its own (syn's `fold`, for one,
# is only the e2e crate's), and `cargo build` without `--all-targets` leaves
# out the dev-dependencies' features (tauri's `test`). Test targets and
# `#[ignore]` choose what runs; never the selection.
# shellcheck shell=bash
WORKSPACE=(--workspace --locked --features facepay-desk/ts)
# Every binary and test of the workspace, built as `cargo test` builds them.
build_workspace() { cargo build "${WORKSPACE[@]}" --all-targets "$@"; }
