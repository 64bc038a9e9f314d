"""Finding the ``tenantsim`` binary the wheel installed, and the settings it runs with."""

from __future__ import annotations

import os
import shutil
import signal
import sysconfig
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

from ._errors import TenantsimError

BINARY_ENV = "TENANTSIM_BINARY"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _from_record() -> Iterator[Path]:
    """Where pip put the wheel's script, from the installed distribution's RECORD: right under
    every install scheme (a virtualenv, --user, --prefix, --target)."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        files = distribution("tenantsim").files or []
    except (ImportError, PackageNotFoundError):
        return
    except Exception:  # a damaged installation: fall back to the other places
        return
    for file in files:
        if file.name == "tenantsim" and file.parent.name in ("bin", "Scripts"):
            yield Path(str(file.locate())).resolve()


def _candidates() -> Iterator[Path]:
    yield from _from_record()
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path(
                "scripts"
            )
        except KeyError:
            continue
        if scripts:
            yield Path(scripts) / "tenantsim"
    found = shutil.which("tenantsim")
    if found:
        yield Path(found)


def binary_path() -> Path:
    """The path of the ``tenantsim`` executable.

    ``$TENANTSIM_BINARY`` wins when set (it must name an executable file). Otherwise: where the
    wheel installed it (its RECORD, then this interpreter's scripts directory, then the user
    scheme's), and last the first ``tenantsim`` on PATH.

    Raises:
        TenantsimError: when there is none.
    """
    override = os.environ.get(BINARY_ENV)
    if override:
        path = Path(override).expanduser()
        if not _executable(path):
            raise TenantsimError(f"${BINARY_ENV} is {override!r}, which is not an executable file")
        return path.resolve()
    tried = []
    for path in _candidates():
        if _executable(path):
            return path
        tried.append(str(path))
    where = "; looked at " + ", ".join(dict.fromkeys(tried)) if tried else ""
    raise TenantsimError(
        "cannot find the tenantsim binary: install the tenantsim wheel into this environment "
        f"(pip install tenantsim-*.whl), put tenantsim on PATH or set ${BINARY_ENV}{where}"
    )


def child_env() -> Dict[str, str]:
    """The environment minus every ``TENANTSIM_*`` setting (the flags are explicit), with the
    ready line kept whatever ``RUST_LOG`` filters out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTSIM_")}
    if env.get("RUST_LOG"):
        env["RUST_LOG"] += ",tenantsim::cli=info"
    return env


def die_with_parent_hook() -> Optional[Callable[[], Any]]:
    """On Linux, from the main thread: a pre-exec hook asking the kernel to SIGTERM the server
    when this process dies without stopping it (SIGKILL, a timeout). Resolved before the fork."""
    if threading.current_thread() is not threading.main_thread():
        return None  # the signal follows the thread that forked, not the process
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
