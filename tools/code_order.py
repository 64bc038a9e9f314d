#!/usr/bin/env python3
"""Writes tools/code-order.txt: the functions tenantsim runs, in the order the linker should lay
them out, so the code pages a start-up and a day of requests touch sit together.

Why: the kernel maps an executable's pages around each fault (64 KiB and whole page-cache
folios), so code spread across a 13 MB `.text` made about 10 MiB of it resident after start-up
although start-up runs under 3 MB of functions. Release builds on x86_64 Linux link with
rust-lld, which takes this list as `--symbol-ordering-file` (build.rs): start-up functions
first, then those the commonest request runs too, then that request's own, then the rest of the
request mix's; everything unlisted follows. A stale list costs memory and nothing else: a
renamed function just moves back among the unlisted ones.

    python3 tools/code_order.py            # profile target/release/tenantsim, rewrite the list
    python3 tools/code_order.py --check    # how much of the list the release binary still has

Two builds, one list. Rust symbol names carry a hash of their crate's build metadata, which
differs between `cargo build --release` and the static build the packages ship
(packaging/static-binary: `--target x86_64-unknown-linux-gnu`, crt-static), and changes with the
dependencies. So the list names each function as both builds spell it, side by side: the profile
comes from the release binary, and each name is matched in the static binary (`--also`, by
default target/x86_64-unknown-linux-gnu/release/tenantsim; build it first) by its name without
the hash, and where that is ambiguous (one generic function's instances) by code size. lld
skips the names a build does not have. Regenerate the list after a dependency change: the
packaging tests fail on a list that no longer matches the static binary.

Profiling runs the release binary under valgrind's callgrind (Debian package `valgrind`) with a
fresh data directory: start-up (signing key and TLS certificate generated), then 20 GETs of a
user on one keep-alive connection (what `bench/compare` warms up with) and 2 s idle, then a
request mix over HTTP and HTTPS (tokens, discovery, reads, filters, $search, writes, member refs,
errors, the profile card, the control API, a reset), and with curl several requests on one
connection (keep-alive HTTP/1.1, HTTP/2 over TLS). Takes about 20 s.
"""
import argparse
import glob
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "tenantsim")
STATIC_BIN = os.path.join(ROOT, "target", "x86_64-unknown-linux-gnu", "release", "tenantsim")
ORDER = os.path.join(ROOT, "tools", "code-order.txt")
TENANT = "contoso.onmicrosoft.com"
SYNC_APP = "c0a70550-a990-4000-8000-000000000301"
ADELE = "c0a70550-0000-4000-8000-000000000102"


def start_under_callgrind(binary, data_dir, out):
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}",
         binary, "serve", "--http-port", "0", "--https-port", "0", "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if k != "RUST_LOG"})  # the default log filter
    for line in proc.stdout:
        m = re.search(r"tenantsim ready on (http://\S+) and (https://\S+)", line)
        if m:
            return proc, m.group(1), m.group(2)
    raise RuntimeError("tenantsim exited under valgrind before its ready line")


def token(binary, data_dir, *args):
    return subprocess.run([binary, "token", "--tenant", TENANT, "--data-dir", data_dir, *args],
                          capture_output=True, text=True, check=True).stdout.strip()


