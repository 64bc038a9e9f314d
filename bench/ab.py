#!/usr/bin/env python3
"""A/B of two tenantsim binaries on the hot path: authenticated GET /v1.0/users/{id}.

Starts each binary in turn (alternating rounds, so drift on a shared machine hits both), mints
an app token with `tenantsim token`, drives the route with wrk and prints req/s and p99 per
binary and connection count, with the new/old ratio of the medians. Used to check that a change
"does not slow the authenticated GET benchmark" (build both with `cargo build --release`).

    python3 bench/ab.py OLD_BIN NEW_BIN [--rounds 3] [--seconds 5] [--connections 16,64]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (start, wrk)

ADELE = "c0a70550-0000-4000-8000-000000000102"
APP = "0b5e6f4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"


def measure(binary, connections, seconds):
    with tempfile.TemporaryDirectory() as data_dir:
        proc, base, _ = bench.start(data_dir, binary=binary)
        try:
            token = subprocess.run(
                [binary, "token", "--tenant", "contoso.onmicrosoft.com", "--data-dir", data_dir,
                 "--app", APP, "--roles", "User.Read.All"],
                check=True, capture_output=True, text=True,
            ).stdout.strip()
            url = f"{base}/v1.0/users/{ADELE}"
            headers = [f"Authorization: Bearer {token}"]
            bench.wrk(url, 4, 1, headers)  # warm-up
            return {c: bench.wrk(url, c, seconds, headers) for c in connections}
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", default="16,64")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    runs = {"old": [], "new": []}
    for round_ in range(args.rounds):
        for name in ("old", "new") if round_ % 2 == 0 else ("new", "old"):
            runs[name].append(measure(getattr(args, name), connections, args.seconds))
    print("| connections | old req/s | new req/s | new/old | old p99 ms | new p99 ms |")
    print("|---|---|---|---|---|---|")
    for c in connections:
        old = statistics.median(r[c]["rps"] for r in runs["old"])
        new = statistics.median(r[c]["rps"] for r in runs["new"])
        old_p99 = statistics.median(r[c]["p99_ms"] for r in runs["old"])
        new_p99 = statistics.median(r[c]["p99_ms"] for r in runs["new"])
        non_2xx = sum(r[c]["non_2xx"] for n in runs for r in runs[n])
        if non_2xx:
            sys.exit(f"{non_2xx} non-2xx answers: the comparison is void")
        print(f"| {c} | {old:,.0f} | {new:,.0f} | {new / old:.3f} | {old_p99:.2f} | {new_p99:.2f} |")


if __name__ == "__main__":
    main()
