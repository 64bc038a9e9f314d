#!/usr/bin/env python3
"""Crash test: SIGKILL the server in the middle of concurrent writes to a file database and
check that every acknowledged write survives and the file is intact.

Each round: start `tenantsim serve --db FILE` (the same file every round); check that every
write acknowledged in earlier rounds is there; start the writers (each creates its own group,
users, memberships and patches its users' jobTitle); after a seeded random delay SIGKILL the
server, which must be running and answer GET /health right before it (and die of that signal,
with no writer losing its connection earlier: a server that dies on its own fails the round);
open the file read-only with sqlite3 and require `PRAGMA integrity_check` = ok. A write
is acknowledged when its 2xx answer arrived before the kill; writes in flight at the kill may or
may not be there, but if present they must be whole (a created user carries the properties it
was created with, a patched value is the old or the new one). After the last round the server
starts once more for the final check and must stop cleanly on SIGTERM.

Exit 1 with a message naming the round and the write on any failure. Standard library only.
"""

import argparse
import collections
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import common  # noqa: E402
from common import Failure, quote

UNSURE = object()
USER_PREFIX = "crash-"
GROUP_PREFIX = "Crash "


class Expected:
    """What must be in the database: every acknowledged write, and the writes whose outcome
    is unknown (in flight at a kill), which are resolved at the next start."""

    def __init__(self):
        self.lock = threading.Lock()
        # upn -> {"id", "jobTitle": value | UNSURE, "possible": set, "created": jobTitle}
        self.users = {}
        # upn -> jobTitle it was created with, for creates that were in flight
        self.unsure_users = {}
        # mailNickname -> {"id", "displayName", "members": set of user ids, "unsure": set}
        self.groups = {}
        self.unsure_groups = {}  # mailNickname -> displayName
        self.acked = 0


