// Use tenantsim in your own node:test suite: a fresh tenant and a Graph client for every test.
// Copy-paste material for the README; it runs in CI with the other client tests.
import { test, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";

const BASE = process.env.TENANTSIM_HTTPS_URL; // e.g. https://localhost:8443 (trust its CA: NODE_EXTRA_CA_CERTS)
const TENANT = process.env.TENANTSIM_TENANT; // Contoso: c0a70550-0000-4000-8000-000000000001

const credential = new ClientSecretCredential(
  TENANT, "c0a70550-a990-4000-8000-000000000302", "admin-secret-Passw0rd!", // Contoso Admin Automation
  { authorityHost: BASE, disableInstanceDiscovery: true },
);
const graph = Client.initWithMiddleware({
  authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ["https://graph.microsoft.com/.default"] }),
  baseUrl: BASE, // the client adds /v1.0
  customHosts: new Set([new URL(BASE).hostname]), // host name only, or no token is sent
});

const reset = async () => assert.equal((await fetch(`${BASE}/_tenantsim/reset`, { method: "POST" })).status, 200);
beforeEach(reset); // every tenant as seeded
after(reset); // and leave it that way for whoever runs next

test("a user can be renamed", async () => {
  await graph.api("/users/AdeleV@contoso.onmicrosoft.com").patch({ jobTitle: "Chief Tester" });
  const adele = await graph.api("/users/AdeleV@contoso.onmicrosoft.com").get();
  assert.equal(adele.jobTitle, "Chief Tester");
});
