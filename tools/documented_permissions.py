#!/usr/bin/env python3
"""Writes tests/api/security/documented_permissions.json: per Graph operation, the permissions
its Graph documentation page lists (least to most privileged), the page, and the tenantsim
routes it covers.

The tables below are transcribed from the pages' "Permissions" tables (or the include files
`api-reference/v1.0/includes/permissions/<op>-permissions.md` of
microsoftgraph/microsoft-graph-docs-contrib and its forks); `doc` names the file and commit
that was read. `A and B` means both permissions are needed together.

With a docs checkout, `--check DIR` re-reads every include file that exists there and prints
the differences, so the data can be refreshed when the pages change.

Divergences are where tenantsim deliberately accepts a permission the page does not list
(or does not accept one it lists); each has a reason, a `// Divergence:` comment at
src/auth/permissions.rs and a README row.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "api", "security", "documented_permissions.json")
LEARN = "https://learn.microsoft.com/graph/api/"
DR, DRW = "Directory.Read.All", "Directory.ReadWrite.All"
AAU = "Directory.AccessAsUser.All"


def access_as_user(reason="the page no longer lists it; older revisions of Graph's directory pages did, "
                          "and Graph grants a delegated caller with it the signed-in user's own access"):
    return {"permission": AAU, "type": "delegated", "reason": reason}


def op(operation, page, routes, delegated, application, doc, **extra):
    entry = {
        "operation": operation,
        "source": LEARN + page,
        "doc": doc,
        "routes": routes,
        "application": application,
        "delegated": delegated,
    }
    entry.update(extra)
    entry.setdefault("delegated_roles", [])
    entry.setdefault("divergences", [])
    entry.setdefault("notes", "")
    return entry


CONTRIB = "microsoftgraph/microsoft-graph-docs-contrib"
USER_R = ["User.Read.All", "User.ReadWrite.All", DR, DRW]
MEMBERSHIP_NOTE = ("The page has one table per subject type; the user tables require a user-read and a "
                   "group-read permission together.")
ONE_PERMISSION = ("tenantsim checks one permission per operation, so it accepts each part of Graph's "
                  "combined requirement alone")

OPERATIONS = [
    op("List users", "user-list",
       ["GET /users", "GET /users/$count"],
       ["User.ReadBasic.All"] + USER_R, USER_R,
       "tiagoeck/microsoft-graph-docs@31323c5f includes/permissions/user-list-permissions.md",
       divergences=[access_as_user()]),
    op("Get a user", "user-get",
       ["GET /users/{user}"],
       ["User.ReadBasic.All"] + USER_R, USER_R,
       "tiagoeck/microsoft-graph-docs@31323c5f includes/permissions/user-get-permissions.md",
       notes="The page also lists User.Read and User.ReadWrite, which read only the signed-in user "
             "(its note: 'The User.Read permission allows the app to read the profile … of the "
             "signed-in user only'); they are listed under Get /me.",
       divergences=[access_as_user()]),
    op("Get the signed-in user (/me)", "user-get",
       ["GET /me"],
       ["User.Read", "User.ReadWrite", "User.ReadBasic.All"] + USER_R, [],
       "tiagoeck/microsoft-graph-docs@31323c5f includes/permissions/user-get-permissions.md",
       notes="Application permissions are not supported on /me (400).",
       divergences=[access_as_user()]),
    op("Get a user's profile (beta)", "profile-get?view=graph-rest-beta",
       ["GET /users/{user}/profile"],
       ["User.ReadBasic.All", "User.Read.All"], ["User.ReadBasic.All", "User.Read.All"],
       "shared/reference/graph-contract.md §13.3 (summary of the page: 'User.Read, User.ReadBasic.All, "
       "User.Read.All, …; application User.ReadBasic.All or higher')",
       notes="The summary ends in '…'; the higher permissions tenantsim accepts are listed as divergences.",
       divergences=[
           {"permission": p, "type": t, "reason": "higher than User.Read.All; the summary read here is truncated ('…')"}
           for p in ["User.ReadWrite.All", DR, DRW] for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Get the signed-in user's profile (beta)", "profile-get?view=graph-rest-beta",
       ["GET /me/profile"],
       ["User.Read", "User.ReadBasic.All", "User.Read.All"], [],
       "shared/reference/graph-contract.md §13.3 (summary of the page)",
       divergences=[
           {"permission": p, "type": "delegated", "reason": "higher than User.Read.All; the summary read here is truncated ('…')"}
           for p in ["User.ReadWrite", "User.ReadWrite.All", DR, DRW]
       ] + [access_as_user()]),
    op("Create user", "user-post-users",
       ["POST /users"],
       ["User.ReadWrite.All", DRW], ["User.ReadWrite.All", DRW],
       CONTRIB + "@0713c450 includes/permissions/user-post-users-permissions.md",
       divergences=[access_as_user()]),
    op("Update user", "user-update",
       ["PATCH /users/{user}"],
       ["User.ReadWrite.All", DRW], ["User.ReadWrite.All", DRW],
       "jbzdarkid/microsoft-graph-docs@cf63a0c2 includes/permissions/user-update-permissions.md",
       notes="The page also lists User.EnableDisableAccount.All (only accountEnabled) and "
             "User.ManageIdentities.All (only identities); tenantsim does not emulate those "
             "property-scoped permissions (listed as divergences). User.ReadWrite is for /me.",
       divergences=[
           {"permission": p, "type": t, "accepted": False,
            "reason": "property-scoped permission (accountEnabled / identities only); tenantsim does not emulate property-scoped writes"}
           for p in ["User.EnableDisableAccount.All", "User.ManageIdentities.All"] for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Update the signed-in user (/me)", "user-update",
       ["PATCH /me"],
       ["User.ReadWrite", "User.ReadWrite.All", DRW], [],
       "jbzdarkid/microsoft-graph-docs@cf63a0c2 includes/permissions/user-update-permissions.md",
       divergences=[
           {"permission": p, "type": "delegated", "accepted": False,
            "reason": "property-scoped permission (accountEnabled / identities only); tenantsim does not emulate property-scoped writes"}
           for p in ["User.EnableDisableAccount.All", "User.ManageIdentities.All"]
       ] + [access_as_user()]),
    op("Delete user", "user-delete",
       ["DELETE /users/{user}"],
       ["User.ReadWrite.All"], ["User.ReadWrite.All"],
       CONTRIB + "@09455a65 includes/permissions/user-delete-permissions.md",
       notes="Directory.ReadWrite.All is not enough to delete users (the page lists only User.ReadWrite.All).",
       divergences=[access_as_user()]),
    op("List groups", "group-list",
       ["GET /groups", "GET /groups/$count"],
       ["GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", DR, DRW],
       ["GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", DR, DRW],
       CONTRIB + "@017e406a includes/permissions/group-list-permissions.md",
       notes="That revision also lists Group-NestingSupport.ReadWrite.All and Group.ManageProtection.All, "
             "which tenantsim does not know (divergences).",
       divergences=[
           {"permission": p, "type": t, "accepted": False, "reason": "newer specialised permission tenantsim does not emulate"}
           for p in ["Group-NestingSupport.ReadWrite.All", "Group.ManageProtection.All"] for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Get group", "group-get",
       ["GET /groups/{group}"],
       ["GroupMember.Read.All", "Group.ReadWrite.All", DR, DRW, "Group.Read.All"],
       ["GroupMember.Read.All", "Group.ReadWrite.All", DR, DRW, "Group.Read.All"],
       CONTRIB + "@2c095ade includes/permissions/group-get-permissions.md",
       divergences=[access_as_user()]),
    op("Create group", "group-post-groups",
       ["POST /groups"],
       ["Group.ReadWrite.All", DRW],
       ["Group.Create", DRW, "Group.ReadWrite.All"],
       CONTRIB + "@2662b240 includes/permissions/group-post-groups-permissions.md",
       notes="That revision also lists Group-PreferredDataLocation.ReadWrite.All (divergence).",
       divergences=[
           {"permission": "Group-PreferredDataLocation.ReadWrite.All", "type": t, "accepted": False,
            "reason": "multi-geo permission; tenantsim has no preferredDataLocation"} for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Update group", "group-update",
       ["PATCH /groups/{group}"],
       ["Group.ReadWrite.All", DRW], ["Group.ReadWrite.All", DRW],
       CONTRIB + "@dc80b68f includes/permissions/group-update-permissions.md",
       notes="Group.Create does not allow updates (the page does not list it). That revision also lists "
             "Group-NestingSupport.ReadWrite.All, Group-PreferredDataLocation.ReadWrite.All and "
             "Group.ManageProtection.All (divergences).",
       divergences=[
           {"permission": p, "type": t, "accepted": False, "reason": "newer specialised permission tenantsim does not emulate"}
           for p in ["Group-NestingSupport.ReadWrite.All", "Group-PreferredDataLocation.ReadWrite.All", "Group.ManageProtection.All"]
           for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Delete group", "group-delete",
       ["DELETE /groups/{group}"],
       ["Group.ReadWrite.All", AAU], ["Group.ReadWrite.All"],
       CONTRIB + "@0061138f api/group-delete.md",
       notes="Group.Create does not allow deletes. Directory.ReadWrite.All is not listed on this revision.",
       divergences=[
           {"permission": DRW, "type": t, "reason": "every other group write page lists Directory.ReadWrite.All; tenantsim keeps it for delete"}
           for t in ["application", "delegated"]
       ]),
    op("Group delta", "group-delta",
       ["GET /groups/delta", "GET /groups/delta()", "GET /groups/microsoft.graph.delta()"],
       ["GroupMember.Read.All", DR, DRW, "Group.Read.All", "Group.ReadWrite.All"],
       ["GroupMember.Read.All", DR, DRW, "Group.Read.All", "Group.ReadWrite.All"],
       CONTRIB + "@2c095ade includes/permissions/group-delta-permissions.md",
       divergences=[access_as_user()]),
    op("List group members", "group-list-members",
       ["GET /groups/{group}/members", "GET /groups/{group}/members/$count",
        "GET /groups/{group}/members/microsoft.graph.user", "GET /groups/{group}/members/microsoft.graph.group"],
       ["GroupMember.Read.All", DR, "Group.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All"],
       ["GroupMember.Read.All", DR, "Group.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All"],
       CONTRIB + "@09455a65 includes/permissions/group-list-members-permissions.md",
       divergences=[
           {"permission": DRW, "type": t, "reason": "Directory.ReadWrite.All includes Directory.Read.All; the group-get and group-delta pages list it"}
           for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("List group transitive members", "group-list-transitivemembers",
       ["GET /groups/{group}/transitiveMembers", "GET /groups/{group}/transitiveMembers/$count",
        "GET /groups/{group}/transitiveMembers/microsoft.graph.user",
        "GET /groups/{group}/transitiveMembers/microsoft.graph.group"],
       ["GroupMember.Read.All", DR, "Group.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All"],
       ["GroupMember.Read.All", DR, "Group.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All"],
       CONTRIB + "@dc80b68f includes/permissions/group-list-transitivemembers-permissions.md",
       notes="That revision also lists GroupMember.ReadBasic.All and Group.ReadBasic.All (divergences).",
       divergences=[
           {"permission": p, "type": t, "accepted": False, "reason": "newer basic-read permission tenantsim does not emulate"}
           for p in ["GroupMember.ReadBasic.All", "Group.ReadBasic.All"] for t in ["application", "delegated"]
       ] + [
           {"permission": DRW, "type": t, "reason": "Directory.ReadWrite.All includes Directory.Read.All"}
           for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Add group member", "group-post-members",
       ["POST /groups/{group}/members/$ref", "PATCH /groups/{group} [members@odata.bind]"],
       ["GroupMember.ReadWrite.All and User.ReadWrite.All", "Group.ReadWrite.All", DRW],
       ["GroupMember.ReadWrite.All and User.ReadWrite.All", "Group.ReadWrite.All", DRW],
       CONTRIB + "@00604611 api/group-post-members.md",
       notes="The page gives the least privileged permission per member type (user: GroupMember.ReadWrite.All "
             "and User.ReadWrite.All). Group.ReadWrite.All and Directory.ReadWrite.All are the removal page's "
             "higher permissions.",
       divergences=[
           {"permission": "GroupMember.ReadWrite.All", "type": t, "reason": ONE_PERMISSION}
           for t in ["application", "delegated"]
       ] + [access_as_user()]),
    op("Remove group member", "group-delete-members",
       ["DELETE /groups/{group}/members/{member}/$ref"],
       ["GroupMember.ReadWrite.All", DRW, "Group.ReadWrite.All"],
       ["GroupMember.ReadWrite.All", DRW, "Group.ReadWrite.All"],
       CONTRIB + "@286d28db includes/permissions/group-delete-members-permissions.md",
       divergences=[access_as_user()]),
    op("List a group's memberships", "group-list-memberof",
       ["GET /groups/{group}/memberOf"],
       ["GroupMember.Read.All", DR, DRW, "Group.Read.All"],
       ["GroupMember.Read.All", DR, DRW, "Group.Read.All"],
       CONTRIB + "@286d28db includes/permissions/group-list-memberof-permissions.md",
       membership=True),
    op("List a group's transitive memberships", "group-list-transitivememberof",
       ["GET /groups/{group}/transitiveMemberOf"],
       [DR, DRW, "Group.Read.All", "GroupMember.Read.All"],
       [DR, DRW],
       CONTRIB + "@4e37a55f includes/permissions/group-list-transitivememberof-permissions.md",
       notes="That revision lists GroupMember.ReadBasic.All (least) and Group.ReadBasic.All, and for "
             "applications neither Group.Read.All nor GroupMember.Read.All.",
       divergences=[
           {"permission": p, "type": t, "accepted": False, "reason": "newer basic-read permission tenantsim does not emulate"}
           for p in ["GroupMember.ReadBasic.All", "Group.ReadBasic.All"] for t in ["application", "delegated"]
       ],
       membership=True),
]

# The membership functions: one table per subject type on each page.
GM, GR, GRW = "GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All"
USER_AND_GROUP_D = [f"User.ReadBasic.All and {GM}", f"User.Read.All and {GM}",
                    f"User.ReadBasic.All and {GR}", f"User.Read.All and {GR}", DR]
USER_AND_GROUP_A = [f"User.Read.All and {GM}", f"User.Read.All and {GR}", DR]
ME_AND_GROUP = [f"User.Read and {GM}", f"User.Read and {GR}"]
GROUP_SUBJECT = [GM, GR, DR, GRW, DRW]


# What tenantsim enforces for every membership read (memberOf, transitiveMemberOf and the four
# membership functions, on every subject): src/auth/permissions.rs MEMBERSHIP_READ.
MEMBERSHIP_ENFORCED = {
    "application": [GM, GR, GRW, "User.Read.All", "User.ReadWrite.All", DR, DRW],
    "delegated": ["User.Read", GM, GR, GRW, "User.Read.All", "User.ReadWrite.All", DR, DRW, AAU],
}
MEMBERSHIP_REASON = ("tenantsim checks one permission set for every membership read (memberOf, "
                     "transitiveMemberOf, checkMemberGroups, checkMemberObjects, getMemberGroups, "
                     "getMemberObjects) on every subject type, one permission at a time; Graph's tables "
                     "differ per subject and combine a user and a group permission for users")


def membership_divergences(entry):
    """Every enforced membership permission the entry's page does not list alone."""
    out = []
    for kind in ("application", "delegated"):
        if kind == "application" and entry["routes"][0].split(" ")[1].startswith("/me/"):
            continue
        for p in MEMBERSHIP_ENFORCED[kind]:
            if p not in entry[kind]:
                reason = MEMBERSHIP_REASON
                if p == "User.Read" and "/me/" not in entry["routes"][0]:
                    reason += "; Graph's User.Read reads only the signed-in user's memberships, tenantsim does not compare the caller with the subject"
                if p == AAU:
                    reason = access_as_user()["reason"]
                out.append({"permission": p, "type": kind, "reason": reason})
    return out


