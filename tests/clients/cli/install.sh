#!/usr/bin/env bash
# Installs the command-line tools under test into this folder, each skipped when it already
# matches its pins (a stamp file holds the hash of the pin files):
#   .venv-azcli    Azure CLI from PyPI (requirements.txt, every dependency fixed by
#                  constraints.txt; about 730 MB, about 2 min cold)
#   node_modules   CLI for Microsoft 365 from npm (package-lock.json; about 400 MB, about 1 min)
# tests/clients/run.sh calls it; .ci/run also starts it early in the background so the
# downloads overlap the Rust build.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
INSTALL_TIMEOUT="${INSTALL_TIMEOUT:-900}"
AZ_VENV="$HERE/.venv-azcli"

log() { printf '== %s\n' "$*"; }
die() { printf 'cli/install.sh: %s\n' "$*" >&2; exit 2; }
# The same hash as run.sh's: of the files' sha256sum lines, paths relative to the repository.
sha() { (cd ../../.. && sha256sum "$@" | sha256sum | cut -d' ' -f1); }

want="$(sha tests/clients/cli/requirements.txt tests/clients/cli/constraints.txt)"
stamp="$AZ_VENV/.tenantsim-requirements.sha256"
if [[ -x "$AZ_VENV/bin/az" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
   && "$AZ_VENV/bin/python" -c 'import azure.cli.core' 2>/dev/null; then
  log "azure-cli: $AZ_VENV is up to date (skipping install)"
else
  start=$SECONDS
  log "azure-cli: installing pinned packages into $AZ_VENV"
  rm -rf "$AZ_VENV"
  python3 -m venv "$AZ_VENV" || die "python3 -m venv failed"
  timeout "$INSTALL_TIMEOUT" "$AZ_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r requirements.txt -c constraints.txt || die "pip install azure-cli failed"
  echo "$want" >"$stamp"
  log "azure-cli: installed in $((SECONDS - start)) s"
fi

want="$(sha tests/clients/cli/package.json tests/clients/cli/package-lock.json)"
stamp="node_modules/.tenantsim-lock.sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x node_modules/.bin/m365 ]]; then
  log "m365: node_modules is up to date (skipping install)"
else
  start=$SECONDS
  log "m365: npm ci"
  timeout "$INSTALL_TIMEOUT" npm ci --no-audit --no-fund --loglevel=error \
    || die "npm ci (CLI for Microsoft 365) failed"
  echo "$want" >"$stamp"
  log "m365: installed in $((SECONDS - start)) s"
fi
