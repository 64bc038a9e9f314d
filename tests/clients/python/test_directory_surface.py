"""The organization, directory roles, getByIds and delta queries through msgraph-sdk, unmodified.

Reads run as the Contoso Admin Automation app (Directory.ReadWrite.All) signed in with its
secret. Operations whose documented permission no fixture app holds (getByIds:
Directory.Read.All; organization update: Organization.ReadWrite.All; role members:
RoleManagement.ReadWrite.Directory) sign in with a token from tenantsim's token forge, handed to
the SDK as any async TokenCredential would be.
"""

import asyncio

import requests

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
ADMIN_APP = "c0a70550-a990-4000-8000-000000000302"  # Contoso Admin Automation
ADMIN_SECRET = "admin-secret-Passw0rd!"
ADMIN_ID = "c0a70550-0000-4000-8000-000000000101"  # Global Administrator
ADELE_ID = "c0a70550-0000-4000-8000-000000000102"
MEGAN_ID = "c0a70550-0000-4000-8000-000000000104"
MEGAN_UPN = "MeganB@contoso.onmicrosoft.com"
SALES = "c0a70550-0000-4000-8000-000000000204"
FINANCE = "c0a70550-0000-4000-8000-000000000206"
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN_TEMPLATE = "fe930be7-5e62-47db-91af-98c3a49a38b1"
CONTOSO_USER_IDS = {f"c0a70550-0000-4000-8000-0000000001{n:02d}" for n in range(1, 21)}


class ForgedCredential:
    """An async TokenCredential backed by tenantsim's token forge (`POST /_tenantsim/tokens`)."""

    def __init__(self, base_url, tenant, roles):
        self.base_url, self.tenant, self.roles = base_url, tenant, roles

    async def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        response = requests.post(
            f"{self.base_url}/_tenantsim/tokens",
            json={"tenant": self.tenant, "kind": "app", "roles": self.roles},
            timeout=15,
        )
        response.raise_for_status()
        body = response.json()
        return AccessToken(body["access_token"], int(body["claims"]["exp"]))

    async def close(self):
        pass


def graph_client(base_url, cred):
    from msgraph import GraphServiceClient

    client = GraphServiceClient(credentials=cred, scopes=[GRAPH_DEFAULT])
    client.request_adapter.base_url = f"{base_url}/v1.0"
    return client


def as_admin_app(base_url, tenant, body):
    from azure.identity.aio import ClientSecretCredential

    async def main():
        async with ClientSecretCredential(
            tenant, ADMIN_APP, ADMIN_SECRET, authority=base_url, disable_instance_discovery=True
        ) as cred:
            return await body(graph_client(base_url, cred))

    return asyncio.run(main())


def as_forged_app(base_url, tenant, roles, body):
    return asyncio.run(body(graph_client(base_url, ForgedCredential(base_url, tenant, roles))))


def reset(base_url, tenant):
    requests.post(f"{base_url}/_tenantsim/tenants/{tenant}/reset", timeout=30).raise_for_status()


def test_organization_lists_the_tenant_with_its_verified_domains(base_url, tenant):
    async def body(client):
        orgs = await client.organization.get()
        one = await client.organization.by_organization_id(tenant).get()
        return orgs, one

    orgs, one = as_admin_app(base_url, tenant, body)
    assert len(orgs.value) == 1
    org = orgs.value[0]
    assert org.id == tenant and one.id == tenant
    assert org.display_name == "Contoso"
    assert org.country_letter_code == "US"
    assert [d.name for d in org.verified_domains] == ["contoso.onmicrosoft.com", "contoso.com"]
    assert org.verified_domains[0].is_initial is True
    assert org.verified_domains[1].is_initial is False
    assert one.technical_notification_mails == ["admin@contoso.com"]


def test_organization_update_writes_the_notification_mails(base_url, tenant):
    from msgraph.generated.models.organization import Organization
    from msgraph.generated.models.privacy_profile import PrivacyProfile

    async def body(client):
        await client.organization.by_organization_id(tenant).patch(
            Organization(
                technical_notification_mails=["tech@contoso.com"],
                privacy_profile=PrivacyProfile(
                    contact_email="alice@contoso.com",
                    statement_url="https://contoso.com/privacyStatement",
                ),
            )
        )
        return await client.organization.by_organization_id(tenant).get()

    try:
        org = as_forged_app(base_url, tenant, ["Organization.ReadWrite.All"], body)
        assert org.technical_notification_mails == ["tech@contoso.com"]
        assert org.privacy_profile.contact_email == "alice@contoso.com"
        assert org.privacy_profile.statement_url == "https://contoso.com/privacyStatement"
    finally:
        reset(base_url, tenant)


def test_directory_roles_list_the_fixture_roles_and_their_members(base_url, tenant):
    from msgraph.generated.models.user import User

    async def body(client):
        roles = await client.directory_roles.get()
        templates = await client.directory_role_templates.get()
        global_admin = next(r for r in roles.value if r.role_template_id == GLOBAL_ADMIN_TEMPLATE)
        members = await client.directory_roles.by_directory_role_id(global_admin.id).members.get()
        return roles, templates, members

    roles, templates, members = as_admin_app(base_url, tenant, body)
    assert {r.role_template_id for r in roles.value} == {GLOBAL_ADMIN_TEMPLATE, USER_ADMIN_TEMPLATE}
    assert {r.display_name for r in roles.value} == {"Global Administrator", "User Administrator"}
    assert any(t.id == GLOBAL_ADMIN_TEMPLATE for t in templates.value)
    assert [m.id for m in members.value] == [ADMIN_ID]
    assert isinstance(members.value[0], User)