def membership(action, page, doc, tables, notes=""):
    """tables: subject -> (delegated, application)"""
    rows = []
    for subject, template, (delegated, application) in [
        ("user", f"POST /users/{{user}}/{action}", tables["user"]),
        ("group", f"POST /groups/{{group}}/{action}", tables["group"]),
        ("object", f"POST /directoryObjects/{{id}}/{action}", tables["object"]),
        # The pages' directory-object table, applied to a service principal subject (the
        # per-subject tables read here have no service principal row of their own).
        ("servicePrincipal", f"POST /servicePrincipals/{{sp}}/{action}", tables["object"]),
        ("me", f"POST /me/{action}", tables["me"]),
    ]:
        rows.append(op(f"{action} ({subject})", page, [template], delegated, application, doc,
                       notes=notes, membership=True))
    return rows


OPERATIONS += membership(
    "checkMemberGroups", "directoryobject-checkmembergroups",
    CONTRIB + "@014e7d3e api/directoryobject-checkmembergroups.md",
    {"user": (USER_AND_GROUP_D, USER_AND_GROUP_A), "object": (USER_AND_GROUP_D, USER_AND_GROUP_A),
     "group": (GROUP_SUBJECT, GROUP_SUBJECT), "me": (ME_AND_GROUP, [])},
    MEMBERSHIP_NOTE + " /me: the page's scenario table (User.Read and GroupMember.Read.All, or User.Read and Group.Read.All).")
