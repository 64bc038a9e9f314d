"""Azure CLI (PyPI `azure-cli`) and CLI for Microsoft 365 (npm `@pnp/cli-microsoft365`), both
unmodified, through tenantsim's proxy (`serve --proxy-port`). Each command runs as a user would
run it: production cloud (no `az cloud register`, no custom authority, instance discovery on),
and only two variables set in its environment -- `HTTPS_PROXY` and the CA trust variable its
stack reads (`REQUESTS_CA_BUNDLE` for az, `NODE_EXTRA_CA_CERTS` for m365). Every other proxy,
CA and tenantsim variable is removed from the child's environment, and each run gets a private
`AZURE_CONFIG_DIR` / `HOME`, so nothing leaks between runs or from the machine.

Run through tests/clients/run.sh (it installs both CLIs from tests/clients/cli/ and exports
TENANTSIM_PROXY_URL, REQUESTS_CA_BUNDLE and TENANTSIM_TENANT)."""

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AZ = HERE / ".venv-azcli" / "bin" / "az"
M365 = HERE / "node_modules" / ".bin" / "m365"

ADMIN_APP = "c0a70550-a990-4000-8000-000000000302"  # Contoso Admin Automation
ADMIN_SECRET = "admin-secret-Passw0rd!"
SYNC_APP = "c0a70550-a990-4000-8000-000000000301"  # Contoso Directory Sync
GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Microsoft Graph Command Line Tools
PASSWORD = "Passw0rd!"
ADELE = "c0a70550-0000-4000-8000-000000000102"
ALEX = "c0a70550-0000-4000-8000-000000000103"
CONTOSO_UPNS = {
    "admin@contoso.onmicrosoft.com",
    "AdeleV@contoso.onmicrosoft.com",
    "MeganB@contoso.onmicrosoft.com",
    "PattiF@contoso.onmicrosoft.com",
    "DebraB@contoso.onmicrosoft.com",
    "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com",
}
CONTOSO_GROUPS = {"LinkedIn Pilot", "Retail Europe", "Sales and Marketing", "Mark 8 Project Team"}
# Without these two flags `az login` asks for an Azure Resource Manager token and lists
# subscriptions on management.azure.com; tenantsim emulates neither (README: No code changes).
AZ_GRAPH_ONLY = ["--skip-subscription-discovery", "--scope", "https://graph.microsoft.com//.default"]
COMMAND_TIMEOUT = 90  # seconds per CLI invocation

# Removed from every child environment: only HTTPS_PROXY and one CA variable are set back.
SCRUBBED = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
            "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "NODE_OPTIONS",
            "XDG_CONFIG_HOME")


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(f"{name} is not set: run through tests/clients/run.sh")
    return value


@pytest.fixture(scope="session")
def tenant():
    return _env("TENANTSIM_TENANT")


@pytest.fixture(scope="session")
def proxy():
    return _env("TENANTSIM_PROXY_URL")


@pytest.fixture(scope="session")
def ca_file():
    return _env("REQUESTS_CA_BUNDLE")


def _child_env(home, **extra):
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in SCRUBBED and not k.startswith(("TENANTSIM_", "AZURE_", "CLIMICROSOFT365_"))}
    Path(home).mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env.update(extra)
    return env


class Cli:
    """One CLI with its own configuration directory and the user-facing environment."""

    def __init__(self, exe, env):
        if not exe.exists():
            raise pytest.UsageError(f"{exe} is missing: run tests/clients/run.sh to install it")
        self.exe = str(exe)
        self.env = env

    def run(self, *args):
        return subprocess.run([self.exe, *args], env=self.env, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)

    def ok(self, *args):
        done = self.run(*args)
        assert done.returncode == 0, f"{' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def json(self, *args):
        return json.loads(self.ok(*args, "--output", "json"))


