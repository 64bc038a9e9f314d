#!/usr/bin/env bash
# Tests a tenantsim wheel the way a user gets it.
#
#   tests/packaging/python/run.sh WHEEL
#
# 1. creates (or reuses) the virtualenv tests/packaging/python/.venv and installs the pinned
#    pytest into it, skipped when that version is already there (concurrent runs take turns:
#    flock on tests/packaging/python/.venv.lock);
# 2. force-reinstalls WHEEL into it (no dependencies, no index);
# 3. runs pytest on tests/packaging/python from an empty temporary directory, with the
#    virtualenv's bin first on PATH and nothing of the source tree importable, so the package,
#    the plugin (entry point) and the binary all come from the installed wheel.
#
# Needs python3 (with venv) and, the first time, PyPI for pytest. Bounded in time:
# PACKAGING_TEST_TIMEOUT seconds for the suite (default 600), PACKAGING_INSTALL_TIMEOUT for
# each install (default 600).
set -euo pipefail

PYTEST_VERSION="9.2.0"
# pytest and its dependencies, exactly (the same versions as tests/clients/python/constraints.txt).
PYTEST_PINS=("pytest==$PYTEST_VERSION" "pluggy==1.7.0" "iniconfig==2.3.1" "packaging==26.4"
             "Pygments==2.21.0")
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
SUITE_TIMEOUT="${PACKAGING_TEST_TIMEOUT:-600}"
INSTALL_TIMEOUT="${PACKAGING_INSTALL_TIMEOUT:-600}"

log() { printf '== %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

[[ $# -eq 1 ]] || die "usage: tests/packaging/python/run.sh WHEEL"
[[ -f "$1" ]] || die "no wheel at $1 (build one: packaging/python/build OUTDIR)"
WHEEL="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[[ "$WHEEL" == *.whl ]] || die "$1 is not a .whl file"
for tool in python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --quiet)

# Two runs at once would reinstall the wheel under each other: the second waits for the first.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$HERE/.venv.lock"
  flock -w "$SUITE_TIMEOUT" 9 || die "another run.sh holds $HERE/.venv.lock"
fi

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
fi

if "$VENV/bin/python" -c 'import importlib.metadata as m, sys
sys.exit(m.version("pytest") != sys.argv[1])' "$PYTEST_VERSION" 2>/dev/null; then
  log "pytest $PYTEST_VERSION already in $VENV (skipping install)"
else
  log "installing ${PYTEST_PINS[*]} into $VENV"
  timeout "$INSTALL_TIMEOUT" "${PIP[@]}" install "${PYTEST_PINS[@]}" || die "pip install pytest failed"
fi

log "installing $(basename "$WHEEL")"
timeout "$INSTALL_TIMEOUT" "${PIP[@]}" install --force-reinstall --no-deps --no-index "$WHEEL" \
  || die "pip install of the wheel failed"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tenantsim-wheel-tests.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/pytest.ini"   # the only configuration: none from the repository
cd "$WORK"

log "pytest (from $WORK, binary $(PATH="$VENV/bin:$PATH" command -v tenantsim))"
# --import-mode=importlib adds no directory to sys.path; PYTHONSAFEPATH keeps the current
# directory off it too. Settings from the caller's environment that would bring other code in
# (PYTHONPATH, PYTEST_PLUGINS, PYTEST_ADDOPTS) or another binary (TENANTSIM_BINARY) are dropped.
set +e
env -u PYTHONPATH -u PYTEST_PLUGINS -u PYTEST_ADDOPTS -u TENANTSIM_BINARY \
    PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV" PYTHONSAFEPATH=1 PYTHONNOUSERSITE=1 \
    PYTHONDONTWRITEBYTECODE=1 \
  timeout -k 15 "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest \
    -c "$WORK/pytest.ini" --rootdir "$HERE" --confcutdir "$HERE" --import-mode=importlib -p no:cacheprovider \
    -v -rfEs "$HERE"
RC=$?
set -e
[[ $RC -eq 124 ]] && echo "run.sh: the suite timed out after ${SUITE_TIMEOUT}s" >&2
exit "$RC"