OPERATIONS += membership(
    "getMemberGroups", "directoryobject-getmembergroups",
    CONTRIB + "@0061138f api/directoryobject-getmembergroups.md",
    {"user": (USER_AND_GROUP_D, USER_AND_GROUP_A), "object": ([DR], [DR]),
     "group": ([GM, GR], [GM, GR]), "me": (ME_AND_GROUP, [])},
    "One table on that revision, plus a scenario table (any user: a user-read and a group-read permission; "
    "a group: GroupMember.Read.All or Group.Read.All; a directory object: Directory.Read.All).")
USERS_OBJECTS_D = [f"User.ReadBasic.All and {GM}", "User.Read.All", DR, "User.ReadWrite.All", DRW]
for action, page in [("getMemberObjects", "directoryobject-getmemberobjects"),
                     ("checkMemberObjects", "directoryobject-checkmemberobjects")]:
    OPERATIONS += membership(
        action, page,
        "learn.microsoft.com/graph/api/directoryobject-getmemberobjects (current page, per-subject tables)",
        {"user": (USERS_OBJECTS_D, USERS_OBJECTS_D), "object": ([DR, DRW], [DR, DRW]),
         "group": (GROUP_SUBJECT, GROUP_SUBJECT),
         "me": (["User.Read", "User.Read.All", DR, "User.ReadWrite.All", DRW], [])},
        "Per-subject tables of the getMemberObjects page"
        + ("" if action == "getMemberObjects" else "; checkMemberObjects' page was not re-read here and "
           "is assumed to have the same tables (same family, same subjects)."))

