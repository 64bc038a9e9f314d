// The organization, directory roles, getByIds and delta queries through
// @microsoft/microsoft-graph-client, unmodified. Reads run as the Contoso Admin Automation app
// (Directory.ReadWrite.All, client secret through @azure/identity); operations whose documented
// permission no fixture app holds use a token from tenantsim's token forge
// (POST /_tenantsim/tokens), handed to the client as any access token would be.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { ClientSecretCredential } from "@azure/identity";

const require = createRequire(import.meta.url);
const { Client, PageIterator } = require("@microsoft/microsoft-graph-client");
const { TokenCredentialAuthenticationProvider } = require(
  "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials",
);

const BASE = process.env.TENANTSIM_HTTPS_URL.replace(/\/$/, "");
const TENANT = process.env.TENANTSIM_TENANT;
const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";
const ADMIN_APP = "c0a70550-a990-4000-8000-000000000302";
const ADMIN_SECRET = "admin-secret-Passw0rd!";
const ADMIN_ID = "c0a70550-0000-4000-8000-000000000101";
const ADELE_ID = "c0a70550-0000-4000-8000-000000000102";
const MEGAN_ID = "c0a70550-0000-4000-8000-000000000104";
const SALES = "c0a70550-0000-4000-8000-000000000204";
const FINANCE = "c0a70550-0000-4000-8000-000000000206";
const GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10";
const USER_ADMIN_TEMPLATE = "fe930be7-5e62-47db-91af-98c3a49a38b1";

function adminClient() {
  const credential = new ClientSecretCredential(TENANT, ADMIN_APP, ADMIN_SECRET, {
    authorityHost: BASE,
    disableInstanceDiscovery: true,
  });
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [GRAPH_DEFAULT],
  });
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: BASE,
    customHosts: new Set(["localhost"]),
  });
}