def _new_az(tmp, proxy, ca_file):
    config = Path(tmp) / "azure"
    return Cli(AZ, _child_env(tmp, HTTPS_PROXY=proxy, REQUESTS_CA_BUNDLE=ca_file,
                              AZURE_CONFIG_DIR=str(config),
                              AZURE_CORE_COLLECT_TELEMETRY="false"))


def _new_m365(tmp, proxy, ca_file):
    cli = Cli(M365, _child_env(tmp, HTTPS_PROXY=proxy, NODE_EXTRA_CA_CERTS=ca_file,
                               CLIMICROSOFT365_NOUPDATE="1"))
    cli.ok("cli", "config", "set", "--key", "disableTelemetry", "--value", "true")
    return cli


@pytest.fixture
def scratch():
    path = tempfile.mkdtemp(prefix="tenantsim-cli-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def az_sp(proxy, ca_file, tenant):
    """Azure CLI signed in as Contoso Admin Automation (client secret)."""
    tmp = tempfile.mkdtemp(prefix="tenantsim-az-")
    az = _new_az(tmp, proxy, ca_file)
    accounts = az.json("login", "--service-principal", "-u", ADMIN_APP, "-p", ADMIN_SECRET,
                       "--tenant", tenant, "--allow-no-subscriptions", *AZ_GRAPH_ONLY)
    assert [(a["tenantId"], a["user"]["name"], a["user"]["type"]) for a in accounts] == [
        (tenant, ADMIN_APP, "servicePrincipal")]
    yield az
    shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Azure CLI
# ---------------------------------------------------------------------------------------------


def test_az_login_without_the_graph_only_flags_fails_on_azure_resource_manager(scratch, proxy,
                                                                               ca_file, tenant):
    # The documented limit: az's default login wants a token for Azure Service Management
    # (https://management.core.windows.net/) and then lists subscriptions on
    # management.azure.com. tenantsim has neither, so it refuses the token as Entra refuses an
    # unknown resource, and the user sees that message.
    az = _new_az(scratch, proxy, ca_file)
    done = az.run("login", "--service-principal", "-u", ADMIN_APP, "-p", ADMIN_SECRET,
                  "--tenant", tenant, "--allow-no-subscriptions")
    assert done.returncode != 0
    assert "AADSTS500011" in done.stderr, done.stderr
    assert "https://management.core.windows.net/" in done.stderr


def test_az_service_principal_lists_the_fixture_users(az_sp):
    upns = set(az_sp.json("ad", "user", "list", "--query", "[].userPrincipalName"))
    assert CONTOSO_UPNS <= upns
    assert len(upns) == 20


def test_az_group_create_member_add_check_and_delete(az_sp):
    name = f"CLI group {uuid.uuid4().hex[:8]}"
    group = az_sp.json("ad", "group", "create", "--display-name", name,
                       "--mail-nickname", name.replace(" ", "-"))
    try:
        assert group["displayName"] == name
        assert group["securityEnabled"] is True and group["mailEnabled"] is False
        shown = az_sp.json("ad", "group", "show", "--group", name)
        assert shown["id"] == group["id"]

        az_sp.ok("ad", "group", "member", "add", "--group", name, "--member-id", ADELE)
        assert az_sp.json("ad", "group", "member", "check", "--group", name,
                          "--member-id", ADELE) == {"value": True}
        assert az_sp.json("ad", "group", "member", "check", "--group", group["id"],
                          "--member-id", ALEX) == {"value": False}
        members = az_sp.json("ad", "group", "member", "list", "--group", name,
                             "--query", "[].userPrincipalName")
        assert members == ["AdeleV@contoso.onmicrosoft.com"]
    finally:
        az_sp.ok("ad", "group", "delete", "--group", group["id"])
    names = az_sp.json("ad", "group", "list", "--query", "[].displayName")
    assert name not in names
    assert CONTOSO_GROUPS <= set(names)
    gone = az_sp.run("ad", "group", "show", "--group", group["id"])
    assert gone.returncode != 0
    assert "Request_ResourceNotFound" in gone.stderr or "does not exist" in gone.stderr, gone.stderr


def test_az_sp_list_and_sp_show_by_app_id(az_sp):
    app_ids = set(az_sp.json("ad", "sp", "list", "--query", "[].appId"))
    assert {ADMIN_APP, SYNC_APP, "00000003-0000-0000-c000-000000000000"} <= app_ids
    # `--id <appId>` goes through servicePrincipalNames/any(c:c eq '<appId>').
    sp = az_sp.json("ad", "sp", "show", "--id", SYNC_APP)
    assert (sp["appId"], sp["displayName"]) == (SYNC_APP, "Contoso Directory Sync")


def test_az_user_signs_in_with_a_password(scratch, proxy, ca_file, tenant):
    az = _new_az(scratch, proxy, ca_file)
    accounts = az.json("login", "-u", "AdeleV@contoso.onmicrosoft.com", "-p", PASSWORD,
                       "--tenant", tenant, "--allow-no-subscriptions", *AZ_GRAPH_ONLY)
    assert [(a["tenantId"], a["user"]["name"], a["user"]["type"]) for a in accounts] == [
        (tenant, "AdeleV@contoso.onmicrosoft.com", "user")]
    me = az.json("ad", "signed-in-user", "show")
    assert (me["userPrincipalName"], me["displayName"]) == ("AdeleV@contoso.onmicrosoft.com",
                                                             "Adele Vance")
    upns = set(az.json("ad", "user", "list", "--query", "[].userPrincipalName"))
    assert CONTOSO_UPNS <= upns
    wrong = _new_az(Path(scratch) / "wrong", proxy, ca_file).run(
        "login", "-u", "AdeleV@contoso.onmicrosoft.com", "-p", "not-the-password",
        "--tenant", tenant, "--allow-no-subscriptions", *AZ_GRAPH_ONLY)
    assert wrong.returncode != 0
    assert "AADSTS50126" in wrong.stderr, wrong.stderr


# ---------------------------------------------------------------------------------------------
# CLI for Microsoft 365 (MSAL Node inside it sends through the CLI's axios client, which reads
# HTTPS_PROXY; so do its Graph calls)
# ---------------------------------------------------------------------------------------------


def _m365_lists(m365):
    users = m365.json("entra", "user", "list", "--properties", "userPrincipalName")
    assert CONTOSO_UPNS <= {u["userPrincipalName"] for u in users}
    groups = m365.json("entra", "group", "list", "--properties", "displayName")
    assert CONTOSO_GROUPS <= {g["displayName"] for g in groups}


def test_m365_login_with_a_client_secret(scratch, proxy, ca_file, tenant):
    m365 = _new_m365(scratch, proxy, ca_file)
    status = m365.json("login", "--authType", "secret", "--appId", ADMIN_APP,
                       "--tenant", tenant, "--secret", ADMIN_SECRET)
    assert (status["connectedAs"], status["authType"], status["appTenant"]) == (
        "Contoso Admin Automation", "secret", tenant)
    _m365_lists(m365)


def test_m365_login_with_a_password(scratch, proxy, ca_file, tenant):
    # The Graph Command Line Tools hold Contoso's admin consent for User.ReadBasic.All and
    # GroupMember.Read.All: what the two list commands need.
    m365 = _new_m365(scratch, proxy, ca_file)
    status = m365.json("login", "--authType", "password", "--appId", GRAPH_CLI, "--tenant", tenant,
                       "--userName", "MeganB@contoso.onmicrosoft.com", "--password", PASSWORD)
    assert (status["connectedAs"], status["authType"]) == ("MeganB@contoso.onmicrosoft.com",
                                                           "password")
    _m365_lists(m365)
    wrong = _new_m365(Path(scratch) / "wrong", proxy, ca_file).run(
        "login", "--authType", "password", "--appId", GRAPH_CLI, "--tenant", tenant,
        "--userName", "MeganB@contoso.onmicrosoft.com", "--password", "not-the-password")
    assert wrong.returncode != 0
    assert "AADSTS50126" in wrong.stderr, wrong.stderr