MEMBER_OF_D = [DR, DRW, GM]
TRANSITIVE_A = ["User.Read.All", DR, DRW, GR, GM]
OPERATIONS += [
    op("List a user's memberships", "user-list-memberof",
       ["GET /users/{user}/memberOf"], MEMBER_OF_D, [],
       CONTRIB + "@09455a65 includes/permissions/user-list-memberof-permissions.md",
       notes="That revision lists no application permission (its tip says only /me refuses them); "
             "tenantsim accepts the application permissions of the transitive page. User.Read is for /me.",
       membership=True),
    op("List the signed-in user's memberships", "user-list-memberof",
       ["GET /me/memberOf"], ["User.Read"] + MEMBER_OF_D, [],
       CONTRIB + "@09455a65 includes/permissions/user-list-memberof-permissions.md",
       membership=True),
    op("List a user's transitive memberships", "user-list-transitivememberof",
       ["GET /users/{user}/transitiveMemberOf"],
       [DR, DRW, GR, GM, "User.Read.All"], TRANSITIVE_A,
       CONTRIB + "@93ab45de includes/permissions/user-list-transitivememberof-permissions.md",
       notes="User.Read (least privileged on the page) reads only the signed-in user's memberships.",
       membership=True),
    op("List the signed-in user's transitive memberships", "user-list-transitivememberof",
       ["GET /me/transitiveMemberOf"],
       ["User.Read", DR, DRW, GR, GM, "User.Read.All"], [],
       CONTRIB + "@93ab45de includes/permissions/user-list-transitivememberof-permissions.md",
       membership=True),
]

