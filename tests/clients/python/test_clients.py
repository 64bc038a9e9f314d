"""tenantsim driven by the official Microsoft Python clients, unmodified.

MSAL Python, azure-identity (sync and async) and msgraph-sdk talk to tenantsim over HTTPS; the
only configuration is what a user of a real tenant would change: the authority, the Graph base
URL, and trust in tenantsim's CA (REQUESTS_CA_BUNDLE / SSL_CERT_FILE, exported by run.sh).
"""

import asyncio
import base64
import hashlib
import json
import time
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"

# Fixture apps (fixtures/contoso.json)
SYNC_APP = "c0a70550-a990-4000-8000-000000000301"  # User.Read.All Group.Read.All GroupMember.Read.All
SYNC_SECRET = "sync-secret-Passw0rd!"
UNPRIVILEGED_APP = "c0a70550-a990-4000-8000-000000000303"  # no permissions
UNPRIVILEGED_SECRET = "plain-secret-Passw0rd!"
CERT_APP = "c0a70550-a990-4000-8000-000000000304"  # User.Read.All Group.Read.All
PORTAL_APP = "c0a70550-a990-4000-8000-000000000305"  # web app, delegated User.Read
PORTAL_SECRET = "portal-secret-Passw0rd!"
PORTAL_REDIRECT = "http://localhost:5000/callback"
GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # public client, admin-consented
ADMIN_APP = "c0a70550-a990-4000-8000-000000000302"  # Contoso Admin Automation: Directory.ReadWrite.All
ADMIN_SECRET = "admin-secret-Passw0rd!"
AZURE_POWERSHELL = "1950a258-227b-4e31-a9cf-717495945fc2"  # first-party public client
PORTAL_API = "74658136-14ec-4630-ad9b-26e160ff0fc6"  # the Azure portal's API (ADIbizaUX)

PASSWORD = "Passw0rd!"
ADELE_UPN = "AdeleV@contoso.onmicrosoft.com"
ADELE_ID = "c0a70550-0000-4000-8000-000000000102"
ADMIN_UPN = "admin@contoso.onmicrosoft.com"  # Global Administrator
ALEX_ID = "c0a70550-0000-4000-8000-000000000103"
MEGAN_UPN = "MeganB@contoso.onmicrosoft.com"  # has a LinkedIn profile, not connected
MEGAN_ID = "c0a70550-0000-4000-8000-000000000104"
NESTOR_ID = "c0a70550-0000-4000-8000-000000000107"  # connected (Bound), not in LinkedIn Pilot

LINKEDIN_PILOT = "c0a70550-0000-4000-8000-000000000201"
RETAIL_EUROPE = "c0a70550-0000-4000-8000-000000000202"
RETAIL_MUNICH = "c0a70550-0000-4000-8000-000000000203"
CHRISTIE_CLINE = "c0a70550-0000-4000-8000-000000000117"
# LinkedIn Pilot ⊃ Retail Europe ⊃ Retail Munich Store (fixtures/README.md §4.2)
PILOT_TRANSITIVE_USERS = {
    "c0a70550-0000-4000-8000-000000000102",  # Adele Vance
    "c0a70550-0000-4000-8000-000000000103",  # Alex Wilber
    "c0a70550-0000-4000-8000-000000000104",  # Megan Bowen
    "c0a70550-0000-4000-8000-000000000111",  # Johanna Lorenz (via Retail Europe)
    "c0a70550-0000-4000-8000-000000000116",  # Henrietta Mueller (via Retail Europe)
    CHRISTIE_CLINE,  # via Retail Munich Store, third level
}
PILOT_TRANSITIVE_GROUPS = {RETAIL_EUROPE, RETAIL_MUNICH}
CONTOSO_USER_IDS = {f"c0a70550-0000-4000-8000-0000000001{n:02d}" for n in range(1, 21)}
MISSING_USER = "c0a70550-0000-4000-8000-000000000199"


