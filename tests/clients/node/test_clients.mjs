// tenantsim driven by the official Microsoft Node clients, unmodified:
// @azure/msal-node, @azure/identity and @microsoft/microsoft-graph-client over HTTPS.
//
// tests/clients/run.sh starts tenantsim and exports TENANTSIM_HTTPS_URL (origin),
// TENANTSIM_TENANT and NODE_EXTRA_CA_CERTS (tenantsim's CA; read by node at start-up).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

import * as msal from "@azure/msal-node";
import { ClientSecretCredential, ClientCertificateCredential } from "@azure/identity";

const require = createRequire(import.meta.url);
const { Client, PageIterator, GraphError } = require("@microsoft/microsoft-graph-client");
const { TokenCredentialAuthenticationProvider } = require(
  "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials",
);

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through tests/clients/run.sh`);
  }
  return value;
}

const BASE = env("TENANTSIM_HTTPS_URL").replace(/\/$/, ""); // https://localhost:Q
// The plain-HTTP listener, only for the LinkedIn connect flow (see the LinkedIn tests below).
const HTTP_BASE = env("TENANTSIM_HTTP_URL").replace(/\/$/, ""); // http://127.0.0.1:P
const TENANT = env("TENANTSIM_TENANT");
const HOST_PORT = new URL(BASE).host; // localhost:Q
const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";

const here = path.dirname(fileURLToPath(import.meta.url));
const CERT_PEM = readFileSync(path.join(here, "..", "certs", "contoso-cert-app.pem"), "utf8");
const KEY_PEM = readFileSync(path.join(here, "..", "certs", "contoso-cert-app.key"), "utf8");

// Fixture apps (fixtures/contoso.json)
const SYNC_APP = "c0a70550-a990-4000-8000-000000000301"; // User.Read.All Group.Read.All GroupMember.Read.All
const SYNC_SECRET = "sync-secret-Passw0rd!";
const UNPRIVILEGED_APP = "c0a70550-a990-4000-8000-000000000303"; // no permissions
const UNPRIVILEGED_SECRET = "plain-secret-Passw0rd!";
const CERT_APP = "c0a70550-a990-4000-8000-000000000304";
const GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"; // public client, admin-consented
const ADMIN_APP = "c0a70550-a990-4000-8000-000000000302"; // Contoso Admin Automation: Directory.ReadWrite.All
const ADMIN_SECRET = "admin-secret-Passw0rd!";
const AZURE_POWERSHELL = "1950a258-227b-4e31-a9cf-717495945fc2"; // first-party public client
const PORTAL_API = "74658136-14ec-4630-ad9b-26e160ff0fc6"; // the Azure portal's API (ADIbizaUX)

const ADELE_UPN = "AdeleV@contoso.onmicrosoft.com";
const ADELE_ID = "c0a70550-0000-4000-8000-000000000102";
const PASSWORD = "Passw0rd!";
const ADMIN_UPN = "admin@contoso.onmicrosoft.com"; // Global Administrator
const ALEX_ID = "c0a70550-0000-4000-8000-000000000103";
const MEGAN_UPN = "MeganB@contoso.onmicrosoft.com"; // has a LinkedIn profile, not connected
const MEGAN_ID = "c0a70550-0000-4000-8000-000000000104";
const NESTOR_ID = "c0a70550-0000-4000-8000-000000000107"; // connected (Bound), not in LinkedIn Pilot

const LINKEDIN_PILOT = "c0a70550-0000-4000-8000-000000000201";
const RETAIL_EUROPE = "c0a70550-0000-4000-8000-000000000202";
const RETAIL_MUNICH = "c0a70550-0000-4000-8000-000000000203";
const CHRISTIE_CLINE = "c0a70550-0000-4000-8000-000000000117";
const PILOT_TRANSITIVE_USERS = [
  "c0a70550-0000-4000-8000-000000000102", // Adele Vance
  "c0a70550-0000-4000-8000-000000000103", // Alex Wilber
  "c0a70550-0000-4000-8000-000000000104", // Megan Bowen
  "c0a70550-0000-4000-8000-000000000111", // Johanna Lorenz (via Retail Europe)
  "c0a70550-0000-4000-8000-000000000116", // Henrietta Mueller (via Retail Europe)
  CHRISTIE_CLINE, // via Retail Munich Store, third level
].sort();
const CONTOSO_USER_IDS = Array.from(
  { length: 20 },
  (_, i) => `c0a70550-0000-4000-8000-0000000001${String(i + 1).padStart(2, "0")}`,
);
const MISSING_USER = "c0a70550-0000-4000-8000-000000000199";

const jwtClaims = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

function secretCredential(clientId, secret) {
  return new ClientSecretCredential(TENANT, clientId, secret, {
    authorityHost: BASE,
    disableInstanceDiscovery: true,
  });
}

function graphClient(credential) {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [GRAPH_DEFAULT],
  });
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: BASE, // origin only; the client adds /v1.0
    customHosts: new Set(["localhost"]), // host name only, or no token is attached
  });
}

async function graphError(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the request was expected to fail");
}

// ---------------------------------------------------------------------------------------------
// @azure/msal-node
// ---------------------------------------------------------------------------------------------

function confidentialApp(clientSecret) {
  return new msal.ConfidentialClientApplication({
    auth: {
      clientId: SYNC_APP,
      clientSecret,
      authority: `${BASE}/${TENANT}`,
      knownAuthorities: [HOST_PORT], // skips instance discovery at login.microsoftonline.com
    },
  });
}

test("msal-node: client secret gets an app token, the second call comes from the cache", async () => {
  const cca = confidentialApp(SYNC_SECRET);
  const first = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
  assert.ok(first.accessToken);
  assert.equal(first.tokenType, "Bearer");
  assert.equal(first.fromCache, false);
  const claims = jwtClaims(first.accessToken);
  assert.equal(claims.tid, TENANT);
  assert.equal(claims.appid, SYNC_APP);
  assert.ok(claims.roles.includes("User.Read.All"), `roles: ${claims.roles}`);

  const second = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
  assert.equal(second.fromCache, true);
  assert.equal(second.accessToken, first.accessToken);
});

test("msal-node: a bad secret is invalid_client AADSTS7000215", async () => {
  const error = await graphError(
    confidentialApp("not-the-secret").acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }),
  );
  assert.equal(error.errorCode, "invalid_client");
  assert.match(error.errorMessage, /AADSTS7000215/);
});

test("msal-node: username/password (ROPC) with the Graph CLI public client", async () => {
  const pca = new msal.PublicClientApplication({
    auth: { clientId: GRAPH_CLI, authority: `${BASE}/${TENANT}`, knownAuthorities: [HOST_PORT] },
  });
  const result = await pca.acquireTokenByUsernamePassword({
    scopes: ["User.Read"],
    username: ADELE_UPN,
    password: PASSWORD,
  });
  assert.ok(result.accessToken);
  assert.equal(result.account.username.toLowerCase(), ADELE_UPN.toLowerCase());
  assert.equal(result.account.tenantId, TENANT);
  assert.ok(jwtClaims(result.accessToken).scp.split(" ").includes("User.Read"));

  const accounts = await pca.getTokenCache().getAllAccounts();
  assert.equal(accounts.length, 1);
  const silent = await pca.acquireTokenSilent({ scopes: ["User.Read"], account: accounts[0] });
  assert.equal(silent.accessToken, result.accessToken);

  // The token works for /me through the Graph client (any { getAccessToken } is an auth provider).
  const client = Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => result.accessToken },
    baseUrl: BASE,
    customHosts: new Set(["localhost"]),
  });
  const me = await client.api("/me").get();
  assert.equal(me.id, ADELE_ID);
  assert.equal(me.userPrincipalName, ADELE_UPN);
});

test("msal-node: ROPC with a wrong password is invalid_grant AADSTS50126", async () => {
  const pca = new msal.PublicClientApplication({
    auth: { clientId: GRAPH_CLI, authority: `${BASE}/${TENANT}`, knownAuthorities: [HOST_PORT] },
  });
  const error = await graphError(
    pca.acquireTokenByUsernamePassword({ scopes: ["User.Read"], username: ADELE_UPN, password: "wrong" }),
  );
  assert.equal(error.errorCode, "invalid_grant");
  assert.match(error.errorMessage, /AADSTS50126/);
});

// ---------------------------------------------------------------------------------------------
// @azure/identity
// ---------------------------------------------------------------------------------------------

test("@azure/identity: ClientSecretCredential", async () => {
  const cred = secretCredential(SYNC_APP, SYNC_SECRET);
  const token = await cred.getToken(GRAPH_DEFAULT);
  assert.ok(token.token);
  assert.ok(token.expiresOnTimestamp > Date.now());
  assert.equal(jwtClaims(token.token).appid, SYNC_APP);
  const again = await cred.getToken(GRAPH_DEFAULT);
  assert.equal(again.token, token.token); // cached
});

test("@azure/identity: ClientCertificateCredential (PEM = key + certificate)", async () => {
  const cred = new ClientCertificateCredential(
    TENANT,
    CERT_APP,
    { certificate: KEY_PEM + CERT_PEM },
    { authorityHost: BASE, disableInstanceDiscovery: true },
  );
  const token = await cred.getToken(GRAPH_DEFAULT);
  const claims = jwtClaims(token.token);
  assert.equal(claims.appid, CERT_APP);
  assert.ok(claims.roles.includes("Group.Read.All"), `roles: ${claims.roles}`);
});

test("@azure/identity: a bad secret surfaces invalid_client AADSTS7000215", async () => {
  const error = await graphError(secretCredential(SYNC_APP, "not-the-secret").getToken(GRAPH_DEFAULT));
  // @azure/identity wraps msal-node's ServerError; the message keeps the error and its code.
  assert.equal(error.name, "AuthenticationRequiredError");
  assert.match(error.message, /invalid_client/);
  assert.match(error.message, /AADSTS7000215/);
});

// ---------------------------------------------------------------------------------------------
// @microsoft/microsoft-graph-client
// ---------------------------------------------------------------------------------------------

test("graph-client: PageIterator walks all 20 users in pages of 5", async () => {
  const client = graphClient(secretCredential(SYNC_APP, SYNC_SECRET));
  const first = await client.api("/users").top(5).get();
  assert.equal(first.value.length, 5);
  assert.ok(first["@odata.nextLink"].startsWith(`${BASE}/v1.0/users?`), first["@odata.nextLink"]);

  const seen = [];
  let pages = 1;
  let lastPage = first;
  const iterator = new PageIterator(client, first, (user) => {
    seen.push(user.id);
    return true;
  });
  // Count pages by watching the iterator fetch each next link.
  const fetchNext = iterator.fetchAndUpdateNextPageData.bind(iterator);
  iterator.fetchAndUpdateNextPageData = async () => {
    await fetchNext();
    pages += 1;
    lastPage = iterator.collection;
  };
  await iterator.iterate();
  assert.ok(iterator.isComplete());
  assert.equal(pages, 4);
  assert.equal(seen.length, 20);
  assert.equal(new Set(seen).size, 20, "a user was returned twice");
  assert.deepEqual([...seen].sort(), CONTOSO_USER_IDS);
  assert.ok(lastPage.length > 0);
});

test("graph-client: transitive members of LinkedIn Pilot reach the third level", async () => {
  const client = graphClient(secretCredential(SYNC_APP, SYNC_SECRET));
  const first = await client.api(`/groups/${LINKEDIN_PILOT}/transitiveMembers`).get();
  const members = [];
  await new PageIterator(client, first, (m) => {
    members.push(m);
    return true;
  }).iterate();
  const users = members.filter((m) => m["@odata.type"] === "#microsoft.graph.user");
  const groups = members.filter((m) => m["@odata.type"] === "#microsoft.graph.group");
  assert.deepEqual(users.map((u) => u.id).sort(), PILOT_TRANSITIVE_USERS);
  assert.deepEqual(groups.map((g) => g.id).sort(), [RETAIL_EUROPE, RETAIL_MUNICH]);
  assert.equal(users.find((u) => u.id === CHRISTIE_CLINE).displayName, "Christie Cline");
  assert.equal(members.length, 8);
});

test("graph-client: an app without permissions gets 403 Authorization_RequestDenied", async () => {
  const client = graphClient(secretCredential(UNPRIVILEGED_APP, UNPRIVILEGED_SECRET));
  const error = await graphError(client.api("/users").get());
  assert.ok(error instanceof GraphError, `not a GraphError: ${error}`);
  assert.equal(error.statusCode, 403);
  assert.equal(error.code, "Authorization_RequestDenied");
  assert.equal(error.message, "Insufficient privileges to complete the operation.");
});

test("graph-client: a missing user is 404 Request_ResourceNotFound", async () => {
  const client = graphClient(secretCredential(SYNC_APP, SYNC_SECRET));
  const error = await graphError(client.api(`/users/${MISSING_USER}`).get());
  assert.ok(error instanceof GraphError, `not a GraphError: ${error}`);
  assert.equal(error.statusCode, 404);
  assert.equal(error.code, "Request_ResourceNotFound");
  assert.match(error.message, new RegExp(MISSING_USER));
  assert.ok(error.requestId, "GraphError.requestId comes from innerError.request-id");
});

test("graph-client: register an app, add a password, create its service principal, sign in as it", async () => {
  const admin = graphClient(secretCredential(ADMIN_APP, ADMIN_SECRET));
  try {
    const app = await admin.api("/applications").post({
      displayName: "Client suite app (node)",
      spa: { redirectUris: ["https://node.contoso.com/spa"] },
    });
    assert.ok(app.id && app.appId && app.id !== app.appId);
    assert.deepEqual(app.spa.redirectUris, ["https://node.contoso.com/spa"]);
    const password = await admin
      .api(`/applications/${app.id}/addPassword`)
      .post({ passwordCredential: { displayName: "ci" } });
    assert.ok(password.secretText && password.secretText.length >= 16);
    assert.equal(password.hint, password.secretText.slice(0, 3));
    const sp = await admin.api("/servicePrincipals").post({ appId: app.appId });
    assert.equal(sp.appId, app.appId);
    // Reads show the password's metadata, never its text.
    const read = await admin.api(`/applications(appId='${app.appId}')`).get();
    assert.deepEqual(read.passwordCredentials.map((p) => p.keyId), [password.keyId]);
    assert.equal(read.passwordCredentials[0].secretText, null);
    // A second service principal for the same app is Graph's 409.
    const duplicate = await graphError(admin.api("/servicePrincipals").post({ appId: app.appId }));
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.code, "Request_MultipleObjectsWithSameKeyValue");

    const credential = secretCredential(app.appId, password.secretText);
    const token = (await credential.getToken(GRAPH_DEFAULT)).token;
    const claims = jwtClaims(token);
    assert.equal(claims.appid, app.appId);
    assert.equal(claims.oid, sp.id);
    // tenantsim's Graph accepts the token: authenticated, though the app is granted nothing.
    const denied = await graphError(graphClient(credential).api("/users").get());
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.code, "Authorization_RequestDenied");

    await admin.api(`/applications/${app.id}/removePassword`).post({ keyId: password.keyId });
    const refused = await graphError(
      secretCredential(app.appId, password.secretText).getToken(GRAPH_DEFAULT),
    );
    assert.match(String(refused), /AADSTS7000215/);
  } finally {
    await resetTenant();
  }
});

// ---------------------------------------------------------------------------------------------
// Relationships: memberOf casts and $count, manager / directReports / $expand=manager, owners
// ---------------------------------------------------------------------------------------------

const REL = {
  johanna: "c0a70550-0000-4000-8000-000000000111",
  nestor: "c0a70550-0000-4000-8000-000000000107",
  pradeep: "c0a70550-0000-4000-8000-000000000109",
  miriam: "c0a70550-0000-4000-8000-000000000113",
  admin: "c0a70550-0000-4000-8000-000000000101",
  christie: "c0a70550-0000-4000-8000-000000000117",
  pilot: "c0a70550-0000-4000-8000-000000000201",
  europe: "c0a70550-0000-4000-8000-000000000202",
  munich: "c0a70550-0000-4000-8000-000000000203",
  sales: "c0a70550-0000-4000-8000-000000000204",
};

test("graph-client: /me/memberOf/microsoft.graph.group works without ConsistencyLevel", async () => {
  const pca = new msal.PublicClientApplication({
    auth: { clientId: GRAPH_CLI, authority: `${BASE}/${TENANT}`, knownAuthorities: [HOST_PORT] },
  });
  const result = await pca.acquireTokenByUsernamePassword({
    scopes: ["User.Read"],
    username: ADELE_UPN,
    password: PASSWORD,
  });
  const client = Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => result.accessToken },
    baseUrl: BASE,
    customHosts: new Set(["localhost"]),
  });
  const groups = await client.api("/me/memberOf/microsoft.graph.group").get();
  assert.ok(groups.value.map((g) => g.id).includes(REL.pilot));
});

test("graph-client: transitiveMemberOf cast with $count, and /$count, need ConsistencyLevel", async () => {
  const client = graphClient(secretCredential(SYNC_APP, SYNC_SECRET));
  const path = `/users/${REL.christie}/transitiveMemberOf/microsoft.graph.group`;
  const refused = await graphError(client.api(path).get());
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.code, "Request_UnsupportedQuery");
  const groups = await client.api(path).header("ConsistencyLevel", "eventual").count(true).get();
  assert.deepEqual(groups.value.map((g) => g.id).sort(), [REL.pilot, REL.europe, REL.munich].sort());
  assert.equal(groups["@odata.count"], 3);
  const count = await client
    .api(`/users/${REL.christie}/memberOf/$count`)
    .header("ConsistencyLevel", "eventual")
    .get();
  assert.equal(Number(count), 1);
});

test("graph-client: manager, directReports and $expand=manager", async () => {
  const client = graphClient(secretCredential(SYNC_APP, SYNC_SECRET));
  const manager = await client.api(`/users/${ADELE_ID}/manager`).get();
  assert.equal(manager.id, REL.johanna);
  assert.equal(manager["@odata.type"], "#microsoft.graph.user");
  const reports = await client.api(`/users/${REL.nestor}/directReports`).get();
  assert.deepEqual(reports.value.map((r) => r.id).sort(), [REL.admin, REL.pradeep, REL.johanna].sort());
  const expanded = await client.api(`/users/${ADELE_ID}`).expand("manager").get();
  assert.equal(expanded.manager.id, REL.johanna);
  const ceo = await graphError(client.api("/users/c0a70550-0000-4000-8000-000000000108/manager").get());
  assert.equal(ceo.statusCode, 404);
  assert.equal(ceo.code, "Request_ResourceNotFound");
});

test("graph-client: group owners list, add and remove", async () => {
  const client = graphClient(secretCredential(ADMIN_APP, ADMIN_SECRET));
  const sales = await client.api(`/groups/${REL.sales}/owners`).get();
  assert.deepEqual(sales.value.map((o) => o.id).sort(), [REL.miriam, MEGAN_ID].sort());
  const owners = `/groups/${REL.europe}/owners`;
  await client
    .api(`${owners}/$ref`)
    .post({ "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${ALEX_ID}` });
  const added = await client.api(owners).get();
  assert.deepEqual(added.value.map((o) => o.id).sort(), [REL.johanna, ALEX_ID].sort());
  await client.api(`${owners}/${ALEX_ID}/$ref`).delete();
  const last = await graphError(client.api(`${owners}/${REL.johanna}/$ref`).delete());
  assert.equal(last.statusCode, 400);
  assert.equal(last.message, "The group must have at least one owner, hence this owner cannot be removed.");
});

