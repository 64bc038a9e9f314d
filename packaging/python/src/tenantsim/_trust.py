"""Pointing HTTP clients at a server's CA, on request only."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Dict, List, Optional, Type

from ._errors import TenantsimError

if TYPE_CHECKING:
    from ._server import Server

VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")

# Started servers not yet stopped, oldest first (module state, never the environment).
_running: List["Server"] = []
_lock = threading.Lock()


def _register(server: "Server") -> None:
    with _lock:
        _running.append(server)


def _unregister(server: "Server") -> None:
    with _lock:
        if server in _running:
            _running.remove(server)


class TrustedEnv:
    """``SSL_CERT_FILE`` and ``REQUESTS_CA_BUNDLE`` set to one CA file, as returned by
    :func:`trust_env`. ``restore()`` (or leaving a ``with`` block) puts back what was there."""

    def __init__(self, ca_path: Path) -> None:
        self.ca_path = ca_path
        self._saved: Dict[str, Optional[str]] = {v: os.environ.get(v) for v in VARIABLES}
        for variable in VARIABLES:
            os.environ[variable] = str(ca_path)

    def restore(self) -> None:
        for variable, value in self._saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value

    def __enter__(self) -> "TrustedEnv":
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], value: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.restore()

    def __repr__(self) -> str:
        return f"<tenantsim.TrustedEnv {self.ca_path}>"


def trust_env(server: Optional["Server"] = None) -> TrustedEnv:
    """Sets ``SSL_CERT_FILE`` (OpenSSL, so ``ssl.create_default_context()``, urllib, httpx,
    aiohttp) and ``REQUESTS_CA_BUNDLE`` (requests, MSAL, azure-identity) to the CA of
    ``server``, by default the most recently started server still running (the pytest session's
    one). These clients then trust ``https_url`` and, while the variables stay, nothing else.

    Nothing calls this for you. Use ``with trust_env(): ...`` (or ``.restore()``) to put the
    previous values back, or ``monkeypatch.setenv`` in a test to have pytest undo it.
    """
    if server is None:
        with _lock:
            alive = [s for s in _running if s.is_running()]
        if not alive:
            raise TenantsimError(
                "trust_env(): no tenantsim server is running (start one with tenantsim.start() "
                "or request the tenantsim fixture first)"
            )
        server = alive[-1]
    if not server.ca_path.is_file():
        raise TenantsimError(f"trust_env(): {server!r} has no CA file at {server.ca_path}")
    return TrustedEnv(server.ca_path)