def jwt_claims(token):
    """The payload of a JWT, unverified (what a user pastes into jwt.ms)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def graph_get(base_url, token, path):
    return requests.get(
        f"{base_url}/v1.0{path}", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


def sha1_thumbprint(cert_pem):
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return hashlib.sha1(cert.public_bytes(Encoding.DER)).hexdigest()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=45))


# ---------------------------------------------------------------------------------------------
# MSAL Python
# ---------------------------------------------------------------------------------------------


def test_msal_client_secret_gets_an_app_token_and_the_second_call_hits_the_cache(base_url, tenant):
    app = msal.ConfidentialClientApplication(
        SYNC_APP,
        client_credential=SYNC_SECRET,
        authority=f"{base_url}/{tenant}",
        instance_discovery=False,
    )
    first = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in first, first
    assert first["token_type"].lower() == "bearer"
    assert first["token_source"] == "identity_provider"
    claims = jwt_claims(first["access_token"])
    assert claims["tid"] == tenant
    assert claims["appid"] == SYNC_APP
    assert {"User.Read.All", "Group.Read.All"} <= set(claims["roles"])

    second = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]

    me = graph_get(base_url, first["access_token"], f"/users/{ADELE_ID}")
    assert me.status_code == 200, me.text
    assert me.json()["userPrincipalName"] == ADELE_UPN


def test_msal_certificate_credential_gets_an_app_token(base_url, tenant, key_pem, cert_pem):
    thumbprint = sha1_thumbprint(cert_pem)
    app = msal.ConfidentialClientApplication(
        CERT_APP,
        client_credential={"private_key": key_pem, "thumbprint": thumbprint},
        authority=f"{base_url}/{tenant}",
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in result, result
    claims = jwt_claims(result["access_token"])
    assert claims["appid"] == CERT_APP
    assert set(claims["roles"]) >= {"User.Read.All", "Group.Read.All"}

    group = graph_get(base_url, result["access_token"], f"/groups/{LINKEDIN_PILOT}")
    assert group.status_code == 200, group.text
    assert group.json()["displayName"] == "LinkedIn Pilot"


def test_msal_bad_secret_is_invalid_client_aadsts7000215(base_url, tenant):
    app = msal.ConfidentialClientApplication(
        SYNC_APP,
        client_credential="not-the-secret",
        authority=f"{base_url}/{tenant}",
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" not in result
    assert result["error"] == "invalid_client"
    assert "AADSTS7000215" in result["error_description"]
    assert 7000215 in result.get("error_codes", [])


class UserRealmPortSession(requests.Session):
    """WORKAROUND (MSAL Python, not tenantsim): before ROPC, MSAL calls the user-realm endpoint
    at "https://{host}/common/userrealm/{user}" built from the authority's *host name only*
    (msal/authority.py, Authority.user_realm_discovery), so on a non-default port it would call
    https://localhost:443/... . MSAL's documented `http_client` option lets us pass a
    requests.Session; this one puts tenantsim's port back on that one URL and leaves every other
    request untouched. See /work/shared/reference/real-clients.md, addendum."""

    def __init__(self, host, port):
        super().__init__()
        self._broken_prefix = f"https://{host}/common/userrealm/"
        self._fixed_prefix = f"https://{host}:{port}/common/userrealm/"
        self.rewritten = []

    def request(self, method, url, *args, **kwargs):
        if url.startswith(self._broken_prefix):
            url = self._fixed_prefix + url[len(self._broken_prefix):]
            self.rewritten.append(url)
        kwargs.setdefault("timeout", 15)
        return super().request(method, url, *args, **kwargs)


def graph_cli_app(base_url, tenant, https_port):
    session = UserRealmPortSession(urlsplit(base_url).hostname, https_port)
    app = msal.PublicClientApplication(
        GRAPH_CLI,
        authority=f"{base_url}/{tenant}",
        instance_discovery=False,
        http_client=session,
    )
    return app, session


def test_msal_username_password_with_the_graph_cli_client(base_url, tenant, https_port):
    app, session = graph_cli_app(base_url, tenant, https_port)
    result = app.acquire_token_by_username_password(ADELE_UPN, PASSWORD, scopes=["User.Read"])
    assert "access_token" in result, result
    assert session.rewritten, "MSAL was expected to call the user-realm endpoint"
    assert result["id_token_claims"]["preferred_username"].lower() == ADELE_UPN.lower()
    assert result["id_token_claims"]["tid"] == tenant
    assert "User.Read" in jwt_claims(result["access_token"])["scp"].split()

    accounts = app.get_accounts(username=ADELE_UPN)
    assert len(accounts) == 1
    silent = app.acquire_token_silent(["User.Read"], account=accounts[0])
    assert silent and silent["access_token"] == result["access_token"]

    me = graph_get(base_url, result["access_token"], "/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == ADELE_ID


def test_msal_username_password_with_a_wrong_password_is_invalid_grant(base_url, tenant, https_port):
    app, _ = graph_cli_app(base_url, tenant, https_port)
    result = app.acquire_token_by_username_password(ADELE_UPN, "wrong-password", scopes=["User.Read"])
    assert "access_token" not in result
    assert result["error"] == "invalid_grant"
    assert "AADSTS50126" in result["error_description"]


# ---------------------------------------------------------------------------------------------
# Auth-code flow through tenantsim's sign-in pages, driven by a plain HTTP client
# ---------------------------------------------------------------------------------------------


class FormParser(HTMLParser):
    """Collects every <form> with its action, method and fields: hidden/text/email/password
    inputs, radio choices and named submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                 "inputs": [], "radios": {}, "buttons": []}
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "radio":
                form["radios"].setdefault(a.get("name"), []).append(a.get("value"))
            elif kind in ("submit", "button"):
                if a.get("name"):
                    form["buttons"].append((a["name"], a.get("value", "")))
            elif a.get("name"):
                form["inputs"].append((kind, a["name"], a.get("value", "")))
        elif tag == "button" and a.get("name"):
            form["buttons"].append((a["name"], a.get("value", "")))


