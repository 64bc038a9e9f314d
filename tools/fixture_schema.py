#!/usr/bin/env python3
"""The fixture JSON Schema and `tenantsim fixtures check` agree.

    python3 tools/fixture_schema.py --check [-v] [--bin target/debug/tenantsim] [--also PATH ...]

Validates every fixtures/*.json against the committed schema
(fixtures/tenantsim-fixtures.schema.json, itself checked against the draft 2020-12 metaschema
and against what `tenantsim fixtures schema` prints), and runs documents through BOTH the schema
and the real `tenantsim fixtures check` (one temporary file each):

    good   documents valid to both, every optional section used, every form the validator
           reads (GUID forms, names in any case, nulls where allowed): both must accept them;
    bad    one mistake each (an unknown property of each kind of object, a wrong type, a
           non-GUID id, an unknown cloud or directory role, a missing required field, a bad
           LinkedIn setting, ...): both must reject them;
    seeds  the fuzzer's fixture seeds (fuzz/seeds/fixture_load) and any --also files or folders:
           each one `fixtures check` accepts must pass the schema (the schema cannot see
           cross-object rules, so the converse is not asked).

Prints a one-line summary; exits 1 on any disagreement. jsonschema comes from PyPI, exact-pinned,
in a virtualenv at tools/.venv-schema (created on first use, reused after). The binary is the
debug build `cargo build` (or `cargo test`) leaves; --bin or TENANTSIM_BIN names another.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
VENV = os.path.join(TOOLS, ".venv-schema")
# jsonschema and what it installs, exact versions.
PINS = [
    "jsonschema==4.26.0",
    "attrs==26.1.0",
    "jsonschema-specifications==2025.9.1",
    "referencing==0.37.0",
    "rpds-py==2026.9.1",
    "typing_extensions==4.16.0",
]
SCHEMA = os.path.join(ROOT, "fixtures", "tenantsim-fixtures.schema.json")


def venv_python():
    return os.path.join(VENV, "bin", "python")


def ensure_venv():
    """Re-runs this script with the virtualenv's Python, creating it (and installing PINS) first
    when it is missing or holds other pins."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    marker = os.path.join(VENV, "pins.txt")
    wanted = "\n".join(PINS) + "\n"
    current = open(marker).read() if os.path.exists(marker) else None
    if current != wanted:
        if not os.path.exists(venv_python()):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run(
            [venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             *PINS],
            check=True,
        )
        with open(marker, "w") as f:
            f.write(wanted)
    os.execv(venv_python(), [venv_python(), os.path.abspath(__file__), *sys.argv[1:]])


# ------------------------------------------------------------------------------------------
# The documents.

T = "5c4e0000-0000-4000-8000-000000000001"
U1 = "5c4e0000-0000-4000-8000-000000000101"
U2 = "5c4e0000-0000-4000-8000-000000000102"
G1 = "5c4e0000-0000-4000-8000-000000000201"
G2 = "5c4e0000-0000-4000-8000-000000000202"
G3 = "5c4e0000-0000-4000-8000-000000000203"
APP1, SP1 = "5c4e0000-a990-4000-8000-000000000301", "5c4e0000-0000-4000-8000-000000000301"
APP2, SP2 = "5c4e0000-a990-4000-8000-000000000302", "5c4e0000-0000-4000-8000-000000000302"
APP3 = "5c4e0000-a990-4000-8000-000000000303"
DIGEST = "e66860546f18cdbbcd86b35e18b525bffc67f772c650cedfe3ff7a0026fa1dee"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"


def fill(obj, definition, schema):
    """Gives `obj` every property of `definition` it lacks (ids aside), with a value of the
    property's type."""
    for name, prop in schema["$defs"][definition]["properties"].items():
        if name in obj or "$ref" in prop or "anyOf" in prop:
            continue
        kind = prop.get("type")
        kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
        if kind == "string":
            obj[name] = "x"
        elif kind == "boolean":
            obj[name] = True
        elif kind == "array":
            items = prop.get("items", {})
            if "$ref" in items or "anyOf" in items:
                continue  # names from a list: set by hand
            obj[name] = ["x"] if items.get("type") == "string" else [{}]
        elif kind == "object":
            obj[name] = {}


