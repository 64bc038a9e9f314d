"""Shared by soak.py and crash.py: start the real binary, talk HTTP/1.1 keep-alive, forge tokens.

Standard library only.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TENANT = "contoso.onmicrosoft.com"
TENANT_ID = "c0a70550-0000-4000-8000-000000000001"
ADMIN_UPN = "admin@contoso.onmicrosoft.com"
# Contoso Admin Automation (fixtures/contoso.json); the forged token carries the roles below.
AUTOMATION_APP = "c0a70550-a990-4000-8000-000000000302"
APP_ROLES = [
    "Directory.ReadWrite.All",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Application.Read.All",
]
# The Azure portal's API (ADIbizaUX): the audience of the LinkedIn setting's PUT.
PORTAL_AUDIENCE = "74658136-14ec-4630-ad9b-26e160ff0fc6"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# Contoso Team Portal's service principal: the client of the grants the soak creates.
TEAM_PORTAL_SP = "c0a70550-0000-4000-8000-000000000305"
READY = re.compile(r"tenantsim ready on (http://[^\s]+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Errors that mean the connection failed (as opposed to an HTTP status).
CONNECTION_ERRORS = (
    ConnectionError,
    http.client.HTTPException,
    socket.timeout,
    TimeoutError,
    OSError,
)


class Failure(Exception):
    """A check failed: the message says which and why."""


def die(message, code=1):
    print(f"\nFAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def binary(arg):
    """--bin, else $TENANTSIM_BIN, else target/debug/tenantsim."""
    path = arg or os.environ.get("TENANTSIM_BIN") or os.path.join(REPO, "target", "debug", "tenantsim")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        die(f"no tenantsim binary at {path} (run `cargo build --locked`, or pass --bin / TENANTSIM_BIN)", 2)
    return path


class Server:
    """`tenantsim serve` on a free port; its log goes to `log_path`."""

    def __init__(self, bin_path, data_dir, log_path, db=None, extra=(), ready_timeout=60):
        self.log_path = log_path
        args = [bin_path, "serve", "--http-port", "0", "--no-https", "--data-dir", data_dir,
                "--log-format", "pretty"]
        if db:
            args += ["--db", db]
        args += list(extra)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTSIM_") and k != "RUST_LOG"}
        self.log = open(log_path, "a", encoding="utf-8", errors="replace")
        self.log.write(f"--- {' '.join(args)}\n")
        self.log.flush()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        self.base = None
        found = threading.Event()

        def drain():
            for raw in self.proc.stdout:
                line = ANSI.sub("", raw.decode("utf-8", "replace"))
                self.log.write(line)
                self.log.flush()
                if self.base is None:
                    m = READY.search(line)
                    if m:
                        self.base = m.group(1)
                        found.set()
            found.set()

        self.drainer = threading.Thread(target=drain, daemon=True)
        self.drainer.start()
        if not found.wait(ready_timeout) or self.base is None:
            self.kill()
            raise Failure(f"tenantsim printed no ready line within {ready_timeout} s; log: {log_path}\n"
                          + tail(log_path))
        parsed = urllib.parse.urlsplit(self.base)
        self.host, self.port = parsed.hostname, parsed.port

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        """SIGKILL: no shutdown code runs."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.drainer.join(5)
        self.log.close() if not self.log.closed else None

    def terminate(self, timeout=30):
        """SIGTERM and wait for the graceful shutdown; returns the exit code."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"tenantsim did not stop within {timeout} s of SIGTERM")
        self.drainer.join(5)
        self.log.close() if not self.log.closed else None
        return code

    def client(self, timeout=30):
        return Client(self.host, self.port, timeout)


def tail(path, lines=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def log_problems(path):
    """Lines of the server log that speak of a panic or an error."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if "panicked" in line or " ERROR " in line or "database is locked" in line:
                out.append(line.rstrip())
    return out


class Response:
    __slots__ = ("status", "headers", "body", "seconds")

    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def json(self):
        return json.loads(self.body) if self.body else None

    def text(self, limit=400):
        return self.body[:limit].decode("utf-8", "replace")


class Client:
    """One keep-alive HTTP/1.1 connection. A failed connection raises and is reopened on the
    next request."""

    def __init__(self, host, port, timeout=30):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, body=None, token=None, headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        h = {"Accept": "application/json"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=h)
            resp = self.conn.getresponse()
            payload = resp.read()
        except BaseException:
            self.close()
            raise
        seconds = time.perf_counter() - started
        if resp.will_close:
            self.close()
        return Response(resp.status, resp.headers, payload, seconds)

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


def forge(client, **body):
    r = client.request("POST", "/_tenantsim/tokens", {"tenant": TENANT, **body} if "tenant" not in body else body)
    if r.status != 200:
        raise Failure(f"POST /_tenantsim/tokens answered {r.status}: {r.text()}")
    return r.json()["access_token"]


def app_token(client):
    return forge(client, kind="app", appId=AUTOMATION_APP, roles=APP_ROLES, lifetimeSeconds=86400)


def portal_token(client):
    return forge(client, kind="user", user=ADMIN_UPN, scopes=["user_impersonation"],
                 audience=PORTAL_AUDIENCE, lifetimeSeconds=86400)


def graph_sp_id(client, token):
    q = urllib.parse.quote(f"appId eq '{GRAPH_APP_ID}'")
    r = client.request("GET", f"/v1.0/servicePrincipals?$filter={q}&$select=id", token=token)
    if r.status != 200 or not r.json()["value"]:
        raise Failure(f"cannot find Microsoft Graph's service principal: {r.status} {r.text()}")
    return r.json()["value"][0]["id"]


def path_of(next_link):
    """The path and query of an absolute nextLink."""
    parts = urllib.parse.urlsplit(next_link)
    return parts.path + ("?" + parts.query if parts.query else "")


def list_all(client, path, token, limit_pages=10_000):
    """Every item of a collection, following @odata.nextLink. Raises Failure on a non-200."""
    items = []
    for _ in range(limit_pages):
        r = client.request("GET", path, token=token)
        if r.status != 200:
            raise Failure(f"GET {path} answered {r.status}: {r.text()}")
        page = r.json()
        items.extend(page["value"])
        link = page.get("@odata.nextLink")
        if not link:
            return items
        path = path_of(link)
    raise Failure(f"GET {path}: more than {limit_pages} pages")


def quote(s):
    return urllib.parse.quote(s, safe="")


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * (len(sorted_values) - 1)))))
    return sorted_values[k]