def fill_form(form, username, password):
    """What a person does on the page: pick or type the account, type the password, accept."""
    data = {}
    for kind, name, value in form["inputs"]:
        if kind == "password":
            data[name] = password
        elif kind in ("email", "text") and ("user" in name.lower() or "login" in name.lower()):
            data[name] = username
        else:
            data[name] = value
    for name, choices in form["radios"].items():
        match = [c for c in choices if c and c.lower() == username.lower()]
        data[name] = match[0] if match else choices[0]
    if form["buttons"]:
        accept = [b for b in form["buttons"] if b[1].lower() in ("accept", "yes", "continue", "next")]
        name, value = accept[0] if accept else form["buttons"][-1]
        data[name] = value
    return data


def sign_in_through_pages(auth_uri, redirect_uri, username, password, max_steps=8):
    """Follows tenantsim's sign-in and consent pages until it redirects to `redirect_uri`;
    returns the query parameters of that redirect (MSAL's `auth_response`)."""
    http = requests.Session()
    response = http.get(auth_uri, allow_redirects=False, timeout=15)
    for _ in range(max_steps):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(redirect_uri):
                return dict(parse_qsl(urlsplit(location).query))
            response = http.get(location, allow_redirects=False, timeout=15)
            continue
        content_type = response.headers.get("Content-Type", "")
        if "html" not in content_type or "<form" not in response.text:
            pytest.fail(
                "tenantsim's authorize endpoint did not show a sign-in form "
                f"(GET/POST {response.url} -> {response.status_code} {content_type}): "
                f"{response.text[:400]}"
            )
        parser = FormParser()
        parser.feed(response.text)
        form = parser.forms[0]
        action = urljoin(response.url, form["action"]) if form["action"] else response.url
        if action.startswith(redirect_uri):  # response_mode=form_post
            return {k: v for _, k, v in form["inputs"]}
        data = fill_form(form, username, password)
        if form["method"] == "post":
            response = http.post(action, data=data, allow_redirects=False, timeout=15)
        else:
            response = http.get(action, params=data, allow_redirects=False, timeout=15)
    pytest.fail(f"no redirect to {redirect_uri} after {max_steps} pages; last page: {response.text[:400]}")


def test_msal_auth_code_flow_through_the_sign_in_pages(base_url, tenant):
    app = msal.ConfidentialClientApplication(
        PORTAL_APP,
        client_credential=PORTAL_SECRET,
        authority=f"{base_url}/{tenant}",
        instance_discovery=False,
    )
    flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=PORTAL_REDIRECT, login_hint=ADELE_UPN)
    assert flow["auth_uri"].startswith(f"{base_url}/{tenant}/oauth2/v2.0/authorize?")

    auth_response = sign_in_through_pages(flow["auth_uri"], PORTAL_REDIRECT, ADELE_UPN, PASSWORD)
    assert "code" in auth_response, auth_response
    assert auth_response.get("state") == flow["state"]

    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"].lower() == ADELE_UPN.lower()
    assert result["id_token_claims"]["aud"] == PORTAL_APP
    me = graph_get(base_url, result["access_token"], "/me")
    assert me.status_code == 200, me.text
    assert me.json()["userPrincipalName"] == ADELE_UPN


# ---------------------------------------------------------------------------------------------
# azure-identity (sync: MSAL inside; async: its own aiohttp client)
# ---------------------------------------------------------------------------------------------


def test_azure_identity_sync_client_secret_credential(base_url, tenant):
    from azure.identity import ClientSecretCredential

    cred = ClientSecretCredential(
        tenant, SYNC_APP, SYNC_SECRET, authority=base_url, disable_instance_discovery=True
    )
    token = cred.get_token(GRAPH_DEFAULT)
    assert token.token and token.expires_on > 0
    assert jwt_claims(token.token)["appid"] == SYNC_APP
    assert cred.get_token(GRAPH_DEFAULT).token == token.token  # served from MSAL's cache


