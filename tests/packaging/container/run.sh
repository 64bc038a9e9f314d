#!/usr/bin/env bash
# Tests the image localhost/tenantsim:latest (build it first: packaging/container/build):
#
#   tests/packaging/container/run.sh
#
# 1. the image itself, through podman: non-root, no shell, ≤ 30 MiB, refuses to start without
#    TENANTSIM_ADMIN_KEY and says why, HEALTHCHECK passes, SIGTERM stops it with exit 0, and
#    the time from `podman run` to the first 200 from /health (printed);
# 2. the lab's compose.yaml through podman-compose (20 students on a --db volume, restart);
# 3. the Python `testcontainers` package and the Node `testcontainers` package against
#    podman's Docker-compatible socket: start, wait for the ready line, fetch the CA, call Graph
#    over HTTPS with the official SDKs.
# Client installs are cached in this folder (.venv, node/node_modules) keyed by their pins.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
IMAGE="${TENANTSIM_IMAGE:-localhost/tenantsim:latest}"
export CONTAINERS_CONF="$ROOT/packaging/container/containers.conf"
log() { printf '== container: %s\n' "$*"; }
fail() { printf 'container test: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

podman image exists "$IMAGE" || fail "no image $IMAGE: run packaging/container/build first"

WORK="$(mktemp -d)"
SERVICE_PID=""
CONTAINER=""
cleanup() {
  [[ -n "$CONTAINER" ]] && podman rm -f "$CONTAINER" >/dev/null 2>&1 || true
  [[ -n "$SERVICE_PID" ]] && kill "$SERVICE_PID" 2>/dev/null || true
  # Without Ryuk, testcontainers leaves the image's anonymous /data volumes behind.
  podman volume prune -f >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# 1. The image through podman
# ---------------------------------------------------------------------------------------------
user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
[[ "$user" == "65532:65532" ]] || fail "the image runs as '$user', not the non-root 65532:65532"
log "runs as $user"

if podman run --rm --entrypoint /bin/sh "$IMAGE" -c true >/dev/null 2>&1; then
  fail "the image has a shell"
fi
log "no shell"

bytes="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
(( bytes <= 30 * 1048576 )) || fail "image is $bytes bytes, over 30 MiB"
log "size $(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"

set +e
refusal="$(timeout 60 podman run --rm "$IMAGE" 2>&1)"
status=$?
set -e
(( status != 0 )) || fail "the image started without TENANTSIM_ADMIN_KEY"
grep -q "without --admin-key" <<<"$refusal" || fail "the refusal does not say why: $refusal"
log "refuses to start without TENANTSIM_ADMIN_KEY (exit $status): $(grep -o 'refusing[^:]*' <<<"$refusal" | head -n1)"

start_ms() { date +%s%3N; }
t0="$(start_ms)"
CONTAINER="$(podman run -d -e TENANTSIM_ADMIN_KEY=container-test-key -p 127.0.0.1::8080 "$IMAGE")"
port="$(podman port "$CONTAINER" 8080 | head -n1 | sed 's/.*://')"
until curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; do
  (( $(start_ms) - t0 < 30000 )) || { podman logs "$CONTAINER" >&2; fail "no /health after 30 s"; }
  sleep 0.01
done
t1="$(start_ms)"
log "podman run to the first 200 from /health: $((t1 - t0)) ms"
for _ in $(seq 50); do
  podman healthcheck run "$CONTAINER" >/dev/null 2>&1 && break
  sleep 0.1
done
podman healthcheck run "$CONTAINER" >/dev/null 2>&1 || fail "HEALTHCHECK fails on a ready container"
log "HEALTHCHECK (tenantsim healthcheck) passes"
podman stop -t 10 "$CONTAINER" >/dev/null
code="$(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")"
[[ "$code" == "0" ]] || fail "SIGTERM ended the container with exit $code, not a graceful 0"
# Read the logs whole before searching them: `podman logs | grep -q` under pipefail fails when
# grep quits at the match and podman dies of SIGPIPE writing the lines after it.
container_logs="$(podman logs "$CONTAINER" 2>&1)"
grep -q "tenantsim ready on" <<<"$container_logs" || fail "no ready line in the logs: $container_logs"
podman rm "$CONTAINER" >/dev/null
CONTAINER=""
log "SIGTERM stops it with exit 0"

VENV="$HERE/python/.venv"
want="$(sha "$HERE/python/requirements.txt" "$HERE/python/constraints.txt")"
if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.pins.sha256" 2>/dev/null)" != "$want" ]]; then
  log "python: installing pinned packages into $VENV"
  python3 -m venv "$VENV"
  timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check \
    -r "$HERE/python/requirements.txt" -c "$HERE/python/constraints.txt"
  echo "$want" >"$VENV/.pins.sha256"