def call(base, path, context, method="GET", bearer=None, body=None, headers=None):
    """One request; answers (status, parsed JSON or None). Error statuses are part of the mix."""
    data, all_headers = None, dict(headers or {})
    if bearer:
        all_headers["Authorization"] = f"Bearer {bearer}"
    if isinstance(body, dict):
        data, all_headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif isinstance(body, str):
        data = body.encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(base + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def request_mix(base, context, app, user, round_no):
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": SYNC_APP,
        "client_secret": "sync-secret-Passw0rd!", "scope": "https://graph.microsoft.com/.default"})
    call(base, f"/{TENANT}/oauth2/v2.0/token", context, "POST", body=form,
         headers={"Content-Type": "application/x-www-form-urlencoded"})
    call(base, f"/{TENANT}/v2.0/.well-known/openid-configuration", context)
    call(base, f"/{TENANT}/discovery/v2.0/keys", context)
    _, users = call(base, "/v1.0/users?$top=1&$select=id", context, bearer=app)
    _, groups = call(base, "/v1.0/groups?$top=1&$select=id", context, bearer=app)
    u, g = users["value"][0]["id"], groups["value"][0]["id"]
    for path in ["/v1.0/users", f"/v1.0/users/{u}", f"/v1.0/users/{u}?$select=displayName,mail",
                 "/v1.0/users?$filter=startsWith(displayName,'A')", "/v1.0/users?$top=2",
                 "/v1.0/users?$count=true", "/v1.0/groups", f"/v1.0/groups/{g}",
                 f"/v1.0/groups/{g}/members", f"/v1.0/groups/{g}/transitiveMembers",
                 f"/v1.0/users/{u}/memberOf", f"/v1.0/users/{u}/transitiveMemberOf",
                 f"/v1.0/users/{u}/manager", "/v1.0/organization", "/v1.0/nope", f"/beta/users/{u}",
                 "/v1.0/users/00000000-0000-0000-0000-000000000000",
                 "/v1.0/users?$filter=bad%20eq"]:
        call(base, path, context, bearer=app)
    call(base, "/v1.0/users?$search=%22displayName:Ad%22", context, bearer=app,
         headers={"ConsistencyLevel": "eventual"})
    call(base, "/v1.0/me", context, bearer=user)
    call(base, "/v1.0/me", context)
    call(base, "/v1.0/me", context, bearer="junk")
    nick = f"order{round_no}x{int(time.time() * 1000) % 100000}"
    _, created = call(base, "/v1.0/users", context, "POST", bearer=app, body={
        "accountEnabled": True, "displayName": f"Order {round_no}", "mailNickname": nick,
        "userPrincipalName": f"{nick}@{TENANT}", "passwordProfile": {"password": "Xy12345678!a"}})
    new = created["id"]
    call(base, f"/v1.0/users/{new}", context, "PATCH", bearer=app, body={"jobTitle": "Profiler"})
    call(base, f"/v1.0/groups/{g}/members/$ref", context, "POST", bearer=app,
         body={"@odata.id": f"{base}/v1.0/directoryObjects/{new}"})
    call(base, f"/v1.0/groups/{g}/members/{new}/$ref", context, "DELETE", bearer=app)
    call(base, f"/v1.0/users/{new}", context, "DELETE", bearer=app)
    call(base, "/v1.0/users", context, "POST", bearer=app, body="{bad")
    call(base, f"/_tenantsim/tenants/{TENANT}/profileCard?viewer=JohannaL@{TENANT}&person=AlexW@{TENANT}",
         context)
    for path in ["/_tenantsim/tenants", "/", "/ready"]:
        call(base, path, context)
    call(base, f"/_tenantsim/tenants/{TENANT}/reset", context, "POST")


def keep_alive_mix(base, ca, app):
    """Several requests on one connection with curl: keep-alive HTTP/1.1, and HTTP/2 over TLS."""
    urls = [f"{base}/v1.0/users", f"{base}/v1.0/users?$top=1", f"{base}/v1.0/groups"] * 3
    subprocess.run(["curl", "-s", "--cacert", ca, "-H", f"Authorization: Bearer {app}",
                    *[a for u in urls for a in ("-o", "/dev/null", u)]], check=True)


