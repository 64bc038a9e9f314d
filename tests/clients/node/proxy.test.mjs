// Unmodified @azure/identity through tenantsim's proxy (`serve --proxy-port`): no authorityHost,
// no disableInstanceDiscovery; HTTPS_PROXY (read by @azure/core-rest-pipeline, which
// @azure/identity is built on) and NODE_EXTRA_CA_CERTS are all that is set. The Graph call
// goes through the same pipeline (bearer-token policy, default proxy policy) to
// https://graph.microsoft.com. Node's own fetch ignores HTTPS_PROXY (README: No code changes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClientSecretCredential } from "@azure/identity";
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";

const TENANT = process.env.TENANTSIM_TENANT;
const PROXY = process.env.TENANTSIM_PROXY_URL;

test("a Graph call with @azure/identity and its pipeline keeps the production hosts", async () => {
  assert.ok(PROXY, "TENANTSIM_PROXY_URL is not set: run through tests/clients/run.sh");
  process.env.HTTPS_PROXY = PROXY;
  try {
    const credential = new ClientSecretCredential(TENANT, "c0a70550-a990-4000-8000-000000000302", "admin-secret-Passw0rd!");
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    assert.ok(token.token.split(".").length === 3);
    const pipeline = createPipelineFromOptions({});
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: "https://graph.microsoft.com/.default" }));
    const response = await pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({
      url: "https://graph.microsoft.com/v1.0/users/AdeleV@contoso.onmicrosoft.com?$select=displayName",
      method: "GET",
    }));
    assert.equal(response.status, 200, response.bodyAsText);
    const body = JSON.parse(response.bodyAsText);
    assert.equal(body.displayName, "Adele Vance");
    assert.match(body["@odata.context"], /^https:\/\/graph\.microsoft\.com\/v1\.0\/\$metadata#users/);
  } finally {
    delete process.env.HTTPS_PROXY;
  }
});