def full(schema):
    """One tenant using every optional section of the format."""
    contoso = json.load(open(os.path.join(ROOT, "fixtures", "contoso.json")))
    certificate = next(
        a["certificates"][0] for a in contoso["tenants"][0]["applications"] if a.get("certificates")
    )
    rich_user = {
        "id": U2, "userPrincipalName": "bob@schematest.example", "displayName": "Bob",
        "accountEnabled": False, "passwordSha256": DIGEST, "manager": U1,
        "linkedIn": {"vanityName": "bob"},
    }
    fill(rich_user, "user", schema)
    rich_group = {
        "id": G1, "displayName": "Security", "mailEnabled": False, "mailNickname": "sec",
        "securityEnabled": True, "groupTypes": [], "members": [U1, U2, SP1], "owners": [U1, SP1],
    }
    fill(rich_group, "group", schema)
    return {
        "$schema": "./tenantsim-fixtures.schema.json",
        "tenants": [{
            "id": T, "displayName": "Schema Test",
            "domains": ["schematest.onmicrosoft.com", "schematest.example"],
            "cloud": "public", "country": "fr",
            "settings": {
                "linkedIn": {
                    "enableLinkedInAppFamily": 4, "selectedGroupId": G1,
                    "nestedGroupMembership": True, "showPublicProfiles": False,
                    "appId": "5c4e0000-1111-4000-8000-6c696e6b6564", "scope": "User.Read",
                },
                "userConsent": "allowUserConsentLowRisk",
                "webAccounts": {U1: [{
                    "id": "1", "userId": "ada", "allowedAudiences": "organization",
                    "service": {"name": "GitHub", "webUrl": "https://github.com"},
                    "webUrl": "https://github.com/ada", "description": None,
                }]},
                "organization": {
                    "marketingNotificationEmails": ["m@schematest.example"],
                    "privacyProfile": {"contactEmail": "p@schematest.example", "statementUrl": None},
                    "securityComplianceNotificationMails": None,
                    "securityComplianceNotificationPhones": ["+33 1 00 00 00 00"],
                    "technicalNotificationMails": [], "createdDateTime": "2024-01-01T00:00:00Z",
                    "businessPhones": [], "city": "Paris", "country": None, "postalCode": "75001",
                    "preferredLanguage": "fr", "state": None, "street": "1 rue de Rivoli",
                },
                "authorizationPolicy": {}, "profileCardProperties": [],
                "directoryProperties": {}, "somethingLater": {"kept": True},
            },
            "users": [
                {
                    "id": U1, "userPrincipalName": "ada@SchemaTest.onmicrosoft.com",
                    "displayName": "Ada", "accountEnabled": True, "password": "Passw0rd!",
                    "directoryRoles": ["Global Administrator", "user administrator",
                                       GLOBAL_READER.upper()],
                    "linkedIn": {"vanityName": "ada", "headline": "H", "currentPosition": None,
                                 "location": "Paris", "publicVisibility": True,
                                 "connection": "Bound"},
                    "manager": None,
                },
                rich_user,
            ],
            "groups": [
                rich_group,
                {"id": G2, "displayName": "M365", "mailEnabled": True, "mailNickname": "m365",
                 "securityEnabled": False, "groupTypes": ["unified"], "visibility": "Private",
                 "mail": "m365@schematest.example", "members": [U1]},
                {"id": G3, "displayName": "Dynamic", "mailEnabled": False, "mailNickname": "dyn",
                 "securityEnabled": True, "groupTypes": ["DynamicMembership"],
                 "membershipRule": "(user.city -eq \"Paris\")",
                 "membershipRuleProcessingState": "On", "members": [U2]},
            ],
            "linkedInNetwork": [[U1, U2]],
            "servicePrincipals": [],
            "activatedDirectoryRoles": ["Directory Readers"],
            "applications": [
                {
                    "appId": APP1, "id": SP1, "displayName": "Full App", "uniqueName": "full-app",
                    "applicationObjectId": "5c4e0000-0000-4000-8000-000000000401",
                    "publicClient": False, "secrets": ["s3cret-Passw0rd!"],
                    "secretSha256": ["ab" * 32], "certificates": [certificate],
                    "redirectUris": ["https://localhost/cb"],
                    "applicationPermissions": ["User.Read.All", "group.read.all"],
                    "delegatedPermissions": ["User.Read", "OPENID"], "adminConsent": True,
                    "owners": [U1], "applicationOwners": [U1, SP1],
                    "extensionProperties": [{
                        "id": "5c4e0000-e470-4000-8000-000000000301",
                        "name": "extension_5c4e0000a99040008000000000000301_badge",
                        "dataType": "string", "isMultiValued": True,
                        "targetObjects": ["User", "group"],
                    }],
                    "passwordCredentials": [{
                        "keyId": "5c4e0000-4e70-4000-8000-000000000301", "displayName": "k",
                        "hint": "abc", "startDateTime": "2024-01-01T00:00:00Z",
                        "endDateTime": None, "secretSha256": "CD" * 32,
                    }],
                    "application": {"displayName": "Full App", "notes": "n", "tags": []},
                    "servicePrincipal": {"displayName": "Full App", "tags": []},
                },
                {"appId": APP2, "id": SP2, "displayName": "Public", "publicClient": True,
                 "redirectUris": ["http://localhost"], "delegatedPermissions": ["User.Read"]},
                {"appId": APP3, "id": "", "displayName": "Unregistered",
                 "application": None, "servicePrincipal": None, "applicationObjectId": None},
            ],
            "oauth2PermissionGrants": [
                {"clientId": APP2, "consentType": "Principal", "principalId": U1,
                 "scope": "User.Read"},
                {"clientId": SP2, "consentType": "AllPrincipals", "principalId": None,
                 "resourceId": SP1, "scope": "x"},
            ],
        }],
    }