APP_R = ["Application.Read.All", "Application.ReadWrite.All", DR, DRW]
OPERATIONS += [
    op("List servicePrincipals", "serviceprincipal-list",
       ["GET /servicePrincipals", "GET /servicePrincipals/$count"], APP_R,
       ["Application.Read.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All", DR],
       CONTRIB + "@c9bbab2c includes/permissions/serviceprincipal-list-permissions.md",
       divergences=[{"permission": DRW, "type": "application", "reason": "includes Directory.Read.All; the page lists it for delegated callers"},
                    access_as_user()]),
    op("Get servicePrincipal", "serviceprincipal-get",
       ["GET /servicePrincipals/{sp}", "GET /servicePrincipals(appId={key}"], APP_R,
       ["Application.Read.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All", DR],
       CONTRIB + "@c9bbab2c includes/permissions/serviceprincipal-get-permissions.md",
       divergences=[{"permission": DRW, "type": "application", "reason": "includes Directory.Read.All; the page lists it for delegated callers"},
                    access_as_user()]),
    op("List appRoleAssignedTo", "serviceprincipal-list-approleassignedto",
       ["GET /servicePrincipals/{sp}/appRoleAssignedTo"],
       ["Application.Read.All", DR, "Application.ReadWrite.All", DRW],
       ["Application.Read.All", "Application.ReadWrite.OwnedBy", DR, "Application.ReadWrite.All", DRW],
       CONTRIB + "@c9bbab2c includes/permissions/serviceprincipal-list-approleassignedto-permissions.md",
       divergences=[{"permission": "AppRoleAssignment.ReadWrite.All", "type": t,
                     "reason": "Graph's permission reference gives it read access to app role assignments; the page does not list it"}
                    for t in ["application", "delegated"]] + [access_as_user()]),
    op("List appRoleAssignments of a servicePrincipal", "serviceprincipal-list-approleassignments",
       ["GET /servicePrincipals/{sp}/appRoleAssignments"],
       ["Application.Read.All", DR, "Application.ReadWrite.All", DRW],
       ["Application.Read.All", DR, "Application.ReadWrite.All", DRW],
       CONTRIB + "@00e146a9 api/serviceprincipal-list-approleassignments.md",
       divergences=[{"permission": "Application.ReadWrite.OwnedBy", "type": "application",
                     "reason": "tenantsim checks one permission set for appRoleAssignments and appRoleAssignedTo, whose page lists it"}] + [{"permission": "AppRoleAssignment.ReadWrite.All", "type": t,
                     "reason": "Graph's permission reference gives it read access to app role assignments; the page does not list it"}
                    for t in ["application", "delegated"]] + [access_as_user()]),
]