def test_azure_identity_sync_certificate_credential(base_url, tenant, key_pem, cert_pem):
    from azure.identity import CertificateCredential

    cred = CertificateCredential(
        tenant,
        CERT_APP,
        certificate_data=(key_pem + cert_pem).encode(),
        authority=base_url,
        disable_instance_discovery=True,
    )
    token = cred.get_token(GRAPH_DEFAULT)
    assert jwt_claims(token.token)["appid"] == CERT_APP


def test_azure_identity_sync_bad_secret_raises_invalid_client(base_url, tenant):
    from azure.identity import ClientSecretCredential

    cred = ClientSecretCredential(
        tenant, SYNC_APP, "not-the-secret", authority=base_url, disable_instance_discovery=True
    )
    with pytest.raises(ClientAuthenticationError) as excinfo:
        cred.get_token(GRAPH_DEFAULT)
    # The sync credential (MSAL inside) puts only the error_description in its message.
    assert "AADSTS7000215" in str(excinfo.value)
    assert "Invalid client secret" in str(excinfo.value)


def test_azure_identity_async_client_secret_credential(base_url, tenant):
    from azure.identity.aio import ClientSecretCredential

    async def main():
        async with ClientSecretCredential(
            tenant, SYNC_APP, SYNC_SECRET, authority=base_url, disable_instance_discovery=True
        ) as cred:
            first = await cred.get_token(GRAPH_DEFAULT)
            second = await cred.get_token(GRAPH_DEFAULT)
            return first, second

    first, second = run(main())
    assert jwt_claims(first.token)["appid"] == SYNC_APP
    assert second.token == first.token


def test_azure_identity_async_certificate_credential(base_url, tenant, key_pem, cert_pem):
    from azure.identity.aio import CertificateCredential

    async def main():
        async with CertificateCredential(
            tenant,
            CERT_APP,
            certificate_data=(key_pem + cert_pem).encode(),
            authority=base_url,
            disable_instance_discovery=True,
        ) as cred:
            return await cred.get_token(GRAPH_DEFAULT)

    token = run(main())
    assert jwt_claims(token.token)["appid"] == CERT_APP


def test_azure_identity_async_bad_secret_raises_invalid_client(base_url, tenant):
    from azure.identity.aio import ClientSecretCredential

    async def main():
        async with ClientSecretCredential(
            tenant, SYNC_APP, "not-the-secret", authority=base_url, disable_instance_discovery=True
        ) as cred:
            await cred.get_token(GRAPH_DEFAULT)

    with pytest.raises(ClientAuthenticationError) as excinfo:
        run(main())
    assert "invalid_client" in str(excinfo.value)
    assert "AADSTS7000215" in str(excinfo.value)


# ---------------------------------------------------------------------------------------------
# msgraph-sdk (GraphServiceClient over httpx, async credential)
# ---------------------------------------------------------------------------------------------


def graph_client(base_url, cred):
    from msgraph import GraphServiceClient

    client = GraphServiceClient(credentials=cred, scopes=[GRAPH_DEFAULT])
    client.request_adapter.base_url = f"{base_url}/v1.0"
    return client


def with_graph(base_url, tenant, app_id, secret, body):
    """Runs `body(client)` with a GraphServiceClient signed in as an app, then closes the
    credential."""
    from azure.identity.aio import ClientSecretCredential

    async def main():
        async with ClientSecretCredential(
            tenant, app_id, secret, authority=base_url, disable_instance_discovery=True
        ) as cred:
            return await body(graph_client(base_url, cred))

    return run(main())


def test_graph_sdk_walks_all_users_in_pages_of_five(base_url, tenant):
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder
    from msgraph_core.tasks.page_iterator import PageIterator

    async def body(client):
        config = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(top=5)
        )
        first = await client.users.get(request_configuration=config)
        seen = []
        pages = [first]

        def collect(user):
            seen.append(user.id)
            return True

        iterator = PageIterator(first, client.request_adapter)
        original_next = iterator.next

        async def counting_next():
            page = await original_next()
            if page:
                pages.append(page)
            return page

        iterator.next = counting_next
        await iterator.iterate(collect)
        return first, seen, pages

    first, seen, pages = with_graph(base_url, tenant, SYNC_APP, SYNC_SECRET, body)
    assert len(first.value) == 5
    assert first.odata_next_link and first.odata_next_link.startswith(f"{base_url}/v1.0/users?")
    assert len(pages) == 4
    assert len(seen) == 20
    assert len(set(seen)) == 20, "a user was returned twice"
    assert set(seen) == CONTOSO_USER_IDS


