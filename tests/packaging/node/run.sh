#!/usr/bin/env bash
# Tests the npm distribution the way a user gets it.
#
#   packaging/npm/build OUTDIR && tests/packaging/node/run.sh OUTDIR
#
# 1. installs OUTDIR's two tarballs (tenantsim-linux-x64-VERSION.tgz, tenantsim-VERSION.tgz, VERSION
#    from Cargo.toml) fresh into tests/packaging/node/project/ with `npm install --no-save` (the
#    project's package.json is left as it is; its typescript devDependency, exact-pinned, comes from
#    the registry or npm's cache);
# 2. copies package.test.mjs and types-check.ts there (they must resolve "tenantsim" from that
#    project's node_modules) and runs `node --test` on it, bounded in time. The suite also installs
#    the tarballs offline into scratch projects, and stops every server it starts.
#
# Every TENANTSIM_* variable is unset first, so TENANTSIM_BINARY from a build command cannot make
# the tests use another binary than the installed one. Exits non-zero if anything fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PROJECT="$HERE/project"

INSTALL_TIMEOUT="${PACKAGE_INSTALL_TIMEOUT:-600}"   # seconds, npm install
SUITE_TIMEOUT="${PACKAGE_SUITE_TIMEOUT:-600}"       # seconds, the whole node --test run

log() { printf '== %s\n' "$*"; }
die() { printf 'tests/packaging/node/run.sh: %s\n' "$*" >&2; exit 2; }

[[ $# -eq 1 && -n "$1" ]] || die "usage: tests/packaging/node/run.sh OUTDIR (the folder packaging/npm/build wrote)"
[[ -d "$1" ]] || die "$1 is not a folder"
OUTDIR="$(cd "$1" && pwd)"
for tool in node npm npx timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done

VERSION="$(awk '
  /^[[:space:]]*\[/ { in_pkg = ($0 ~ /^[[:space:]]*\[package\][[:space:]]*(#.*)?$/); next }
  in_pkg && /^[[:space:]]*version[[:space:]]*=/ {
    if (match($0, /"[^"]*"/)) { print substr($0, RSTART + 1, RLENGTH - 2); exit }
  }' "$ROOT/Cargo.toml")"
[[ -n "$VERSION" ]] || die "no version in [package] of $ROOT/Cargo.toml"

PLATFORM_TGZ="$OUTDIR/tenantsim-linux-x64-$VERSION.tgz"
MAIN_TGZ="$OUTDIR/tenantsim-$VERSION.tgz"
for f in "$PLATFORM_TGZ" "$MAIN_TGZ"; do
  [[ -f "$f" ]] || die "$f is missing (Cargo.toml says $VERSION; run packaging/npm/build $OUTDIR)"
done

while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^TENANTSIM_' || true)

log "installing $(basename "$PLATFORM_TGZ") and $(basename "$MAIN_TGZ") into $PROJECT"
rm -rf "$PROJECT/node_modules" "$PROJECT/package-lock.json"
start=$SECONDS
(cd "$PROJECT" && timeout "$INSTALL_TIMEOUT" npm install --no-save --no-audit --no-fund --loglevel=error \
  "$PLATFORM_TGZ" "$MAIN_TGZ") || die "npm install failed"
log "installed in $((SECONDS - start)) s"

cp "$HERE/package.test.mjs" "$HERE/types-check.ts" "$PROJECT/"

log "node --test package.test.mjs"
export PACKAGE_TEST_VERSION="$VERSION" PACKAGE_TEST_OUTDIR="$OUTDIR"
status=0
(cd "$PROJECT" && timeout "$SUITE_TIMEOUT" node --test --test-reporter=spec --test-timeout=120000 package.test.mjs) \
  || status=$?
[[ $status -eq 124 ]] && log "the suite timed out after ${SUITE_TIMEOUT} s"
[[ $status -eq 0 ]] || log "npm package tests FAILED (status $status)"
exit "$status"
