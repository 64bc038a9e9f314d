// An unmodified single-page app in a real browser: Contoso Team SPA (spa/, MSAL.js with the
// production authority) served on http://localhost, Chromium sending the Microsoft host names
// through tenantsim's proxy (`serve --proxy-port`) and trusting tenantsim's CA by its public
// key. The user signs in (auth code + PKCE redeemed from the browser, CORS), the page calls
// Graph with fetch() (preflight, readable request-id), connects LinkedIn and comes back, and
// refreshes its token in the browser. Needs TENANTSIM_URL, TENANTSIM_PROXY_URL and
// TENANTSIM_CA_FILE (run.sh sets them). Screenshots go to tests/browser/artifacts/spa-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, 'artifacts');
const BASE = process.env.TENANTSIM_URL;
const PROXY = process.env.TENANTSIM_PROXY_URL;
const CA_FILE = process.env.TENANTSIM_CA_FILE;
const TENANT = 'c0a70550-0000-4000-8000-000000000001';
const LEE = 'c0a70550-0000-4000-8000-000000000105';
const LEE_UPN = 'LeeG@contoso.onmicrosoft.com';
const STEP_TIMEOUT = 20_000;

const FILES = {
  '/': ['spa/index.html', 'text/html; charset=utf-8'],
  '/app.js': ['spa/app.js', 'text/javascript'],
  '/msal-browser.min.js': ['node_modules/@azure/msal-browser/lib/msal-browser.min.js', 'text/javascript'],
};

let server;
let spa;
let browser;
let page;
const seen = [];

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's SPKI pin format). */
function spkiHash(pemFile) {
  const der = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

async function screenshot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `spa-${name}.png`), fullPage: true });
}

async function linkedInState() {
  const response = await fetch(`${BASE}/_tenantsim/tenants/${TENANT}/users/${LEE}/linkedIn`);
  assert.equal(response.status, 200);
  return response.json();
}

async function signInIfAsked(upn) {
  const password = page.locator('#password');
  const consent = page.getByRole('heading', { name: 'Permissions requested' });
  try {
    await Promise.race([password.waitFor(), consent.waitFor()]);
  } catch (e) {
    await screenshot('unexpected-page');
    throw new Error(`neither the sign-in nor the consent page at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 400)}`);
  }
  if (await password.isVisible()) {
    const pick = page.locator(`input[type=radio][name=username][value="${upn}"]`);
    if (await pick.count()) await pick.check();
    else await page.locator('#username').fill(upn);
    await password.fill('Passw0rd!');
    await screenshot(`sign-in-${seen.length}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
}

before(async () => {
  assert.ok(BASE && PROXY && CA_FILE, 'TENANTSIM_URL, TENANTSIM_PROXY_URL and TENANTSIM_CA_FILE must be set (run tests/browser/run.sh)');
  mkdirSync(ARTIFACTS, { recursive: true });
  // Contoso as the fixtures describe it, whatever ran before (the demo ends with LinkedIn off).
  const reset = await fetch(`${BASE}/_tenantsim/tenants/${TENANT}/reset`, { method: 'POST' });
  assert.ok(reset.ok, `reset: ${reset.status}`);
  server = createServer((request, response) => {
    const path = new URL(request.url, 'http://localhost').pathname;
    const file = FILES[path];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' });
    response.end(readFileSync(join(HERE, file[0])));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  spa = `http://localhost:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // What a developer does once for their browser profile: the proxy for the Microsoft
      // host names (loopback, where the SPA runs, is never proxied) and trust in tenantsim's CA.
      `--proxy-server=${PROXY}`, `--ignore-certificate-errors-spki-list=${spkiHash(CA_FILE)}`],
    timeout: 60_000,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(STEP_TIMEOUT);
  page = await context.newPage();
  page.on('request', (request) => seen.push({ method: request.method(), url: request.url(), body: request.postData() }));
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('the SPA signs in with MSAL.js against login.microsoftonline.com and reads /me from graph.microsoft.com', { timeout: 90_000 }, async () => {
  await page.goto(`${spa}/`);
  await page.getByRole('status').filter({ hasText: 'Not signed in' }).waitFor();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/^https:\/\/login\.microsoftonline\.com\//);
  await signInIfAsked(LEE_UPN);
  await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  assert.match(await page.locator('body').innerText(), /Contoso Team SPA/);
  await screenshot('consent');
  await page.getByRole('button', { name: 'Accept' }).click();

  await page.waitForURL(`${spa}/`);
  await page.getByRole('status').filter({ hasText: /Ready|Error/ }).waitFor();
  await screenshot('signed-in');
  assert.equal(await page.getByRole('status').innerText(), 'Ready');
  assert.equal(await page.locator('#me-upn').innerText(), LEE_UPN);
  assert.equal(await page.locator('#me-name').innerText(), 'Lee Gu');
  // The response's request-id is readable by the page (Access-Control-Expose-Headers).
  assert.match(await page.locator('#request-id').innerText(), /^[0-9a-f-]{36}$/);

  // The code was redeemed by the browser itself, at the production token endpoint; Graph was
  // called at the production host; nothing went to tenantsim's own address.
  const token = seen.find((r) => r.method === 'POST' && r.url.startsWith(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`));
  assert.ok(token, 'no token request from the page');
  assert.match(token.body, /grant_type=authorization_code/);
  assert.match(token.body, /code_verifier=/);
  assert.ok(seen.some((r) => r.url === 'https://graph.microsoft.com/v1.0/me'), 'no Graph call to /me');
  assert.ok(!seen.some((r) => r.url.startsWith(BASE)), 'the page called tenantsim by its own address');
});

test('the SPA connects LinkedIn and comes back to its own page', { timeout: 90_000 }, async () => {
  assert.equal((await linkedInState()).state, 'Unbound');
  assert.equal(await page.locator('#linkedin-outcome').innerText(), '');
  await page.getByRole('link', { name: 'Connect LinkedIn' }).click();
  await page.waitForURL(/^https:\/\/login\.microsoftonline\.com\//);
  await signInIfAsked(LEE_UPN);
  await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  assert.match(await page.locator('body').innerText(), /LinkedIn/);
  await screenshot('linkedin-consent');
  await page.getByRole('button', { name: 'Accept' }).click();

  await page.waitForURL(`${spa}/?linkedIn=connected`);
  await page.getByRole('status').filter({ hasText: /Ready|Error/ }).waitFor();
  await screenshot('linkedin-connected');
  assert.equal(await page.getByRole('status').innerText(), 'Ready');
  assert.equal(await page.locator('#linkedin-outcome').innerText(), '(LinkedIn connection: connected)');
  assert.equal(await page.locator('#linkedin-account').innerText(), 'https://www.linkedin.com/in/lee-gu-manufacturing');
  assert.equal((await linkedInState()).state, 'Bound');
});

test('the SPA refreshes its token in the browser (a SPA refresh token, redeemed cross-origin)', { timeout: 60_000 }, async () => {
  const before = seen.length;
  await page.getByRole('button', { name: 'Refresh my token' }).click();
  await page.locator('#refreshed').filter({ hasText: /Refreshed|Error/ }).waitFor();
  assert.equal(await page.locator('#refreshed').innerText(), 'Refreshed');
  const refresh = seen.slice(before).find((r) => r.method === 'POST' && r.url.startsWith(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`));
  assert.ok(refresh, 'no token request for the refresh');
  assert.match(refresh.body, /grant_type=refresh_token/);
  await screenshot('refreshed');
});
