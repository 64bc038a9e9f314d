"""tenantsim: a simulated Microsoft 365 / Entra ID tenant (Microsoft Graph and the Microsoft
identity platform) for tests.

The wheel puts the ``tenantsim`` binary on PATH; this package starts it and talks to its control
API::

    import tenantsim

    with tenantsim.start() as server:
        token = server.app_token(["User.Read.All"])
        # GET {server.http_url}/v1.0/users with "Authorization: Bearer <token>"

Under pytest, use the ``tenantsim`` fixture (see :mod:`tenantsim.pytest_plugin`).
"""

from __future__ import annotations

from ._binary import binary_path
from ._errors import TenantsimError
from ._server import CONTOSO_TENANT_ID, Server, start
from ._trust import TrustedEnv, trust_env


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("tenantsim")
    except Exception:  # running from a source tree
        return "0+unknown"


__version__ = _version()

__all__ = [
    "CONTOSO_TENANT_ID",
    "Server",
    "TenantsimError",
    "TrustedEnv",
    "__version__",
    "binary_path",
    "start",
    "trust_env",
]