def test_graph_sdk_transitive_members_include_the_third_level(base_url, tenant):
    from msgraph.generated.models.group import Group
    from msgraph.generated.models.user import User
    from msgraph_core.tasks.page_iterator import PageIterator

    async def body(client):
        first = await client.groups.by_group_id(LINKEDIN_PILOT).transitive_members.get()
        members = []
        await PageIterator(first, client.request_adapter).iterate(lambda m: members.append(m) or True)
        return members

    members = with_graph(base_url, tenant, SYNC_APP, SYNC_SECRET, body)
    users = {m.id: m for m in members if isinstance(m, User)}
    groups = {m.id: m for m in members if isinstance(m, Group)}
    assert set(users) == PILOT_TRANSITIVE_USERS
    assert set(groups) == PILOT_TRANSITIVE_GROUPS
    assert users[CHRISTIE_CLINE].display_name == "Christie Cline"
    assert groups[RETAIL_MUNICH].display_name == "Retail Munich Store"
    assert len(members) == len(PILOT_TRANSITIVE_USERS) + len(PILOT_TRANSITIVE_GROUPS)


def test_graph_sdk_app_without_permissions_gets_authorization_request_denied(base_url, tenant):
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    async def body(client):
        with pytest.raises(ODataError) as excinfo:
            await client.users.get()
        return excinfo.value

    error = with_graph(base_url, tenant, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET, body)
    assert error.response_status_code == 403
    assert error.error.code == "Authorization_RequestDenied"
    assert error.error.message == "Insufficient privileges to complete the operation."


def test_graph_sdk_missing_user_is_request_resource_not_found(base_url, tenant):
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    async def body(client):
        with pytest.raises(ODataError) as excinfo:
            await client.users.by_user_id(MISSING_USER).get()
        return excinfo.value

    error = with_graph(base_url, tenant, SYNC_APP, SYNC_SECRET, body)
    assert error.response_status_code == 404
    assert error.error.code == "Request_ResourceNotFound"
    assert MISSING_USER in error.error.message
    assert error.error.inner_error is not None and error.error.inner_error.request_id


def test_graph_sdk_bad_secret_surfaces_invalid_client(base_url, tenant):
    async def body(client):
        with pytest.raises(ClientAuthenticationError) as excinfo:
            await client.users.get()
        return excinfo.value

    error = with_graph(base_url, tenant, SYNC_APP, "not-the-secret", body)
    assert "invalid_client" in str(error)
    assert "AADSTS7000215" in str(error)


def test_graph_sdk_registers_an_app_adds_a_password_and_the_app_gets_a_token(base_url, tenant):
    """What a provisioning script does: register an application, create its service principal,
    add a secret, then sign in as the new app with azure-identity."""
    from azure.identity import ClientSecretCredential as SyncSecretCredential
    from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
        AddPasswordPostRequestBody,
    )
    from msgraph.generated.applications.item.remove_password.remove_password_post_request_body import (
        RemovePasswordPostRequestBody,
    )
    from msgraph.generated.models.application import Application
    from msgraph.generated.models.password_credential import PasswordCredential
    from msgraph.generated.models.service_principal import ServicePrincipal
    from msgraph.generated.models.web_application import WebApplication

    async def register(client):
        app = await client.applications.post(
            Application(
                display_name="Client suite app (python)",
                web=WebApplication(redirect_uris=["https://python.contoso.com/signin"]),
            )
        )
        password = await client.applications.by_application_id(app.id).add_password.post(
            AddPasswordPostRequestBody(password_credential=PasswordCredential(display_name="ci"))
        )
        sp = await client.service_principals.post(ServicePrincipal(app_id=app.app_id))
        by_app_id = await client.applications_with_app_id(app.app_id).get()
        return app, password, sp, by_app_id

    try:
        app, password, sp, by_app_id = with_graph(base_url, tenant, ADMIN_APP, ADMIN_SECRET, register)
        assert app.id and app.app_id and app.id != app.app_id
        assert app.web.redirect_uris == ["https://python.contoso.com/signin"]
        assert password.secret_text and len(password.secret_text) >= 16
        assert password.hint == password.secret_text[:3]
        assert password.display_name == "ci"
        assert sp.app_id == app.app_id and sp.display_name == "Client suite app (python)"
        # Reads show the password's metadata, never its text.
        assert by_app_id.id == app.id
        assert [p.key_id for p in by_app_id.password_credentials] == [password.key_id]
        assert by_app_id.password_credentials[0].secret_text is None

        cred = SyncSecretCredential(
            tenant, app.app_id, password.secret_text, authority=base_url,
            disable_instance_discovery=True,
        )
        token = cred.get_token(GRAPH_DEFAULT).token
        claims = jwt_claims(token)
        assert claims["appid"] == app.app_id
        assert claims["oid"] == sp.id
        assert claims["tid"] == tenant
        # tenantsim's Graph accepts the token: the app is authenticated, though granted nothing.
        response = graph_get(base_url, token, "/users")
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "Authorization_RequestDenied"

        async def remove(client):
            await client.applications.by_application_id(app.id).remove_password.post(
                RemovePasswordPostRequestBody(key_id=password.key_id)
            )

        with_graph(base_url, tenant, ADMIN_APP, ADMIN_SECRET, remove)
        with pytest.raises(ClientAuthenticationError) as excinfo:
            SyncSecretCredential(
                tenant, app.app_id, password.secret_text, authority=base_url,
                disable_instance_discovery=True,
            ).get_token(GRAPH_DEFAULT)
        assert "AADSTS7000215" in str(excinfo.value)
    finally:
        reset_tenant(base_url, tenant)


