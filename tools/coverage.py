#!/usr/bin/env python3
"""How much of Microsoft Graph's directory surface tenantsim serves.

Takes every v1.0 GET URL template of the directory areas from src/graph/known_paths/v1.0.txt
(the official Python Graph SDK's templates, see tools/graph_paths.py) with at most two path
parameters, fills the parameters with Contoso fixture ids, sends each to a tenantsim it starts
(with an app token holding every directory read role), and sorts the answers:

    served        2xx, or a Graph-shaped 4xx Graph also gives (404 for an absent manager,
                  400 for a query that needs ConsistencyLevel, ...)
    not emulated  501 NotImplemented: a real Graph path tenantsim has not built
    unknown       400 "Resource not found for the segment": Graph's answer for a path it does
                  not have, wrong for a real path
    other         405, or any 5xx (a bug)

Two measures. "Directory" is what the directory issue counts: the areas' own entity sets and
their directory relationships, functions and actions. Navigations into other Microsoft 365
workloads that happen to hang off a user, group, service principal, application or the
organization (Teams, SharePoint and OneDrive, OneNote, Outlook mail/calendar/contacts, Planner,
To Do, Intune, Windows 365, Viva, Purview, authentication methods, provisioning, branding —
WORKLOADS below) are reported separately: tenantsim does not emulate those workloads and
answers them 501. "All" counts every template under the areas, workloads included.

Prints a table per area for each measure (README "Directory coverage"). With --check it exits non-zero if a
template listed in tools/coverage-served.txt is no longer served, or on any 5xx; with --write
it records the templates served now in that file.

    python3 tools/coverage.py [--bin target/debug/tenantsim] [--check | --write] [--show CLASS]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATHS = os.path.join(ROOT, "src", "graph", "known_paths", "v1.0.txt")
BASELINE = os.path.join(ROOT, "tools", "coverage-served.txt")

AREAS = [
    "/users", "/groups", "/servicePrincipals", "/applications", "/organization",
    "/directoryObjects", "/directoryRoles", "/directoryRoleTemplates", "/oauth2PermissionGrants",
    "/policies/authorizationPolicy", "/policies/permissionGrantPolicies", "/admin/people",
]
# Navigation segments (the one after `/{set}/{id}/`) that lead into a workload, not the directory.
WORKLOADS = {
    # Teams
    "team", "joinedTeams", "chats", "teamwork", "onlineMeetings", "adhocCalls", "presence",
    # SharePoint and OneDrive
    "sites", "drive", "drives", "followedSites",
    # OneNote
    "onenote",
    # Outlook: mail, calendar, contacts, people relevance, photos, group conversations
    "calendar", "calendars", "calendarGroups", "calendarView", "events", "mailFolders",
    "messages", "contacts", "contactFolders", "outlook", "inferenceClassification",
    "mailboxSettings", "people", "photo", "photos", "threads", "conversations",
    "reminderView", "findMeetingTimes", "getMailTips", "translateExchangeIds",
    "acceptedSenders", "rejectedSenders",
    # Planner, To Do
    "planner", "todo",
    # Intune and Windows 365
    "managedDevices", "managedAppRegistrations", "deviceManagementTroubleshootingEvents",
    "wipeManagedAppRegistrationsByDeviceTag", "exportDeviceAndAppManagementData",
    "getManagedAppDiagnosticStatuses", "getManagedAppPolicies",
    "getManagedDevicesWithAppFailures", "deviceEnrollmentConfigurations", "cloudPCs",
    # Viva, Microsoft Search, Purview, Windows
    "insights", "employeeExperience", "activities", "notes", "cloudClipboard",
    "dataSecurityAndGovernance", "settings", "solutions",
    # Authentication methods, provisioning, organizational branding
    "authentication", "synchronization", "remoteDesktopSecurityConfiguration", "branding",
}
TENANT = "c0a70550-0000-4000-8000-000000000001"
ADELE = "c0a70550-0000-4000-8000-000000000102"
FINANCE = "c0a70550-0000-4000-8000-000000000206"
APP_OBJECT = "c0a70550-0000-4000-8000-000000000301"  # Contoso Directory Sync's service principal
# Its application object (fixtures/README.md §1.6: derived from the tenant id and appId).
APPLICATION_OBJECT = "3b3e57a9-408f-4dee-8717-3d7268d51017"
APP_ID = "c0a70550-a990-4000-8000-000000000301"
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
ABSENT = "00000000-0000-4000-8000-00000000abcd"
ROLES = ",".join([
    "User.Read.All", "Group.Read.All", "GroupMember.Read.All", "Directory.Read.All",
    "Application.Read.All", "RoleManagement.Read.Directory", "Policy.Read.All",
    "Policy.Read.PermissionGrant", "DelegatedPermissionGrant.Read.All",
    "Organization.Read.All", "PeopleSettings.Read.All", "AppRoleAssignment.ReadWrite.All",
])


def is_workload(path):
    segments = path.strip("/").split("/")
    return len(segments) > 2 and segments[2].split("(")[0] in WORKLOADS


def area_of(path):
    return next((a for a in AREAS if path == a or path.startswith(a + "/") or path.startswith(a + "(")), None)


def templates():
    out = []
    for line in open(PATHS):
        if line.startswith("#"):
            continue
        methods, path = line.split()
        area = area_of(path)
        if area and "GET" in methods.split(",") and len(re.findall(r"\{[^}]*\}", path)) <= 2:
            out.append((area, path))
    return out


def fill(path, ids):
    def value(match):
        name = match.group(1)
        if name in ids:
            return ids[name]
        if name.endswith("-id") or name.endswith("-id1"):
            return ABSENT
        return "x"
    return re.sub(r"\{([^}]*)\}", value, path)


def start(binary, data_dir):
    proc = subprocess.Popen(
        [binary, "serve", "--http-port", "0", "--https-port", "0", "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    for line in proc.stdout:
        found = re.search(r"tenantsim ready on (http://\S+)", line)
        if found:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, found.group(1)
    raise RuntimeError("tenantsim exited before its ready line")


def get(base, path, token):
    request = urllib.request.Request(base + "/v1.0" + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def classify(status, body):
    if 200 <= status < 300:
        return "served"
    if status == 501:
        return "not emulated"
    if status >= 500 or status == 405:
        return "other"
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return "other"
    if status == 400 and message.startswith("Resource not found for the segment"):
        return "unknown"
    return "served"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "tenantsim"))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail if a recorded served template regressed")
    mode.add_argument("--write", action="store_true", help="record the templates served now")
    parser.add_argument("--show", help="list the templates of one class (served, not emulated, unknown, other)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        proc, base = start(args.bin, data_dir)
        try:
            token = subprocess.run(
                [args.bin, "token", "--tenant", TENANT, "--data-dir", data_dir, "--app", APP_ID, "--roles", ROLES],
                check=True, capture_output=True, text=True,
            ).stdout.strip()
            status, body = get(base, "/oauth2PermissionGrants?$top=1", token)
            grants = json.loads(body).get("value", []) if status == 200 else []
            ids = {
                "user-id": ADELE, "group-id": FINANCE, "servicePrincipal-id": APP_OBJECT,
                "application-id": APPLICATION_OBJECT, "directoryObject-id": FINANCE, "organization-id": TENANT,
                "directoryRole-id": GLOBAL_ADMIN_TEMPLATE, "directoryRoleTemplate-id": GLOBAL_ADMIN_TEMPLATE,
                "oAuth2PermissionGrant-id": grants[0]["id"] if grants else ABSENT,
                "appId": APP_ID, "permissionGrantPolicy-id": "microsoft-user-default-low",
            }
            results = []
            for area, template in templates():
                status, body = get(base, fill(template, ids), token)
                results.append((area, template, status, classify(status, body)))
        finally:
            proc.terminate()
            proc.wait(timeout=15)

    classes = ["served", "not emulated", "unknown", "other"]

    def table(title, selected):
        print(f"{title}\n")
        print(f"| area | templates | {' | '.join(classes)} |")
        print("|---|---|" + "---|" * len(classes))
        for area in AREAS + ["all"]:
            rows = [r for r in selected if area in ("all", r[0])]
            if not rows:
                continue
            counts = [sum(1 for r in rows if r[3] == c) for c in classes]
            cells = " | ".join(f"{n} ({100 * n / len(rows):.0f} %)" for n in counts)
            name = "**all**" if area == "all" else f"`{area}`"
            print(f"| {name} | {len(rows)} | {cells} |")
        print()

    table("Directory (workload navigations excluded):", [r for r in results if not is_workload(r[1])])
    table("All templates under the areas, workloads included:", results)
    if args.show:
        for area, template, status, cls in results:
            if cls == args.show:
                print(f"{status} {template}")

    served = sorted(t for _, t, _, c in results if c == "served")
    failures = [f"{s} {t}" for _, t, s, c in results if s >= 500 and s != 501]
    if args.write:
        with open(BASELINE, "w") as out:
            out.write("# Directory GET templates tenantsim serves (tools/coverage.py --write)\n")
            out.write("\n".join(served) + "\n")
        print(f"recorded {len(served)} served templates in {os.path.relpath(BASELINE, ROOT)}")
    if args.check:
        recorded = [l.strip() for l in open(BASELINE) if l.strip() and not l.startswith("#")]
        failures += [f"no longer served: {t}" for t in recorded if t not in set(served)]
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
