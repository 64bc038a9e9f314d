#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS_PER_TARGET (default 300, the long
# setting; CI passes 10) on the committed seeds plus the local working corpus. Fails when any
# target crashes; the crash input is left in fuzz/artifacts/<target>/ (see README.md).
#
# cargo-fuzz needs nightly flags (-Zsanitizer, -Cpasses=sancov-module): RUSTC_BOOTSTRAP=1
# allows them on the stable toolchain. The targets are built without a sanitizer: the crate
# forbids unsafe code, so AddressSanitizer would watch only the dependencies, at a cost of
# a slower build and fewer executions per second; panics, overflow checks and debug
# assertions are what finds bugs here.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-300}"
targets=(odata_filter odata_query fixture_load write_bodies)
export RUSTC_BOOTSTRAP=1
flags=(--sanitizer none)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== building ${targets[*]}"
start=$(date +%s)
cargo fuzz build "${flags[@]}"
echo "built in $(( $(date +%s) - start )) s"

failed=()
for target in "${targets[@]}"; do
    echo "== $target: ${seconds} s"
    mkdir -p "corpus/$target" "artifacts/$target"
    dict=()
    if [[ -f "dicts/$target.dict" ]]; then
        dict=("-dict=dicts/$target.dict")
    fi
    # The first corpus folder (gitignored) receives what the run finds; the seeds are read only.
    # A slow input (-timeout) or a leak of memory past -rss_limit_mb counts as a crash too.
    if ! cargo fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        "${dict[@]}" 2>"artifacts/$target/log.txt"; then
        failed+=("$target")
        tail -n 60 "artifacts/$target/log.txt"
    else
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
            "artifacts/$target/log.txt" || true
    fi
done

if (( ${#failed[@]} )); then
    echo "FAILED: ${failed[*]} (crash inputs in fuzz/artifacts/<target>/)"
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash"
