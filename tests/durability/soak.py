#!/usr/bin/env python3
"""Soak: many concurrent keep-alive clients, mixed Graph / portal / control reads and writes
against the real binary; afterwards every acknowledged write must be readable as acknowledged.

Each client owns the objects it creates (users soak<tag>-c<N>-…, groups "Soak <tag> c<N> …",
their memberships and grants), so it alone writes them and knows their state exactly: its own
reads during the run are checked too (read-your-writes through the server's caches). The
tenant-wide LinkedIn setting has one writer (client 0), the control API's LinkedIn options
another (client 1). Clients 2, 6 and 7 write a small template tenant while 3, 4 and 5 take
snapshots of it and re-import each as a throwaway copy that must read back equal.

Fails (exit 1) on any 5xx, connection error, unexpected status, stale read, lost or wrong
write, snapshot that does not re-import or reads back different, final check that did not run
to the end, server exit or panic. Standard library only.
"""

import argparse
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import common  # noqa: E402
from common import Failure, quote

FIXTURE_USERS = [
    "AdeleV@contoso.onmicrosoft.com", "AlexW@contoso.onmicrosoft.com", "MeganB@contoso.onmicrosoft.com",
    "LeeG@contoso.onmicrosoft.com", "NestorW@contoso.onmicrosoft.com", "PattiF@contoso.onmicrosoft.com",
    "IsaiahL@contoso.onmicrosoft.com", "JohannaL@contoso.onmicrosoft.com",
]
FIXTURE_GROUP = "c0a70550-0000-4000-8000-000000000201"
UNSURE = object()  # an outcome the client cannot know (5xx, connection error)
MAX_SAMPLES = 20
ANY_ANSWER = range(200, 500)  # the caller judges the status itself
# Besides client 2, these clients only write the template tenant, and these only snapshot it
# (with fewer clients than that, nobody does).
TEMPLATE_WRITERS = (6, 7, 8, 9, 10)
SNAPSHOT_TAKERS = (3, 4, 5, 11)


def first_difference(a, b, where="$"):
    """The JSON path of the first place where `a` and `b` differ, or None."""
    if type(a) is not type(b):
        return f"{where}: {json.dumps(a)[:120]} vs {json.dumps(b)[:120]}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{where}.{key}: only in the {'snapshot' if key in a else 'copy'}"
            found = first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{where}: {len(a)} items in the snapshot, {len(b)} in the copy"
    return None if a == b else f"{where}: {json.dumps(a)[:120]} vs {json.dumps(b)[:120]}"


class Shared:
    """What every worker reads and where they report."""

    def __init__(self, server, token, portal, graph_sp, tag, deadline):
        self.server, self.token, self.portal, self.graph_sp = server, token, portal, graph_sp
        self.tag, self.deadline = tag, deadline
        # A small tenant the raced creations copy (Contoso grows with the soak's own users, and
        # copying it would measure nothing but its size); the template writers keep writing into it.
        self.template = self.template_token = self.template_group = self.template_domain = None
        self.lock = threading.Lock()
        self.stop = threading.Event()  # the server died: no point going on
        # tenant name or domain -> [(client, tenant id, upn of a user written into it or None)]
        self.tenant_wins = collections.defaultdict(list)
        self.failures = []  # (kind, message)
        self.failure_count = collections.Counter()
        self.snapshots = collections.Counter()  # exported, round trips, refused, differ

    def fail(self, kind, message):
        with self.lock:
            self.failure_count[kind] += 1
            if len(self.failures) < 200:
                self.failures.append((kind, message))