def tenant(doc):
    return doc["tenants"][0]


def user(doc, i=0):
    return tenant(doc)["users"][i]


def group(doc, i=0):
    return tenant(doc)["groups"][i]


def app(doc, i=0):
    return tenant(doc)["applications"][i]


def grant(doc, i=0):
    return tenant(doc)["oauth2PermissionGrants"][i]


def setting(doc, key):
    return tenant(doc)["settings"][key]


def variant(base, *changes):
    """A copy of `base` with each change (a function of the document) applied."""
    doc = copy.deepcopy(base)
    for change in changes:
        change(doc)
    return doc


def put(get, key, value):
    return lambda doc: get(doc).__setitem__(key, value)


def drop(get, key):
    return lambda doc: get(doc).pop(key)


def good_documents(base):
    minimal = {"tenants": [{"id": T, "displayName": "Minimal", "domains": ["minimal.example"]}]}
    return [
        ("every optional section", base),
        ("a tenant with its required keys only", minimal),
        ("empty arrays", variant(minimal, put(tenant, "users", []), put(tenant, "groups", []),
                                 put(tenant, "applications", []),
                                 put(tenant, "oauth2PermissionGrants", []),
                                 put(tenant, "linkedInNetwork", []))),
        ("no $schema", variant(base, lambda d: d.pop("$schema"))),
        ("GUIDs braced, as URNs, as 32 digits, in upper case", variant(
            base, put(tenant, "id", "{%s}" % T), put(lambda d: user(d, 1), "id", "urn:uuid:" + U2),
            put(lambda d: user(d, 1), "manager", U1.upper()),
            put(lambda d: group(d, 2), "id", G3.replace("-", "")),
            put(lambda d: group(d, 2), "members", ["URN:UUID:" + U2]))),
        ("directory roles, permissions, group types and extension names in any case", variant(
            base, put(user, "directoryRoles", ["GLOBAL ADMINISTRATOR", GLOBAL_READER]),
            put(app, "applicationPermissions", ["user.read.all"]),
            put(app, "delegatedPermissions", ["Offline_Access"]),
            put(lambda d: group(d, 2), "groupTypes", ["dynamicmembership", "UNIFIED"]),
            put(lambda d: group(d, 2), "mailEnabled", True),
            lambda d: app(d)["extensionProperties"][0].update(
                dataType="LARGEINTEGER", targetObjects=["organization", "Device"]))),
        ("domains in upper case", variant(base, put(tenant, "domains", ["SCHEMATEST.onmicrosoft.com",
                                                                          "SchemaTest.Example"]))),
        ("nulls where the validator takes them", variant(
            base, put(tenant, "country", None),
            put(lambda d: setting(d, "linkedIn"), "enableLinkedInAppFamily", None),
            put(lambda d: setting(d, "linkedIn"), "selectedGroupId", None),
            put(lambda d: setting(d, "linkedIn"), "appId", None),
            put(lambda d: user(d, 1), "jobTitle", None), put(lambda d: user(d, 1), "manager", None),
            put(lambda d: user(d, 1)["linkedIn"], "headline", None),
            put(app, "application", None), put(app, "applicationObjectId", None),
            put(lambda d: setting(d, "organization"), "privacyProfile", None))),
        ("LinkedIn setting No, no selected group", variant(
            base, put(lambda d: setting(d, "linkedIn"), "enableLinkedInAppFamily", 1),
            drop(lambda d: setting(d, "linkedIn"), "selectedGroupId"))),
        ("a usgov tenant without LinkedIn", variant(
            base, put(tenant, "cloud", "usgov"), lambda d: tenant(d)["settings"].pop("linkedIn"))),
        ("a mail-enabled security group", variant(base, put(group, "mailEnabled", True))),
        ("a group mailNickname of every ASCII character Graph allows", variant(
            base, put(group, "mailNickname", "a!#$%&'*+-/=?^_`{|}~9\u0001\u000b\u007f"))),
        ("a 256-character group displayName and a 64-character mailNickname", variant(
            base, put(group, "displayName", "n" * 256), put(group, "mailNickname", "m" * 64))),
        ("web accounts of a user the tenant no longer holds", variant(
            base, lambda d: setting(d, "webAccounts").update(
                {"5c4e0000-0000-4000-8000-000000000199": [{"anything": 1}]}))),
        ("a guest-style UPN", variant(
            base, put(lambda d: user(d, 1), "userPrincipalName",
                      "jane_fabrikam.com#EXT#@schematest.onmicrosoft.com"))),
    ]