class Writer(threading.Thread):
    def __init__(self, round_no, n, server, token, expected, rng):
        super().__init__(name=f"writer-{n}", daemon=True)
        self.round, self.n, self.e, self.rng = round_no, n, expected, rng
        self.client = server.client(timeout=15)
        self.token = token
        self.acked = 0
        self.in_flight_at_kill = None
        self.error_at = None  # time.monotonic() of the connection error that ended the writes
        self.problems = []
        self.group = None  # mailNickname
        self.mine = []  # upns created (acknowledged) in this round
        self.seq = 0

    def request(self, what, method, path, body, expect):
        """The Response if acknowledged, False if refused, UNSURE if the server went away."""
        try:
            r = self.client.request(method, path, body, self.token)
        except common.CONNECTION_ERRORS as e:
            # Taken for the planned kill; the round checks that it came after the kill.
            self.error_at = time.monotonic()
            self.in_flight_at_kill = f"{what} ({type(e).__name__}: {e})"
            return UNSURE
        if r.status == expect:
            self.acked += 1
            return r
        self.problems.append(f"round {self.round} writer {self.n}: {what}: {method} {path} -> {r.status}: {r.text()}")
        return False

    def run(self):
        try:
            self.loop()
        except Exception as e:  # a bug in this script
            self.problems.append(f"round {self.round} writer {self.n}: {type(e).__name__}: {e}")
        finally:
            self.client.close()

    def loop(self):
        nick = f"crashr{self.round}w{self.n}"
        name = f"{GROUP_PREFIX}r{self.round} w{self.n}"
        body = {"displayName": name, "mailEnabled": False, "mailNickname": nick, "securityEnabled": True}
        r = self.request(f"create group {name}", "POST", "/v1.0/groups", body, 201)
        if r is UNSURE:
            with self.e.lock:
                self.e.unsure_groups[nick] = name
            return
        if not r:
            return
        with self.e.lock:
            self.e.groups[nick] = {"id": r.json()["id"], "displayName": name, "members": set(), "unsure": set()}
        self.group = nick
        while not self.problems:
            op = self.rng.choices(["create", "add", "patch", "remove"], [4, 3, 3, 1])[0]
            if op == "create" or not self.mine:
                if self.create_user() is UNSURE:
                    return
            elif op == "add":
                if self.add_member() is UNSURE:
                    return
            elif op == "patch":
                if self.patch_user() is UNSURE:
                    return
            elif self.remove_member() is UNSURE:
                return

    def create_user(self):
        self.seq += 1
        upn = f"{USER_PREFIX}r{self.round}-w{self.n}-{self.seq}@contoso.onmicrosoft.com"
        title = f"t{self.round}.{self.n}.{self.seq}.0"
        body = {"accountEnabled": True, "displayName": f"Crash r{self.round} w{self.n} u{self.seq}",
                "mailNickname": f"crashr{self.round}w{self.n}u{self.seq}", "userPrincipalName": upn,
                "jobTitle": title, "passwordProfile": {"password": "Xx-12345678!"}}
        r = self.request(f"create user {upn}", "POST", "/v1.0/users", body, 201)
        if r is UNSURE:
            with self.e.lock:
                self.e.unsure_users[upn] = title
        elif r:
            with self.e.lock:
                self.e.users[upn] = {"id": r.json()["id"], "jobTitle": title, "possible": set(), "created": title}
                self.e.acked += 1
            self.mine.append(upn)
        return r

    def add_member(self):
        g = self.e.groups[self.group]
        with self.e.lock:
            candidates = [u for u in self.mine if self.e.users[u]["id"] not in g["members"] | g["unsure"]]
        if not candidates:
            return self.create_user()
        upn = self.rng.choice(candidates)
        uid = self.e.users[upn]["id"]
        body = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}"}
        r = self.request(f"add {upn} to {g['displayName']}", "POST", f"/v1.0/groups/{g['id']}/members/$ref", body, 204)
        with self.e.lock:
            if r is UNSURE:
                g["unsure"].add(uid)
            elif r:
                g["members"].add(uid)
                self.e.acked += 1
        return r

    def remove_member(self):
        g = self.e.groups[self.group]
        with self.e.lock:
            members = sorted(g["members"])
        if not members:
            return self.add_member()
        uid = self.rng.choice(members)
        r = self.request(f"remove {uid} from {g['displayName']}", "DELETE",
                         f"/v1.0/groups/{g['id']}/members/{uid}/$ref", None, 204)
        with self.e.lock:
            if r is UNSURE:
                g["members"].discard(uid)
                g["unsure"].add(uid)
            elif r:
                g["members"].discard(uid)
                self.e.acked += 1
        return r

    def patch_user(self):
        upn = self.rng.choice(self.mine)
        u = self.e.users[upn]
        self.seq += 1
        value = f"t{self.round}.{self.n}.{self.seq}.p"
        r = self.request(f"patch {upn} jobTitle={value}", "PATCH", f"/v1.0/users/{u['id']}", {"jobTitle": value}, 204)
        with self.e.lock:
            if r is UNSURE:
                u["possible"] = {u["jobTitle"], value}
                u["jobTitle"] = UNSURE
            elif r:
                u["jobTitle"] = value
                self.e.acked += 1
        return r


