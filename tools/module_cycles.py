#!/usr/bin/env python3
"""Module-level dependency cycles in src/ (a module = one .rs file).

Reads every `crate::a::b` path (and `super::x` from graph handler modules) in each file,
maps it to the deepest module that exists, and prints the strongly connected components with
more than one module. With --through MOD it fails (exit 1) if MOD is in a cycle.

    python3 tools/module_cycles.py [--through state]
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def modules():
    out = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                continue
            out["::".join(rel)] = path
    return out


def strip_tests(text):
    # Unit-test modules may use anything; they are not part of the module graph.
    cut = re.search(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)
    return text[: cut.start()] if cut else text


def deps(mods):
    graph = {m: set() for m in mods}
    for mod, path in mods.items():
        text = strip_tests(open(path).read())
        parent = mod.split("::")[:-1]
        refs = []
        # `use crate::a::{b, c::d}` groups: expand one level of braces.
        for m in re.finditer(r"crate::([A-Za-z0-9_:]+)(::\{([^}]*)\})?", text):
            base = m.group(1).split("::")
            if m.group(3):
                for item in m.group(3).split(","):
                    item = item.strip().split(" as ")[0]
                    refs.append(base + [p for p in item.split("::") if p and p != "self"])
            refs.append(base)
        for m in re.finditer(r"\bsuper::([A-Za-z0-9_:]+)", text):
            refs.append(parent + m.group(1).split("::"))
        for ref in refs:
            for n in range(len(ref), 0, -1):
                target = "::".join(ref[:n])
                if target in mods:
                    if target != mod:
                        graph[mod].add(target)
                    break
    return graph


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def main():
    graph = deps(modules())
    through = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--through" else None
    bad = False
    for comp in sccs(graph):
        print(f"cycle of {len(comp)} modules: {', '.join(comp)}")
        if through and through in comp:
            bad = True
    if through:
        print(f"{through}: {'IN A CYCLE' if bad else 'in no cycle'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
