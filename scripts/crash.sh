#!/usr/bin/env bash
# The long crash run of RELIABILITY.md: 200 SIGKILLs of `facepay` spread over
# auth, notify, the outbox's re-delivery, export and close-day, then four
# processes on one journal for 60 s. CI runs the same tests with 50 kills.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
FACEPAY_CRASH_KILLS=${FACEPAY_CRASH_KILLS:-200} FACEPAY_CONCURRENT_SECS=${FACEPAY_CONCURRENT_SECS:-60} \
  cargo test -p facepay-cli --test crash --locked -- --nocapture --test-threads=1 2>&1 |
  grep -E "kills by operation|processes,|test result|panicked"
