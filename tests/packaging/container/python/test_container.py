"""The image driven by the Python `testcontainers` package, as a user's test suite would: start
it, wait for the ready line, fetch the CA over HTTP, then call Graph over HTTPS with the official
SDK (msgraph-sdk on azure-identity). Needs the image `localhost/tenantsim:latest`
(packaging/container/build) and a Docker-compatible socket in DOCKER_HOST (podman's here)."""

import asyncio
import os
import time
import urllib.request

import pytest
from azure.identity import ClientSecretCredential
from msgraph import GraphServiceClient
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

IMAGE = os.environ.get("TENANTSIM_IMAGE", "localhost/tenantsim:latest")
KEY = "testcontainers-admin-key"
CONTOSO = "c0a70550-0000-4000-8000-000000000001"
CLIENT_ID = "c0a70550-a990-4000-8000-000000000302"  # Contoso Admin Automation
SECRET = "admin-secret-Passw0rd!"


@pytest.fixture(scope="module")
def tenantsim(tmp_path_factory):
    container = (
        DockerContainer(IMAGE)
        .with_env("TENANTSIM_ADMIN_KEY", KEY)
        .with_exposed_ports(8080, 8443)
        .waiting_for(LogMessageWaitStrategy("tenantsim ready on").with_startup_timeout(60))
    )
    started = time.monotonic()
    with container:
        host = container.get_container_host_ip()
        http = f"http://{host}:{container.get_exposed_port(8080)}"
        https = f"https://localhost:{container.get_exposed_port(8443)}"
        ready_ms = (time.monotonic() - started) * 1000
        # The trust anchor, with one request and no key: a CA certificate is public.
        ca = urllib.request.urlopen(f"{http}/_tenantsim/ca.pem", timeout=10).read()
        ca_path = tmp_path_factory.mktemp("ca") / "tenantsim-ca.pem"
        ca_path.write_bytes(ca)
        print(f"testcontainers: start to ready line {ready_ms:.0f} ms")
        yield {"http": http, "https": https, "ca": str(ca_path)}


def test_the_ca_is_a_certificate_and_the_control_api_needs_the_key(tenantsim):
    text = open(tenantsim["ca"]).read()
    assert text.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" not in text
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{tenantsim['http']}/_tenantsim/tenants", timeout=10)
    assert refused.value.code == 401
    request = urllib.request.Request(
        f"{tenantsim['http']}/_tenantsim/tenants", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert urllib.request.urlopen(request, timeout=10).status == 200


def test_graph_over_https_with_the_official_sdk(tenantsim, monkeypatch):
    # requests (azure-identity) and httpx (msgraph-sdk) read these when a client is made.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tenantsim["ca"])
    monkeypatch.setenv("SSL_CERT_FILE", tenantsim["ca"])
    credential = ClientSecretCredential(
        CONTOSO, CLIENT_ID, SECRET,
        authority=tenantsim["https"], disable_instance_discovery=True,
    )
    client = GraphServiceClient(
        credentials=credential, scopes=["https://graph.microsoft.com/.default"]
    )
    client.request_adapter.base_url = f"{tenantsim['https']}/v1.0"

    async def calls():
        adele = await client.users.by_user_id("AdeleV@contoso.onmicrosoft.com").get()
        users = await client.users.get()
        return adele, users

    adele, users = asyncio.run(calls())
    credential.close()
    assert adele.display_name == "Adele Vance"
    assert len(users.value) > 5
    assert any(u.user_principal_name == "MeganB@contoso.onmicrosoft.com" for u in users.value)
