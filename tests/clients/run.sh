#!/usr/bin/env bash
# Runs tenantsim against the official Microsoft clients (Python and Node) and the command-line
# tools (Azure CLI, CLI for Microsoft 365) through its proxy.
#
#   tests/clients/run.sh
#
# 1. creates/updates .venv-clients (pinned: tests/clients/python/requirements.txt, with every
#    dependency fixed by constraints.txt) and
#    tests/clients/node/node_modules (npm ci from the committed package-lock.json), skipping
#    either when it already matches its pins;
# 2. builds tenantsim (cargo build --locked), starts it on free ports with a temporary data
#    directory and waits for its ready line;
# 3. exports SSL_CERT_FILE / REQUESTS_CA_BUNDLE / NODE_EXTRA_CA_CERTS (tenantsim's CA),
#    TENANTSIM_HTTPS_URL, TENANTSIM_HTTP_URL and TENANTSIM_TENANT, runs pytest and `node --test`;
# 4. stops the server and exits non-zero if either suite failed.
#
# Needs only python3 (with venv), node 20 + npm, and cargo. Everything is bounded in time.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

CLIENTS="tests/clients"
VENV="$ROOT/.venv-clients"
PY_REQS="$CLIENTS/python/requirements.txt"
PY_CONSTRAINTS="$CLIENTS/python/constraints.txt"
NODE_DIR="$CLIENTS/node"
CONTOSO_TENANT="c0a70550-0000-4000-8000-000000000001"

INSTALL_TIMEOUT="${CLIENTS_INSTALL_TIMEOUT:-900}"   # seconds, each install step
BUILD_TIMEOUT="${CLIENTS_BUILD_TIMEOUT:-1800}"      # seconds, cargo build
SUITE_TIMEOUT="${CLIENTS_SUITE_TIMEOUT:-300}"       # seconds, each whole suite
CLI_SUITE_TIMEOUT="${CLIENTS_CLI_SUITE_TIMEOUT:-600}" # seconds, the CLI suite (az starts slowly)
READY_TIMEOUT=60                                    # seconds to wait for the ready line

