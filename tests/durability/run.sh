#!/usr/bin/env bash
# Load and durability tests against the real binary (see README.md here).
#
#   tests/durability/run.sh --short     CI: 10 s soak in memory, 5 s on a file, 5 s with 12 clients,
#                                       3 crash rounds
#   tests/durability/run.sh             long: 60 s soak in memory, 30 s on a file, 20 s with 12
#                                       clients, 20 crash rounds
#   tests/durability/run.sh --bin target/release/tenantsim    (or TENANTSIM_BIN=…)
#
# Without --bin / TENANTSIM_BIN it runs `cargo build --locked` and uses target/debug/tenantsim.
# Exits non-zero if any part fails; every part runs even when an earlier one failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

short=0
bin="${TENANTSIM_BIN:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1 ;;
    --bin) bin="$2"; shift ;;
    --bin=*) bin="${1#--bin=}" ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (use --short, --bin PATH)" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --locked) || { echo "run.sh: cargo build failed" >&2; exit 1; }
  bin="$repo/target/debug/tenantsim"
fi
command -v python3 >/dev/null || { echo "run.sh: python3 is needed" >&2; exit 2; }

tmp="$(mktemp -d -t tenantsim-durability-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

failed=()
run() {
  local name="$1"; shift
  echo
  echo "=== $name"
  if ! python3 "$@"; then
    failed+=("$name")
  fi
}

# The 12-client soak is mostly template writers and snapshot takers: with few clients each
# answer comes at once, so snapshots meet writes at fine grain (64 clients queue for the pool).
if [ "$short" = 1 ]; then
  run "soak, in-memory database" "$here/soak.py" --bin "$bin" --short
  run "soak, file database" "$here/soak.py" --bin "$bin" --seconds 5 --db "$tmp/soak.db"
  run "soak, 12 clients (snapshots under fast writes)" "$here/soak.py" --bin "$bin" --seconds 5 --clients 12
  run "crash" "$here/crash.py" --bin "$bin" --short
else
  run "soak, in-memory database" "$here/soak.py" --bin "$bin"
  run "soak, file database" "$here/soak.py" --bin "$bin" --seconds 30 --db "$tmp/soak.db"
  run "soak, 12 clients (snapshots under fast writes)" "$here/soak.py" --bin "$bin" --seconds 20 --clients 12
  run "crash" "$here/crash.py" --bin "$bin"
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "durability: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "durability: all passed"