// ---------------------------------------------------------------------------------------------
// LinkedIn account connections: the portal API, the consent page, Graph, the profile card
// ---------------------------------------------------------------------------------------------

/** tenantsim's control API (`/_tenantsim/...`): open on loopback, same HTTPS origin. */
async function adminApi(method, path, body) {
  const response = await fetch(`${BASE}/_tenantsim${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.status < 300, `${method} ${path} -> ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const resetTenant = () => adminApi("POST", `/tenants/${TENANT}/reset`);

/** The LinkedIn section of the card `viewer` sees for `person`: [shown, decisive check]. */
async function card(viewer, person) {
  const decision = await adminApi("GET", `/tenants/${TENANT}/profileCard?viewer=${viewer}&person=${person}`);
  const decisive = decision.linkedIn.reasons.find((r) => r.decisive);
  return [decision.linkedIn.shown, decisive ? decisive.check : null];
}

/** A delegated portal-API token: ROPC with the first-party Azure PowerShell client. */
async function portalToken() {
  const pca = new msal.PublicClientApplication({
    auth: { clientId: AZURE_POWERSHELL, authority: `${BASE}/${TENANT}`, knownAuthorities: [HOST_PORT] },
  });
  const result = await pca.acquireTokenByUsernamePassword({
    scopes: [`${PORTAL_API}/.default`],
    username: ADMIN_UPN,
    password: PASSWORD,
  });
  assert.equal(jwtClaims(result.accessToken).aud, PORTAL_API);
  return result.accessToken;
}

async function setLinkedIn(token, body) {
  const response = await fetch(`${BASE}/api/Directories/PropertiesV2`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 204, `PUT PropertiesV2 ${JSON.stringify(body)}: ${await response.text()}`);
}

/** "Connect my LinkedIn account" with plain fetch on `origin`: follows the 302s by hand, signs
 * in on the form (hidden `flow` input), accepts consent; returns the callback's JSON. */
async function connectLinkedIn(origin, upn) {
  const get = (url) => fetch(url, { redirect: "manual" });
  const post = (url, fields) =>
    fetch(url, { method: "POST", redirect: "manual", body: new URLSearchParams(fields) });

  const start = await get(`${origin}/_tenantsim/tenants/${TENANT}/linkedIn/connect?user=${encodeURIComponent(upn)}`);
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get("location"), origin).href;
  const page = await get(authorize);
  const html = await page.text();
  assert.equal(page.status, 200, `GET ${authorize}, expected the sign-in form: ${html.slice(-700)}`);
  const flow = html.match(/<input type="hidden" name="flow" value="([^"]+)"/)[1];
  const action = new URL(html.match(/<form method="post" action="([^"]+)"/)[1], authorize).href;

  const consent = await post(action, { flow, step: "signin", username: upn, password: PASSWORD });
  assert.equal(consent.status, 200);
  assert.match(await consent.text(), /Permissions requested/);
  const accepted = await post(action, { flow, step: "accept" });
  assert.equal(accepted.status, 302, await accepted.text());
  const callback = new URL(accepted.headers.get("location"), origin).href;
  assert.ok(callback.startsWith(`${origin}/_tenantsim/linkedin/callback?code=`), callback);
  const answer = await get(callback);
  assert.equal(answer.status, 200);
  return answer.json();
}

