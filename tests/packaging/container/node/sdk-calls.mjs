// Run by container.test.mjs with NODE_EXTRA_CA_CERTS set to the container's CA: the official
// clients as a user configures them, printing what they read as JSON.
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";

const BASE = process.env.TENANTSIM_HTTPS_URL;
const credential = new ClientSecretCredential(
  "c0a70550-0000-4000-8000-000000000001", "c0a70550-a990-4000-8000-000000000302", "admin-secret-Passw0rd!",
  { authorityHost: BASE, disableInstanceDiscovery: true },
);
const graph = Client.initWithMiddleware({
  authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ["https://graph.microsoft.com/.default"] }),
  baseUrl: BASE,
  customHosts: new Set([new URL(BASE).hostname]),
});
const adele = await graph.api("/users/AdeleV@contoso.onmicrosoft.com").get();
const users = await graph.api("/users").select("userPrincipalName").get();
console.log(JSON.stringify({ adele: adele.displayName, users: users.value.map((u) => u.userPrincipalName) }));