def bad_documents(base):
    """(name, document): one mistake each."""
    S = lambda key: (lambda d: setting(d, key))  # noqa: E731
    g3 = lambda d: group(d, 2)  # noqa: E731
    cases = [
        # Unknown properties, at every level the validator closes.
        ("unknown top-level property", variant(base, lambda d: d.update(extra=1))),
        ("unknown tenant property", variant(base, put(tenant, "favouriteColour", "red"))),
        ("unknown user property", variant(base, put(user, "favouriteColour", "red"))),
        ("unknown group property", variant(base, put(group, "favouriteColour", "red"))),
        ("unknown application property", variant(base, put(app, "clientSecret", "x"))),
        ("unknown grant property", variant(base, put(grant, "expiry", "x"))),
        ("unknown LinkedIn profile property", variant(base, put(lambda d: user(d)["linkedIn"],
                                                                "vanity", "x"))),
        ("unknown settings.linkedIn property (a typo)", variant(
            base, put(S("linkedIn"), "enableLinkedinAppFamily", 1))),
        ("unknown settings.organization property", variant(base, put(S("organization"), "ceo", "x"))),
        ("unknown privacyProfile property", variant(
            base, put(S("organization"), "privacyProfile", {"owner": "x"}))),
        ("unknown application document property", variant(
            base, put(lambda d: app(d)["application"], "secretSauce", 1))),
        ("unknown passwordCredential property", variant(
            base, put(lambda d: app(d)["passwordCredentials"][0], "secretText", "x"))),
        ("unknown extensionProperty property", variant(
            base, put(lambda d: app(d)["extensionProperties"][0], "appDisplayName", "x"))),
        ("$schema inside a tenant", variant(base, put(tenant, "$schema", "./x.json"))),
        # Types.
        ("accountEnabled a string", variant(base, put(user, "accountEnabled", "yes"))),
        ("accountEnabled null", variant(base, put(user, "accountEnabled", None))),
        ("businessPhones null", variant(base, put(user, "businessPhones", None))),
        ("businessPhones a string", variant(base, put(user, "businessPhones", "+1"))),
        ("a user property a number", variant(base, put(user, "jobTitle", 5))),
        ("mailEnabled a string", variant(base, put(group, "mailEnabled", "false"))),
        ("publicClient null", variant(base, put(app, "publicClient", None))),
        ("country a number", variant(base, put(tenant, "country", 5))),
        ("password a number", variant(base, put(user, "password", 5))),
        ("passwordSha256 null", variant(base, put(lambda d: user(d, 1), "passwordSha256", None))),
        ("users not an array", variant(base, put(tenant, "users", {"id": U1}))),
        ("groups null", variant(base, put(tenant, "groups", None))),
        ("oauth2PermissionGrants an object", variant(base, put(tenant, "oauth2PermissionGrants", {}))),
        ("applications an object", variant(base, put(tenant, "applications", {}))),
        ("settings a string", variant(base, put(tenant, "settings", "x"))),
        ("$schema a number", variant(base, lambda d: d.update({"$schema": 5}))),
        ("tenants an object", variant(base, lambda d: d.update(tenants={}))),
        ("a user not an object", variant(base, lambda d: tenant(d)["users"].append("x"))),
        # GUIDs.
        ("a non-GUID tenant id", variant(base, put(tenant, "id", "contoso"))),
        ("a non-GUID user id", variant(base, put(user, "id", "c0a70550-0000-4000-8000-00000000010"))),
        ("a non-GUID group id", variant(base, put(group, "id", "{%s" % G1))),
        ("a non-GUID member", variant(base, put(group, "members", [U1, "abc"]))),
        ("a non-GUID owner", variant(base, put(group, "owners", ["admin"]))),
        ("a non-GUID manager", variant(base, put(lambda d: user(d, 1), "manager", "ada"))),
        ("a non-GUID appId", variant(base, put(app, "appId", "full-app"))),
        ("a non-GUID service principal id", variant(base, put(app, "id", "sp"))),
        ("a non-GUID keyId", variant(base, put(lambda d: app(d)["passwordCredentials"][0],
                                               "keyId", "k1"))),
        ("a non-GUID LinkedIn appId", variant(base, put(S("linkedIn"), "appId", "linkedin"))),
        ("a non-GUID network pair", variant(base, put(tenant, "linkedInNetwork", [[U1, "bob"]]))),
        # Enumerations.
        ("an unknown cloud", variant(base, put(tenant, "cloud", "mars"))),
        ("a cloud in another case", variant(base, put(tenant, "cloud", "Public"))),
        ("cloud null", variant(base, put(tenant, "cloud", None))),
        ("an unknown directory role", variant(base, put(user, "directoryRoles", ["Chief Wizard"]))),
        ("an unknown activated directory role", variant(
            base, put(tenant, "activatedDirectoryRoles", ["Directory Reader"]))),
        ("directoryRoles a string", variant(base, put(user, "directoryRoles",
                                                      "Global Administrator"))),
        ("enableLinkedInAppFamily 2", variant(base, put(S("linkedIn"), "enableLinkedInAppFamily", 2))),
        ("enableLinkedInAppFamily a string", variant(
            base, put(S("linkedIn"), "enableLinkedInAppFamily", "0"))),
        ("Selected group without selectedGroupId", variant(
            base, drop(S("linkedIn"), "selectedGroupId"))),
        ("nestedGroupMembership null", variant(base, put(S("linkedIn"), "nestedGroupMembership",
                                                         None))),
        ("an unknown LinkedIn connection", variant(
            base, put(lambda d: user(d)["linkedIn"], "connection", "Connected"))),
        ("a LinkedIn connection in another case", variant(
            base, put(lambda d: user(d)["linkedIn"], "connection", "bound"))),
        ("an empty vanityName", variant(base, put(lambda d: user(d)["linkedIn"], "vanityName", ""))),
        ("an unknown userConsent", variant(base, put(lambda d: tenant(d)["settings"],
                                                     "userConsent", "always"))),
        ("an unknown group type", variant(base, put(group, "groupTypes", ["Security"]))),
        ("an unknown application permission", variant(
            base, put(app, "applicationPermissions", ["User.Read.Everything"]))),
        ("a delegated permission as an application permission", variant(
            base, put(app, "applicationPermissions", ["openid"]))),
        ("an unknown delegated permission", variant(base, put(app, "delegatedPermissions",
                                                              ["Mail.Send.All"]))),
        ("an application permission twice", variant(
            base, put(app, "applicationPermissions", ["User.Read.All", "User.Read.All"]))),
        ("an unknown extension data type", variant(
            base, put(lambda d: app(d)["extensionProperties"][0], "dataType", "Text"))),
        ("no extension target objects", variant(
            base, put(lambda d: app(d)["extensionProperties"][0], "targetObjects", []))),
        ("an unknown extension target", variant(
            base, put(lambda d: app(d)["extensionProperties"][0], "targetObjects", ["Mailbox"]))),
        ("an extension name without the prefix", variant(
            base, put(lambda d: app(d)["extensionProperties"][0], "name", "badge"))),
        ("an unknown consentType", variant(base, put(grant, "consentType", "Everyone"))),
        # Required.
        ("no tenants", {"$schema": "./x.json"}),
        ("a tenant without id", variant(base, drop(tenant, "id"))),
        ("a tenant without displayName", variant(base, drop(tenant, "displayName"))),
        ("a tenant with an empty displayName", variant(base, put(tenant, "displayName", ""))),
        ("a tenant without domains", variant(base, drop(tenant, "domains"))),
        ("a user without id", variant(base, drop(user, "id"))),
        ("a user without displayName", variant(base, drop(user, "displayName"))),
        ("a user with an empty displayName", variant(base, put(user, "displayName", ""))),
        ("a user without accountEnabled", variant(base, drop(user, "accountEnabled"))),
        ("a user without userPrincipalName", variant(base, drop(user, "userPrincipalName"))),
        ("a group without mailNickname", variant(base, drop(group, "mailNickname"))),
        ("a group without securityEnabled", variant(base, drop(group, "securityEnabled"))),
        ("a group without id", variant(base, drop(group, "id"))),
        ("an application without appId", variant(base, drop(app, "appId"))),
        ("an application without displayName", variant(base, drop(app, "displayName"))),
        ("a grant without scope", variant(base, drop(grant, "scope"))),
        ("a LinkedIn profile without vanityName", variant(base, drop(lambda d: user(d)["linkedIn"],
                                                                     "vanityName"))),
        ("an application document without displayName", variant(
            base, drop(lambda d: app(d)["application"], "displayName"))),
        # Values and rules inside one object.
        ("no domains", variant(base, put(tenant, "domains", []))),
        ("a one-label domain", variant(base, put(tenant, "domains", ["schematest"]))),
        ("a GUID as a domain", variant(base, put(tenant, "domains", [T]))),
        ("a domain with an underscore", variant(base, put(tenant, "domains", ["a_b.example"]))),
        ("an IPv4 address as a domain", variant(base, put(tenant, "domains", ["10.0.0.1"]))),
        ("a domain label ending with a hyphen", variant(base, put(tenant, "domains", ["a-.example"]))),
        ("a domain listed twice", variant(base, put(tenant, "domains", ["a.example", "a.example"]))),
        ("a UPN without a domain", variant(base, put(user, "userPrincipalName", "ada"))),
        ("a dynamic group without membershipRule", variant(base, drop(g3, "membershipRule"))),
        ("a dynamic group with a blank membershipRule", variant(base, put(g3, "membershipRule",
                                                                          " \t"))),
        ("a distribution list", variant(base, put(group, "mailEnabled", True),
                                         put(group, "securityEnabled", False))),
        ("a mailNickname with a space", variant(base, put(group, "mailNickname", "a b"))),
        ("a mailNickname with @", variant(base, put(group, "mailNickname", "a@b"))),
        ("a mailNickname with a dot", variant(base, put(group, "mailNickname", "a.b"))),
        ("a non-ASCII mailNickname", variant(base, put(group, "mailNickname", "caf\u00e9"))),
        ("a 65-character mailNickname", variant(base, put(group, "mailNickname", "m" * 65))),
        ("a blank group displayName", variant(base, put(group, "displayName", " \u3000"))),
        ("a 257-character group displayName", variant(base, put(group, "displayName", "n" * 257))),
        ("a public client with secrets", variant(base, put(lambda d: app(d, 1), "secrets", ["s"]))),
        ("application permissions without a service principal", variant(
            base, put(lambda d: app(d, 2), "applicationPermissions", ["User.Read.All"]))),
        ("admin consent without a service principal", variant(
            base, put(lambda d: app(d, 2), "adminConsent", True))),
        ("a servicePrincipal document without the service principal", variant(
            base, put(lambda d: app(d, 2), "servicePrincipal", {"displayName": "U"}))),
        ("a short secret digest", variant(
            base, put(lambda d: app(d)["passwordCredentials"][0], "secretSha256", "abc"))),
        ("a Principal grant without principalId", variant(base, drop(grant, "principalId"))),
        ("an AllPrincipals grant with principalId", variant(
            base, put(lambda d: grant(d, 1), "principalId", U1))),
        ("service principals in servicePrincipals", variant(
            base, put(tenant, "servicePrincipals", [{"appId": APP1}]))),
        ("a network pair of one", variant(base, put(tenant, "linkedInNetwork", [[U1]]))),
        ("a network pair of three", variant(base, put(tenant, "linkedInNetwork", [[U1, U2, U1]]))),
        ("technicalNotificationMails null", variant(
            base, put(S("organization"), "technicalNotificationMails", None))),
        ("businessPhones of the organization a string", variant(
            base, put(S("organization"), "businessPhones", "+1"))),
        ("web accounts not an array", variant(
            base, lambda d: setting(d, "webAccounts").update({U1: {"id": "1"}}))),
        ("web accounts of an unknown user not objects", variant(
            base, lambda d: setting(d, "webAccounts").update(
                {"5c4e0000-0000-4000-8000-000000000199": ["x"]}))),
    ]
    return cases