async function forge(body) {
  const response = await fetch(`${BASE}/_tenantsim/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: TENANT, ...body }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

function forgedClient(roles) {
  return Client.initWithMiddleware({
    authProvider: {
      getAccessToken: async () => (await forge({ kind: "app", roles })).access_token,
    },
    baseUrl: BASE,
    customHosts: new Set(["localhost"]),
  });
}

async function reset() {
  const response = await fetch(`${BASE}/_tenantsim/tenants/${TENANT}/reset`, { method: "POST" });
  assert.equal(response.status, 200);
}

/** A delta round: every item over the nextLinks, and the deltaLink of the last page. */
async function deltaRound(client, first) {
  const items = [];
  const iterator = new PageIterator(client, first, (item) => {
    items.push(item);
    return true;
  });
  await iterator.iterate();
  const deltaLink = iterator.getDeltaLink();
  assert.ok(deltaLink, "the last page carries a deltaLink");
  return { items, deltaLink };
}

test("graph client: the organization with its verified domains", async () => {
  const client = adminClient();
  const list = await client.api("/organization").get();
  assert.equal(list.value.length, 1);
  const org = await client.api(`/organization/${TENANT}`).select("displayName,verifiedDomains").get();
  assert.equal(org.displayName, "Contoso");
  assert.deepEqual(
    org.verifiedDomains.map((d) => d.name),
    ["contoso.onmicrosoft.com", "contoso.com"],
  );
  assert.equal(org.verifiedDomains[0].isInitial, true);
});

test("graph client: organization update of the notification mails", async (t) => {
  t.after(reset);
  const client = forgedClient(["Organization.ReadWrite.All"]);
  await client
    .api(`/organization/${TENANT}`)
    .patch({ securityComplianceNotificationMails: ["soc@contoso.com"] });
  const org = await client.api(`/organization/${TENANT}`).get();
  assert.deepEqual(org.securityComplianceNotificationMails, ["soc@contoso.com"]);
  const refused = await client
    .api(`/organization/${TENANT}`)
    .patch({ displayName: "Not Contoso" })
    .then(() => null, (error) => error);
  assert.equal(refused?.statusCode, 400);
});

test("graph client: directory roles, templates and role members", async () => {
  const client = adminClient();
  const roles = await client.api("/directoryRoles").get();
  const templates = roles.value.map((r) => r.roleTemplateId).sort();
  assert.deepEqual(templates, [GLOBAL_ADMIN_TEMPLATE, USER_ADMIN_TEMPLATE].sort());
  const global = roles.value.find((r) => r.roleTemplateId === GLOBAL_ADMIN_TEMPLATE);
  const members = await client.api(`/directoryRoles/${global.id}/members`).get();
  assert.deepEqual(members.value.map((m) => m.id), [ADMIN_ID]);
  assert.equal(members.value[0]["@odata.type"], "#microsoft.graph.user");
  const byTemplate = await client
    .api(`/directoryRoles(roleTemplateId='${GLOBAL_ADMIN_TEMPLATE}')`)
    .get();
  assert.equal(byTemplate.id, global.id);
  const allTemplates = await client.api("/directoryRoleTemplates").get();
  assert.ok(allTemplates.value.some((t) => t.displayName === "Helpdesk Administrator"));
});

test("graph client: a role member added by $ref shows in the next token's wids", async (t) => {
  t.after(reset);
  const client = forgedClient(["RoleManagement.ReadWrite.Directory"]);
  const roles = await client.api("/directoryRoles").filter(`roleTemplateId eq '${USER_ADMIN_TEMPLATE}'`).get();
  const role = roles.value[0].id;
  await client
    .api(`/directoryRoles/${role}/members/$ref`)
    .post({ "@odata.id": `${BASE}/v1.0/directoryObjects/${MEGAN_ID}` });
  const megan = await forge({ kind: "user", user: MEGAN_ID, scopes: ["User.Read"] });
  assert.deepEqual(megan.claims.wids, [USER_ADMIN_TEMPLATE]);
  await client.api(`/directoryRoles/${role}/members/${MEGAN_ID}/$ref`).delete();
  const after = await forge({ kind: "user", user: MEGAN_ID, scopes: ["User.Read"] });
  assert.deepEqual(after.claims.wids ?? [], []);
});

test("graph client: directoryObjects/getByIds resolves ids with their types", async () => {
  const client = forgedClient(["Directory.Read.All"]);
  const found = await client
    .api("/directoryObjects/getByIds")
    .post({ ids: [SALES, ADELE_ID, "00000000-0000-4000-8000-0000000000ff"] });
  assert.deepEqual(found.value.map((o) => o.id), [SALES, ADELE_ID]);
  assert.deepEqual(
    found.value.map((o) => o["@odata.type"]),
    ["#microsoft.graph.group", "#microsoft.graph.user"],
  );
  const users = await client.api("/users/getByIds").post({ ids: [SALES, ADELE_ID], types: ["user"] });
  assert.deepEqual(users.value.map((o) => o.id), [ADELE_ID]);
});

test("graph client: users/delta() pages, then the deltaLink returns a change", async (t) => {
  t.after(reset);
  const client = adminClient();
  const first = await client.api("/users/delta()").select("displayName,jobTitle").top(6).get();
  const { items, deltaLink } = await deltaRound(client, first);
  assert.equal(new Set(items.map((u) => u.id)).size, 20);
  assert.ok(deltaLink.startsWith(`${BASE}/v1.0/users/delta()?`), deltaLink);
  await client.api(`/users/${ADELE_ID}`).patch({ jobTitle: "Delta from Node" });
  const changes = await deltaRound(client, await client.api(deltaLink).get());
  assert.deepEqual(changes.items.map((u) => u.id), [ADELE_ID]);
  assert.equal(changes.items[0].jobTitle, "Delta from Node");
});

test("graph client: groups/delta() then the deltaLink returns a change", async (t) => {
  t.after(reset);
  const client = adminClient();
  const { items, deltaLink } = await deltaRound(client, await client.api("/groups/delta()").get());
  assert.ok(items.some((g) => g.id === FINANCE));
  await client.api(`/groups/${FINANCE}`).patch({ description: "Changed for delta" });
  const changes = await deltaRound(client, await client.api(deltaLink).get());
  assert.deepEqual(changes.items.map((g) => g.id), [FINANCE]);
  assert.equal(changes.items[0].description, "Changed for delta");
});