GRANT_R = [DR, "DelegatedPermissionGrant.ReadWrite.All", DRW]
GRANT_W = ["DelegatedPermissionGrant.ReadWrite.All", DRW]
GRANT_ROLES = ["Global Administrator", "Application Administrator", "Cloud Application Administrator",
               "Application Developer", "Directory Writers", "Privileged Role Administrator", "User Administrator"]
READ_ALL_GRANTS = {"permission": "DelegatedPermissionGrant.Read.All",
                   "reason": "Graph's permission reference defines it as read access to every delegated permission grant; "
                             "the operation pages read here predate it"}
OPERATIONS += [
    op("List a servicePrincipal's oauth2PermissionGrants", "serviceprincipal-list-oauth2permissiongrants",
       ["GET /servicePrincipals/{sp}/oauth2PermissionGrants"], GRANT_R, GRANT_R,
       "learn.microsoft.com/graph/api/serviceprincipal-list-oauth2permissiongrants (current page)",
       divergences=[dict(READ_ALL_GRANTS, type=t) for t in ["application", "delegated"]] + [access_as_user()]),
    op("List oauth2PermissionGrants", "oauth2permissiongrant-list",
       ["GET /oauth2PermissionGrants"], GRANT_R, GRANT_R,
       CONTRIB + "@76f025a0 includes/permissions/oauth2permissiongrant-list-permissions.md",
       divergences=[dict(READ_ALL_GRANTS, type=t) for t in ["application", "delegated"]] + [access_as_user()]),
    op("Get oauth2PermissionGrant", "oauth2permissiongrant-get",
       ["GET /oauth2PermissionGrants/{grant}"], GRANT_R, GRANT_R,
       "learn.microsoft.com/graph/api/oauth2permissiongrant-get (current page)",
       divergences=[dict(READ_ALL_GRANTS, type=t) for t in ["application", "delegated"]] + [access_as_user()]),
    op("List a user's oauth2PermissionGrants", "user-list-oauth2permissiongrants",
       ["GET /users/{user}/oauth2PermissionGrants"], [DR, "DelegatedPermissionGrant.ReadWrite.All"],
       [DR, "DelegatedPermissionGrant.ReadWrite.All"],
       "learn.microsoft.com/graph/api/user-list-oauth2permissiongrants (current page; the application row is cut "
       "off in the copy read and assumed equal to the delegated row)",
       divergences=[dict(READ_ALL_GRANTS, type=t) for t in ["application", "delegated"]]
       + [{"permission": DRW, "type": t, "reason": "includes Directory.Read.All; the other grant read pages list it"} for t in ["application", "delegated"]]
       + [access_as_user()]),
    op("List the signed-in user's oauth2PermissionGrants", "user-list-oauth2permissiongrants",
       ["GET /me/oauth2PermissionGrants"], [DR, "DelegatedPermissionGrant.ReadWrite.All"], [],
       "learn.microsoft.com/graph/api/user-list-oauth2permissiongrants (current page)",
       divergences=[dict(READ_ALL_GRANTS, type="delegated"),
                    {"permission": DRW, "type": "delegated", "reason": "includes Directory.Read.All; the other grant read pages list it"},
                    access_as_user()]),
    op("Create oauth2PermissionGrant", "oauth2permissiongrant-post",
       ["POST /oauth2PermissionGrants"], GRANT_W, GRANT_W,
       "learn.microsoft.com/graph/api/oauth2permissiongrant-post (current page)",
       delegated_roles=GRANT_ROLES, divergences=[access_as_user()]),
    op("Update oauth2PermissionGrant", "oauth2permissiongrant-update",
       ["PATCH /oauth2PermissionGrants/{grant}"], GRANT_W, GRANT_W,
       "learn.microsoft.com/graph/api/oauth2permissiongrant-update (current page)",
       delegated_roles=GRANT_ROLES, divergences=[access_as_user()]),
    op("Delete oauth2PermissionGrant", "oauth2permissiongrant-delete",
       ["DELETE /oauth2PermissionGrants/{grant}"], GRANT_W, GRANT_W,
       "learn.microsoft.com/graph/api/oauth2permissiongrant-delete (current page; table as on the update page)",
       delegated_roles=GRANT_ROLES, divergences=[access_as_user()]),
]