def verify(server, token, e, when):
    """Checks every acknowledged write against the running server, then adopts what it shows
    for the writes whose outcome was unknown (they are durable now, so later rounds must keep
    them). Raises Failure naming the first problems."""
    client = server.client()
    problems = []
    f = quote(f"startswith(userPrincipalName,'{USER_PREFIX}')")
    listed = {u["userPrincipalName"]: u for u in common.list_all(
        client, f"/v1.0/users?$filter={f}&$select=id,userPrincipalName,jobTitle&$top=999", token)}
    for upn, u in e.users.items():
        got = listed.get(upn)
        if got is None:
            problems.append(f"acknowledged user {upn} ({u['id']}) is missing")
        elif got["id"] != u["id"]:
            problems.append(f"user {upn}: id {got['id']}, acknowledged {u['id']}")
        elif u["jobTitle"] is UNSURE:
            if got["jobTitle"] not in u["possible"]:
                problems.append(f"user {upn}: jobTitle {got['jobTitle']!r}, expected one of {sorted(u['possible'])}")
        elif got["jobTitle"] != u["jobTitle"]:
            problems.append(f"user {upn}: jobTitle {got['jobTitle']!r}, last acknowledged {u['jobTitle']!r}")
    for upn, title in e.unsure_users.items():
        got = listed.get(upn)
        if got is not None and got["jobTitle"] != title:
            problems.append(f"unacknowledged user {upn} is there but half-made: jobTitle {got['jobTitle']!r}, sent {title!r}")
    unknown = set(listed) - set(e.users) - set(e.unsure_users)
    if unknown:
        problems.append(f"users nobody created: {sorted(unknown)[:5]}")

    gf = quote(f"startswith(displayName,'{GROUP_PREFIX}')")
    groups = {g["mailNickname"]: g for g in common.list_all(
        client, f"/v1.0/groups?$filter={gf}&$select=id,displayName,mailNickname&$top=999", token)}
    for nick, g in e.groups.items():
        got = groups.get(nick)
        if got is None:
            problems.append(f"acknowledged group {g['displayName']} ({g['id']}) is missing")
            continue
        if got["id"] != g["id"]:
            problems.append(f"group {nick}: id {got['id']}, acknowledged {g['id']}")
            continue
        members = {m["id"] for m in common.list_all(client, f"/v1.0/groups/{g['id']}/members?$select=id&$top=999", token)}
        lost = g["members"] - members
        if lost:
            problems.append(f"group {g['displayName']}: acknowledged members missing: {sorted(lost)}")
        extra = members - g["members"] - g["unsure"]
        if extra:
            problems.append(f"group {g['displayName']}: members nobody added (or acknowledged removed): {sorted(extra)}")
        g["_seen"] = members
    unknown = set(groups) - set(e.groups) - set(e.unsure_groups)
    if unknown:
        problems.append(f"groups nobody created: {sorted(unknown)[:5]}")
    client.close()
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise Failure(f"{when}: {len(problems)} problem(s){more}:\n  " + "\n  ".join(problems[:10]))

    # Resolve: what the server shows now is durable.
    for upn, u in e.users.items():
        if u["jobTitle"] is UNSURE:
            u["jobTitle"], u["possible"] = listed[upn]["jobTitle"], set()
    for upn, title in e.unsure_users.items():
        if upn in listed:
            e.users[upn] = {"id": listed[upn]["id"], "jobTitle": title, "possible": set(), "created": title}
    e.unsure_users.clear()
    for nick, name in e.unsure_groups.items():
        if nick in groups:
            e.groups[nick] = {"id": groups[nick]["id"], "displayName": name, "members": set(), "unsure": set()}
    e.unsure_groups.clear()
    for g in e.groups.values():
        if "_seen" in g:
            g["members"] = g.pop("_seen")
        g["unsure"] = set()
    return len(e.users), len(e.groups), sum(len(g["members"]) for g in e.groups.values())


def running_and_answering(server):
    """None if the process is running and answers GET /health with 200 now; else what is wrong."""
    if not server.alive():
        return f"tenantsim had already exited with {server.proc.returncode}"
    client = server.client(timeout=5)
    try:
        r = client.request("GET", "/health")
    except common.CONNECTION_ERRORS as e:
        return f"GET /health failed: {type(e).__name__}: {e}"
    finally:
        client.close()
    if r.status != 200:
        return f"GET /health answered {r.status}: {r.text()}"
    if not server.alive():
        return f"tenantsim exited with {server.proc.returncode} while answering GET /health"
    return None


