#!/usr/bin/env bash
# Runs the examples of docs/his-bridge.md as a HIS vendor would, so the guide
# cannot drift from the bridge: every `sh` block in order (each `curl` must
# answer 2xx unless the block reads the status itself with -w), then the Java 8
# example compiled with --release 8 against a terminal slower than its read
# timeout (the idempotent retry), all against `facepay serve` on facepay-sim.
# The PowerShell example runs where `pwsh` is installed (no registry this
# project's machines reach carries it: see RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$(cd "${FACEPAY_BIN_DIR:-target/debug}" && pwd)
for b in facepay facepay-sim; do
  [ -x "$bin/$b" ] || { echo "his-guide-examples: $bin/$b is missing (cargo build -p facepay-cli -p facepay-sim)" >&2; exit 1; }
done
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The terminal: the simulator on a free loopback port.
"$bin/facepay-sim" --listen 127.0.0.1:0 >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
sim=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/sim.out")
[ -n "$sim" ] || { cat "$work/sim.err" >&2; exit 1; }

# A counter as IT sets one up for testing (the guide's section 8), with an administrator.
export FACEPAY_TERMINAL_URL="$sim/api/open" FACEPAY_ORG_ID=H44170200001 FACEPAY_HOSPITAL_NAME=测试医院
export FACEPAY_COUNTER_ID=W99 FACEPAY_OPERATOR_ID=0107 FACEPAY_OPERATOR_NAME=测试收款员
export FACEPAY_OFFICE_ID=0301 FACEPAY_OFFICE_NAME=挂号收费处
export FACEPAY_DB="$work/journal/facepay.db" FACEPAY_JOURNAL_KEY_FILE="$work/keys/journal.key"
unset FACEPAY_CONFIG FACEPAY_BRIDGE_TOKEN
FACEPAY_NEW_PIN=246810 "$bin/facepay" operators add --id 0001 --name 周建国 --role admin >/dev/null
export FACEPAY_ADMIN_ID=0001 FACEPAY_ADMIN_PIN=246810

"$bin/facepay" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
listening=$(jq -r .listening "$work/serve.out" 2>/dev/null || true)
[ -n "$listening" ] || { cat "$work/serve.err" >&2; exit 1; }
export BASE="http://$listening" SIM="$sim" PATH="$bin:$PATH"

# Every sh block, in order, in one shell: later blocks use what earlier ones set.
awk '/^```sh$/ { on = 1; n++; print "echo \"== example " n " ==\""; next } /^```$/ { on = 0 } on' \
  docs/his-bridge.md >"$work/examples.sh"
blocks=$(grep -c '^```sh$' docs/his-bridge.md)
echo "his-guide-examples: $blocks sh blocks from docs/his-bridge.md against $BASE"
(
  cd "$work"
  # A curl that does not read the status itself must get a 2xx.
  curl() {
    case " $* " in
      *" -w "* | *" --write-out "*) command curl "$@" ;;
      *) command curl --fail-with-body "$@" ;;
    esac
  }
  set -euo pipefail
  # shellcheck disable=SC1091
  source ./examples.sh
  echo "his-guide-examples: all $blocks sh blocks ran"
)

token=$("$bin/facepay" bridge-token --raw)

# Java 8: a client whose read timeout (1 s) is shorter than the face scan (3 s).
if command -v javac >/dev/null; then
  mkdir -p "$work/java"
  awk '/^```java$/ { on = 1; next } /^```$/ { on = 0 } on' docs/his-bridge.md >"$work/java/FacePayBridgeExample.java"
  javac --release 8 -encoding UTF-8 -d "$work/java" "$work/java/FacePayBridgeExample.java"
  command curl -sS -X DELETE "$sim/_sim/requests"
  command curl -sS --fail-with-body -X POST "$sim/_sim/script" -H "Content-Type: application/json" \
    -d '{"transType":"cn.nhsa.ec.auth","delayMs":3000,"reply":"normal"}' >/dev/null
  java -Dfacepay.readTimeoutMs=1000 -cp "$work/java" FacePayBridgeExample "$BASE" "$token" | tee "$work/java.out"
  grep -q 已退费 "$work/java.out"
  scans=$(command curl -sS "$sim/_sim/requests" | jq '[.[] | select(.transType == "cn.nhsa.ec.auth")] | length')
  # It gave up after 1 s and retried under its key: still one face scan.
  [ "$scans" = 1 ] || { echo "his-guide-examples: the Java example scanned $scans times" >&2; exit 1; }
  echo "his-guide-examples: Java example ran: its retry after a 1 s timeout got the patient of one scan"
else
  echo "his-guide-examples: javac not found: the Java example was not run" >&2
  exit 1
fi

# PowerShell, where it is installed.
if command -v pwsh >/dev/null; then
  awk '/^```powershell$/ { on = 1; next } /^```$/ { on = 0 } on' docs/his-bridge.md >"$work/FacePayBridge.ps1"
  sed -i "s|^\$Base  = .*|\$Base  = '$BASE'|" "$work/FacePayBridge.ps1"
  FACEPAY_TOKEN="$token" pwsh -NoProfile -File "$work/FacePayBridge.ps1"
else
  echo "his-guide-examples: pwsh not installed here: the PowerShell example was not run"
fi
echo "his-guide-examples: ok"
