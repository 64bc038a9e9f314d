#!/usr/bin/env python3
"""tenantsim under idle and half-sent connections: memory per connection, whether the
header-read timeout closes them, and how long SIGTERM takes to exit while they are open.

Starts the binary (release if built, else debug; or --bin), opens N connections that send half
a request head, reads the server's RSS from /proc before and after, waits for the header-read
timeout, counts the connections the server closed, then opens N again and times SIGTERM to exit.
Prints figures only (no pass/fail): a benchmark, not a test.

    python3 bench/connections.py [--bin PATH] [--counts 1000,3000] [--header-read-timeout 3]
"""
import argparse
import os
import re
import resource
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HALF = b"GET /health HTTP/1.1\r\nHost: bench\r\n"


def default_bin():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "tenantsim")
        if os.path.exists(path):
            return path
    raise SystemExit("build tenantsim first (cargo build --release)")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start(binary, data_dir, args):
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    extra = []
    # Older builds (before the connection limits) have none of these flags.
    if "--max-connections" in help_text:
        extra += ["--max-connections", str(args.max_connections),
                  "--header-read-timeout", str(args.header_read_timeout)]
    proc = subprocess.Popen(
        [binary, "serve", "--http-port", "0", "--no-https", "--data-dir", data_dir, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "RUST_LOG": "tenantsim=warn,tenantsim::cli=info"},
    )
    for line in proc.stdout:
        match = re.search(r"tenantsim ready on http://(\S+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            host, port = match.group(1).rsplit(":", 1)
            return proc, (host, int(port)), bool(extra)
    raise RuntimeError("tenantsim exited before its ready line")


def get_health(addr):
    with socket.create_connection(addr) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        while s.recv(4096):
            pass


def open_half_sent(addr, n):
    sockets = []
    for _ in range(n):
        s = socket.create_connection(addr)
        s.sendall(HALF)
        sockets.append(s)
    return sockets


def closed_count(sockets):
    closed = 0
    for s in sockets:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except ConnectionResetError:
            closed += 1
    return closed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=None)
    parser.add_argument("--counts", default="1000,3000")
    parser.add_argument("--header-read-timeout", type=int, default=3)
    parser.add_argument("--max-connections", type=int, default=8000)
    args = parser.parse_args()
    binary = args.bin or default_bin()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    print(f"binary: {binary}")
    for n in [int(c) for c in args.counts.split(",")]:
        with tempfile.TemporaryDirectory() as data_dir:
            proc, addr, limited = start(binary, data_dir, args)
            for _ in range(50):
                get_health(addr)
            time.sleep(0.5)
            before = rss_kib(proc.pid)
            sockets = open_half_sent(addr, n)
            time.sleep(1.0)
            during = rss_kib(proc.pid)
            per = (during - before) / n
            print(f"{n} half-sent connections: RSS {before} KiB -> {during} KiB, "
                  f"{per:.1f} KiB per connection")
            time.sleep(args.header_read_timeout + 2)
            closed = closed_count(sockets)
            after = rss_kib(proc.pid)
            print(f"  after {args.header_read_timeout + 3} s: {closed}/{n} closed by the server, "
                  f"RSS {after} KiB")
            for s in sockets:
                s.close()
            # SIGTERM with N half-sent connections and one idle keep-alive connection open.
            sockets = open_half_sent(addr, n)
            idle = socket.create_connection(addr)
            idle.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
            idle.recv(4096)
            time.sleep(0.5)
            began = time.perf_counter()
            proc.terminate()
            try:
                proc.wait(timeout=30)
                print(f"  SIGTERM to exit with {n} half-sent + 1 idle open: "
                      f"{time.perf_counter() - began:.2f} s (exit {proc.returncode})")
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                print(f"  SIGTERM to exit with {n} half-sent + 1 idle open: did not exit in 30 s "
                      f"(killed)")
            for s in sockets:
                s.close()
            idle.close()
            if not limited:
                print("  (a build without connection limits: no header-read timeout to wait for)")


if __name__ == "__main__":
    main()
