#!/usr/bin/env python3
"""tenantsim at scale: a generated tenant of 100,000 users and 10,000 groups nested six deep,
LinkedIn profiles for half the users and delegated grants for 10 % (bench/gen_fixture.py).

Figures: start to ready (the fixture parsed, validated and loaded), the first `$search` after
ready (it completes the word index the server fills once it listens), RSS after load (in memory,
and with a file database), reset of the big tenant after the writes of a typical test (put back
from the undo log) and reload of it from its seed (in memory, and with a file database; and in a
file database opened again, the tenant still in it and a second, smaller tenant beside it), and
latency of single requests on one keep-alive connection: checkMemberGroups (transitive, through
the nesting chain), the profile-card decision ("Selected group" with nested membership; each
viewer and person pair asked once, so never from the answer cache), a `$filter=startsWith(...)`
list, a `$search` list, and GET /users/{id}. Latencies are measured by this Python client, so
they include its own overhead (tens of microseconds); they are service times, not times under
load.

    python3 bench/scale.py [--users 100000] [--groups 10000] [--requests 2000]

Prints a table and writes bench/out/scale.json and bench/out/scale-<commit>.json. Targets it
checks (issue 13): load <= 2 s, RSS <= 150 MiB in memory, transitive checks p99 <= 2 ms, reset
<= 1 s, startsWith and $search lists p99 <= 5 ms.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (start, stop, rss_kib, post_json, BIN)

ROOT = bench.ROOT
TENANT = "b1000000-0000-4000-8000-000000000001"
APP_ID = "b1000000-a990-4000-8000-000000000301"


def guid(prefix, n):
    return f"b1000000-{prefix:04x}-4000-8000-{n:012x}"


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(samples_ms):
    return {"p50_ms": percentile(samples_ms, 0.50), "p99_ms": percentile(samples_ms, 0.99),
            "max_ms": max(samples_ms), "requests": len(samples_ms)}


class Client:
    """One keep-alive HTTP/1.1 connection; every answer must be 2xx."""

    def __init__(self, base, token=None):
        parsed = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def timed(self, method, path, body=None, extra_headers=None):
        headers = {**self.headers, **(extra_headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - began) * 1000
        if not 200 <= response.status < 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return elapsed, json.loads(payload) if payload else None


def app_token(base):
    parsed = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": APP_ID, "client_secret": "bench-secret",
                                   "scope": "https://graph.microsoft.com/.default"})
    conn.request("POST", f"/{TENANT}/oauth2/v2.0/token", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"token: {response.status} {body}")
    return body["access_token"]


def first_search_ms(base):
    """The first `$search` after ready: the start-up load leaves its objects noted for the word
    index, filled once the server listens (store::bulk); a `$search` first indexes what is left,
    so this is how long after ready the index is complete."""
    client = Client(base, app_token(base))
    query = urllib.parse.quote('"displayName:User 0000"')
    elapsed, _ = client.timed("GET", f"/v1.0/users?$search={query}&$top=1&$select=id",
                              extra_headers={"ConsistencyLevel": "eventual"})
    return elapsed


def change_then_reset(base, client, rng, args, runs, round_tag):
    """`runs` times: the writes of a typical test (10 users created, 10 changed, 5 deleted with
    their memberships, manager links and LinkedIn rows, 10 memberships added), then a reset of
    the tenant. Returns the server-measured reset times and the reset answers."""
    times, answers = [], []
    for run in range(runs):
        for n in range(10):
            nickname = f"bench{round_tag}r{run}n{n}"
            client.timed("POST", "/v1.0/users", {
                "accountEnabled": True, "displayName": f"Bench {nickname}", "mailNickname": nickname,
                "userPrincipalName": f"{nickname}@bigcorp.onmicrosoft.com", "passwordProfile": {"password": "Bench-Pass-1234"}})
        for _ in range(10):
            client.timed("PATCH", f"/v1.0/users/{guid(1, rng.randrange(args.users))}", {"jobTitle": "Changed"})
        for _ in range(5):
            client.timed("DELETE", f"/v1.0/users/{guid(1, rng.randrange(args.users))}")
        for _ in range(10):
            group, user = guid(2, rng.randrange(args.groups)), guid(1, rng.randrange(args.users))
            client.timed("POST", f"/v1.0/groups/{group}/members/$ref",
                         {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user}"})
        answer = bench.post_json(f"{base}/_tenantsim/tenants/{TENANT}/reset")
        if answer.get("method") != "undo":
            raise RuntimeError(f"the reset after a test's writes was not an undo: {answer}")
        times.append(answer["elapsedMs"])
        answers.append(answer)
    return times, answers


def reload_time(base):
    """Server-measured milliseconds of a reset that reloads the tenant from its seed (after a
    reset to empty, there is no log to go by)."""
    bench.post_json(f"{base}/_tenantsim/tenants/{TENANT}/reset", {"to": "empty"})
    answer = bench.post_json(f"{base}/_tenantsim/tenants/{TENANT}/reset")
    if answer.get("method") != "reload":
        raise RuntimeError(f"expected a reload: {answer}")
    return answer["elapsedMs"]


def reload_beside_time(work, fixture, args):
    """Server-measured milliseconds of a reload of the big tenant while it still holds its rows
    and a second tenant, a tenth of its size, holds memberships and LinkedIn connections, in a
    file database opened again (its undo logs are forgotten, so the reset reloads). The load
    must delete the replaced tenant before it sets the indexes aside: the other way round, each
    deleted object's foreign-key cascade scanned the other tenant's rows (58 s at 20,000 and
    10,000 users)."""
    small = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_fixture.py"),
                            "--users", str(max(1, args.users // 10)), "--groups", str(max(1, args.groups // 10)),
                            "--depth", str(args.depth)], capture_output=True, text=True, check=True).stdout
    # Its own ids (every generated id starts b1000000-) and its own domain.
    other = json.loads(small.replace("b1000000-", "b9000000-").replace("bigcorp", "bigcorp2"))["tenants"][0]
    with open(fixture) as f:
        document = json.load(f)
    document["tenants"].append(other)
    beside = os.path.join(work, "beside.json")
    with open(beside, "w") as out:
        json.dump(document, out)
    serve = ["--fixtures", beside, "--no-https", "--db", os.path.join(work, "beside.db")]
    # The first opening loads both tenants into the file; the second forgets the undo logs.
    bench.stop(bench.start(work, serve)[0])
    proc, base, _ = bench.start(work, serve)
    try:
        answer = bench.post_json(f"{base}/_tenantsim/tenants/{TENANT}/reset")
    finally:
        bench.stop(proc)
    if answer.get("method") != "reload":
        raise RuntimeError(f"expected a reload: {answer}")
    return answer["elapsedMs"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        bench.build()
    rng = random.Random(11)
    work = tempfile.mkdtemp(prefix="tenantsim-scale-")
    results = {"users": args.users, "groups": args.groups, "depth": args.depth}
    try:
        fixture = os.path.join(work, "big.json")
        with open(fixture, "w") as out:
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_fixture.py"), "--users", str(args.users),
                            "--groups", str(args.groups), "--depth", str(args.depth)], stdout=out, check=True)
        results["fixture_mib"] = os.path.getsize(fixture) / 2**20

        # Start to ready, in memory (median of --starts), and RSS after load.
        starts, searchable, rss = [], [], []
        for _ in range(args.starts):
            proc, base, elapsed = bench.start(work, ["--fixtures", fixture, "--no-https"])
            starts.append(elapsed * 1000)
            searchable.append(first_search_ms(base))
            time.sleep(0.5)
            rss.append(bench.rss_kib(proc.pid) / 1024)
            bench.stop(proc)
        results["start_to_ready_ms"] = {"median": statistics.median(starts), "max": max(starts), "runs": len(starts)}
        results["rss_in_memory_mib"] = statistics.median(rss)
        results["first_search_after_ready_ms"] = {"median": statistics.median(searchable), "max": max(searchable)}

        db = os.path.join(work, "big.db")
        proc, base, elapsed = bench.start(work, ["--fixtures", fixture, "--no-https", "--db", db])
        results["file_db"] = {"start_to_ready_ms": elapsed * 1000}
        time.sleep(0.5)
        results["file_db"]["rss_mib"] = bench.rss_kib(proc.pid) / 1024
        # A reset after a test's writes puts back only what changed (the undo log).
        times, answers = change_then_reset(base, Client(base, app_token(base)), rng, args, 3, "f")
        results["file_db"]["reset_ms"] = {"median": statistics.median(times), "max": max(times), "runs": len(times),
                                          "rows_undone": [a["rowsUndone"] for a in answers]}
        # A reload from the seed: a file database's rebuilds the big tables' indexes in one pass
        # (store::bulk); the in-memory one maintains them row by row, so readers never meet a
        # half-built schema.
        results["file_db"]["reload_ms"] = reload_time(base)
        bench.stop(proc)
        results["file_db"]["reload_beside_ms"] = reload_beside_time(work, fixture, args)

        proc, base, _ = bench.start(work, ["--fixtures", fixture, "--no-https"])
        try:
            # Latencies once the word index is complete (the first `$search` waits for it).
            first_search_ms(base)
            client = Client(base, app_token(base))
            per_level = max(1, args.groups // args.depth)
            top_groups = [guid(2, g) for g in range(per_level)]  # the roots of the nesting chains
            users = [guid(1, rng.randrange(args.users)) for _ in range(args.requests)]

            # Warm-up: connections, prepared statements, token cache.
            for user in users[:50]:
                client.timed("GET", f"/v1.0/users/{user}")

            samples = [client.timed("GET", f"/v1.0/users/{u}")[0] for u in users]
            results["get_user"] = summary(samples)

            samples, found = [], 0
            for user in users:
                ids = rng.sample(top_groups, 20)
                elapsed, body = client.timed("POST", f"/v1.0/users/{user}/checkMemberGroups", {"groupIds": ids})
                samples.append(elapsed)
                found += len(body["value"])
            results["check_member_groups"] = {**summary(samples), "groups_asked": 20, "memberships_found": found}

            samples = [client.timed("GET", f"/v1.0/users/{u}/transitiveMemberOf?$select=id")[0] for u in users[:500]]
            results["transitive_member_of"] = summary(samples)

            # The profile-card decision: "Selected group" = group 0 (a chain root), nested membership on.
            card = Client(base)
            samples, shown = [], {}
            for i, viewer in enumerate(users):
                person = users[(i + 1) % len(users)]
                elapsed, body = card.timed("GET", f"/_tenantsim/tenants/{TENANT}/profileCard?viewer={viewer}&person={person}")
                samples.append(elapsed)
                outcome = str(body["linkedIn"]["shown"])
                shown[outcome] = shown.get(outcome, 0) + 1
            results["profile_card_decision"] = {**summary(samples), "outcomes": shown}

            samples, found = [], 0
            for _ in range(args.requests // 4):
                prefix = f"User {rng.randrange(args.users):06d}"[:-2]  # matches 100 users
                query = urllib.parse.quote(f"startsWith(displayName,'{prefix}')")
                elapsed, body = client.timed("GET", f"/v1.0/users?$filter={query}&$top=100&$select=id,displayName")
                samples.append(elapsed)
                found += len(body["value"])
            results["list_starts_with"] = {**summary(samples), "users_found": found}

            samples, found = [], 0
            for _ in range(args.requests // 4):
                term = f"User {rng.randrange(args.users):06d}"[:-2]
                query = urllib.parse.quote(f'"displayName:{term}"')
                elapsed, body = client.timed("GET", f"/v1.0/users?$search={query}&$top=100&$select=id,displayName",
                                             extra_headers={"ConsistencyLevel": "eventual"})
                samples.append(elapsed)
                found += len(body["value"])
            results["list_search"] = {**summary(samples), "users_found": found}

            times, answers = change_then_reset(base, client, rng, args, 3, "m")
            results["reset_ms"] = {"median": statistics.median(times), "max": max(times), "runs": len(times),
                                   "rows_undone": [a["rowsUndone"] for a in answers]}
            results["reload_ms"] = reload_time(base)
            results["rss_after_requests_mib"] = bench.rss_kib(proc.pid) / 1024
        finally:
            bench.stop(proc)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load_ms = results["start_to_ready_ms"]["median"]
    p99 = lambda key: results[key]["p99_ms"]  # noqa: E731
    checks = [("load <= 2 s", load_ms <= 2000, f"{load_ms / 1000:.2f} s"),
              ("RSS <= 150 MiB (in memory)", results["rss_in_memory_mib"] <= 150, f"{results['rss_in_memory_mib']:.0f} MiB"),
              ("RSS <= 150 MiB (file database, no target)", results["file_db"]["rss_mib"] <= 150, f"{results['file_db']['rss_mib']:.0f} MiB"),
              ("checkMemberGroups p99 <= 2 ms", p99("check_member_groups") <= 2, f"{p99('check_member_groups'):.2f} ms"),
              ("transitiveMemberOf p99 <= 2 ms", p99("transitive_member_of") <= 2, f"{p99('transitive_member_of'):.2f} ms"),
              ("profile-card decision p99 <= 2 ms", p99("profile_card_decision") <= 2, f"{p99('profile_card_decision'):.2f} ms"),
              ("reset <= 1 s (after a test's writes)", results["reset_ms"]["median"] <= 1000,
               f"{results['reset_ms']['median']:.1f} ms"),
              ("reload from the seed <= 1 s (no target)", results["reload_ms"] <= 1000, f"{results['reload_ms']:.0f} ms"),
              ("reload beside a second tenant, file database, <= 3x the reload alone (no target)",
               results["file_db"]["reload_beside_ms"] <= 3 * results["file_db"]["reload_ms"],
               f"{results['file_db']['reload_beside_ms']:.0f} ms"),
              ("$filter=startsWith list p99 <= 5 ms", p99("list_starts_with") <= 5, f"{p99('list_starts_with'):.2f} ms"),
              ("$search list p99 <= 5 ms", p99("list_search") <= 5, f"{p99('list_search'):.2f} ms")]
    results["targets"] = [{"target": name, "met": met, "figure": figure} for name, met, figure in checks]

    print(f"tenant: {args.users} users, {args.groups} groups nested {args.depth} deep; fixture {results['fixture_mib']:.0f} MiB")
    print(f"start to ready: median {load_ms:.0f} ms (in memory); {results['file_db']['start_to_ready_ms']:.0f} ms (file database)")
    print(f"first $search after ready (the word index completed): median "
          f"{results['first_search_after_ready_ms']['median']:.0f} ms")
    print(f"RSS after load: {results['rss_in_memory_mib']:.0f} MiB in memory, {results['file_db']['rss_mib']:.0f} MiB with a file database")
    print(f"reset of the big tenant after a test's writes: median {results['reset_ms']['median']:.1f} ms in memory, "
          f"{results['file_db']['reset_ms']['median']:.1f} ms with a file database "
          f"(rows undone: {results['reset_ms']['rows_undone']})")
    print(f"reload of the big tenant from its seed: {results['reload_ms']:.0f} ms in memory, "
          f"{results['file_db']['reload_ms']:.0f} ms with a file database; "
          f"{results['file_db']['reload_beside_ms']:.0f} ms with a file database opened again, the tenant "
          f"still in it and a second tenant of a tenth its size beside it")
    print(f"{'single requests, one connection':<40} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for key, label in [("get_user", "GET /users/{id}"), ("check_member_groups", "POST checkMemberGroups (20 ids)"),
                       ("transitive_member_of", "GET transitiveMemberOf"), ("profile_card_decision", "profile-card decision"),
                       ("list_starts_with", "GET /users?$filter=startsWith"), ("list_search", "GET /users?$search")]:
        row = results[key]
        found = f"  ({row['users_found']} users found)" if "users_found" in row else ""
        print(f"{label:<40} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['max_ms']:>8.2f}{found}")
    for row in results["targets"]:
        print(f"{'MET ' if row['met'] else 'MISS'} {row['target']}: {row['figure']}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    results["commit"] = commit + ("-dirty" if dirty else "")
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    for name in ("scale.json", f"scale-{results['commit']}.json"):
        with open(os.path.join(ROOT, "bench", "out", name), "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