def integrity(db, when):
    """PRAGMA integrity_check on the file, read-only (the server is not running)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    if rows != [("ok",)]:
        raise Failure(f"{when}: PRAGMA integrity_check: {rows[:10]}")
    if fk:
        raise Failure(f"{when}: PRAGMA foreign_key_check: {fk[:10]}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", help="tenantsim binary (default $TENANTSIM_BIN or target/debug/tenantsim)")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--writers", type=int, default=16)
    p.add_argument("--seed", type=int, default=int(os.environ.get("CRASH_SEED", "1")))
    p.add_argument("--min-delay", type=float, default=0.3, help="seconds of writes before the kill (min)")
    p.add_argument("--max-delay", type=float, default=2.0, help="seconds of writes before the kill (max)")
    p.add_argument("--short", action="store_true", help="3 rounds (CI)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (database and log)")
    args = p.parse_args()
    if args.short:
        args.rounds = min(args.rounds, 3)
    bin_path = common.binary(args.bin)
    tmp = tempfile.mkdtemp(prefix="tenantsim-crash-")
    db = os.path.join(tmp, "tenant.db")
    data_dir = os.path.join(tmp, "data")
    log_path = os.path.join(tmp, "server.log")
    rng = random.Random(args.seed)
    print(f"crash: {bin_path}, {args.rounds} rounds, {args.writers} writers, seed {args.seed}, "
          f"kill after {args.min_delay:g}-{args.max_delay:g} s; db {db}", flush=True)
    e = Expected()
    totals = collections.Counter()
    server = None
    try:
        for round_no in range(1, args.rounds + 1):
            server = common.Server(bin_path, data_dir, log_path, db=db)
            setup = server.client()
            token = common.app_token(setup)
            setup.close()
            verify(server, token, e, f"round {round_no}, after restart")
            acked_before = e.acked
            writers = [Writer(round_no, n, server, token, e, random.Random(rng.random())) for n in range(args.writers)]
            delay = rng.uniform(args.min_delay, args.max_delay)
            started = time.monotonic()
            for w in writers:
                w.start()
            time.sleep(max(0.0, delay - (time.monotonic() - started)))
            # The kill must be what stops the server: it runs and answers right up to the SIGKILL.
            health = running_and_answering(server)
            killed_at = time.monotonic()
            server.kill()
            if health:
                raise Failure(f"round {round_no}: just before the planned SIGKILL at {delay:.2f} s, {health}"
                              f"\n{common.tail(log_path, 15)}")
            if server.proc.returncode != -signal.SIGKILL:
                raise Failure(f"round {round_no}: tenantsim ended with {server.proc.returncode}, "
                              f"not by the SIGKILL sent at {delay:.2f} s")
            for w in writers:
                w.join(30)
            early = [w for w in writers if w.error_at is not None and w.error_at < killed_at]
            if early:
                raise Failure(f"round {round_no}: {len(early)} writer(s) lost the connection before the SIGKILL, "
                              f"e.g. {killed_at - early[0].error_at:.2f} s before it during "
                              f"{early[0].in_flight_at_kill}")
            problems = [p for w in writers for p in w.problems]
            if any(w.is_alive() for w in writers):
                problems.append("a writer hung after the kill")
            if problems:
                raise Failure(f"round {round_no}: writes refused before the kill:\n  " + "\n  ".join(problems[:10]))
            acked = e.acked - acked_before
            in_flight = sum(1 for w in writers if w.in_flight_at_kill)
            if acked == 0:
                raise Failure(f"round {round_no}: no write was acknowledged before the kill at {delay:.2f} s "
                              "(the test proves nothing; raise --min-delay)")
            integrity(db, f"round {round_no}, after SIGKILL")
            totals["acked"] += acked
            totals["in flight"] += in_flight
            print(f"round {round_no:2}: SIGKILL after {delay:.2f} s, {acked} writes acknowledged, "
                  f"{in_flight} in flight; integrity ok", flush=True)
            server = None
        server = common.Server(bin_path, data_dir, log_path, db=db)
        setup = server.client()
        token = common.app_token(setup)
        setup.close()
        users, groups, members = verify(server, token, e, "final restart")
        code = server.terminate()
        server = None
        if code != 0:
            raise Failure(f"tenantsim exited {code} after SIGTERM")
        integrity(db, "after the final graceful stop")
        problems = common.log_problems(log_path)
        if problems:
            raise Failure(f"server log has {len(problems)} panic/error lines, first: {problems[0]}")
    except Failure as failure:
        common.die(f"crash test: {failure}\n(database and server log kept in {tmp})")
    finally:
        if server is not None:
            server.kill()
    print(f"crash: PASS — {args.rounds} SIGKILLs, {totals['acked']} acknowledged writes all present "
          f"({users} users, {groups} groups, {members} memberships), {totals['in flight']} writes in flight "
          f"at the kills, integrity_check ok after every kill")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