PEOPLE_R = ["PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All"]
PEOPLE_W = ["PeopleSettings.ReadWrite.All"]
PEOPLE_ROLES = ["Global Administrator"]
PEOPLE_NOTE = ("Delegated callers also need the Tenant (Global) Administrator or People Administrator role; "
               "tenantsim checks Global Administrator.")
OPERATIONS += [
    op("Get peopleAdminSettings", "peopleadminsettings-get", ["GET /admin/people"], PEOPLE_R, PEOPLE_R,
       "learn.microsoft.com/graph/api/peopleadminsettings-get (current page)",
       delegated_roles=PEOPLE_ROLES, notes=PEOPLE_NOTE),
    op("List profileCardProperties", "peopleadminsettings-list-profilecardproperties",
       ["GET /admin/people/profileCardProperties"], PEOPLE_R, PEOPLE_R,
       "learn.microsoft.com/graph/api/peopleadminsettings-list-profilecardproperties (current page)",
       delegated_roles=PEOPLE_ROLES, notes=PEOPLE_NOTE),
    op("Get profileCardProperty", "profilecardproperty-get",
       ["GET /admin/people/profileCardProperties/{name}"], ["PeopleSettings.Read.All"], ["PeopleSettings.Read.All"],
       "learn.microsoft.com/powershell/module/microsoft.graph.identity.directorymanagement/get-mgadminpeopleprofilecardproperty "
       "(the cmdlet page copies the API page's table: PeopleSettings.Read.All, higher: not available)",
       delegated_roles=PEOPLE_ROLES, notes=PEOPLE_NOTE,
       divergences=[{"permission": "PeopleSettings.ReadWrite.All", "type": t,
                     "reason": "the list and settings pages list it as the higher permission; the copy read says 'Not available'"}
                    for t in ["application", "delegated"]]),
    op("Create profileCardProperty", "peopleadminsettings-post-profilecardproperties",
       ["POST /admin/people/profileCardProperties"], PEOPLE_W, PEOPLE_W,
       "shared/reference/graph-contract.md §13 (PeopleSettings.ReadWrite.All for writes)",
       delegated_roles=PEOPLE_ROLES, notes=PEOPLE_NOTE),
    op("Update profileCardProperty", "profilecardproperty-update",
       ["PATCH /admin/people/profileCardProperties/{name}"], PEOPLE_W, PEOPLE_W,
       "shared/reference/graph-contract.md §13 (PeopleSettings.ReadWrite.All for writes)",
       delegated_roles=PEOPLE_ROLES, notes=PEOPLE_NOTE),
    op("Delete profileCardProperty", "profilecardproperty-delete",
       ["DELETE /admin/people/profileCardProperties/{name}"], PEOPLE_W, PEOPLE_W,
       "shared/reference/graph-contract.md §13 (PeopleSettings.ReadWrite.All for writes)",
       delegated_roles=PEOPLE_ROLES, notes=PEOPLE_NOTE),
    op("Get authorizationPolicy", "authorizationpolicy-get",
       ["GET /policies/authorizationPolicy", "GET /policies/authorizationPolicy/authorizationPolicy"],
       ["Policy.Read.All", "Policy.ReadWrite.Authorization"], ["Policy.Read.All", "Policy.ReadWrite.Authorization"],
       "learn.microsoft.com/graph/api/authorizationpolicy-get (current page)",
       notes="Beta addresses the policy as /policies/authorizationPolicy/authorizationPolicy."),
    op("Update authorizationPolicy", "authorizationpolicy-update",
       ["PATCH /policies/authorizationPolicy", "PATCH /policies/authorizationPolicy/authorizationPolicy"],
       ["Policy.ReadWrite.Authorization"], ["Policy.ReadWrite.Authorization"],
       "shared/reference/graph-contract.md §10 (write Policy.ReadWrite.Authorization; delegated callers also need "
       "Privileged Role Administrator)",
       delegated_roles=["Privileged Role Administrator", "Global Administrator"]),
    op("List permissionGrantPolicies", "permissiongrantpolicy-list",
       ["GET /policies/permissionGrantPolicies"],
       ["Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant"],
       ["Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant"],
       "learn.microsoft.com/graph/api/permissiongrantpolicy-list (current page)",
       divergences=[{"permission": "Policy.Read.All", "type": t,
                     "reason": "Graph's permission reference describes it as reading all of the organization's policies; the page does not list it"}
                    for t in ["application", "delegated"]]),
    op("Get permissionGrantPolicy", "permissiongrantpolicy-get",
       ["GET /policies/permissionGrantPolicies/{policy}"],
       ["Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant"],
       ["Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant"],
       "learn.microsoft.com/graph/api/permissiongrantpolicy-get (current page)",
       divergences=[{"permission": "Policy.Read.All", "type": t,
                     "reason": "Graph's permission reference describes it as reading all of the organization's policies; the page does not list it"}
                    for t in ["application", "delegated"]]),
]


