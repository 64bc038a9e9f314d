"""Starting a tenantsim server for a test session and talking to its control API."""

from __future__ import annotations

import atexit
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Deque, Dict, List, Optional, Sequence, Type, Union

from ._binary import binary_path, child_env, die_with_parent_hook
from ._errors import TenantsimError
from ._trust import TrustedEnv, _register, _unregister, trust_env

CONTOSO_TENANT_ID = "c0a70550-0000-4000-8000-000000000001"

_READY = re.compile(r"tenantsim ready on (http://\S+) and (https://\S+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Requests to the server on loopback never go through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_KEPT_LINES = 2000
_SHOWN_LINES = 60

PathLike = Union[str, "os.PathLike[str]"]  # a str or a pathlib.Path


def _names(values: Union[str, Sequence[str]]) -> List[str]:
    return [values] if isinstance(values, str) else list(values)


class Server:
    """One tenantsim process on free loopback ports, with its own temporary data directory.

    Attributes (once started):
        http_url: ``http://127.0.0.1:PORT`` (Graph at ``/v1.0``, the control API).
        https_url: ``https://localhost:PORT`` (Graph and the identity platform; the authority).
        ca_path: the CA certificate (PEM) that signs the HTTPS certificate.
        tenant_id: the first tenant (Contoso's id with the embedded fixtures).
    """

    def __init__(
        self,
        fixtures: Optional[PathLike] = None,
        *,
        timeout: float = 30.0,
        binary: Optional[PathLike] = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.fixtures = Path(fixtures).resolve() if fixtures is not None else None
        self.timeout = timeout
        self.binary = Path(binary) if binary is not None else None
        self.extra_args = list(extra_args)
        self.http_url = ""
        self.https_url = ""
        self.ca_path = Path()
        self.tenant_id = ""
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._tmp: Optional[str] = None
        self._lines: Deque[str] = collections.deque(maxlen=_KEPT_LINES)
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._reader: Optional[threading.Thread] = None

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> "Server":
        """Starts the server and waits for its ready line (at most ``timeout`` seconds)."""
        if self._proc is not None:
            raise TenantsimError("this Server was already started")
        exe = self.binary or binary_path()
        self._tmp = tempfile.mkdtemp(prefix="tenantsim-")
        self.ca_path = Path(self._tmp) / "tls-ca.pem"
        cmd = [str(exe), "serve", "--bind", "127.0.0.1", "--http-port", "0", "--https-port",
               "0", "--data-dir", self._tmp, "--log-format", "pretty"]
        if self.fixtures is not None:
            cmd += ["--fixtures", str(self.fixtures)]
        cmd += self.extra_args
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=child_env(), preexec_fn=die_with_parent_hook(),
            )
        except OSError as e:
            self._remove_tmp()
            raise TenantsimError(f"cannot run {exe}: {e}") from None
        self._reader = threading.Thread(
            target=self._drain, name=f"tenantsim-{self._proc.pid}-output", daemon=True
        )
        self._reader.start()
        try:
            self._wait_ready()
            if not self.ca_path.is_file():
                raise TenantsimError(f"the server is ready but wrote no {self.ca_path}")
            tenants = self.control("GET", "/_tenantsim/tenants").get("value") or []
            self.tenant_id = tenants[0]["id"] if tenants else ""
        except BaseException:
            self.stop()
            raise
        _register(self)
        return self

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.timeout
        while not self._ready.wait(0.05):
            code = self._proc.poll()
            if code is not None:
                if self._reader:
                    self._reader.join(2)
                if self._ready.is_set():
                    break
                raise TenantsimError(
                    f"tenantsim exited with code {code} before it was ready\n{self.output_tail()}"
                )
            if time.monotonic() > deadline:
                raise TenantsimError(
                    f"tenantsim printed no ready line within {self.timeout:g} s\n"
                    f"{self.output_tail()}"
                )

    def _drain(self) -> None:
        """Reads the server's output until it closes, so the pipe never fills."""
        assert self._proc is not None and self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            line = _ANSI.sub("", raw.decode("utf-8", "replace")).rstrip("\r\n")
            with self._lock:
                self._lines.append(line)
            if not self._ready.is_set():
                match = _READY.search(line)
                if match:
                    self.http_url, self.https_url = (u.rstrip("/") for u in match.groups())
                    self._ready.set()

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; removes the data directory. Returns
        the exit code (None if never started). Safe to call twice."""
        _unregister(self)
        proc, code = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            code = proc.returncode
            if self._reader is not None:
                self._reader.join(5)
            if proc.stdout is not None and not (self._reader and self._reader.is_alive()):
                proc.stdout.close()
        self._remove_tmp()
        return code

    def _remove_tmp(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def is_running(self) -> bool:
        """Whether the process was started and has not exited."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc is not None else None

    @property
    def output(self) -> str:
        """The server's output so far (its last 2000 lines, colour codes removed)."""
        with self._lock:
            return "\n".join(self._lines)

    def output_tail(self, lines: int = _SHOWN_LINES) -> str:
        with self._lock:
            tail = list(self._lines)[-lines:]
        return "server output (last lines):\n" + "\n".join(f"  | {l}" for l in tail) if tail \
            else "the server printed nothing"

    def check_running(self) -> None:
        """Raises TenantsimError, with the server's last output, if the process has exited."""
        if self._proc is None:
            raise TenantsimError("the tenantsim server was not started")
        code = self._proc.poll()
        if code is not None:
            raise TenantsimError(
                f"the tenantsim server (pid {self._proc.pid}) has exited with code {code}\n"
                f"{self.output_tail()}"
            )

    def __enter__(self) -> "Server":
        return self if self._proc is not None else self.start()

    def __exit__(
        self, kind: Optional[Type[BaseException]], value: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<tenantsim.Server {state} {self.http_url or '-'} {self.https_url or '-'}>"

    # -- control API -------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        """Calls the control API (``/_tenantsim/...``) on the HTTP URL; returns parsed JSON."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.http_url + path, data=data, method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")
            raise TenantsimError(f"{method} {path} answered {e.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            self.check_running()
            raise TenantsimError(f"{method} {self.http_url}{path} failed: {e}") from None
        return json.loads(raw) if raw else None

    def reset(self) -> Dict[str, Any]:
        """Puts every tenant back to its start-up state (the fixtures)."""
        answer: Dict[str, Any] = self.control("POST", "/_tenantsim/reset", {})
        return answer

    def token(self, request: Dict[str, Any]) -> Dict[str, Any]:
        """``POST /_tenantsim/tokens`` as is: ``{"access_token": ..., "claims": {...}}``."""
        answer: Dict[str, Any] = self.control("POST", "/_tenantsim/tokens", request)
        return answer

    def app_token(
        self, roles: Union[str, Sequence[str]], tenant: Optional[str] = None,
        app_id: Optional[str] = None,
    ) -> str:
        """An app-only access token for Graph with these application roles."""
        body: Dict[str, Any] = {"tenant": tenant or self.tenant_id, "kind": "app",
                                "roles": _names(roles)}
        if app_id:
            body["appId"] = app_id
        return str(self.token(body)["access_token"])

    def user_token(
        self, upn: str, scopes: Union[str, Sequence[str]], tenant: Optional[str] = None
    ) -> str:
        """A delegated access token for Graph: ``upn`` signed in, with these scopes."""
        answer = self.token({"tenant": tenant or self.tenant_id, "kind": "user", "user": upn,
                             "scopes": _names(scopes)})
        return str(answer["access_token"])

    def profile_card(self, viewer: str, person: str, tenant: Optional[str] = None) -> Dict[str, Any]:
        """What ``viewer`` sees on ``person``'s profile card (ids or UPNs), with the LinkedIn
        decision (``["linkedIn"]["shown"]``) and its reasons step by step."""
        tenant_part = urllib.parse.quote(tenant or self.tenant_id, safe="")
        query = urllib.parse.urlencode({"viewer": viewer, "person": person})
        card: Dict[str, Any] = self.control(
            "GET", f"/_tenantsim/tenants/{tenant_part}/profileCard?{query}")
        return card

    def trust_env(self) -> TrustedEnv:
        """Same as ``tenantsim.trust_env(self)``."""
        return trust_env(self)


def start(
    fixtures: Optional[PathLike] = None, timeout: float = 30.0, **kwargs: Any
) -> Server:
    """Starts a :class:`Server` (``fixtures``: a fixture file or folder, default the embedded
    Contoso tenant) and returns it once ready. Stop it with ``stop()`` or use ``with``."""
    return Server(fixtures, timeout=timeout, **kwargs).start()


@atexit.register
def _stop_leftovers() -> None:
    from ._trust import _running

    for server in list(_running):
        server.stop(timeout=5)
