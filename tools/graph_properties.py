#!/usr/bin/env python3
"""Derives the properties of Graph's directory types from the official Python Graph SDK's models.

Each model in msgraph-sdk (`msgraph/generated/models/user.py` …) lists every property Graph's
metadata gives the type, in `get_field_deserializers` (`"accountEnabled": lambda n : …`), and
inherits its base type's (`class User(DirectoryObject, Parsable)`). A property whose value is an
entity (a class deriving from `Entity`) is a navigation property; the rest are structural.
This script writes one line per property of the directory types tenantsim serves:

    microsoft.graph.user accountEnabled property
    microsoft.graph.user manager navigation

to src/odata/known_properties/v1.0.txt (msgraph-sdk) and beta.txt (msgraph-beta-sdk), which
tenantsim embeds to tell a real property it does not store (`$select` → null, `$filter` → 501)
from one Graph does not have (400).

    python3 tools/graph_properties.py [--v1 1.65.0] [--beta 1.66.0]

Downloads the two wheels from PyPI with pip (no install) into a temporary folder, the same
versions tools/graph_paths.py reads.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "odata", "known_properties")
TYPES = ["entity", "directory_object", "user", "group", "service_principal", "application",
         "organization", "directory_role"]
CLASS = re.compile(r"^class (\w+)\(([\w, ]+)\):", re.M)
FIELD = re.compile(r'^\s+"([^"]+)": lambda n : setattr\(self, \'\w+\', n\.(\w+)\(([\w.]*)', re.M)


def camel(module: str) -> str:
    head, *rest = module.split("_")
    return head + "".join(w.capitalize() for w in rest)


def read_models(models_dir):
    """module name -> (class, bases, [(property, getter, value class)])"""
    out = {}
    for name in os.listdir(models_dir):
        if not name.endswith(".py"):
            continue
        text = open(os.path.join(models_dir, name), encoding="utf-8").read()
        m = CLASS.search(text)
        if not m:
            continue
        bases = [b.strip() for b in m.group(2).split(",")]
        out[m.group(1)] = (name[:-3], bases, FIELD.findall(text))
    return out


def is_entity(cls, models):
    seen = set()
    while cls in models and cls not in seen:
        seen.add(cls)
        if cls == "Entity":
            return True
        cls = models[cls][1][0]
    return cls == "Entity"


def properties(cls, models):
    rows = {}
    chain = []
    while cls in models:
        chain.append(cls)
        parent = models[cls][1][0]
        if parent == "Parsable" or parent == cls:
            break
        cls = parent
    for c in reversed(chain):
        for prop, getter, value in models[c][2]:
            if prop.startswith("@odata"):
                continue
            navigation = getter in ("get_object_value", "get_collection_of_object_values") and is_entity(value, models)
            rows[prop] = "navigation" if navigation else "property"
    return rows


def catalog(models_dir):
    models = read_models(models_dir)
    by_module = {m[0]: cls for cls, m in models.items()}
    lines = []
    for module in TYPES:
        graph_type = "microsoft.graph." + camel(module)
        for prop, kind in sorted(properties(by_module[module], models).items()):
            lines.append(f"{graph_type} {prop} {kind}")
    return lines


def download(tmp, package, version, root):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp,
                    f"{package}=={version}"], check=True)
    wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp)
                 if f.endswith(".whl") and f.startswith(package.replace("-", "_")))
    prefix = f"{root}/generated/models/"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp, [n for n in z.namelist() if n.startswith(prefix) and n.count("/") == 3])
    return os.path.join(tmp, root, "generated", "models")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--v1", default="1.65.0")
    parser.add_argument("--beta", default="1.66.0")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, package, version, root in [("v1.0", "msgraph-sdk", args.v1, "msgraph"),
                                             ("beta", "msgraph-beta-sdk", args.beta, "msgraph_beta")]:
            lines = catalog(download(tmp, package, version, root))
            path = os.path.join(OUT, f"{name}.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"# {package} {version} models, written by tools/graph_properties.py\n")
                f.write("\n".join(lines) + "\n")
            print(f"{len(lines)} properties -> {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