# ---------------------------------------------------------------------------------------------
# LinkedIn account connections: the portal API, the consent page, Graph, the profile card
# ---------------------------------------------------------------------------------------------


def admin_api(base_url, method, path, **kwargs):
    """tenantsim's control API (`/_tenantsim/...`): open on loopback, same HTTPS origin."""
    response = requests.request(method, f"{base_url}/_tenantsim{path}", timeout=15, **kwargs)
    assert response.status_code < 300, f"{method} {path} -> {response.status_code} {response.text}"
    return response


def reset_tenant(base_url, tenant):
    admin_api(base_url, "POST", f"/tenants/{tenant}/reset")


def card(base_url, tenant, viewer, person):
    """The LinkedIn section of the profile card `viewer` sees for `person`:
    (shown, the check that decided or None)."""
    section = admin_api(
        base_url, "GET", f"/tenants/{tenant}/profileCard", params={"viewer": viewer, "person": person}
    ).json()["linkedIn"]
    decisive = [r["check"] for r in section["reasons"] if r.get("decisive")]
    return section["shown"], (decisive[0] if decisive else None)


def portal_token(base_url, tenant, https_port):
    """What the Entra admin center holds: a delegated token for the portal API, here from ROPC
    with the first-party Azure PowerShell client and the Global Administrator's credentials."""
    session = UserRealmPortSession(urlsplit(base_url).hostname, https_port)
    app = msal.PublicClientApplication(
        AZURE_POWERSHELL, authority=f"{base_url}/{tenant}", instance_discovery=False, http_client=session
    )
    result = app.acquire_token_by_username_password(ADMIN_UPN, PASSWORD, scopes=[f"{PORTAL_API}/.default"])
    assert "access_token" in result, result
    assert jwt_claims(result["access_token"])["aud"] == PORTAL_API
    return result["access_token"]


