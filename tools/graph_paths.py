#!/usr/bin/env python3
"""Derives Microsoft Graph's real paths from the official Python Graph SDKs' request builders.

Each request builder in msgraph-sdk (v1.0) and msgraph-beta-sdk (beta) names its URL template
(`{+baseurl}/users/{user%2Did}/memberOf{?%24count,...}`) and defines one async method per HTTP
method Graph serves there. This script writes one line per template, methods first:

    GET,POST /users/{user-id}/memberOf

to src/graph/known_paths/v1.0.txt and beta.txt, which tenantsim embeds to tell a real Graph path
it does not emulate (501 NotImplemented) from a path Graph does not have (400, no such segment).

    python3 tools/graph_paths.py [--v1 1.65.0] [--beta 1.66.0]

Downloads the two wheels from PyPI with pip (no install) into a temporary folder.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "graph", "known_paths")
TEMPLATE = re.compile(r'__init__\(request_adapter, "\{\+baseurl\}([^"{?]*(?:\{[^?][^}]*\}[^"{]*)*)')
METHOD = re.compile(r"^    async def (get|post|patch|put|delete)\(", re.M)


def normalise(template: str) -> str:
    # `{user%2Did}` -> `{user-id}`; `%24` stays as `$` in literal segments.
    # Functions with required parameters carry them as a query template: `delta()?endDateTime=…`.
    template = template.split("?", 1)[0]
    path = re.sub(r"\{([^}]*)\}", lambda m: "{" + m.group(1).replace("%2D", "-") + "}", template)
    return path.replace("%24", "$")


def paths_of(wheel: str, package: str) -> list[str]:
    lines = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not name.startswith(f"{package}/generated/") or not name.endswith("_request_builder.py"):
                continue
            text = archive.read(name).decode("utf-8")
            found = TEMPLATE.search(text)
            if not found:
                continue
            path = normalise(found.group(1))
            methods = sorted({m.upper() for m in METHOD.findall(text)})
            if not methods:
                continue
            known = set(lines.get(path, "").split(",")) - {""}
            lines[path] = ",".join(sorted(known | set(methods)))
    return [f"{methods} {path}" for path, methods in sorted(lines.items())]


def download(spec: str, into: str) -> str:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", into, spec],
        check=True,
    )
    name = spec.split("==")[0].replace("-", "_")
    return next(os.path.join(into, f) for f in os.listdir(into) if f.startswith(name + "-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--v1", default="1.65.0", help="msgraph-sdk version")
    parser.add_argument("--beta", default="1.66.0", help="msgraph-beta-sdk version")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for version, spec, package in (
            ("v1.0", f"msgraph-sdk=={args.v1}", "msgraph"),
            ("beta", f"msgraph-beta-sdk=={args.beta}", "msgraph_beta"),
        ):
            wheel = download(spec, os.path.join(scratch, version))
            lines = paths_of(wheel, package)
            with open(os.path.join(OUT, f"{version}.txt"), "w") as out:
                out.write(f"# {spec}: {len(lines)} URL templates (tools/graph_paths.py)\n")
                out.write("\n".join(lines) + "\n")
            print(f"{version}: {len(lines)} templates from {spec}")


if __name__ == "__main__":
    main()
