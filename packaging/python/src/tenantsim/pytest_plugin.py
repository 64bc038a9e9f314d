"""pytest plugin (registered by the wheel through the ``pytest11`` entry point).

Fixtures:
    tenantsim_server: session scope; one tenantsim on free loopback ports for the whole session
        (one per xdist worker), stopped at the end.
    tenantsim: function scope; the same :class:`tenantsim.Server`, reset to its fixtures before
        each test.

Options (command line, or the ini file without the leading dashes):
    --tenantsim-fixtures PATH  a fixture file or folder (the server's ``--fixtures``); default the
                               embedded Contoso tenant.
    --tenantsim-timeout SECONDS  how long to wait for the server to be ready (default 30).

Importing this module starts nothing and changes no environment variable; neither do the
fixtures (call :func:`tenantsim.trust_env` for the CA variables).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import pytest

from ._server import Server

_FIXTURES = "tenantsim_fixtures"
_TIMEOUT = "tenantsim_timeout"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tenantsim", "tenantsim (simulated Microsoft 365 tenant)")
    group.addoption(
        "--tenantsim-fixtures", dest=_FIXTURES, metavar="PATH", default=None,
        help="fixture file or folder for the tenantsim server (default: embedded Contoso)",
    )
    group.addoption(
        "--tenantsim-timeout", dest=_TIMEOUT, metavar="SECONDS", type=float, default=None,
        help="seconds to wait for the tenantsim server to be ready (default: 30)",
    )
    parser.addini(_FIXTURES, "fixture file or folder for the tenantsim server, relative to the "
                  "ini file", default="")
    parser.addini(_TIMEOUT, "seconds to wait for the tenantsim server to be ready", default="")


def _fixtures_path(config: pytest.Config) -> Optional[Path]:
    cli = config.getoption(_FIXTURES)
    if cli:
        return Path(config.invocation_params.dir, cli)
    ini = str(config.getini(_FIXTURES) or "")
    if ini:
        base = config.inipath.parent if config.inipath else config.rootpath
        return Path(base, ini)
    return None


def _timeout(config: pytest.Config) -> float:
    cli = config.getoption(_TIMEOUT)
    if cli is not None:
        return float(cli)
    ini = str(config.getini(_TIMEOUT) or "")
    return float(ini) if ini else 30.0


@pytest.fixture(scope="session")
def tenantsim_server(pytestconfig: pytest.Config) -> Iterator[Server]:
    """One tenantsim server for the session (free ports, its own temporary data directory)."""
    server = Server(_fixtures_path(pytestconfig), timeout=_timeout(pytestconfig))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tenantsim(tenantsim_server: Server) -> Iterator[Server]:
    """The session's tenantsim server, every tenant reset to its fixtures before the test."""
    tenantsim_server.check_running()
    tenantsim_server.reset()
    yield tenantsim_server