def set_linkedin(base_url, token, body):
    response = requests.put(
        f"{base_url}/api/Directories/PropertiesV2",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    assert response.status_code == 204, f"PUT PropertiesV2 {body} -> {response.status_code} {response.text}"


def connect_linkedin(origin, tenant, upn):
    """"Connect my LinkedIn account", driven by a plain HTTP client on `origin`: follows the
    302s by hand, signs in on the form (hidden `flow` input), accepts consent, and returns the
    callback's JSON answer."""
    http = requests.Session()
    start = http.get(
        f"{origin}/_tenantsim/tenants/{tenant}/linkedIn/connect",
        params={"user": upn},
        allow_redirects=False,
        timeout=15,
    )
    assert start.status_code == 302, start.text
    authorize = urljoin(start.url, start.headers["Location"])
    page = http.get(authorize, allow_redirects=False, timeout=15)
    assert page.status_code == 200 and "<form" in page.text, (
        f"GET {authorize} -> {page.status_code}, expected the sign-in form: {page.text[-700:]}"
    )
    form = FormParser()
    form.feed(page.text)
    flow = {name: value for _, name, value in form.forms[0]["inputs"]}["flow"]
    action = urljoin(page.url, form.forms[0]["action"])
    signed_in = http.post(
        action,
        data={"flow": flow, "step": "signin", "username": upn, "password": PASSWORD},
        allow_redirects=False,
        timeout=15,
    )
    assert signed_in.status_code == 200 and "Permissions requested" in signed_in.text, signed_in.text
    accepted = http.post(action, data={"flow": flow, "step": "accept"}, allow_redirects=False, timeout=15)
    assert accepted.status_code == 302, accepted.text
    callback = urljoin(accepted.url, accepted.headers["Location"])
    assert callback.startswith(f"{origin}/_tenantsim/linkedin/callback?code="), callback
    answer = http.get(callback, allow_redirects=False, timeout=15)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_linkedin_selected_group_connect_and_an_admin_revoking_the_grant(
    base_url, http_url, tenant, https_port
):
    reset_tenant(base_url, tenant)  # independent of what ran before
    try:
        # An admin limits LinkedIn to the LinkedIn Pilot group through the portal API.
        token = portal_token(base_url, tenant, https_port)
        set_linkedin(base_url, token, {"enableLinkedInAppFamily": 4, "linkedInSelectedGroupObjectId": LINKEDIN_PILOT})
        assert card(base_url, tenant, NESTOR_ID, ALEX_ID) == ("none", "selectedGroup")
        set_linkedin(base_url, token, {"enableLinkedInAppFamily": 0})  # back to Yes
        assert card(base_url, tenant, NESTOR_ID, ALEX_ID) == ("connected", None)

        # Megan connects her LinkedIn account on the consent page (over HTTPS, like a browser).
        assert card(base_url, tenant, MEGAN_ID, ALEX_ID) == ("public", None)
        answer = connect_linkedin(base_url, tenant, MEGAN_UPN)
        assert answer["connected"] is True, answer
        assert answer["userId"] == MEGAN_ID
        assert card(base_url, tenant, MEGAN_ID, ALEX_ID) == ("connected", None)

        # An admin app deletes her grant through the Graph SDK; the card falls back to public.
        state = admin_api(base_url, "GET", f"/tenants/{tenant}/users/{MEGAN_ID}/linkedIn").json()
        assert state["state"] == "Bound"
        grant_id = state["grant"]["id"]
        assert grant_id == answer["grantId"]

        async def delete_grant(client):
            return await client.oauth2_permission_grants.by_o_auth2_permission_grant_id(grant_id).delete()

        with_graph(base_url, tenant, ADMIN_APP, ADMIN_SECRET, delete_grant)
        after = admin_api(base_url, "GET", f"/tenants/{tenant}/users/{MEGAN_ID}/linkedIn").json()
        assert after["state"] == "Unbound", after
        assert card(base_url, tenant, MEGAN_ID, ALEX_ID) == ("public", None)
    finally:
        reset_tenant(base_url, tenant)
    assert card(base_url, tenant, MEGAN_ID, ALEX_ID) == ("public", None)


def test_linkedin_connect_also_works_over_the_plain_http_listener(http_url, tenant, base_url):
    reset_tenant(base_url, tenant)
    try:
        assert connect_linkedin(http_url, tenant, MEGAN_UPN)["connected"] is True
    finally:
        reset_tenant(base_url, tenant)


# ---------------------------------------------------------------------------------------------
# Throttling: the Graph SDK's retry handler and Retry-After
# ---------------------------------------------------------------------------------------------


def journal(base_url, path):
    return admin_api(base_url, "GET", "/requests", params={"path": path}).json()["value"]


def test_graph_sdk_retries_a_429_after_retry_after(base_url, tenant):
    last_seq = max((e["seq"] for e in journal(base_url, "/v1.0/users")), default=-1)
    rule = admin_api(
        base_url,
        "POST",
        "/faults",
        json={
            "match": {"method": "GET", "path": "/v1.0/users*"},
            "action": {"throttle": {"retryAfter": 1}},
            "fire": {"times": 1},
        },
    ).json()
    try:
        started = time.monotonic()
        users = with_graph(base_url, tenant, SYNC_APP, SYNC_SECRET, lambda client: client.users.get())
        elapsed = time.monotonic() - started
        assert users.value and {u.id for u in users.value} <= CONTOSO_USER_IDS
        # Retry-After: 1 (a little slack: timers and the journal's wall clock may differ by ms)
        assert elapsed >= 0.9, f"the SDK retried after {elapsed:.2f}s, before Retry-After: 1"

        calls = [e for e in journal(base_url, "/v1.0/users") if e["seq"] > last_seq]
        assert [(e["method"], e["path"], e["status"]) for e in calls] == [
            ("GET", "/v1.0/users", 429),
            ("GET", "/v1.0/users", 200),
        ], calls
        assert calls[0]["clientApp"] == calls[1]["clientApp"] == SYNC_APP
        waited = datetime.fromisoformat(calls[1]["time"]) - datetime.fromisoformat(calls[0]["time"])
        assert waited.total_seconds() >= 0.9, calls
        fired = [r for r in admin_api(base_url, "GET", "/faults").json()["value"] if r["id"] == rule["id"]]
        assert fired and fired[0]["fired"] == 1, fired
    finally:
        admin_api(base_url, "DELETE", f"/faults/{rule['id']}")


# ---------------------------------------------------------------------------------------------
# Relationships: memberOf casts and $count, manager / directReports / $expand=manager, owners
# ---------------------------------------------------------------------------------------------

JOHANNA_ID = "c0a70550-0000-4000-8000-000000000111"
NESTOR_ID = "c0a70550-0000-4000-8000-000000000107"
PRADEEP_ID = "c0a70550-0000-4000-8000-000000000109"
MIRIAM_ID = "c0a70550-0000-4000-8000-000000000113"
MEGAN_ID = "c0a70550-0000-4000-8000-000000000104"
CONTOSO_ADMIN_ID = "c0a70550-0000-4000-8000-000000000101"
CHRISTIE_ID = "c0a70550-0000-4000-8000-000000000117"
LINKEDIN_PILOT_ID = "c0a70550-0000-4000-8000-000000000201"
RETAIL_EUROPE_ID = "c0a70550-0000-4000-8000-000000000202"
RETAIL_MUNICH_ID = "c0a70550-0000-4000-8000-000000000203"
SALES_ID = "c0a70550-0000-4000-8000-000000000204"


class StaticTokenCredential:
    """An async credential over a token MSAL already acquired (a delegated GraphServiceClient)."""

    def __init__(self, token):
        self.token = token

    async def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3000)

    async def close(self):
        pass


