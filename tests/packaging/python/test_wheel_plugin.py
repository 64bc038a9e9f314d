"""The Python wheel as a user gets it: the binary on PATH, the `tenantsim` package and its pytest
plugin, all from the installed wheel (run through tests/packaging/python/run.sh WHEEL, which
installs it into a virtualenv and runs these from outside the source tree).

The tests run in file order; some rely on it (the PATCH, then the test that sees it undone).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import tenantsim as ts

# Taken while pytest collects this file: after the plugin was loaded, before any fixture ran.
ENV_AT_COLLECTION = dict(os.environ)

REPO = Path(__file__).resolve().parents[3]
CONTOSO = "c0a70550-0000-4000-8000-000000000001"
ADELE = "AdeleV@contoso.onmicrosoft.com"
ALEX = "AlexW@contoso.onmicrosoft.com"
MEGAN = "MeganB@contoso.onmicrosoft.com"
ADELE_FIXTURE_TITLE = "Retail Manager"
ADMIN_APP = ("c0a70550-a990-4000-8000-000000000302", "admin-secret-Passw0rd!")
MINI_TENANT = "7e57f1a7-0000-4000-8000-000000000001"
MINI_FIXTURE = {"tenants": [{
    "id": MINI_TENANT, "displayName": "Wheel Test", "domains": ["wheeltest.onmicrosoft.com"],
    "cloud": "public", "country": "US",
    "users": [{"id": "7e57f1a7-0000-4000-8000-000000000101", "accountEnabled": True,
               "userPrincipalName": "pat@wheeltest.onmicrosoft.com", "displayName": "Pat Wheel"}],
}]}

# Shared between the PATCH test and the one after it.
PATCHED: dict = {}


def cargo_version() -> str:
    text = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    return re.search(r'^version\s*=\s*"([^"]+)"', package, re.M).group(1)


def call(url, token=None, method="GET", body=None, context=None, form=None):
    """(status, parsed JSON) of one request, no proxy."""
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    handlers = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{method} {url}: {e.code} {e.read().decode()}") from None


# -- the installation --------------------------------------------------------------------------


def test_the_package_is_the_installed_wheel_not_the_source_tree():
    installed = {Path(sysconfig.get_path(k)).resolve() for k in ("purelib", "platlib")}
    assert Path(ts.__file__).resolve().parent.parent in installed, ts.__file__
    assert not any(Path(p or ".").resolve() == REPO / "packaging/python/src" for p in sys.path)
    assert ts.__version__ == cargo_version().replace("-", "")


def test_the_binary_on_path_is_the_wheels_and_answers_version_with_the_cargo_version():
    on_path = shutil.which("tenantsim")
    scripts = Path(sysconfig.get_path("scripts"))
    assert on_path and Path(on_path).resolve() == (scripts / "tenantsim").resolve(), on_path
    assert ts.binary_path() == (scripts / "tenantsim").resolve()
    assert os.access(on_path, os.X_OK)
    out = subprocess.run(["tenantsim", "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"tenantsim {cargo_version()}"


def test_importing_the_plugin_changes_no_environment_variable():
    code = ("import os; before = dict(os.environ); import tenantsim.pytest_plugin, tenantsim; "
            "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_a_missing_binary_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TENANTSIM_BINARY", str(tmp_path / "nowhere" / "tenantsim"))
    with pytest.raises(ts.TenantsimError, match=r"TENANTSIM_BINARY.*not an executable file"):
        ts.binary_path()
    with pytest.raises(ts.TenantsimError, match="TENANTSIM_BINARY"):
        ts.start()


def test_a_server_that_exits_at_start_is_reported_with_its_output(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"tenants": [{"id": "not-a-guid"}]}')
    with pytest.raises(ts.TenantsimError) as raised:
        ts.start(fixtures=bad, timeout=60)
    message = str(raised.value)
    assert "exited with code" in message and "before it was ready" in message
    assert "not-a-guid" in message or "GUID" in message, message


# -- the fixture: Graph, tokens, reset ---------------------------------------------------------


def test_an_app_token_reads_adele_from_graph(tenantsim):
    assert tenantsim.tenant_id == CONTOSO
    token = tenantsim.app_token(["User.Read.All"])
    status, adele = call(f"{tenantsim.http_url}/v1.0/users/{ADELE}", token)
    assert status == 200
    assert adele["displayName"] == "Adele Vance"
    assert adele["jobTitle"] == ADELE_FIXTURE_TITLE


def test_a_patch_of_adeles_job_title_is_visible(tenantsim):
    token = tenantsim.app_token(["User.ReadWrite.All"])
    url = f"{tenantsim.http_url}/v1.0/users/{ADELE}"
    status, _ = call(url, token, method="PATCH", body={"jobTitle": "Wheel Inspector"})
    assert status == 204
    assert call(url, token)[1]["jobTitle"] == "Wheel Inspector"
    PATCHED.update(server=tenantsim.http_url, pid=tenantsim.pid)


def test_the_next_test_sees_the_fixture_title_again(tenantsim):
    if not PATCHED:
        pytest.skip("proves the reset only after test_a_patch_of_adeles_job_title_is_visible")
    assert (tenantsim.http_url, tenantsim.pid) == (PATCHED["server"], PATCHED["pid"])
    token = tenantsim.app_token(["User.Read.All"])
    _, adele = call(f"{tenantsim.http_url}/v1.0/users/{ADELE}", token)
    assert adele["jobTitle"] == ADELE_FIXTURE_TITLE


def test_the_function_fixture_is_the_session_server(tenantsim, tenantsim_server):
    assert tenantsim is tenantsim_server and tenantsim.is_running()


def test_a_user_token_signs_in_as_that_user_on_me(tenantsim):
    token = tenantsim.user_token(ADELE, ["User.Read"])
    status, me = call(f"{tenantsim.http_url}/v1.0/me", token)
    assert status == 200
    assert (me["userPrincipalName"], me["displayName"]) == (ADELE, "Adele Vance")


def test_https_works_with_the_servers_ca_and_only_with_it(tenantsim):
    assert tenantsim.https_url.startswith("https://localhost:")
    token = tenantsim.app_token("User.Read.All")
    url = f"{tenantsim.https_url}/v1.0/users/{MEGAN}"
    context = ssl.create_default_context(cafile=str(tenantsim.ca_path))
    status, megan = call(url, token, context=context)
    assert (status, megan["displayName"]) == (200, "Megan Bowen")
    if os.environ.get("SSL_CERT_FILE") != str(tenantsim.ca_path):
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            call(url, token, context=ssl.create_default_context())


def test_the_documented_client_credentials_app_gets_a_graph_token_over_https(tenantsim):
    context = ssl.create_default_context(cafile=str(tenantsim.ca_path))
    _, answer = call(
        f"{tenantsim.https_url}/{tenantsim.tenant_id}/oauth2/v2.0/token", context=context,
        method="POST", form={"grant_type": "client_credentials", "client_id": ADMIN_APP[0],
                             "client_secret": ADMIN_APP[1],
                             "scope": "https://graph.microsoft.com/.default"})
    assert answer["token_type"] == "Bearer"
    _, adele = call(f"{tenantsim.https_url}/v1.0/users/{ADELE}", answer["access_token"],
                    context=context)
    assert adele["displayName"] == "Adele Vance"


def test_profile_card_returns_the_linkedin_decision_for_two_contoso_users(tenantsim):
    card = tenantsim.profile_card(ALEX, MEGAN)
    assert card["tenantId"] == CONTOSO
    assert (card["viewer"]["displayName"], card["person"]["displayName"]) == (
        "Alex Wilber", "Megan Bowen")
    assert card["linkedIn"]["shown"] == "public"
    checks = [reason["check"] for reason in card["linkedIn"]["reasons"]]
    assert "tenantSetting" in checks and len(checks) >= 3


# -- environment variables ---------------------------------------------------------------------


def test_the_plugin_and_fixtures_set_no_environment_variable(tenantsim):
    now = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    before = {k: v for k, v in ENV_AT_COLLECTION.items() if k != "PYTEST_CURRENT_TEST"}
    assert now == before, set(now.items()) ^ set(before.items())
    data_dir = str(tenantsim.ca_path.parent)
    assert not [k for k, v in os.environ.items() if data_dir in v]


def test_trust_env_sets_both_variables_to_the_ca_and_restores_them(tenantsim):
    saved = {v: os.environ.get(v) for v in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
    with ts.trust_env() as trusted:
        assert trusted.ca_path == tenantsim.ca_path
        assert os.environ["SSL_CERT_FILE"] == str(tenantsim.ca_path)
        assert os.environ["REQUESTS_CA_BUNDLE"] == str(tenantsim.ca_path)
        # OpenSSL reads SSL_CERT_FILE: a default context now trusts the server.
        token = tenantsim.app_token(["User.Read.All"])
        _, alex = call(f"{tenantsim.https_url}/v1.0/users/{ALEX}", token,
                       context=ssl.create_default_context())
        assert alex["displayName"] == "Alex Wilber"
    assert {v: os.environ.get(v) for v in saved} == saved


# -- whole sessions: options, two at once, a server killed mid-session -------------------------

INNER_TESTS = '''
import json, os, signal, time, urllib.request
import tenantsim as ts

def test_the_option_fixtures_are_loaded(tenantsim):
    assert tenantsim.tenant_id == "{tenant}"
    assert tenantsim.http_url != os.environ["OUTER_HTTP_URL"]
    request = urllib.request.Request(
        tenantsim.http_url + "/v1.0/users",
        headers={{"Authorization": "Bearer " + tenantsim.app_token(["User.Read.All"])}})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
    names = [u["displayName"] for u in json.load(opener.open(request, timeout=30))["value"]]
    assert names == ["Pat Wheel"]
    with open(os.environ["INNER_REPORT"], "w") as f:
        json.dump({{"pid": tenantsim.pid, "data_dir": str(tenantsim.ca_path.parent)}}, f)

def test_kill_the_server(tenantsim):
    os.kill(tenantsim.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while tenantsim.is_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not tenantsim.is_running()

def test_after_the_kill(tenantsim):
    pass
'''


def test_a_second_session_with_the_fixtures_option_and_a_killed_server(tenantsim, tmp_path):
    (tmp_path / "mini.json").write_text(json.dumps(MINI_FIXTURE))
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TESTS.format(tenant=MINI_TENANT)))
    report = tmp_path / "report.json"
    env = dict(os.environ, OUTER_HTTP_URL=tenantsim.http_url, INNER_REPORT=str(report))
    env.pop("PYTEST_ADDOPTS", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rE",
         "--tenantsim-fixtures", "mini.json", "test_inner.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert re.search(r"\b2 passed, 1 error\b", text), text
    assert "has exited with code -9" in text, text  # the error names what happened
    inner = json.loads(report.read_text())
    assert not Path(inner["data_dir"]).exists(), "the inner session left its data directory"
    with pytest.raises(ProcessLookupError):
        os.kill(inner["pid"], 0)
    assert tenantsim.is_running()  # the outer session's server was not disturbed


def test_start_and_stop_outside_pytest_fixtures_removes_everything(tmp_path):
    (tmp_path / "mini.json").write_text(json.dumps(MINI_FIXTURE))
    with ts.start(fixtures=tmp_path / "mini.json") as server:
        assert server.tenant_id == MINI_TENANT
        pid, data_dir = server.pid, server.ca_path.parent
        assert data_dir.is_dir() and server.is_running()
    assert server.stop() == 0  # SIGTERM: a graceful exit
    assert not data_dir.exists()
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
