#!/usr/bin/env bash
# The demo story in a real browser.
#
#   tests/browser/run.sh
#
# 1. installs the pinned node dependencies (npm ci from package-lock.json: playwright-core, no
#    browser download, and @azure/msal-browser for the SPA);
# 2. installs Debian's Chromium (apt-get update && apt-get install -y chromium) only if
#    /usr/bin/chromium is missing;
# 3. builds tenantsim, starts it on free ports (HTTP, HTTPS and the proxy for the Microsoft
#    host names) with a temporary data directory and waits for its ready line;
# 4. runs spa.test.mjs (an unmodified MSAL.js single-page app through tenantsim's proxy) and
#    demo.test.mjs with node:test (spec reporter and summary); screenshots of every step
#    go to tests/browser/artifacts/ (gitignored; CI keeps the folder as an artifact);
# 5. stops the server; exits non-zero if the test failed. Every step is bounded in time.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

INSTALL_TIMEOUT="${BROWSER_INSTALL_TIMEOUT:-900}"
BUILD_TIMEOUT="${BROWSER_BUILD_TIMEOUT:-1800}"
SUITE_TIMEOUT="${BROWSER_SUITE_TIMEOUT:-300}"
READY_TIMEOUT=60
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

log() { printf '== %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

for tool in node npm cargo timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done

log "node dependencies (npm ci)"
(cd "$HERE" && timeout "$INSTALL_TIMEOUT" npm ci --no-audit --no-fund --loglevel=error) \
  || die "npm ci failed"

if [[ ! -x "$CHROMIUM" ]]; then
  log "installing Debian's chromium"
  SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  timeout "$INSTALL_TIMEOUT" $SUDO apt-get update \
    && DEBIAN_FRONTEND=noninteractive timeout "$INSTALL_TIMEOUT" $SUDO apt-get install -y chromium \
    || die "could not install chromium"
fi

log "building tenantsim"
timeout "$BUILD_TIMEOUT" cargo build --locked --quiet || die "cargo build failed"

DATA_DIR="$(mktemp -d)"
SERVER_LOG="$DATA_DIR/server.log"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$ROOT/target/debug/tenantsim" serve --http-port 0 --https-port 0 --proxy-port 0 --data-dir "$DATA_DIR" \
  >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

HTTP_URL=""
for _ in $(seq 1 $((READY_TIMEOUT * 10))); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    cat "$SERVER_LOG" >&2
    die "tenantsim exited before it was ready"
  fi
  # Ready line: "tenantsim ready on http://127.0.0.1:P and https://localhost:Q"
  HTTP_URL="$(grep -o 'tenantsim ready on http://[^ ]*' "$SERVER_LOG" | head -1 | sed 's/^tenantsim ready on //')"
  PROXY_URL="$(sed 's/\x1b\[[0-9;]*m//g' "$SERVER_LOG" | grep -o '(proxy http://[^ )]*' | head -n1 | cut -c8-)"
  [[ -n "$HTTP_URL" && -n "$PROXY_URL" ]] && break
  sleep 0.1
done
[[ -n "$HTTP_URL" ]] || { cat "$SERVER_LOG" >&2; die "no ready line after ${READY_TIMEOUT}s"; }
CA_FILE="$DATA_DIR/tls-ca.pem"
[[ -s "$CA_FILE" ]] || die "no CA file at $CA_FILE"
log "tenantsim ready at $HTTP_URL (proxy $PROXY_URL, CA $CA_FILE)"

rm -rf "$HERE/artifacts" && mkdir -p "$HERE/artifacts"
export TENANTSIM_URL="$HTTP_URL" TENANTSIM_PROXY_URL="$PROXY_URL" TENANTSIM_CA_FILE="$CA_FILE" CHROMIUM
# One file at a time, the SPA first: both share the server, and the demo ends with LinkedIn
# account connections set to No.
(cd "$HERE" && timeout "$SUITE_TIMEOUT" node --test --test-reporter=spec --test-concurrency=1 \
  spa.test.mjs demo.test.mjs)
status=$?
log "screenshots: $HERE/artifacts/"
[[ $status -eq 0 ]] || { log "browser test FAILED (status $status); server log:"; tail -n 40 "$SERVER_LOG"; }
exit $status