def eventual(query_parameters=None):
    from kiota_abstractions.base_request_configuration import RequestConfiguration

    config = RequestConfiguration(query_parameters=query_parameters)
    config.headers.add("ConsistencyLevel", "eventual")
    return config


def test_graph_sdk_me_member_of_graph_group_works_without_consistency_level(base_url, tenant, https_port):
    from msgraph.generated.models.group import Group

    app, _ = graph_cli_app(base_url, tenant, https_port)
    result = app.acquire_token_by_username_password(ADELE_UPN, PASSWORD, scopes=["User.Read"])
    assert "access_token" in result, result
    client = graph_client(base_url, StaticTokenCredential(result["access_token"]))
    groups = run(client.me.member_of.graph_group.get())
    assert groups.value and all(isinstance(g, Group) for g in groups.value)
    assert LINKEDIN_PILOT_ID in {g.id for g in groups.value}


def test_graph_sdk_transitive_member_of_cast_and_counts_with_consistency_level(base_url, tenant):
    from msgraph.generated.users.item.transitive_member_of.graph_group.graph_group_request_builder import (
        GraphGroupRequestBuilder,
    )

    async def body(client):
        user = client.users.by_user_id(CHRISTIE_ID)
        params = GraphGroupRequestBuilder.GraphGroupRequestBuilderGetQueryParameters(count=True)
        groups = await user.transitive_member_of.graph_group.get(request_configuration=eventual(params))
        direct = await user.member_of.count.get(request_configuration=eventual())
        cast_count = await user.transitive_member_of.graph_group.count.get(request_configuration=eventual())
        return groups, direct, cast_count

    groups, direct, cast_count = with_graph(base_url, tenant, SYNC_APP, SYNC_SECRET, body)
    assert {g.id for g in groups.value} == {RETAIL_MUNICH_ID, RETAIL_EUROPE_ID, LINKEDIN_PILOT_ID}
    assert groups.odata_count == 3
    assert direct == 1
    assert cast_count == 3


def test_graph_sdk_manager_direct_reports_and_expand_manager(base_url, tenant):
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.user import User
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    async def body(client):
        manager = await client.users.by_user_id(ADELE_ID).manager.get()
        reports = await client.users.by_user_id(NESTOR_ID).direct_reports.get()
        config = RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(expand=["manager"])
        )
        expanded = await client.users.by_user_id(ADELE_ID).get(request_configuration=config)
        return manager, reports, expanded

    manager, reports, expanded = with_graph(base_url, tenant, SYNC_APP, SYNC_SECRET, body)
    assert isinstance(manager, User) and manager.id == JOHANNA_ID
    assert manager.display_name == "Johanna Lorenz"
    assert {r.id for r in reports.value} == {CONTOSO_ADMIN_ID, PRADEEP_ID, JOHANNA_ID}
    assert expanded.manager is not None and expanded.manager.id == JOHANNA_ID


def test_graph_sdk_group_owners_list_add_and_remove(base_url, tenant):
    from msgraph.generated.models.reference_create import ReferenceCreate

    async def body(client):
        sales = await client.groups.by_group_id(SALES_ID).owners.get()
        owners = client.groups.by_group_id(RETAIL_EUROPE_ID).owners
        await owners.ref.post(ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{ADELE_ID}"))
        added = await owners.get()
        await owners.by_directory_object_id(ADELE_ID).ref.delete()
        after = await owners.get()
        return sales, added, after

    sales, added, after = with_graph(base_url, tenant, ADMIN_APP, ADMIN_SECRET, body)
    assert {o.id for o in sales.value} == {MIRIAM_ID, MEGAN_ID}
    assert {o.id for o in added.value} == {JOHANNA_ID, ADELE_ID}
    assert {o.id for o in after.value} == {JOHANNA_ID}
