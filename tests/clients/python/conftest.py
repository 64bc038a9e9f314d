"""Shared settings for the official-client tests.

`tests/clients/run.sh` starts tenantsim and exports:

* TENANTSIM_HTTPS_URL  e.g. https://localhost:43123 (origin only, no trailing slash)
* TENANTSIM_HTTP_URL   e.g. http://127.0.0.1:43122, the plain-HTTP listener (the LinkedIn
                       connect flow only; see test_linkedin_* in test_clients.py)
* TENANTSIM_TENANT     the Contoso tenant id
* TENANTSIM_PROXY_URL  e.g. http://127.0.0.1:43124, the proxy that answers for
                       login.microsoftonline.com and graph.microsoft.com (test_proxy.py)
* REQUESTS_CA_BUNDLE   tenantsim's CA, for `requests` (MSAL Python, sync azure-identity)
* SSL_CERT_FILE        the same CA, for httpx (msgraph-sdk) and aiohttp (async azure-identity)
"""

import os
from pathlib import Path

import pytest

CERT_DIR = Path(__file__).resolve().parent.parent / "certs"


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(
            f"{name} is not set: run these tests through tests/clients/run.sh, "
            "which starts tenantsim and exports the variables"
        )
    return value


@pytest.fixture(scope="session")
def base_url():
    return _env("TENANTSIM_HTTPS_URL").rstrip("/")


@pytest.fixture(scope="session")
def http_url():
    return _env("TENANTSIM_HTTP_URL").rstrip("/")


@pytest.fixture(scope="session")
def tenant():
    return _env("TENANTSIM_TENANT")


@pytest.fixture(scope="session")
def ca_file():
    return _env("REQUESTS_CA_BUNDLE")


@pytest.fixture(scope="session")
def https_port(base_url):
    from urllib.parse import urlsplit

    return urlsplit(base_url).port


@pytest.fixture(scope="session")
def cert_pem():
    return (CERT_DIR / "contoso-cert-app.pem").read_text()


@pytest.fixture(scope="session")
def key_pem():
    return (CERT_DIR / "contoso-cert-app.key").read_text()


@pytest.fixture(scope="session", autouse=True)
def leave_tenants_as_found(base_url):
    """The Node suite runs next against the same server: put every tenant back at the end
    (test_example_fixture.py resets before each test, so its last test's changes would stay)."""
    yield
    import requests

    requests.post(f"{base_url}/_tenantsim/reset", timeout=30).raise_for_status()