# ------------------------------------------------------------------------------------------
# Running both.


class Both:
    def __init__(self, binary, validator, tmp):
        self.binary = binary
        self.validator = validator
        self.tmp = tmp
        self.count = 0

    def schema_errors(self, doc):
        return sorted(self.validator.iter_errors(doc), key=lambda e: list(e.path))

    def check(self, doc=None, path=None):
        """(accepted, stderr) of `tenantsim fixtures check`."""
        if path is None:
            self.count += 1
            path = os.path.join(self.tmp, "doc%03d.json" % self.count)
            with open(path, "w") as f:
                json.dump(doc, f, ensure_ascii=False)
        out = subprocess.run([self.binary, "fixtures", "check", path], capture_output=True,
                             text=True)
        return out.returncode == 0, out.stderr.strip()


def first_line(text):
    return text.splitlines()[0] if text else ""


def describe_schema_error(errors):
    e = errors[0]
    return "%s: %s" % (e.json_path, e.message[:160])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", required=True)
    parser.add_argument("--bin", default=os.environ.get(
        "TENANTSIM_BIN", os.path.join(ROOT, "target", "debug", "tenantsim")))
    parser.add_argument("--also", nargs="*", default=[],
                        help="more fixture files or folders: those fixtures check accepts must "
                             "pass the schema")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    ensure_venv()
    import jsonschema

    if not os.path.exists(args.bin):
        sys.exit("fixture schema: no %s: build it first (cargo build)" % args.bin)
    problems = []
    schema_text = open(SCHEMA).read()
    schema = json.loads(schema_text)
    jsonschema.Draft202012Validator.check_schema(schema)
    printed = subprocess.run([args.bin, "fixtures", "schema"], capture_output=True, text=True,
                             check=True).stdout
    if printed != schema_text:
        problems.append("%s is not what `tenantsim fixtures schema` prints: regenerate it with "
                        "`cargo run -- fixtures schema > fixtures/tenantsim-fixtures.schema.json`"
                        % os.path.relpath(SCHEMA, ROOT))
    validator = jsonschema.Draft202012Validator(schema)

    with tempfile.TemporaryDirectory() as tmp:
        both = Both(args.bin, validator, tmp)
        # The committed fixtures.
        fixture_dir = os.path.join(ROOT, "fixtures")
        files = sorted(f for f in os.listdir(fixture_dir)
                       if f.endswith(".json") and not f.endswith(".schema.json"))
        for name in files:
            path = os.path.join(fixture_dir, name)
            errors = both.schema_errors(json.load(open(path)))
            accepted, stderr = both.check(path=path)
            if errors:
                problems.append("fixtures/%s fails the schema: %s" % (name,
                                                                       describe_schema_error(errors)))
            if not accepted:
                problems.append("fixtures/%s fails fixtures check: %s" % (name, first_line(stderr)))

        base = full(schema)
        goods = good_documents(base)
        for name, doc in goods:
            errors = both.schema_errors(doc)
            accepted, stderr = both.check(doc)
            if errors:
                problems.append("good '%s' fails the schema: %s" % (name,
                                                                     describe_schema_error(errors)))
            if not accepted:
                problems.append("good '%s' fails fixtures check: %s" % (name, first_line(stderr)))
            if args.verbose:
                print("good %-70s schema %s, check %s" % (name, "ok" if not errors else "REJECTS",
                                                          "ok" if accepted else "REJECTS"))

        bads = bad_documents(base)
        for name, doc in bads:
            errors = both.schema_errors(doc)
            accepted, stderr = both.check(doc)
            if not errors:
                problems.append("bad '%s' passes the schema" % name)
            if accepted:
                problems.append("bad '%s' passes fixtures check" % name)
            if args.verbose:
                print("bad  %-62s\n     schema: %s\n     check:  %s" % (
                    name, describe_schema_error(errors) if errors else "ACCEPTS",
                    first_line(stderr) if not accepted else "ACCEPTS"))

        # Documents fixtures check accepts must pass the schema.
        others = [os.path.join(ROOT, "fuzz", "seeds", "fixture_load")] + args.also
        paths = []
        for other in others:
            if os.path.isdir(other):
                paths += sorted(os.path.join(other, f) for f in os.listdir(other)
                                if f.endswith(".json"))
            else:
                paths.append(other)
        accepted_count = 0
        for path in paths:
            try:
                doc = json.load(open(path, encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue  # not JSON: fixtures check refuses it too
            accepted, _ = both.check(path=path)
            if not accepted:
                continue
            accepted_count += 1
            errors = both.schema_errors(doc)
            if errors:
                problems.append("%s: fixtures check accepts it, the schema does not: %s" % (
                    os.path.relpath(path, ROOT), describe_schema_error(errors)))

    for problem in problems:
        print("DISAGREE: " + problem)
    counts = ("%d fixture files and %d good documents (both accept), %d bad documents (both "
              "reject), %d documents fixtures check accepts of %d others (the schema accepts)"
              % (len(files), len(goods), len(bads), accepted_count, len(paths)))
    if problems:
        print("fixture schema: %d disagreement(s) over %s" % (len(problems), counts))
        sys.exit(1)
    print("fixture schema: the schema and fixtures check agree on %s" % counts)


if __name__ == "__main__":
    main()