class Worker(threading.Thread):
    def __init__(self, n, shared, seed):
        super().__init__(name=f"soak-{n}", daemon=True)
        self.n, self.s = n, shared
        self.rng = random.Random(seed * 1000 + n)
        self.client = shared.server.client()
        self.prefix = f"soak{shared.tag}-c{n}-"
        self.group_prefix = f"Soak {shared.tag} c{n} "
        self.seq = 0
        # id -> {"upn", "displayName", "jobTitle": value | UNSURE, "possible": set}
        self.users = {}
        self.deleted_users = set()
        self.unsure_creates = 0
        self.unsure_deletes = 0
        # id -> {"displayName", "description", "members": set, "unsure": set}
        self.groups = {}
        # user id -> {"id", "scope", "exists": True | False | UNSURE}
        self.grants = {}
        self.linkedin_setting = None  # client 0: last acknowledged enableLinkedInAppFamily
        self.linkedin_possible = set()
        self.nested = None  # client 1: last acknowledged nestedGroupMembership
        self.nested_possible = set()
        self.template_users = []  # template writers: users they created in the template tenant
        self.status = collections.Counter()
        self.by_op = collections.Counter()
        self.latencies = []
        self.conn_errors = 0
        self.requests = 0
        self.acked_writes = 0

    # --- plumbing -----------------------------------------------------------------------

    def call(self, op, method, path, body=None, token=None, expect=(200,)):
        """Returns the Response, or None after a connection error or a 5xx (both failures)."""
        token = self.s.token if token is None else token
        self.requests += 1
        self.by_op[op] += 1
        try:
            r = self.client.request(method, path, body, token or None)
        except common.CONNECTION_ERRORS as e:
            self.conn_errors += 1
            self.status["conn-error"] += 1
            self.s.fail("connection error", f"{op}: {method} {path}: {type(e).__name__}: {e}")
            if not self.s.server.alive():
                self.s.stop.set()
            return None
        self.latencies.append(r.seconds)
        self.status[r.status] += 1
        if r.status >= 500:
            self.s.fail("5xx", f"{op}: {method} {path} -> {r.status}: {r.text()}")
            return None
        if r.status not in expect:
            self.s.fail("unexpected status", f"{op}: {method} {path} -> {r.status} (expected {expect}): {r.text()}")
        return r

    def write(self, op, method, path, body, expect, token=None):
        """A write: True if acknowledged (2xx as expected), False if refused (nothing changed),
        UNSURE if the outcome is unknown."""
        r = self.call(op, method, path, body, token, expect)
        if r is None:
            return UNSURE
        if r.status in expect:
            self.acked_writes += 1
            return r
        return False

    def stale(self, what):
        self.s.fail("stale or lost write", f"client {self.n}: {what}")

    def next_name(self):
        self.seq += 1
        return self.seq

    def live_users(self):
        return list(self.users)

    # --- writes -------------------------------------------------------------------------

    def create_user(self):
        if len(self.users) >= 400:
            return self.patch_user()
        k = self.next_name()
        upn = f"{self.prefix}{k}@contoso.onmicrosoft.com"
        title = f"title-{self.n}-{k}-0"
        body = {"accountEnabled": True, "displayName": f"Soak {self.s.tag} c{self.n} u{k}",
                "mailNickname": f"soak{self.s.tag}c{self.n}u{k}", "userPrincipalName": upn,
                "jobTitle": title, "passwordProfile": {"password": "Xx-12345678!"}}
        r = self.write("create user", "POST", "/v1.0/users", body, (201,))
        if r is UNSURE:
            self.unsure_creates += 1
        elif r:
            got = r.json()
            if got.get("userPrincipalName") != upn or got.get("jobTitle") != title:
                self.s.fail("wrong answer", f"create user {upn} answered {got}")
            self.users[got["id"]] = {"upn": upn, "displayName": body["displayName"], "jobTitle": title,
                                     "possible": set()}

    def patch_user(self):
        if not self.users:
            return self.create_user()
        uid = self.rng.choice(self.live_users())
        u = self.users[uid]
        value = f"title-{self.n}-{self.next_name()}"
        r = self.write("patch user", "PATCH", f"/v1.0/users/{uid}", {"jobTitle": value}, (204,))
        if r is UNSURE:
            if u["jobTitle"] is not UNSURE:
                u["possible"].add(u["jobTitle"])
            u["possible"].add(value)
            u["jobTitle"] = UNSURE
        elif r:
            u["jobTitle"], u["possible"] = value, set()

    def delete_user(self):
        # Only users with no membership and no grant, so the other expectations stay exact.
        busy = {m for g in self.groups.values() for m in g["members"] | g["unsure"]} | set(self.grants)
        free = [uid for uid in self.users if uid not in busy]
        if len(free) < 5:
            return self.create_user()
        uid = self.rng.choice(free)
        r = self.write("delete user", "DELETE", f"/v1.0/users/{uid}", None, (204,))
        if r is UNSURE:
            self.users.pop(uid)  # present or not: not checked
            self.unsure_deletes += 1
        elif r:
            self.users.pop(uid)
            self.deleted_users.add(uid)

    def create_group(self):
        if len(self.groups) >= 40:
            return self.patch_group()
        k = self.next_name()
        name = f"{self.group_prefix}g{k}"
        body = {"displayName": name, "mailEnabled": False, "mailNickname": f"soak{self.s.tag}c{self.n}g{k}",
                "securityEnabled": True, "description": "d0"}
        r = self.write("create group", "POST", "/v1.0/groups", body, (201,))
        if r and r is not UNSURE:
            got = r.json()
            if got.get("displayName") != name:
                self.s.fail("wrong answer", f"create group {name} answered {got}")
            self.groups[got["id"]] = {"displayName": name, "description": "d0", "possible": set(),
                                      "members": set(), "unsure": set()}

    def patch_group(self):
        if not self.groups:
            return self.create_group()
        gid = self.rng.choice(list(self.groups))
        g = self.groups[gid]
        value = f"d{self.next_name()}"
        r = self.write("patch group", "PATCH", f"/v1.0/groups/{gid}", {"description": value}, (204,))
        if r is UNSURE:
            if g["description"] is not UNSURE:
                g["possible"].add(g["description"])
            g["possible"].add(value)
            g["description"] = UNSURE
        elif r:
            g["description"], g["possible"] = value, set()

    def add_member(self):
        if not self.groups or not self.users:
            return self.create_group() if not self.groups else self.create_user()
        gid = self.rng.choice(list(self.groups))
        g = self.groups[gid]
        candidates = [u for u in self.users if u not in g["members"] and u not in g["unsure"]]
        if not candidates:
            return self.create_user()
        uid = self.rng.choice(candidates)
        body = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}"}
        r = self.write("add member", "POST", f"/v1.0/groups/{gid}/members/$ref", body, (204,))
        if r is UNSURE:
            g["unsure"].add(uid)
        elif r:
            g["members"].add(uid)

    def remove_member(self):
        pairs = [(gid, uid) for gid, g in self.groups.items() for uid in g["members"]]
        if not pairs:
            return self.add_member()
        gid, uid = self.rng.choice(pairs)
        g = self.groups[gid]
        r = self.write("remove member", "DELETE", f"/v1.0/groups/{gid}/members/{uid}/$ref", None, (204,))
        if r is UNSURE:
            g["members"].discard(uid)
            g["unsure"].add(uid)
        elif r:
            g["members"].discard(uid)

    def create_grant(self):
        candidates = [u for u in self.users if u not in self.grants]
        if not candidates:
            return self.create_user()
        uid = self.rng.choice(candidates)
        body = {"clientId": common.TEAM_PORTAL_SP, "consentType": "Principal", "principalId": uid,
                "resourceId": self.s.graph_sp, "scope": "User.Read"}
        r = self.write("create grant", "POST", "/v1.0/oauth2PermissionGrants", body, (201,))
        if r is UNSURE:
            self.grants[uid] = {"id": None, "scope": UNSURE, "exists": UNSURE}
        elif r:
            got = r.json()
            self.grants[uid] = {"id": got["id"], "scope": "User.Read", "exists": True}

    def patch_grant(self):
        live = [(u, g) for u, g in self.grants.items() if g["exists"] is True]
        if not live:
            return self.create_grant()
        uid, g = self.rng.choice(live)
        value = self.rng.choice(["User.Read", "User.Read People.Read", "User.ReadBasic.All"])
        r = self.write("patch grant", "PATCH", f"/v1.0/oauth2PermissionGrants/{g['id']}", {"scope": value}, (204,))
        if r is UNSURE:
            g["scope"] = UNSURE
        elif r:
            g["scope"] = value

    def delete_grant(self):
        live = [(u, g) for u, g in self.grants.items() if g["exists"] is True]
        if not live:
            return self.create_grant()
        uid, g = self.rng.choice(live)
        r = self.write("delete grant", "DELETE", f"/v1.0/oauth2PermissionGrants/{g['id']}", None, (204,))
        if r is UNSURE:
            g["exists"] = UNSURE
        elif r:
            g["exists"] = False

    def portal_put(self):
        value = self.rng.choice([0, 1])
        r = self.write("portal PUT", "PUT", "/api/Directories/PropertiesV2", {"enableLinkedInAppFamily": value},
                       (204,), token=self.s.portal)
        if r is UNSURE:
            self.linkedin_possible |= {self.linkedin_setting, value}
            self.linkedin_setting = UNSURE
        elif r:
            self.linkedin_setting, self.linkedin_possible = value, set()

    def admin_linkedin_patch(self):
        value = self.rng.choice([True, False])
        r = self.write("control PATCH linkedIn", "PATCH", f"/_tenantsim/tenants/{common.TENANT}/linkedIn",
                       {"nestedGroupMembership": value}, (200,), token="")
        if r is UNSURE:
            self.nested_possible |= {self.nested, value}
            self.nested = UNSURE
        elif r:
            self.nested, self.nested_possible = value, set()

    def create_tenant(self):
        """Clients race to create the same tenant: every client that calls this in the same
        quarter second names the same tenant (a template copy) or claims the same domain (a
        fixture with its own id). One may win (201), the others must get 409 — never a 500 and
        never a second 201 that silently replaces the first (issue 7, part 5). The winner writes
        a user into its tenant at once; the final check reads it back."""
        window = int(time.monotonic() * 4)
        if self.rng.random() < 0.5:
            key = f"soak{self.s.tag}t{window}"
            body = {"template": self.s.template, "name": key}
        else:
            key = f"soak{self.s.tag}d{window}.example"
            tid = f"5a0c0000-0000-4000-8000-{self.rng.randrange(16**12):012x}"
            body = {"fixture": {"id": tid, "displayName": f"Soak {key}", "domains": [key]}}
        r = self.write("create tenant (raced)", "POST", "/_tenantsim/tenants", body, (201, 409), token="")
        if r is UNSURE or not r or r.status != 201:
            return
        tenant, domain = r.json()["id"], r.json()["domains"][0]
        tok = self.tenant_token(tenant)
        if tok is None:
            return
        upn = f"winner-c{self.n}@{domain}"
        user = {"accountEnabled": True, "displayName": "Winner", "mailNickname": f"winnerc{self.n}",
                "userPrincipalName": upn, "passwordProfile": {"password": "Xx-12345678!"}}
        w = self.write("create user in the won tenant", "POST", "/v1.0/users", user, (201,), token=tok)
        with self.s.lock:
            self.s.tenant_wins[key].append((self.n, tenant, upn if w and w is not UNSURE else None))

    def write_template(self):
        """Template writers: create users in the template tenant and add them to its group, or
        delete one, so that tenants are copied and snapshots taken while it is being written."""
        tok, group = self.s.template_token, self.s.template_group
        if len(self.template_users) >= 20 or (self.template_users and self.rng.random() < 0.3):
            uid = self.template_users.pop(self.rng.randrange(len(self.template_users)))
            self.write("delete user in the template", "DELETE", f"/v1.0/users/{uid}", None, (204,), token=tok)
            return
        k = f"{self.n}x{self.next_name()}"
        body = {"accountEnabled": True, "displayName": f"T{k}", "mailNickname": f"t{k}",
                "userPrincipalName": f"t{k}@{self.s.template_domain}", "passwordProfile": {"password": "Xx-12345678!"}}
        r = self.write("create user in the template", "POST", "/v1.0/users", body, (201,), token=tok)
        if r and r is not UNSURE:
            uid = r.json()["id"]
            self.template_users.append(uid)
            ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}"}
            self.write("add member in the template", "POST", f"/v1.0/groups/{group}/members/$ref", ref, (204,), token=tok)

    def snapshot_roundtrip(self):
        """Snapshot writers: export the template tenant while others write it, re-import the
        document as a throwaway copy (tenant id and domain rewritten, so the writes go on
        undisturbed), and require the copy's own export, with the rewrite undone, to equal the
        snapshot. A snapshot that does not re-import, or comes back different, fails the soak."""
        tpl, domain = self.s.template, self.s.template_domain
        k = self.next_name()
        path = (f"/_tenantsim/tenants/{tpl}/snapshot" if k % 2 else f"/_tenantsim/snapshot?tenant={tpl}")
        r = self.call("snapshot export", "GET", path, token="")
        if r is None or r.status != 200:
            return
        with self.s.lock:
            self.s.snapshots["exported"] += 1
        text = r.body.decode("utf-8")
        snapshot = json.loads(text)
        tenants = snapshot.get("tenants")
        if not isinstance(tenants, list) or [t.get("id") for t in tenants] != [tpl]:
            self.s.fail("snapshot", f"GET {path} is not one tenant {tpl}: {r.text(200)}")
            return
        # A fresh id and a DNS name no other tenant claims; object ids are per tenant.
        copy_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tenantsim-soak/{self.s.tag}/{self.n}/{k}"))
        copy_domain = f"snapcopy{self.s.tag}c{self.n}s{k}.onmicrosoft.com"
        copy = json.loads(text.replace(tpl, copy_id).replace(domain, copy_domain))
        r = self.call("snapshot re-import (copy)", "POST", "/_tenantsim/snapshot", copy, token="", expect=ANY_ANSWER)
        if r is None:
            return
        if r.status != 200:
            with self.s.lock:
                self.s.snapshots["refused"] += 1
            self.s.fail("snapshot does not re-import",
                        f"GET {path} exported while written; POST /_tenantsim/snapshot of it answered {r.status}: {r.text(300)}")
            return
        try:
            r = self.call("snapshot export (copy)", "GET", f"/_tenantsim/tenants/{copy_id}/snapshot", token="")
            if r is None or r.status != 200:
                return
            back = json.loads(r.body.decode("utf-8").replace(copy_id, tpl).replace(copy_domain, domain))
            where = first_difference(snapshot, back)
            if where is not None:
                with self.s.lock:
                    self.s.snapshots["differ"] += 1
                self.s.fail("snapshot copy differs", f"GET {path}: the re-imported copy reads back different at {where}")
            else:
                with self.s.lock:
                    self.s.snapshots["round trips"] += 1
        finally:
            self.call("delete snapshot copy", "DELETE", f"/_tenantsim/tenants/{copy_id}", token="", expect=(204,))

    def tenant_token(self, tenant):
        r = self.call("forge token", "POST", "/_tenantsim/tokens", {"tenant": tenant, "kind": "app",
                      "appId": common.AUTOMATION_APP, "roles": common.APP_ROLES}, token="")
        return r.json()["access_token"] if r is not None and r.status == 200 else None

    # --- reads --------------------------------------------------------------------------

    def list_users(self):
        top = self.rng.choice([3, 10, 25, 100])
        path = f"/v1.0/users?$top={top}&$select=id,displayName,userPrincipalName"
        for _ in range(self.rng.randint(1, 3)):
            r = self.call("list users", "GET", path)
            if r is None or r.status != 200:
                return
            link = r.json().get("@odata.nextLink")
            if not link:
                return
            path = common.path_of(link)

    def list_own_users(self):
        f = quote(f"startswith(userPrincipalName,'{self.prefix}')")
        path = f"/v1.0/users?$filter={f}&$select=id,jobTitle&$top={self.rng.choice([7, 50, 999])}"
        seen = {}
        while True:
            r = self.call("list own users ($filter)", "GET", path)
            if r is None or r.status != 200:
                return
            page = r.json()
            for item in page["value"]:
                seen[item["id"]] = item.get("jobTitle")
            link = page.get("@odata.nextLink")
            if not link:
                break
            path = common.path_of(link)
        for uid, u in self.users.items():
            if uid not in seen:
                self.stale(f"$filter list lacks acknowledged user {u['upn']}")
            elif u["jobTitle"] is not UNSURE and seen[uid] != u["jobTitle"]:
                self.stale(f"$filter list shows {u['upn']} jobTitle {seen[uid]!r}, acknowledged {u['jobTitle']!r}")
        for uid in self.deleted_users & set(seen):
            self.stale(f"$filter list still shows deleted user {uid}")

    def get_own_user(self):
        if not self.users:
            return self.get_fixture_user()
        uid = self.rng.choice(self.live_users())
        u = self.users[uid]
        r = self.call("get own user", "GET", f"/v1.0/users/{uid}?$select=id,userPrincipalName,jobTitle")
        if r is None or r.status != 200:
            return
        got = r.json()
        if got.get("userPrincipalName") != u["upn"]:
            self.stale(f"GET {uid}: userPrincipalName {got.get('userPrincipalName')!r}, expected {u['upn']!r}")
        if u["jobTitle"] is not UNSURE and got.get("jobTitle") != u["jobTitle"]:
            self.stale(f"GET {u['upn']}: jobTitle {got.get('jobTitle')!r}, acknowledged {u['jobTitle']!r}")

    def get_fixture_user(self):
        self.call("get fixture user", "GET", f"/v1.0/users/{self.rng.choice(FIXTURE_USERS)}")

    def list_groups(self):
        top = self.rng.choice([2, 5, 50])
        path = f"/v1.0/groups?$top={top}&$select=id,displayName"
        for _ in range(self.rng.randint(1, 3)):
            r = self.call("list groups", "GET", path)
            if r is None or r.status != 200:
                return
            link = r.json().get("@odata.nextLink")
            if not link:
                return
            path = common.path_of(link)

    def list_own_groups(self):
        f = quote(f"startswith(displayName,'{self.group_prefix}')")
        r = self.call("list own groups ($filter)", "GET", f"/v1.0/groups?$filter={f}&$select=id,description&$top=999")
        if r is None or r.status != 200:
            return
        seen = {g["id"]: g.get("description") for g in r.json()["value"]}
        for gid, g in self.groups.items():
            if gid not in seen:
                self.stale(f"$filter list lacks acknowledged group {g['displayName']}")
            elif g["description"] is not UNSURE and seen[gid] != g["description"]:
                self.stale(f"group {g['displayName']}: description {seen[gid]!r}, acknowledged {g['description']!r}")

    def get_members(self):
        if not self.groups:
            return self.get_fixture_members()
        gid = self.rng.choice(list(self.groups))
        g = self.groups[gid]
        path = f"/v1.0/groups/{gid}/members?$select=id&$top={self.rng.choice([5, 100])}"
        seen = set()
        while True:
            r = self.call("get members", "GET", path)
            if r is None or r.status != 200:
                return
            page = r.json()
            seen |= {m["id"] for m in page["value"]}
            link = page.get("@odata.nextLink")
            if not link:
                break
            path = common.path_of(link)
        wrong = (seen ^ g["members"]) - g["unsure"]
        if wrong:
            self.stale(f"members of {g['displayName']}: got {sorted(seen)}, acknowledged {sorted(g['members'])}")

    def get_fixture_members(self):
        self.call("get fixture members", "GET", f"/v1.0/groups/{FIXTURE_GROUP}/transitiveMembers?$select=id")

    def member_of(self):
        members = {u for g in self.groups.values() for u in g["members"]}
        if not members:
            return self.get_fixture_user()
        uid = self.rng.choice(sorted(members))
        r = self.call("memberOf", "GET", f"/v1.0/users/{uid}/memberOf?$select=id&$top=999")
        if r is None or r.status != 200:
            return
        seen = {g["id"] for g in r.json()["value"]}
        expected = {gid for gid, g in self.groups.items() if uid in g["members"]}
        unsure = {gid for gid, g in self.groups.items() if uid in g["unsure"]}
        if (seen ^ expected) - unsure:
            self.stale(f"memberOf {uid}: got {sorted(seen)}, acknowledged {sorted(expected)}")

    def user_grants(self):
        known = [(u, g) for u, g in self.grants.items() if g["exists"] is not UNSURE and u in self.users]
        if not known:
            return self.list_grants()
        uid, g = self.rng.choice(known)
        r = self.call("user grants", "GET", f"/v1.0/users/{uid}/oauth2PermissionGrants")
        if r is None or r.status != 200:
            return
        got = {x["id"]: x.get("scope") for x in r.json()["value"]}
        if g["exists"] and g["id"] not in got:
            self.stale(f"grant {g['id']} of {uid} acknowledged but not listed")
        elif not g["exists"] and g["id"] in got:
            self.stale(f"grant {g['id']} of {uid} deleted (acknowledged) but still listed")
        elif g["exists"] and g["scope"] is not UNSURE and got[g["id"]] != g["scope"]:
            self.stale(f"grant {g['id']}: scope {got[g['id']]!r}, acknowledged {g['scope']!r}")

    def list_grants(self):
        f = quote(f"clientId eq '{common.TEAM_PORTAL_SP}'")
        self.call("list grants ($filter)", "GET", f"/v1.0/oauth2PermissionGrants?$filter={f}&$top=20")

    def profile_card(self):
        viewer, person = self.rng.sample(FIXTURE_USERS, 2)
        self.call("profile card", "GET",
                  f"/_tenantsim/tenants/{common.TENANT}/profileCard?viewer={quote(viewer)}&person={quote(person)}",
                  token="")

    def portal_get(self):
        r = self.call("portal GET", "GET", "/api/Directories/Properties", token=self.s.portal)
        if r is None or r.status != 200 or self.n != 0 or self.linkedin_setting in (None, UNSURE):
            return
        got = r.json().get("enableLinkedInAppFamily")
        if got != self.linkedin_setting:
            self.stale(f"portal GET: enableLinkedInAppFamily {got}, acknowledged {self.linkedin_setting}")

    def batch(self):
        reqs = [{"id": "1", "method": "GET", "url": f"/users/{self.rng.choice(FIXTURE_USERS)}?$select=id"},
                {"id": "2", "method": "GET", "url": f"/groups/{FIXTURE_GROUP}?$select=id,displayName"},
                {"id": "3", "method": "GET", "url": "/users?$top=2&$select=id"}]
        r = self.call("$batch (3 GETs)", "POST", "/v1.0/$batch", {"requests": reqs})
        if r is None or r.status != 200:
            return
        for item in r.json().get("responses", []):
            if item.get("status") != 200:
                self.s.fail("5xx" if item.get("status", 0) >= 500 else "unexpected status",
                            f"$batch item {item.get('id')}: {item.get('status')} {item.get('body')}")

    # --- the loop -----------------------------------------------------------------------

    def plan(self):
        ops = [
            (self.list_users, 8), (self.list_own_users, 4), (self.get_own_user, 8),
            (self.get_fixture_user, 6), (self.list_groups, 4), (self.list_own_groups, 2),
            (self.get_members, 5), (self.member_of, 3), (self.user_grants, 3), (self.list_grants, 2),
            (self.profile_card, 4), (self.portal_get, 2), (self.batch, 2),
            (self.create_user, 6), (self.patch_user, 8), (self.delete_user, 1), (self.create_group, 2),
            (self.patch_group, 2), (self.add_member, 5), (self.remove_member, 2), (self.create_grant, 2),
            (self.patch_grant, 1), (self.delete_grant, 1), (self.create_tenant, 0.5),
        ]
        if self.n == 0:
            ops.append((self.portal_put, 2))
        if self.n == 1:
            ops.append((self.admin_linkedin_patch, 2))
        if self.n == 2:
            ops.append((self.write_template, 6))
        if self.n in TEMPLATE_WRITERS:
            ops = [(self.write_template, 1)]
        if self.n in SNAPSHOT_TAKERS:
            ops = [(self.snapshot_roundtrip, 1)]
        return [f for f, _ in ops], [w for _, w in ops]

    def run(self):
        funcs, weights = self.plan()
        try:
            while time.monotonic() < self.s.deadline and not self.s.stop.is_set():
                self.rng.choices(funcs, weights)[0]()
        except Exception as e:  # a bug in this script, or an unparseable answer
            self.s.fail("client crash", f"client {self.n}: {type(e).__name__}: {e}")
        finally:
            self.client.close()


