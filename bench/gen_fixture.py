#!/usr/bin/env python3
"""Generates a large tenantsim fixture for benchmarks: N users, M groups nested to a depth,
LinkedIn profiles and grants for a share of the users. Deterministic (seeded).

    python3 bench/gen_fixture.py > /tmp/big.json        # 100k users, 10k groups, depth 6
    python3 bench/gen_fixture.py --users 10000 --groups 1000 > /tmp/10k.json

Groups form chains `depth` groups deep (group g holds group g + groups/depth), so a user in a
leaf group is a transitive member of `depth - 1` more groups. A share of the users (10 % by
default) has a delegated `Principal` grant to Microsoft Graph Command Line Tools.
"""
import argparse
import json
import random
import uuid


def guid(prefix: int, n: int) -> str:
    return str(uuid.UUID(f"b1000000-{prefix:04x}-4000-8000-{n:012x}"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100000)
    parser.add_argument("--groups", type=int, default=10000)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--members-per-group", type=int, default=20)
    parser.add_argument("--connected-share", type=float, default=0.1)
    parser.add_argument("--grant-share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    domain = "bigcorp.onmicrosoft.com"
    users = []
    for n in range(args.users):
        user = {
            "id": guid(1, n),
            "userPrincipalName": f"user{n:06d}@{domain}",
            "displayName": f"User {n:06d} {rng.choice(['Adams', 'Baker', 'Clark', 'Davis', 'Evans', 'Frank'])}",
            "givenName": "User",
            "surname": f"{n:06d}",
            "mail": f"user{n:06d}@{domain}",
            "mailNickname": f"user{n:06d}",
            "jobTitle": rng.choice(["Engineer", "Manager", "Analyst", "Designer"]),
            "accountEnabled": True,
            "userType": "Member",
            "password": "Passw0rd!",
        }
        if n == 0:
            user["directoryRoles"] = ["Global Administrator"]
        if rng.random() < 0.5:
            connected = rng.random() < args.connected_share * 2
            user["linkedIn"] = {"vanityName": f"user-{n:06d}", "headline": "Bench profile", "currentPosition": "Bench",
                                "location": "Nowhere", "publicVisibility": True, "connection": "Bound" if connected else "Unbound"}
        users.append(user)
    groups = []
    # Groups form chains of `depth` levels: group i nests in group i - groups_per_level.
    per_level = max(1, args.groups // args.depth)
    for g in range(args.groups):
        members = [guid(1, rng.randrange(args.users)) for _ in range(args.members_per_group)]
        members = list(dict.fromkeys(members))
        child = g + per_level
        if child < args.groups:
            members.append(guid(2, child))
        groups.append({"id": guid(2, g), "displayName": f"Group {g:05d}", "mailEnabled": False, "mailNickname": f"group{g:05d}",
                       "securityEnabled": True, "groupTypes": [], "members": members})
    # Microsoft Graph Command Line Tools, a built-in public client of every tenant.
    cli_app = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
    grants = [{"clientId": cli_app, "consentType": "Principal", "principalId": u["id"], "scope": "User.Read Group.Read.All"}
              for u in users if rng.random() < args.grant_share]
    with_profile = [u["id"] for u in users if "linkedIn" in u]
    network = []
    for _ in range(min(len(with_profile) * 2, 50000)):
        a, b = rng.sample(with_profile, 2)
        network.append([a, b])
    tenant = {"id": "b1000000-0000-4000-8000-000000000001", "displayName": "BigCorp", "domains": [domain], "cloud": "public",
              "country": "US", "settings": {"linkedIn": {"enableLinkedInAppFamily": 4, "selectedGroupId": guid(2, 0), "nestedGroupMembership": True}},
              "users": users, "groups": groups, "linkedInNetwork": network, "servicePrincipals": [], "applications": [
                  {"appId": "b1000000-a990-4000-8000-000000000301", "id": "b1000000-0000-4000-8000-000000000301", "displayName": "Bench app",
                   "secrets": ["bench-secret"], "applicationPermissions": ["User.Read.All", "Group.Read.All", "GroupMember.Read.All",
                                                                                             "User.ReadWrite.All", "GroupMember.ReadWrite.All"]}],
              "oauth2PermissionGrants": grants}
    json.dump({"tenants": [tenant]}, __import__("sys").stdout)


if __name__ == "__main__":
    main()
