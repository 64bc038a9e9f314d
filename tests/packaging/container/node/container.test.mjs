// The image driven by the Node `testcontainers` package, as a user's test suite would: start
// it, wait for the ready line, fetch the CA over HTTP, then call Graph over HTTPS with the
// official clients (@azure/identity + @microsoft/microsoft-graph-client). Node reads
// NODE_EXTRA_CA_CERTS only at start-up, so the SDK calls run in a child process started with
// the fetched CA, the way a user's test runner would be started.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GenericContainer, Wait } from "testcontainers";

const IMAGE = process.env.TENANTSIM_IMAGE ?? "localhost/tenantsim:latest";
const KEY = "testcontainers-admin-key";
let container, http, https, dir, caPath;

before(async () => {
  const started = performance.now();
  container = await new GenericContainer(IMAGE)
    .withEnvironment({ TENANTSIM_ADMIN_KEY: KEY })
    .withExposedPorts(8080, 8443)
    .withWaitStrategy(Wait.forLogMessage("tenantsim ready on"))
    .withStartupTimeout(60_000)
    .start();
  console.log(`testcontainers: start to ready line ${Math.round(performance.now() - started)} ms`);
  http = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
  https = `https://localhost:${container.getMappedPort(8443)}`;
  const ca = await fetch(`${http}/_tenantsim/ca.pem`);
  assert.equal(ca.status, 200);
  dir = await mkdtemp(join(tmpdir(), "tenantsim-ca-"));
  caPath = join(dir, "tenantsim-ca.pem");
  await writeFile(caPath, await ca.text());
});

after(async () => {
  await container?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the control API needs the admin key the container was given", async () => {
  assert.equal((await fetch(`${http}/_tenantsim/tenants`)).status, 401);
  const keyed = await fetch(`${http}/_tenantsim/tenants`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(keyed.status, 200);
  assert.ok((await keyed.json()).value.some((t) => t.displayName === "Contoso"));
});

test("Graph over HTTPS with @azure/identity and the Graph client, trusting the fetched CA", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [new URL("./sdk-calls.mjs", import.meta.url).pathname], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath, TENANTSIM_HTTPS_URL: https },
    timeout: 60_000,
  });
  const result = JSON.parse(stdout);
  assert.equal(result.adele, "Adele Vance");
  assert.ok(result.users.includes("MeganB@contoso.onmicrosoft.com"), stdout);
});
