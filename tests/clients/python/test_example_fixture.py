"""Use tenantsim in your own pytest suite: a fresh tenant and a Graph client for every test.

Copy-paste material for the README; it runs in CI with the other client tests."""

import asyncio
import os

import pytest
import requests
from azure.identity import ClientSecretCredential
from msgraph import GraphServiceClient
from msgraph.generated.models.user import User

BASE = os.environ["TENANTSIM_HTTPS_URL"]  # e.g. https://localhost:8443 (trust its CA: SSL_CERT_FILE)
TENANT = os.environ["TENANTSIM_TENANT"]  # Contoso: c0a70550-0000-4000-8000-000000000001


@pytest.fixture
def graph():
    requests.post(f"{BASE}/_tenantsim/reset", timeout=30).raise_for_status()  # every tenant as seeded
    credential = ClientSecretCredential(
        TENANT, "c0a70550-a990-4000-8000-000000000302", "admin-secret-Passw0rd!",  # Contoso Admin Automation
        authority=BASE, disable_instance_discovery=True,
    )
    client = GraphServiceClient(credentials=credential, scopes=["https://graph.microsoft.com/.default"])
    client.request_adapter.base_url = f"{BASE}/v1.0"
    yield client
    credential.close()


def test_a_user_can_be_renamed(graph):
    async def rename_adele():
        adele = graph.users.by_user_id("AdeleV@contoso.onmicrosoft.com")
        await adele.patch(User(job_title="Chief Tester"))
        return await adele.get()

    assert asyncio.run(rename_adele()).job_title == "Chief Tester"