# --- after the run ----------------------------------------------------------------------


def verify(workers, shared, threads=8):
    """Re-reads every acknowledged write on fresh connections; returns the number of checks."""
    checks = collections.Counter()
    lock = threading.Lock()
    tasks = []
    for w in workers:
        for uid, u in w.users.items():
            tasks.append(("user", w, uid, u))
        for uid in w.deleted_users:
            tasks.append(("deleted user", w, uid, None))
        for gid, g in w.groups.items():
            tasks.append(("group", w, gid, g))
        for uid, g in w.grants.items():
            if g["exists"] is not UNSURE:
                tasks.append(("grant", w, uid, g))
        tasks.append(("own users", w, None, None))
    token = shared.token

    def check(kind, w, key, obj, client):
        if kind == "user":
            r = client.request("GET", f"/v1.0/users/{key}?$select=id,userPrincipalName,displayName,jobTitle",
                               token=token)
            if r.status != 200:
                return f"acknowledged user {obj['upn']} ({key}): GET answered {r.status}"
            got = r.json()
            for prop in ("upn", "displayName"):
                name = "userPrincipalName" if prop == "upn" else prop
                if got.get(name) != obj[prop]:
                    return f"user {key}: {name} {got.get(name)!r}, acknowledged {obj[prop]!r}"
            if obj["jobTitle"] is UNSURE:
                if got.get("jobTitle") not in obj["possible"]:
                    return f"user {obj['upn']}: jobTitle {got.get('jobTitle')!r} not among {obj['possible']}"
            elif got.get("jobTitle") != obj["jobTitle"]:
                return f"user {obj['upn']}: jobTitle {got.get('jobTitle')!r}, last acknowledged {obj['jobTitle']!r}"
        elif kind == "deleted user":
            r = client.request("GET", f"/v1.0/users/{key}?$select=id", token=token)
            if r.status != 404:
                return f"user {key} deleted (acknowledged 204) but GET answered {r.status}"
        elif kind == "group":
            r = client.request("GET", f"/v1.0/groups/{key}?$select=id,displayName,description", token=token)
            if r.status != 200:
                return f"acknowledged group {obj['displayName']} ({key}): GET answered {r.status}"
            got = r.json()
            if got.get("displayName") != obj["displayName"]:
                return f"group {key}: displayName {got.get('displayName')!r}, acknowledged {obj['displayName']!r}"
            if obj["description"] is UNSURE:
                if got.get("description") not in obj["possible"]:
                    return f"group {key}: description {got.get('description')!r} not among {obj['possible']}"
            elif got.get("description") != obj["description"]:
                return f"group {obj['displayName']}: description {got.get('description')!r}, last acknowledged {obj['description']!r}"
            members = {m["id"] for m in common.list_all(client, f"/v1.0/groups/{key}/members?$select=id&$top=999", token)}
            wrong = (members ^ obj["members"]) - obj["unsure"]
            if wrong:
                return (f"group {obj['displayName']}: members differ from the acknowledged adds/removes in "
                        f"{sorted(wrong)} (got {len(members)}, acknowledged {len(obj['members'])})")
        elif kind == "grant":
            r = client.request("GET", f"/v1.0/oauth2PermissionGrants/{quote(obj['id'])}", token=token)
            if obj["exists"] and r.status != 200:
                return f"acknowledged grant {obj['id']} of user {key}: GET answered {r.status}"
            if not obj["exists"] and r.status != 404:
                return f"grant {obj['id']} deleted (acknowledged 204) but GET answered {r.status}"
            if obj["exists"] and obj["scope"] is not UNSURE and r.json().get("scope") != obj["scope"]:
                return f"grant {obj['id']}: scope {r.json().get('scope')!r}, last acknowledged {obj['scope']!r}"
        elif kind == "own users":
            f = quote(f"startswith(userPrincipalName,'{w.prefix}')")
            listed = {u["id"] for u in common.list_all(client, f"/v1.0/users?$filter={f}&$select=id&$top=999", token)}
            missing = set(w.users) - listed
            if missing:
                return f"client {w.n}: $filter list lacks {len(missing)} acknowledged users"
            extra = listed - set(w.users)
            # Users whose create or delete went unanswered may be there; nobody else may.
            if len(extra) > w.unsure_creates + w.unsure_deletes:
                return f"client {w.n}: {len(extra)} users listed that were never created or were deleted: {sorted(extra)[:5]}"
        return None

    def run(chunk):
        client = shared.server.client()
        try:
            for task in chunk:
                try:
                    problem = check(*task, client)
                except (Failure, *common.CONNECTION_ERRORS) as e:
                    problem = f"{task[0]} {task[2]}: {type(e).__name__}: {e}"
                except Exception as e:  # an unparseable answer or a bug here: the check did not run
                    shared.fail("checker crash (final check)", f"{task[0]} {task[2]}: {type(e).__name__}: {e}")
                    continue
                with lock:
                    checks[task[0]] += 1
                if problem:
                    shared.fail("lost or wrong write (final check)", problem)
        finally:
            client.close()

    pool = [threading.Thread(target=run, args=(tasks[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    # A check that did not complete proves nothing: every task must have been checked.
    done = sum(checks.values())
    if done != len(tasks):
        shared.fail("final check incomplete", f"{done} of {len(tasks)} checks ran")

    client = shared.server.client()
    # Raced tenant creations: at most one 201 per name or domain, and the winner's tenant (and
    # the user written into it) is the one that stayed.
    for key, wins in sorted(shared.tenant_wins.items()):
        checks["raced tenant"] += 1
        if len(wins) > 1:
            shared.fail("lost or wrong write (final check)",
                        f"{len(wins)} clients were told 201 Created for tenant {key}: {wins}")
        for n, tenant, upn in wins:
            r = client.request("GET", f"/_tenantsim/tenants/{tenant}")
            if r.status != 200:
                shared.fail("lost or wrong write (final check)",
                            f"tenant {key} ({tenant}), created by client {n}: GET answered {r.status}")
                continue
            if upn:
                tok = common.forge(client, tenant=tenant, kind="app", appId=common.AUTOMATION_APP,
                                   roles=common.APP_ROLES)
                r = client.request("GET", f"/v1.0/users/{quote(upn)}?$select=id", token=tok)
                if r.status != 200:
                    shared.fail("lost or wrong write (final check)",
                                f"user {upn}, written into the new tenant {tenant} by client {n}: GET answered {r.status}")
    # The two single-writer tenant settings.
    w0 = next((w for w in workers if w.n == 0), None)
    if w0 and w0.linkedin_setting is not None:
        r = client.request("GET", "/api/Directories/Properties", token=shared.portal)
        got = r.json().get("enableLinkedInAppFamily") if r.status == 200 else f"status {r.status}"
        ok = got in w0.linkedin_possible if w0.linkedin_setting is UNSURE else got == w0.linkedin_setting
        checks["LinkedIn setting"] += 1
        if not ok:
            shared.fail("lost or wrong write (final check)",
                        f"LinkedIn setting: enableLinkedInAppFamily {got}, last acknowledged {w0.linkedin_setting}")
    w1 = next((w for w in workers if w.n == 1), None)
    if w1 and w1.nested is not None:
        r = client.request("GET", f"/_tenantsim/tenants/{common.TENANT}/linkedIn")
        body = r.json() if r.status == 200 else {}
        got = body.get("nestedGroupMembership", body.get("options", {}).get("nestedGroupMembership"))
        ok = got in w1.nested_possible if w1.nested is UNSURE else got == w1.nested
        checks["LinkedIn options"] += 1
        if not ok:
            shared.fail("lost or wrong write (final check)",
                        f"control LinkedIn options: nestedGroupMembership {got}, last acknowledged {w1.nested}")
    client.close()
    return checks


def make_template(server, shared, seed):
    """The small tenant the raced creations copy: five users in one group."""
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(7)]
    domain = f"soaktpl{shared.tag}.example"
    users = [{"id": ids[1 + i], "userPrincipalName": f"u{i}@{domain}", "displayName": f"U{i}", "accountEnabled": True}
             for i in range(5)]
    group = {"id": ids[6], "displayName": "Team", "mailEnabled": False, "mailNickname": "team",
             "securityEnabled": True, "members": [u["id"] for u in users]}
    # The tag makes the id differ between runs on one --db file.
    tid = str(uuid.uuid5(uuid.NAMESPACE_DNS, domain))
    client = server.client()
    r = client.request("POST", "/_tenantsim/tenants", {"fixture": {
        "id": tid, "displayName": "Soak template", "domains": [domain], "users": users, "groups": [group]}})
    if r.status != 201:
        raise Failure(f"creating the template tenant answered {r.status}: {r.text()}")
    shared.template, shared.template_group, shared.template_domain = tid, group["id"], domain
    shared.template_token = common.forge(client, tenant=tid, kind="app", appId=common.AUTOMATION_APP,
                                         roles=common.APP_ROLES, lifetimeSeconds=86400)
    client.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", help="tenantsim binary (default $TENANTSIM_BIN or target/debug/tenantsim)")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", "1")))
    p.add_argument("--db", help="soak a SQLite file instead of the in-memory database")
    p.add_argument("--short", action="store_true", help="10 s (CI)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (server log)")
    args = p.parse_args()
    if args.short:
        args.seconds = min(args.seconds, 10.0)
    bin_path = common.binary(args.bin)
    tmp = tempfile.mkdtemp(prefix="tenantsim-soak-")
    log_path = os.path.join(tmp, "server.log")
    print(f"soak: {bin_path}, {args.clients} clients, {args.seconds:g} s, seed {args.seed}, "
          f"{'db ' + args.db if args.db else 'in-memory db'}; server log {log_path}", flush=True)
    try:
        server = common.Server(bin_path, os.path.join(tmp, "data"), log_path, db=args.db)
    except Failure as e:
        common.die(str(e))
    ok = False
    try:
        setup = server.client()
        token = common.app_token(setup)
        portal = common.portal_token(setup)
        graph_sp = common.graph_sp_id(setup, token)
        setup.close()
        tag = f"{random.Random(args.seed).randrange(36**4):04x}{int(time.time()) % 10000:04d}"
        started = time.monotonic()
        shared = Shared(server, token, portal, graph_sp, tag, started + args.seconds)
        make_template(server, shared, args.seed)
        workers = [Worker(n, shared, args.seed) for n in range(args.clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(args.seconds + 120)
        elapsed = time.monotonic() - started
        if any(w.is_alive() for w in workers):
            shared.fail("hang", "a client was still running 120 s after the deadline")
        alive_after_load = server.alive()
        if not alive_after_load:
            shared.fail("server exit", f"tenantsim exited during the soak with {server.proc.returncode}")
        verify_started = time.monotonic()
        checks = verify(workers, shared) if alive_after_load else {}
        verify_seconds = time.monotonic() - verify_started
        ok = report(workers, shared, elapsed, checks, verify_seconds, server, log_path)
    finally:
        if server.alive():
            code = server.terminate()
            if code != 0:
                print(f"FAIL: tenantsim exited {code} after SIGTERM", file=sys.stderr)
                ok = False
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if not ok:
        common.die(f"soak failed (server log kept in {log_path})")
    print("soak: PASS")


def report(workers, shared, elapsed, checks, verify_seconds, server, log_path):
    requests = sum(w.requests for w in workers)
    status = collections.Counter()
    by_op = collections.Counter()
    for w in workers:
        status.update(w.status)
        by_op.update(w.by_op)
    latencies = sorted(x for w in workers for x in w.latencies)
    five = sum(v for k, v in status.items() if isinstance(k, int) and k >= 500)
    conn = sum(w.conn_errors for w in workers)
    acked = sum(w.acked_writes for w in workers)
    users = sum(len(w.users) for w in workers)
    groups = sum(len(w.groups) for w in workers)
    members = sum(len(g["members"]) for w in workers for g in w.groups.values())
    print(f"\nrequests      {requests} in {elapsed:.1f} s = {requests / elapsed:,.0f} req/s "
          f"({len(workers)} keep-alive clients)")
    print(f"latency       p50 {common.percentile(latencies, 50) * 1000:.2f} ms, "
          f"p99 {common.percentile(latencies, 99) * 1000:.2f} ms, max {latencies[-1] * 1000 if latencies else 0:.1f} ms "
          "(client-side, includes Python's own scheduling)")
    print("statuses      " + ", ".join(f"{k}: {v}" for k, v in sorted(status.items(), key=lambda kv: str(kv[0]))))
    print(f"5xx           {five}")
    print(f"conn errors   {conn}")
    print(f"acked writes  {acked} (live at the end: {users} users, {groups} groups, {members} memberships)")
    print("operations    " + ", ".join(f"{k} {v}" for k, v in sorted(by_op.items())))
    snaps = shared.snapshots
    print(f"snapshots     {snaps['exported']} exported while written: {snaps['round trips']} re-imported as a copy "
          f"that read back equal, {snaps['refused']} refused on re-import, {snaps['differ']} read back different")
    if not snaps["exported"] and len(workers) > max(SNAPSHOT_TAKERS):
        shared.fail("snapshot", "no snapshot was taken: the round trip proves nothing")
    print(f"final check   {sum(checks.values())} reads in {verify_seconds:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in sorted(checks.items())))
    problems = common.log_problems(log_path)
    if problems:
        shared.fail("server log", f"{len(problems)} panic/error lines, first: {problems[0]}")
    if shared.failures:
        print("\nfailures by kind: " + ", ".join(f"{k}: {v}" for k, v in shared.failure_count.most_common()),
              file=sys.stderr)
        for kind, message in shared.failures[:MAX_SAMPLES]:
            print(f"  [{kind}] {message}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    main()