def table(path):
    """(delegated, application) from an include file's markdown table."""
    rows = {}
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith(("Delegated (work", "Application")):
            perms = []
            for cell in cells[1:]:
                if not cell.startswith(("Not ", "Not supported")):
                    perms += [p.strip() for p in cell.split(",") if p.strip()]
            rows["delegated" if cells[0].startswith("Delegated") else "application"] = perms
    return rows


FRAGMENTS = os.path.join(HERE, "documented_permissions")
RELATIONSHIPS = ("members", "transitiveMembers", "memberOf", "transitiveMemberOf", "owners",
                 "ownedObjects", "directReports")


def fragments():
    """Entries kept as JSON beside this script (tools/documented_permissions/*.json), in the same
    shape as op(): operation, source, routes, application, delegated, and optionally doc,
    delegated_roles, divergences, notes."""
    out = []
    for name in sorted(os.listdir(FRAGMENTS)) if os.path.isdir(FRAGMENTS) else []:
        if not name.endswith(".json"):
            continue
        for raw in json.load(open(os.path.join(FRAGMENTS, name), encoding="utf-8")):
            entry = dict(raw)
            page = entry.pop("source").replace(LEARN, "")
            out.append(op(entry.pop("operation"), page, entry.pop("routes"), entry.pop("delegated"),
                          entry.pop("application"),
                          entry.pop("doc", f"{page} as read for tools/documented_permissions/{name}"),
                          **entry))
    return out


OPERATIONS += fragments()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        base = os.path.join(sys.argv[2], "api-reference", "v1.0", "includes", "permissions")
        for entry in OPERATIONS:
            page = entry["source"].rsplit("/", 1)[1].split("?")[0]
            path = os.path.join(base, f"{page}-permissions.md")
            if os.path.exists(path):
                found = table(path)
                for kind in ("delegated", "application"):
                    if found.get(kind, []) != entry[kind]:
                        print(f"{entry['operation']} [{kind}]: docs {found.get(kind)} data {entry[kind]}")
        return
    for entry in OPERATIONS:
        if entry.pop("membership", False):
            entry["divergences"] = entry["divergences"] + membership_divergences(entry)
            entry["notes"] = (entry["notes"] + " " if entry["notes"] else "") + \
                "Divergence (membership family): " + MEMBERSHIP_REASON + "."
    # A relationship's list page also governs its `/$count`, casts, `/{id}`, `/{id}/{cast}` and
    # the `$ref` list (Graph documents them on the same page).
    for entry in OPERATIONS:
        extra = []
        for route in entry["routes"]:
            method, path = route.split(" ", 1)
            # directoryRoles list their member routes themselves.
            if method == "GET" and path.rsplit("/", 1)[-1] in RELATIONSHIPS \
                    and not path.startswith("/directoryRoles"):
                extra += [f"GET {path}/$count", f"GET {path}/{{x}}", f"GET {path}/{{x}}/$count"]
                # `/me/directReports/{id}/{cast}` is not in the security matrix (see security.rs).
                if path != "/me/directReports":
                    extra.append(f"GET {path}/{{x}}/{{y}}")
                if path.rsplit("/", 1)[-1] in ("members", "owners"):
                    extra.append(f"GET {path}/$ref")
        entry["routes"] = entry["routes"] + [r for r in extra if r not in entry["routes"]]
    routes = [r for e in OPERATIONS for r in e["routes"]]
    assert len(routes) == len(set(routes)), "a route is covered twice"
    data = {
        "about": "Per Graph operation, the permissions its Graph documentation page lists (least to most "
                 "privileged; 'A and B' = both together), the page (source) and the revision read (doc), the "
                 "tenantsim routes it covers (version-free, as `METHOD /path/{param}`; parameter names are not compared), admin roles a delegated caller also needs, and "
                 "deliberate divergences (accepted=false: listed by Graph but refused here). Written by "
                 "tools/documented_permissions.py; tests/api/security/documented.rs tests enforcement against it. "
                 "To add an operation, append an entry to tools/documented_permissions.py and rerun it.",
        "operations": OPERATIONS,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(OPERATIONS)} operations, {len(routes)} routes -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
