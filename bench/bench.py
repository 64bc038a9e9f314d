#!/usr/bin/env python3
"""tenantsim benchmark: start-to-ready time, idle RSS, authenticated GET throughput, reset time
(default fixtures and a generated 10k-user tenant), token-endpoint rate and profile-card
decisions per second.

Builds the release binary, runs it on loopback, and drives it with wrk (Debian package `wrk`).
Prints a table and writes the figures as JSON (bench/out/bench.json). Bounded: each load run
lasts --seconds (default 5), every process is stopped at the end.

    python3 bench/bench.py [--seconds 5] [--connections 1,16,64] [--starts 20]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "tenantsim")
ADELE = "c0a70550-0000-4000-8000-000000000102"


def build():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


def start(data_dir, extra=(), binary=BIN):
    """Starts the server on a free port; returns (process, base URL, seconds to ready line)."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "serve", "--http-port", "0", "--https-port", "0", "--data-dir", data_dir, "--log-format", "pretty", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "RUST_LOG": "tenantsim=info"},
    )
    for line in proc.stdout:
        m = re.search(r"tenantsim ready on (http://\S+)", line)
        if m:
            elapsed = time.perf_counter() - began
            # Keep reading the log so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, m.group(1), elapsed
    raise RuntimeError("tenantsim exited before its ready line")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def token(data_dir, *args):
    out = subprocess.run([BIN, "token", "--tenant", "contoso.onmicrosoft.com", "--data-dir", data_dir, *args],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def to_ms(text):
    m = re.match(r"([\d.]+)([a-z]+)$", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def post_json(url, body=None):
    import urllib.request
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def reset_times(base, path, runs):
    """Server-measured milliseconds of `runs` resets."""
    return [post_json(f"{base}{path}")["elapsedMs"] for _ in range(runs)]


def wrk(url, connections, seconds, headers=(), script=None):
    threads = min(connections, 2)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", *[x for h in headers for x in ("-H", h)]]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if "Latency Distribution" not in out:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Anchored to the line start: "92.50%" in wrk's Thread Stats also ends in "50%".
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures = {"connections": connections, "rps": rps, "p50_ms": p50, "p99_ms": p99, "non_2xx": int(non2xx.group(1)) if non2xx else 0}
    if p50 != p50 or p99 != p99:
        # A latency to_ms could not read (NaN): keep wrk's own text to see why.
        figures["latency_text"] = out[out.index("Latency Distribution"):][:300]
    return figures


def token_rate(base, work_dir, seconds, connections=16):
    """wrk result of `client_credentials` (client secret) token requests over plain HTTP."""
    script = os.path.join(work_dir, "token.lua")
    with open(script, "w") as lua:
        lua.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                  'wrk.body = "grant_type=client_credentials&client_id=c0a70550-a990-4000-8000-000000000301'
                  '&client_secret=sync-secret-Passw0rd%21&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"\n')
    return wrk(f"{base}/contoso.onmicrosoft.com/oauth2/v2.0/token", connections, seconds, script=script)


def profile_card_rate(base, seconds, connections=16):
    """wrk result of profile-card decisions (the control API's decision for one viewer and person)."""
    card = f"{base}/_tenantsim/tenants/contoso.onmicrosoft.com/profileCard?viewer=JohannaL@contoso.onmicrosoft.com&person=AlexW@contoso.onmicrosoft.com"
    return wrk(card, connections, seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--big-users", type=int, default=10000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    if not args.no_build:
        build()
    data_dir = tempfile.mkdtemp(prefix="tenantsim-bench-")
    results = {}
    try:
        # The first start creates the signing key; measure the ones after it.
        proc, _, _ = start(data_dir)
        stop(proc)
        starts = []
        for _ in range(args.starts):
            proc, _, elapsed = start(data_dir)
            starts.append(elapsed * 1000)
            stop(proc)
        results["start_to_ready_ms"] = {"median": statistics.median(starts), "max": max(starts), "runs": len(starts)}

        proc, base, _ = start(data_dir)
        time.sleep(1.0)
        results["idle_rss_mib"] = rss_kib(proc.pid) / 1024
        bearer = token(data_dir, "--app", "0b5e6f4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "--roles", "User.Read.All")
        url = f"{base}/v1.0/users/{ADELE}"
        results["authenticated_get"] = [
            wrk(url, int(c), args.seconds, [f"Authorization: Bearer {bearer}"]) for c in args.connections.split(",")
        ]
        results["rss_after_load_mib"] = rss_kib(proc.pid) / 1024
        times = reset_times(base, "/_tenantsim/tenants/contoso.onmicrosoft.com/reset", 30)
        results["reset_default_ms"] = {"median": statistics.median(times), "max": max(times), "runs": len(times)}
        results["client_credentials_tokens"] = token_rate(base, data_dir, args.seconds)
        results["profile_card_decisions"] = profile_card_rate(base, args.seconds)
        stop(proc)

        # A generated tenant of 10,000 users and 1,000 nested groups.
        big = os.path.join(data_dir, "big.json")
        with open(big, "w") as out:
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_fixture.py"), "--users", str(args.big_users), "--groups", str(args.big_users // 10)], stdout=out, check=True)
        proc, base, elapsed = start(data_dir, ["--fixtures", big])
        results["big_tenant"] = {"users": args.big_users, "start_to_ready_ms": elapsed * 1000, "rss_mib": rss_kib(proc.pid) / 1024}
        times = reset_times(base, "/_tenantsim/tenants/b1000000-0000-4000-8000-000000000001/reset", 5)
        results["big_tenant"]["reset_ms"] = {"median": statistics.median(times), "max": max(times), "runs": len(times)}
        stop(proc)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"start to ready: median {results['start_to_ready_ms']['median']:.1f} ms, max {results['start_to_ready_ms']['max']:.1f} ms ({args.starts} runs)")
    print(f"idle RSS: {results['idle_rss_mib']:.1f} MiB (after load: {results['rss_after_load_mib']:.1f} MiB)")
    print(f"{'GET /v1.0/users/{id}':<24} {'conns':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for row in results["authenticated_get"]:
        print(f"{'':<24} {row['connections']:>5} {row['rps']:>10.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['non_2xx']:>8}")
    print(f"reset (default fixtures): median {results['reset_default_ms']['median']:.2f} ms, max {results['reset_default_ms']['max']:.2f} ms")
    t = results["client_credentials_tokens"]
    print(f"client_credentials tokens: {t['rps']:.0f}/s at 16 connections (p50 {t['p50_ms']:.2f} ms, p99 {t['p99_ms']:.2f} ms, non-2xx {t['non_2xx']})")
    c = results["profile_card_decisions"]
    print(f"profile-card decisions: {c['rps']:.0f}/s at 16 connections (p50 {c['p50_ms']:.2f} ms, p99 {c['p99_ms']:.2f} ms)")
    b = results["big_tenant"]
    print(f"{b['users']}-user tenant: start to ready {b['start_to_ready_ms']:.0f} ms, RSS {b['rss_mib']:.1f} MiB, reset median {b['reset_ms']['median']:.1f} ms")
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "bench.json"), "w") as out:
        json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
