// The demo story in a real browser (Playwright's playwright-core driving Debian's Chromium):
// admin sets Selected group, a viewer outside the group sees no LinkedIn and the reason says
// why, the admin adds the viewer to a nested group (and lets nested membership count), a user
// connects LinkedIn through the consent page, the card shows the connected view, the admin
// sets No, the card shows none. Each step is asserted on the page and screenshotted to
// tests/browser/artifacts/. Needs TENANTSIM_URL (run.sh sets it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.TENANTSIM_URL;
const TENANT = 'c0a70550-0000-4000-8000-000000000001';
const UI = `${BASE}/_tenantsim/ui/t/${TENANT}`;
const NESTOR = 'c0a70550-0000-4000-8000-000000000107';
const MEGAN = 'c0a70550-0000-4000-8000-000000000104';
const RETAIL_EUROPE = 'c0a70550-0000-4000-8000-000000000202';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const STEP_TIMEOUT = 15_000;

let browser;
let page;
let shot = 0;

async function screenshot(name) {
  shot += 1;
  const file = join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function card(viewer, person) {
  await page.goto(`${UI}/card?viewer=${viewer}&person=${person}`);
  await page.locator('#linkedin-shown').waitFor();
  return page.locator('#linkedin-shown').getAttribute('data-shown');
}

async function decisive() {
  const step = page.locator('ol.reasons li.decisive');
  return (await step.count()) === 0 ? null : { check: await step.getAttribute('data-check'), text: await step.innerText() };
}

async function setLinkedIn(choice, groupName) {
  await page.goto(`${UI}/admin`);
  await page.getByRole('radio', { name: choice, exact: true }).check();
  if (groupName) {
    await page.getByLabel('Search groups by name').fill(groupName.slice(0, 8));
    await page.getByRole('radio', { name: new RegExp(`^${groupName}`) }).check();
  }
  await Promise.all([page.waitForURL(/saved=/), page.getByRole('button', { name: 'Save', exact: true }).first().click()]);
  await page.getByRole('status').filter({ hasText: 'Saved: LinkedIn account connections' }).waitFor();
}

before(async () => {
  assert.ok(BASE, 'TENANTSIM_URL is not set (run tests/browser/run.sh)');
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(STEP_TIMEOUT);
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
});

test('1. the admin sets LinkedIn account connections to Selected group = LinkedIn Pilot', { timeout: 60_000 }, async () => {
  await setLinkedIn('Selected group', 'LinkedIn Pilot');
  assert.equal(await page.getByRole('radio', { name: 'Selected group', exact: true }).isChecked(), true);
  assert.equal(await page.getByRole('radio', { name: /^LinkedIn Pilot/ }).isChecked(), true);
  // A dynamic group is listed but cannot be chosen, with the reason.
  await page.getByLabel('Search groups by name').fill('');
  assert.equal(await page.getByRole('radio', { name: /^All Seattle users/ }).isDisabled(), true);
  assert.match(await page.locator('#group-list').innerText(), /dynamic membership: can't be the selected group/);
  await screenshot('admin-selected-group');
});

test('2. Nestor (connected, outside the group) sees no LinkedIn, and the reason says why', { timeout: 60_000 }, async () => {
  assert.equal(await card(NESTOR, MEGAN), 'none');
  const step = await decisive();
  assert.equal(step.check, 'selectedGroup');
  assert.match(step.text, /not a member of the selected group 'LinkedIn Pilot'/);
  // His own connection is fine: the group is what decides.
  assert.match(await page.locator('li[data-check=viewerConnection]').innerText(), /notEvaluated/);
  await screenshot('card-nestor-outside-group');
});

test('3. the admin adds Nestor to the nested group Retail Europe and lets nested membership count', { timeout: 60_000 }, async () => {
  await page.goto(`${BASE}/_tenantsim/ui/t/${TENANT}/groups?group=${RETAIL_EUROPE}`);
  await page.getByLabel('Add a member').selectOption(NESTOR);
  await Promise.all([page.waitForURL(/done=added/), page.getByRole('button', { name: 'Add member' }).click()]);
  await page.locator('#members').getByText('Nestor Wilke').waitFor();
  assert.match(await page.locator('#nested-note').innerText(), /nested in the LinkedIn selected group 'LinkedIn Pilot'.*currently off/s);
  await screenshot('groups-nestor-added-to-retail-europe');

  // Direct members only (tenantsim's default, D4): still no LinkedIn, and the reason shows the path.
  assert.equal(await card(NESTOR, MEGAN), 'none');
  const step = await decisive();
  assert.equal(step.check, 'selectedGroup');
  assert.match(step.text, /only through nested groups/);
  assert.match(step.text, /viewer → Retail Europe → LinkedIn Pilot/);
  await screenshot('card-nestor-nested-only');

  await page.goto(`${UI}/admin`);
  await page.getByLabel(/nested in the selected group count/).check();
  await Promise.all([page.waitForURL(/saved=/), page.getByRole('button', { name: 'Save options' }).click()]);
  assert.equal(await page.getByLabel(/nested in the selected group count/).isChecked(), true);
  await screenshot('admin-nested-membership-on');

  assert.equal(await card(NESTOR, MEGAN), 'connected');
  assert.equal(await decisive(), null);
  assert.match(await page.locator('li[data-check=selectedGroup]').innerText(), /through nested groups/);
  await screenshot('card-nestor-connected-via-nested-group');
});

test('4. Megan (not connected) signs in and connects LinkedIn through the consent page', { timeout: 90_000 }, async () => {
  await page.goto(`${UI}/account`);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const pick = page.locator('input[type=radio][name=username][value="MeganB@contoso.onmicrosoft.com"]');
  if (await pick.count()) {
    await pick.check();
  } else {
    await page.locator('#username').fill('MeganB@contoso.onmicrosoft.com');
  }
  await page.locator('#password').fill('Passw0rd!');
  await screenshot('sign-in-page');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#signed-in-as').waitFor();
  assert.match(await page.locator('#signed-in-as').innerText(), /Megan Bowen/);
  assert.match(await page.locator('#linkedin-state').innerText(), /Not connected/);
  await screenshot('account-megan-not-connected');

  await page.getByRole('link', { name: 'Connect LinkedIn' }).click();
  await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  assert.match(await page.locator('body').innerText(), /LinkedIn/);
  await screenshot('consent-page-linkedin');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.waitForURL(/linkedIn=connected/);
  assert.match(await page.getByRole('status').first().innerText(), /connected/);
  assert.match(await page.locator('#linkedin-state').innerText(), /Connected \(Bound\)/);
  await screenshot('account-megan-connected');
});

test('5. the card shows the connected view: degree and mutual connections', { timeout: 60_000 }, async () => {
  assert.equal(await card(MEGAN, NESTOR), 'connected');
  assert.equal(await decisive(), null);
  assert.match(await page.locator('#linkedin-degree').innerText(), /1st-degree connection/);
  assert.match(await page.locator('li[data-check=viewerConnection]').innerText(), /connected their LinkedIn account/);
  await screenshot('card-megan-connected');
});

test('6. the admin sets No, and the card shows no LinkedIn', { timeout: 60_000 }, async () => {
  await setLinkedIn('No');
  await screenshot('admin-no');
  assert.equal(await card(MEGAN, NESTOR), 'none');
  const step = await decisive();
  assert.equal(step.check, 'tenantSetting');
  assert.match(step.text, /LinkedIn account connections: No/);
  await screenshot('card-megan-none');
});