def functions(path):
    """Function names of a callgrind profile, in order of first appearance."""
    names, seen = [], set()
    with open(path, errors="replace") as profile:
        for line in profile:
            m = re.match(r"c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if not m:
                continue
            name = re.sub(r"'\d+$", "", m.group(1))  # callgrind's recursion-depth suffix
            if name.startswith("0x") or name in seen:
                continue
            seen.add(name)
            names.append(name)
    return names


def dump(proc):
    subprocess.run(["callgrind_control", "--dump", str(proc.pid)], check=True, capture_output=True)


def profile(binary):
    """Functions of three phases: start-up, the most common request (an app token's GET of a
    user on one keep-alive connection), then the whole mix."""
    with tempfile.TemporaryDirectory() as work:
        data_dir, out = os.path.join(work, "data"), os.path.join(work, "cg.out")
        os.mkdir(data_dir)
        proc, http, https = start_under_callgrind(binary, data_dir, out)
        dump(proc)
        ca = os.path.join(data_dir, "tls-ca.pem")
        context = ssl.create_default_context(cafile=ca)
        app = token(binary, data_dir, "--app", SYNC_APP, "--roles",
                    "User.ReadWrite.All,Group.ReadWrite.All,Directory.ReadWrite.All")
        user = token(binary, data_dir, "--user", f"AdeleV@{TENANT}", "--scopes", "User.Read,User.ReadBasic.All")
        subprocess.run(["curl", "-s", "-H", f"Authorization: Bearer {app}",
                        *[a for _ in range(20) for a in ("-o", "/dev/null", f"{http}/v1.0/users/{ADELE}")]],
                       check=True)
        time.sleep(2)  # and what runs while the server idles (timers, the post-start trim)
        dump(proc)
        for round_no in range(3):
            for base in (http, https):
                request_mix(base, context, app, user, round_no)
                keep_alive_mix(base, ca, app)
        proc.terminate()
        proc.wait(timeout=120)
        dumps = sorted(glob.glob(out + ".*"), key=lambda p: int(p.rsplit(".", 1)[1]))
        start_up, get = functions(dumps[0]), functions(dumps[1])
        rest = [n for p in dumps[2:] + [out] for n in functions(p)]
    # Each phase's functions stay contiguous, and start-up's and the GET's together: the pages
    # an idle server has touched. Start-up-only first, then what both run, then the GET's own.
    in_get, in_start = set(get), set(start_up)
    order = [n for n in start_up if n not in in_get] + [n for n in start_up if n in in_get]
    order += [n for n in get if n not in in_start]
    listed = set(order)
    order += [n for n in dict.fromkeys(rest) if n not in listed]
    return order, len(start_up)


def binary_functions(binary):
    """The binary's function symbols and their code sizes."""
    out = subprocess.run(["nm", "-S", binary], capture_output=True, text=True, check=True).stdout
    return {p[3]: int(p[1], 16) for p in (line.split() for line in out.splitlines())
            if len(p) == 4 and p[2] in "tTW"}


LEGACY_HASH = re.compile(r"17h[0-9a-f]{16}E")
V0_CRATE = re.compile(r"Cs[0-9A-Za-z]*_")


def unhashed(name):
    """A symbol without its crate hashes: legacy `…17h<16 hex>E` and v0 `Cs<disambiguator>_`."""
    return V0_CRATE.sub("Cs_", LEGACY_HASH.sub("E", name))


def spellings(order, profiled, other):
    """Each listed name followed by the name(s) the other build gives that function."""
    by_key = {}
    for name, size in other.items():
        by_key.setdefault(unhashed(name), []).append((name, size))
    out, mapped = [], 0
    for name in order:
        out.append(name)
        if name in other:
            mapped += 1
            continue
        candidates = by_key.get(unhashed(name), [])
        if len(candidates) > 1:
            # Instances of one generic function share a name without the hash: their sizes
            # tell them apart (the same code is the same size in both builds).
            candidates = [c for c in candidates if c[1] == profiled.get(name)]
        if candidates:
            mapped += 1
            out.extend(c[0] for c in candidates)
    return list(dict.fromkeys(out)), mapped


def listed(path):
    with open(path) as order:
        names = (line.split("#", 1)[0].strip() for line in order)  # lld's comment syntax
        return [name for name in names if name]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=BIN)
    parser.add_argument("--also", default=STATIC_BIN,
                        help="another build whose names the list also carries (the static one)")
    parser.add_argument("--check", action="store_true",
                        help="print how many listed functions the binary has; fail under --min")
    parser.add_argument("--min", type=float, default=0.8)
    args = parser.parse_args()
    if args.check:
        # A function is listed under each build's name: count it once, present if either is.
        keys, present = {}, binary_functions(args.bin)
        for name in listed(ORDER):
            key = unhashed(name)
            keys[key] = keys.get(key, False) or name in present
        share = sum(keys.values()) / max(len(keys), 1)
        print(f"code order: {share:.0%} of {len(keys)} listed functions are in {args.bin}")
        sys.exit(0 if share >= args.min else 1)
    if not os.path.exists(args.also):
        sys.exit(f"no {args.also}: build it first (packaging/static-binary), or name another "
                 "with --also")
    order, start_up = profile(args.bin)
    order, mapped = spellings(order, binary_functions(args.bin), binary_functions(args.also))
    print(f"{mapped} of the profile's functions found in {args.also}")
    with open(ORDER, "w") as out:
        out.write("# rust-lld --symbol-ordering-file for release builds (build.rs); written by\n"
                  "# tools/code_order.py from a callgrind profile: start-up's functions, then the\n"
                  "# commonest request's, then the request mix's; each name as the release build\n"
                  f"# and the static build spell it. {len(order)} names, {start_up} functions at start-up.\n")
        out.write("\n".join(order) + "\n")
    print(f"wrote {ORDER}: {len(order)} names ({start_up} functions at start-up)")


if __name__ == "__main__":
    main()
