#!/usr/bin/env bash
# Builds the three packages from one static binary and tests each one as its users would:
#
#   tests/packaging/run.sh
#
# 1. packaging/static-binary (the statically linked release build, reused by all three);
# 2. the image (packaging/container/build) → tests/packaging/container/run.sh (podman checks,
#    start-to-/health time, Testcontainers in Python and Node);
# 3. the wheel (packaging/python/build) → tests/packaging/python/run.sh (a pytest session that
#    uses only the installed wheel and its plugin);
# 4. the npm tarballs (packaging/npm/build) → tests/packaging/node/run.sh (a Node test that
#    uses only the installed package).
# Installs podman from Debian when missing; client installs are cached in each suite's folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
log() { printf '== packaging: %s\n' "$*"; }

# `file` and `strip` (binutils) check and shrink the binary; minimal images lack them.
missing=()
command -v file >/dev/null 2>&1 || missing+=(file)
command -v strip >/dev/null 2>&1 || missing+=(binutils)
if (( ${#missing[@]} )); then
  log "installing ${missing[*]} (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

DIST="$(mktemp -d)"
trap 'rm -rf "$DIST"' EXIT

start=$SECONDS
log "static binary"
BIN="$(packaging/static-binary)"
export TENANTSIM_BINARY="$BIN"
log "$BIN ($(du -h "$BIN" | cut -f1), $(file -b "$BIN" | cut -d, -f1-2)) in $((SECONDS - start)) s"
"$BIN" --version
# The linker's code order names functions with their crate hashes, which change with the
# dependencies: a stale list builds fine but loses the idle-RSS gain (see tools/code_order.py).
python3 tools/code_order.py --check --bin "$BIN" --min 0.85 \
  || { echo "tools/code-order.txt is stale: build target/release and packaging/static-binary, then rerun python3 tools/code_order.py" >&2; exit 1; }

log "image"
packaging/container/build
tests/packaging/container/run.sh

log "wheel"
packaging/python/build "$DIST/python"
tests/packaging/python/run.sh "$(ls "$DIST"/python/tenantsim-*.whl)"

log "npm"
packaging/npm/build "$DIST/npm"
tests/packaging/node/run.sh "$DIST/npm"

log "all passed in $((SECONDS - start)) s"
