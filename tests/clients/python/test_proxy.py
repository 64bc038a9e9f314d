"""Unmodified clients through tenantsim's proxy (`serve --proxy-port`): the official libraries
keep their production defaults (authority https://login.microsoftonline.com, Graph at
https://graph.microsoft.com, instance discovery on); only HTTPS_PROXY and the CA are set, as
README's "No code changes" section says. Nothing here names tenantsim's own origin."""

import asyncio
import os

import msal
import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from msgraph import GraphServiceClient

CLIENT_ID = "c0a70550-a990-4000-8000-000000000302"  # Contoso Admin Automation
SECRET = "admin-secret-Passw0rd!"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
GRAPH = "https://graph.microsoft.com"


@pytest.fixture
def proxied(monkeypatch):
    proxy = os.environ.get("TENANTSIM_PROXY_URL")
    if not proxy:
        raise pytest.UsageError("TENANTSIM_PROXY_URL is not set: run through tests/clients/run.sh")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    return proxy


def test_msal_client_credentials_with_the_production_authority(proxied, tenant):
    app = msal.ConfidentialClientApplication(
        CLIENT_ID, client_credential=SECRET,
        authority=f"https://login.microsoftonline.com/{tenant}",
    )
    result = app.acquire_token_for_client(scopes=[f"{GRAPH}/.default"])
    assert "access_token" in result, result
    users = requests.get(f"{GRAPH}/v1.0/users?$top=2",
                         headers={"Authorization": f"Bearer {result['access_token']}"}, timeout=30)
    assert users.status_code == 200, users.text
    body = users.json()
    assert body["@odata.context"] == f"{GRAPH}/v1.0/$metadata#users"
    assert body["@odata.nextLink"].startswith(f"{GRAPH}/v1.0/users?")


def test_graph_sdk_with_azure_identity_sync_credential_and_default_base_url(proxied, tenant):
    credential = ClientSecretCredential(tenant, CLIENT_ID, SECRET)
    client = GraphServiceClient(credentials=credential, scopes=[f"{GRAPH}/.default"])

    async def read():
        adele = await client.users.by_user_id("AdeleV@contoso.onmicrosoft.com").get()
        groups = await client.groups.get()
        return adele, groups

    adele, groups = asyncio.run(read())
    credential.close()
    assert adele.display_name == "Adele Vance"
    assert any(g.display_name == "LinkedIn Pilot" for g in groups.value)


def test_graph_sdk_with_azure_identity_async_credential(proxied, tenant):
    async def read():
        credential = AsyncClientSecretCredential(tenant, CLIENT_ID, SECRET)
        client = GraphServiceClient(credentials=credential, scopes=[f"{GRAPH}/.default"])
        try:
            return await client.users.by_user_id("MeganB@contoso.onmicrosoft.com").get()
        finally:
            await credential.close()

    megan = asyncio.run(read())
    assert megan.user_principal_name == "MeganB@contoso.onmicrosoft.com"


def test_a_user_signs_in_to_azure_cli_without_a_consent_record(proxied):
    # Azure CLI's public client on the organizations authority: pre-authorized for Graph.
    app = msal.PublicClientApplication(
        AZURE_CLI, authority="https://login.microsoftonline.com/organizations"
    )
    result = app.acquire_token_by_username_password(
        "AdeleV@contoso.onmicrosoft.com", "Passw0rd!", scopes=[f"{GRAPH}/.default"]
    )
    assert "access_token" in result, result
    me = requests.get(f"{GRAPH}/v1.0/me",
                      headers={"Authorization": f"Bearer {result['access_token']}"}, timeout=30)
    assert me.status_code == 200, me.text
    assert me.json()["userPrincipalName"] == "AdeleV@contoso.onmicrosoft.com"
    assert result["id_token_claims"]["iss"].startswith("https://login.microsoftonline.com/")


def test_a_host_tenantsim_does_not_emulate_is_refused_not_forwarded(proxied):
    with pytest.raises(requests.exceptions.ProxyError) as refused:
        requests.get("https://example.com/", timeout=30)
    assert "403" in str(refused.value)