fi

# ---------------------------------------------------------------------------------------------
# 2. The lab's compose.yaml (podman-compose): 20 students in a --db file on the volume, and a
#    tenant created through the control API still there after a restart
# ---------------------------------------------------------------------------------------------
COMPOSE=("$VENV/bin/podman-compose" -p tenantsim-lab-test -f "$ROOT/packaging/container/compose.yaml")
LAB_KEY=lab-test-key
LAB_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
LAB_TLS_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
lab() { TENANTSIM_ADMIN_KEY="$LAB_KEY" TENANTSIM_HTTP_PORT="$LAB_PORT" TENANTSIM_HTTPS_PORT="$LAB_TLS_PORT" \
          timeout 120 "${COMPOSE[@]}" "$@" >"$WORK/compose.log" 2>&1 \
          || { cat "$WORK/compose.log" >&2; fail "podman-compose $* failed"; }; }
lab_ready() {
  for _ in $(seq 300); do
    curl -fs "http://127.0.0.1:$LAB_PORT/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  podman logs tenantsim-lab-test_tenantsim_1 >&2 || true
  fail "the lab did not become ready"
}
lab_tenants() {
  curl -fsS -H "Authorization: Bearer $LAB_KEY" "http://127.0.0.1:$LAB_PORT/_tenantsim/tenants" \
    | python3 -c 'import json, sys; print(" ".join(sorted(t["domains"][0].split(".")[0] for t in json.load(sys.stdin)["value"])))'
}
trap 'TENANTSIM_ADMIN_KEY=x timeout 60 "${COMPOSE[@]}" down -v >/dev/null 2>&1 || true; cleanup' EXIT
lab up -d
lab_ready
students="$(lab_tenants | tr ' ' '\n' | grep -c '^student[0-9][0-9]$' || true)"
(( students == 20 )) || fail "the lab has $students student tenants, not 20: $(lab_tenants)"
curl -fsS -H "Authorization: Bearer $LAB_KEY" -H 'Content-Type: application/json' \
  -d '{"template": "contoso", "name": "latecomer"}' \
  "http://127.0.0.1:$LAB_PORT/_tenantsim/tenants" >/dev/null || fail "creating a tenant in the lab failed"
lab restart
lab_ready
tenants="$(lab_tenants)"
grep -qw latecomer <<<"$tenants" || fail "the tenant created before the restart is gone: $tenants"
log "compose.yaml: 20 student tenants on a --db volume; a tenant created before a restart is kept"
lab down -v

# ---------------------------------------------------------------------------------------------
# 3. Testcontainers (Python and Node) through podman's Docker-compatible socket
# ---------------------------------------------------------------------------------------------
SOCKET="$WORK/podman.sock"
podman system service --time=0 "unix://$SOCKET" >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 100); do [[ -S "$SOCKET" ]] && break; sleep 0.05; done
[[ -S "$SOCKET" ]] || { cat "$WORK/service.log" >&2; fail "podman's API socket did not appear"; }
export DOCKER_HOST="unix://$SOCKET"
# Ryuk (the reaper container) cannot be pulled here; this VM has a /.dockerenv, so without
# docker_host mode the Python package thinks it runs inside a container.
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_CONNECTION_MODE=docker_host
export TENANTSIM_IMAGE="$IMAGE"

log "python testcontainers"
(cd "$HERE/python" && timeout 300 "$VENV/bin/python" -m pytest -q test_container.py)

NODE="$HERE/node"
want="$(sha "$NODE/package.json" "$NODE/package-lock.json")"
if [[ ! -d "$NODE/node_modules" || "$(cat "$NODE/node_modules/.pins.sha256" 2>/dev/null)" != "$want" ]]; then
  log "node: npm ci in $NODE"
  (cd "$NODE" && timeout 900 npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$NODE/node_modules/.pins.sha256"
fi
log "node testcontainers"
(cd "$NODE" && timeout 300 node --test --test-timeout=120000 container.test.mjs)
log "passed"