def test_adding_a_role_member_through_the_sdk_changes_the_users_wids(base_url, tenant):
    from msgraph.generated.models.reference_create import ReferenceCreate

    async def role_id(client):
        roles = await client.directory_roles.get()
        return next(r.id for r in roles.value if r.role_template_id == USER_ADMIN_TEMPLATE)

    async def add(client):
        role = await role_id(client)
        await client.directory_roles.by_directory_role_id(role).members.ref.post(
            ReferenceCreate(odata_id=f"{base_url}/v1.0/directoryObjects/{MEGAN_ID}")
        )
        return await client.directory_roles.by_directory_role_id(role).members.get()

    async def remove(client):
        role = await role_id(client)
        members = client.directory_roles.by_directory_role_id(role).members
        await members.by_directory_object_id(MEGAN_ID).ref.delete()
        return await members.get()

    def megan_wids():
        response = requests.post(
            f"{base_url}/_tenantsim/tokens",
            json={"tenant": tenant, "kind": "user", "user": MEGAN_UPN, "scopes": ["User.Read"]},
            timeout=15,
        )
        response.raise_for_status()
        return response.json()["claims"].get("wids", [])

    roles = ["RoleManagement.ReadWrite.Directory"]
    try:
        assert megan_wids() == []
        added = as_forged_app(base_url, tenant, roles, add)
        assert MEGAN_ID in [m.id for m in added.value]
        assert megan_wids() == [USER_ADMIN_TEMPLATE]
        removed = as_forged_app(base_url, tenant, roles, remove)
        assert MEGAN_ID not in [m.id for m in removed.value]
        assert megan_wids() == []
    finally:
        reset(base_url, tenant)


def test_get_by_ids_resolves_ids_to_typed_objects(base_url, tenant):
    from msgraph.generated.directory_objects.get_by_ids.get_by_ids_post_request_body import (
        GetByIdsPostRequestBody,
    )
    from msgraph.generated.models.group import Group
    from msgraph.generated.models.user import User
    from msgraph.generated.users.get_by_ids.get_by_ids_post_request_body import (
        GetByIdsPostRequestBody as UsersGetByIdsBody,
    )

    async def body(client):
        everything = await client.directory_objects.get_by_ids.post(
            GetByIdsPostRequestBody(ids=[SALES, ADELE_ID, MEGAN_ID])
        )
        users_only = await client.users.get_by_ids.post(
            UsersGetByIdsBody(ids=[SALES, ADELE_ID], types=["user"])
        )
        return everything, users_only

    everything, users_only = as_forged_app(base_url, tenant, ["Directory.Read.All"], body)
    assert [o.id for o in everything.value] == [SALES, ADELE_ID, MEGAN_ID]
    assert isinstance(everything.value[0], Group)
    assert isinstance(everything.value[1], User)
    assert everything.value[1].display_name == "Adele Vance"
    assert [o.id for o in users_only.value] == [ADELE_ID]


def _sync(builder_get, with_url):
    """Runs a delta round through the SDK: the first page, then every nextLink; returns the
    items and the deltaLink."""

    async def run():
        items = []
        page = await builder_get()
        while True:
            items.extend(page.value or [])
            if page.odata_next_link:
                page = await with_url(page.odata_next_link).get()
                continue
            assert page.odata_delta_link, "the last page carries a deltaLink"
            return items, page.odata_delta_link

    return run()


def test_users_delta_through_the_sdk_then_a_change_comes_back(base_url, tenant):
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.user import User
    from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder

    async def body(client):
        config = RequestConfiguration(
            query_parameters=DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
                select=["displayName", "jobTitle"], top=6
            )
        )
        items, delta_link = await _sync(
            lambda: client.users.delta.get(request_configuration=config),
            client.users.delta.with_url,
        )
        await client.users.by_user_id(ADELE_ID).patch(User(job_title="Delta through the SDK"))
        changes, _ = await _sync(
            lambda: client.users.delta.with_url(delta_link).get(), client.users.delta.with_url
        )
        return items, delta_link, changes

    try:
        items, delta_link, changes = as_admin_app(base_url, tenant, body)
        assert {u.id for u in items} == CONTOSO_USER_IDS
        assert delta_link.startswith(f"{base_url}/v1.0/users/delta()?")
        assert [u.id for u in changes] == [ADELE_ID]
        assert changes[0].job_title == "Delta through the SDK"
    finally:
        reset(base_url, tenant)


def test_groups_delta_through_the_sdk_then_a_change_comes_back(base_url, tenant):
    from msgraph.generated.models.group import Group

    async def body(client):
        items, delta_link = await _sync(client.groups.delta.get, client.groups.delta.with_url)
        await client.groups.by_group_id(FINANCE).patch(Group(description="Changed for delta"))
        changes, _ = await _sync(
            lambda: client.groups.delta.with_url(delta_link).get(), client.groups.delta.with_url
        )
        return items, changes

    try:
        items, changes = as_admin_app(base_url, tenant, body)
        assert FINANCE in {g.id for g in items} and SALES in {g.id for g in items}
        assert [g.id for g in changes] == [FINANCE]
        assert changes[0].description == "Changed for delta"
    finally:
        reset(base_url, tenant)