test("LinkedIn: selected group, connecting on the consent page, an admin app revoking the grant", async () => {
  await resetTenant(); // independent of what ran before
  try {
    // An admin limits LinkedIn to the LinkedIn Pilot group through the portal API.
    const token = await portalToken();
    await setLinkedIn(token, { enableLinkedInAppFamily: 4, linkedInSelectedGroupObjectId: LINKEDIN_PILOT });
    assert.deepEqual(await card(NESTOR_ID, ALEX_ID), ["none", "selectedGroup"]);
    await setLinkedIn(token, { enableLinkedInAppFamily: 0 }); // back to Yes
    assert.deepEqual(await card(NESTOR_ID, ALEX_ID), ["connected", null]);

    // Megan connects on the consent page (over HTTPS, like a browser).
    assert.deepEqual(await card(MEGAN_ID, ALEX_ID), ["public", null]);
    const answer = await connectLinkedIn(BASE, MEGAN_UPN);
    assert.equal(answer.connected, true, JSON.stringify(answer));
    assert.equal(answer.userId, MEGAN_ID);
    assert.deepEqual(await card(MEGAN_ID, ALEX_ID), ["connected", null]);

    // An admin app deletes her grant through the Graph client; the card falls back to public.
    const state = await adminApi("GET", `/tenants/${TENANT}/users/${MEGAN_ID}/linkedIn`);
    assert.equal(state.state, "Bound");
    assert.equal(state.grant.id, answer.grantId);
    const client = graphClient(secretCredential(ADMIN_APP, ADMIN_SECRET));
    await client.api(`/oauth2PermissionGrants/${state.grant.id}`).delete();
    const after = await adminApi("GET", `/tenants/${TENANT}/users/${MEGAN_ID}/linkedIn`);
    assert.equal(after.state, "Unbound");
    assert.deepEqual(await card(MEGAN_ID, ALEX_ID), ["public", null]);
  } finally {
    await resetTenant();
  }
});

