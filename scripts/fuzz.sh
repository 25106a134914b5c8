#!/usr/bin/env bash
# Coverage-guided fuzzing of the engine's parsers with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [--smoke] [TARGET...]
#
# Targets (fuzz/fuzz_targets/): reply, amount, setl_time, notify_request,
# config, charset. None named = all of them.
#
#   full mode (default)  10 000 000 executions per target (capped at
#                        FUZZ_MAX_TOTAL_TIME seconds, default 900); new inputs
#                        are added to fuzz/corpus/<target>. Afterwards shrink it:
#                        cargo +nightly fuzz cmin <target>
#   --smoke              FUZZ_SMOKE_RUNS executions per target (default 20 000,
#                        capped at 30 s each) on a scratch copy: the committed
#                        corpus is only read. Meant for CI.
#
# Installs the nightly toolchain and cargo-fuzz when missing. Exits non-zero if
# any target crashes, fails an assertion, times out or runs out of memory; the
# input that did it is in fuzz/artifacts/<target>/ and the log in
# fuzz/target/fuzz-logs/<target>.log. Reproduce with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail

cd "$(dirname "$0")/.."

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

smoke=0
targets=()
for arg in "$@"; do
    case "$arg" in
        --smoke) smoke=1 ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
        *) targets+=("$arg") ;;
    esac
done

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "==> installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

mapfile -t known < <(cargo +nightly fuzz list)
if [ ${#targets[@]} -eq 0 ]; then
    targets=("${known[@]}")
fi
for t in "${targets[@]}"; do
    if ! printf '%s\n' "${known[@]}" | grep -qx -- "$t"; then
        echo "fuzz.sh: no target '$t' (known: ${known[*]})" >&2
        exit 2
    fi
done

# The smoke proves each target builds and runs its corpus: lightly optimised
# (`--dev` at opt-level 1) it builds in about a third of the time of an
# optimised build and still runs its inputs quickly (unoptimised, replaying
# the corpora took longer than the build saved). The long runs are fully
# optimised, for the executions per second.
build_mode=()
if [ "$smoke" -eq 1 ]; then
    build_mode=(--dev)
    export CARGO_PROFILE_DEV_OPT_LEVEL=1
    runs="${FUZZ_SMOKE_RUNS:-20000}"
    max_time="${FUZZ_SMOKE_MAX_TOTAL_TIME:-30}"
else
    runs="${FUZZ_RUNS:-10000000}"
    max_time="${FUZZ_MAX_TOTAL_TIME:-900}"
fi

logs=fuzz/target/fuzz-logs
mkdir -p "$logs"
scratch=""
if [ "$smoke" -eq 1 ]; then
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
fi

started=$SECONDS
echo "==> building ${targets[*]}"
for t in "${targets[@]}"; do
    cargo +nightly fuzz build "${build_mode[@]}" "$t"
done
build_secs=$((SECONDS - started))

failed=()
summary=()
for t in "${targets[@]}"; do
    corpus=(fuzz/corpus/"$t")
    if [ "$smoke" -eq 1 ]; then
        # New inputs go to the first directory: a scratch one, so CI leaves the tree clean.
        mkdir -p "$scratch/$t"
        corpus=("$scratch/$t" fuzz/corpus/"$t")
    fi
    mkdir -p fuzz/corpus/"$t"
    args=(-runs="$runs" -max_total_time="$max_time" -max_len=4096 -timeout=10 -print_final_stats=1)
    if [ -f fuzz/dicts/"$t".dict ]; then
        args+=(-dict=fuzz/dicts/"$t".dict)
    fi
    echo "==> fuzzing $t (${args[*]})"
    t0=$SECONDS
    status=0
    cargo +nightly fuzz run "${build_mode[@]}" "$t" "${corpus[@]}" -- "${args[@]}" 2>&1 | tee "$logs/$t.log" || status=$?
    secs=$((SECONDS - t0))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$t.log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$logs/$t.log" | tail -1)
    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        result="FAILED (exit $status, see $logs/$t.log and fuzz/artifacts/$t/)"
    else
        result="ok"
    fi
    summary+=("$(printf '%-15s %12s %10s %7ss %8s  %s' "$t" "${execs:-?}" "${rate:-?}" "$secs" "${rss:-?}MB" "$result")")
done

echo
echo "==> build ${build_secs}s, total $((SECONDS - started))s"
printf '%-15s %12s %10s %8s %8s  %s\n' target executions exec/s time peak_rss result
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]}" >&2
    exit 1
fi