log() { printf '== %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

sha() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

for tool in python3 node npm cargo timeout sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done

# ---------------------------------------------------------------------------------------------
# 1. Client environments
# ---------------------------------------------------------------------------------------------

install_python() {
  local stamp="$VENV/.tenantsim-requirements.sha256" want
  want="$(sha "$PY_REQS" "$PY_CONSTRAINTS")"
  if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
     && "$VENV/bin/python" -c 'import msal, msgraph, azure.identity, pytest' 2>/dev/null; then
    log "python: $VENV is up to date (skipping install)"
    return 0
  fi
  local start=$SECONDS
  log "python: installing pinned packages into $VENV"
  if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
  fi
  timeout "$INSTALL_TIMEOUT" "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$PY_REQS" -c "$PY_CONSTRAINTS" || die "pip install failed"
  echo "$want" >"$stamp"
  log "python: installed in $((SECONDS - start)) s"
}

install_node() {
  local stamp="$NODE_DIR/node_modules/.tenantsim-lock.sha256" want
  want="$(sha "$NODE_DIR/package.json" "$NODE_DIR/package-lock.json")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "node: $NODE_DIR/node_modules is up to date (skipping install)"
    return 0
  fi
  local start=$SECONDS
  log "node: npm ci in $NODE_DIR"
  (cd "$NODE_DIR" && timeout "$INSTALL_TIMEOUT" npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci failed"
  echo "$want" >"$stamp"
  log "node: installed in $((SECONDS - start)) s"
}

CLI_DIR="$CLIENTS/cli"

install_python
install_node
# The command-line tools (Azure CLI, CLI for Microsoft 365): large, cached in their folder.
INSTALL_TIMEOUT="$INSTALL_TIMEOUT" "$CLI_DIR/install.sh" || die "installing the command-line tools failed"

# ---------------------------------------------------------------------------------------------
# 2. tenantsim
# ---------------------------------------------------------------------------------------------

log "cargo build --locked"
timeout "$BUILD_TIMEOUT" cargo build --locked --quiet || die "cargo build failed"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/tenantsim"
[[ -x "$BIN" ]] || die "no binary at $BIN"

DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tenantsim-clients.XXXXXX")"
SERVER_LOG="$DATA_DIR/server.log"
SERVER_PID=""

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting tenantsim (data dir $DATA_DIR)"
# Settings from the caller's environment must not change the server under test.
env -u TENANTSIM_DB -u TENANTSIM_FIXTURES -u TENANTSIM_PUBLIC_URL -u TENANTSIM_PAGE_SIZE \
    -u TENANTSIM_NO_HTTPS -u TENANTSIM_TLS_CERT -u TENANTSIM_TLS_KEY -u TENANTSIM_BIND \
  -u TENANTSIM_PROXY_PORT \
  "$BIN" serve --http-port 0 --https-port 0 --proxy-port 0 --data-dir "$DATA_DIR" --log-format pretty \
  >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

HTTPS_URL=""
HTTP_URL=""
for _ in $(seq 1 $((READY_TIMEOUT * 10))); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    cat "$SERVER_LOG" >&2
    die "tenantsim exited before it was ready"
  fi
  # Ready line: "tenantsim ready on http://127.0.0.1:P and https://localhost:Q"
  READY_LINE="$(sed 's/\x1b\[[0-9;]*m//g' "$SERVER_LOG" \
    | grep -o 'tenantsim ready on http://[^ ]* and https://[^ ]*' | head -n1)"
  HTTPS_URL="$(grep -o 'https://[^ ]*' <<<"$READY_LINE")"
  PROXY_URL="$(sed 's/\x1b\[[0-9;]*m//g' "$SERVER_LOG" | grep -o '(proxy http://[^ ]*' | head -n1 | cut -c8-)"
  HTTP_URL="$(grep -o 'http://[^ ]*' <<<"$READY_LINE")"
  [[ -n "$HTTPS_URL" && -n "$HTTP_URL" ]] && break
  sleep 0.1
done
[[ -n "$HTTPS_URL" ]] || { cat "$SERVER_LOG" >&2; die "no ready line after ${READY_TIMEOUT}s"; }
CA_FILE="$DATA_DIR/tls-ca.pem"
[[ -s "$CA_FILE" ]] || die "no CA file at $CA_FILE"
log "tenantsim ready at $HTTPS_URL and $HTTP_URL (CA $CA_FILE)"

export SSL_CERT_FILE="$CA_FILE"          # httpx (msgraph-sdk), aiohttp (async azure-identity)
export REQUESTS_CA_BUNDLE="$CA_FILE"     # requests (MSAL Python, sync azure-identity)
export NODE_EXTRA_CA_CERTS="$CA_FILE"    # node (read at process start)
export TENANTSIM_HTTPS_URL="$HTTPS_URL"
export TENANTSIM_HTTP_URL="$HTTP_URL"     # plain HTTP: only the LinkedIn connect flow (README)
export TENANTSIM_TENANT="$CONTOSO_TENANT"
export TENANTSIM_PROXY_URL="$PROXY_URL"   # the proxy for the Microsoft host names (test_proxy.py)

# ---------------------------------------------------------------------------------------------
# 3. Suites
# ---------------------------------------------------------------------------------------------

PY_OUT="$DATA_DIR/pytest.out"
NODE_OUT="$DATA_DIR/node.out"

log "python suite (pytest)"
timeout "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest "$CLIENTS/python" \
  -c "$CLIENTS/python/pytest.ini" --rootdir "$CLIENTS/python" -p no:cacheprovider \
  -v -rfExX 2>&1 | tee "$PY_OUT"
PY_RC=${PIPESTATUS[0]}

log "node suite (node --test)"
# One file at a time: both share the server, and example.test.mjs resets every tenant.
(cd "$NODE_DIR" && timeout "$SUITE_TIMEOUT" node --test --test-reporter=tap \
  --test-concurrency=1 --test-timeout=60000 test_clients.mjs directory.test.mjs proxy.test.mjs example.test.mjs) 2>&1 | tee "$NODE_OUT"
NODE_RC=${PIPESTATUS[0]}

log "command-line tools suite (Azure CLI, CLI for Microsoft 365; pytest)"
CLI_OUT="$DATA_DIR/cli.out"
timeout "$CLI_SUITE_TIMEOUT" "$VENV/bin/python" -m pytest "$CLI_DIR" \
  -c "$CLI_DIR/pytest.ini" --rootdir "$CLI_DIR" -p no:cacheprovider \
  -v -rfExX 2>&1 | tee "$CLI_OUT"
CLI_RC=${PIPESTATUS[0]}

stop_server

# ---------------------------------------------------------------------------------------------
# 4. Summary
# ---------------------------------------------------------------------------------------------

count() { grep -Eo "$1" "$2" | tail -n1 | grep -Eo '[0-9]+' || echo 0; }
py_passed=$(count '[0-9]+ passed' "$PY_OUT")
py_failed=$(( $(count '[0-9]+ failed' "$PY_OUT") + $(count '[0-9]+ errors?' "$PY_OUT") ))
py_xfailed=$(count '[0-9]+ xfailed' "$PY_OUT")
node_passed=$(count '^# pass [0-9]+' "$NODE_OUT")
node_failed=$(count '^# fail [0-9]+' "$NODE_OUT")
node_todo=$(count '^# todo [0-9]+' "$NODE_OUT")

echo
log "summary"
echo "python (pytest):     $py_passed passed, $py_failed failed, $py_xfailed expected failures (tenantsim defects), exit $PY_RC"
echo "node (node --test):  $node_passed passed, $node_failed failed, $node_todo todo (tenantsim defects), exit $NODE_RC"
cli_passed=$(count '[0-9]+ passed' "$CLI_OUT")
cli_failed=$(( $(count '[0-9]+ failed' "$CLI_OUT") + $(count '[0-9]+ errors?' "$CLI_OUT") ))
echo "CLIs (pytest):       $cli_passed passed, $cli_failed failed, exit $CLI_RC"
[[ $PY_RC -eq 124 ]] && echo "python suite timed out after ${SUITE_TIMEOUT}s"
[[ $CLI_RC -eq 124 ]] && echo "CLI suite timed out after ${CLI_SUITE_TIMEOUT}s"
[[ $NODE_RC -eq 124 ]] && echo "node suite timed out after ${SUITE_TIMEOUT}s"

if [[ $PY_RC -ne 0 || $NODE_RC -ne 0 || $CLI_RC -ne 0 ]]; then
  exit 1
fi
exit 0