test(
  "LinkedIn: connecting also works over the plain HTTP listener",
  async () => {
    await resetTenant();
    try {
      assert.equal((await connectLinkedIn(HTTP_BASE, MEGAN_UPN)).connected, true);
    } finally {
      await resetTenant();
    }
  },
);

// ---------------------------------------------------------------------------------------------
// Throttling: the Graph client's RetryHandler and Retry-After
// ---------------------------------------------------------------------------------------------

const usersJournal = async () => (await adminApi("GET", "/requests?path=/v1.0/users")).value;

test("graph-client: a 429 with Retry-After: 1 is retried and the call succeeds", async () => {
  const lastSeq = Math.max(-1, ...(await usersJournal()).map((e) => e.seq));
  const rule = await adminApi("POST", "/faults", {
    match: { method: "GET", path: "/v1.0/users*" },
    action: { throttle: { retryAfter: 1 } },
    fire: { times: 1 },
  });
  try {
    const client = graphClient(secretCredential(SYNC_APP, SYNC_SECRET));
    const started = Date.now();
    const users = await client.api("/users").get();
    const elapsed = Date.now() - started;
    assert.ok(users.value.length > 0);
    assert.ok(users.value.every((u) => CONTOSO_USER_IDS.includes(u.id)));
    // Retry-After: 1 (a little slack: timers and the journal's wall clock may differ by ms)
    assert.ok(elapsed >= 900, `the client retried after ${elapsed} ms, before Retry-After: 1`);

    const calls = (await usersJournal()).filter((e) => e.seq > lastSeq);
    assert.deepEqual(
      calls.map((e) => [e.method, e.path, e.status]),
      [
        ["GET", "/v1.0/users", 429],
        ["GET", "/v1.0/users", 200],
      ],
      JSON.stringify(calls),
    );
    assert.ok(calls.every((e) => e.clientApp === SYNC_APP));
    assert.ok(Date.parse(calls[1].time) - Date.parse(calls[0].time) >= 900, JSON.stringify(calls));
    const listed = (await adminApi("GET", "/faults")).value.find((r) => r.id === rule.id);
    assert.equal(listed.fired, 1);
  } finally {
    await adminApi("DELETE", `/faults/${rule.id}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Authorization code with PKCE, the sign-in and consent pages driven by plain fetch
// ---------------------------------------------------------------------------------------------

test("msal-node: authorization code with PKCE through the sign-in and consent pages", async () => {
  const PORTAL_APP = "c0a70550-a990-4000-8000-000000000305"; // Contoso Team Portal
  const REDIRECT = "http://localhost:5000/callback";
  await resetTenant(); // Adele has not consented to the portal yet
  try {
    const cca = new msal.ConfidentialClientApplication({
      auth: { clientId: PORTAL_APP, clientSecret: "portal-secret-Passw0rd!", authority: `${BASE}/${TENANT}`, knownAuthorities: [HOST_PORT] },
    });
    const { verifier, challenge } = await new msal.CryptoProvider().generatePkceCodes();
    const scopes = ["User.Read"];
    const url = await cca.getAuthCodeUrl({ scopes, redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: "S256", state: "st-node" });
    assert.ok(url.startsWith(`${BASE}/${TENANT}/oauth2/v2.0/authorize?`), url);

    const post = (target, fields) => fetch(target, { method: "POST", redirect: "manual", body: new URLSearchParams(fields) });
    const page = await fetch(url, { redirect: "manual" });
    const html = await page.text();
    assert.equal(page.status, 200, html.slice(-500));
    const flow = html.match(/<input type="hidden" name="flow" value="([^"]+)"/)[1];
    const action = new URL(html.match(/<form method="post" action="([^"]+)"/)[1], url).href;
    let answer = await post(action, { flow, step: "signin", username: ADELE_UPN, password: PASSWORD });
    if (answer.status === 200) {
      assert.match(await answer.text(), /Permissions requested/);
      answer = await post(action, { flow, step: "accept" });
    }
    assert.equal(answer.status, 302);
    const callback = new URL(answer.headers.get("location"));
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
    assert.equal(callback.searchParams.get("state"), "st-node");

    const result = await cca.acquireTokenByCode({ code: callback.searchParams.get("code"), scopes, redirectUri: REDIRECT, codeVerifier: verifier });
    const claims = jwtClaims(result.accessToken);
    assert.equal(claims.oid, ADELE_ID);
    assert.ok(claims.scp.split(" ").includes("User.Read"), claims.scp);
    assert.equal(result.account.username, ADELE_UPN);
  } finally {
    await resetTenant();
  }
});
