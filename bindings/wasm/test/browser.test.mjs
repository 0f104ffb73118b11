// The browser demo in headless Chromium (Debian's chromium, driven by playwright-core;
// TOOLCHAINS.md's recipe): the steps issue 20 names, each with a screenshot under
// target/demo-screenshots/. The page is served from the repository's root by a static
// server started here, and every request outside it is refused and counted: the page
// works from its static files alone.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, dirname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'));
const SHOTS = join(ROOT, 'target', 'demo-screenshots');
const CHROMIUM = process.env.TEHO_CHROMIUM ?? '/usr/bin/chromium';
const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };

let server;
let browser;
let page;
let base;
const outside = [];

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: scripts/test installs Debian's chromium`);
  const { chromium } = await import('playwright-core');
  server = createServer((req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${server.address().port}`;
  // Playwright gives the browser a fresh profile of its own, removed when it closes.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith(base)) return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${base}/bindings/wasm/demo/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 }).catch((e) => {
    throw new Error(`the page did not start: ${errors.join('; ') || e.message}`);
  });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const as = async (actor) => {
  await page.click(`button[data-actor="${actor}"]`);
  await page.waitForSelector(`button[data-actor="${actor}"][aria-selected="true"]`);
};
/** Laine's visit of Tuesday 13 October, 09:00 (Tallinn), in the week grid. */
const tuesdayCare = () => page.locator('[data-testid="visit"]', { hasText: '09:00–09:45' }).filter({ hasText: 'Morning care' }).nth(1);

test('the home view of the care worker: clients, today, notifications', async () => {
  await as('cw');
  const home = page.locator('[data-testid="home"]');
  await assert.doesNotReject(home.getByText('Laine Kask').first().waitFor());
  assert.match(await page.locator('[data-testid="today"]').innerText(), /Morning care/);
  assert.match(await page.locator('[data-testid="chain"]').innerText(), /Chain verified: \d+ entries, intact/);
  await shot('01-home-care-worker');
});

test('a not-done mark with no reason shows the typed error and changes nothing', async () => {
  const visit = tuesdayCare();
  assert.equal(await visit.getAttribute('data-status'), 'Planned');
  await visit.locator('[data-testid="mark-not-done"]').click();
  const error = visit.locator('[data-testid="mark-error"]');
  await error.waitFor();
  assert.match(await error.innerText(), /^ReasonRequired: /);
  assert.equal(await tuesdayCare().getAttribute('data-status'), 'Planned');
  await shot('02-not-done-without-reason');
});

test('a not-done mark with a reason is recorded', async () => {
  const visit = tuesdayCare();
  await visit.locator('[data-testid="reason-select"]').selectOption('ClientNotAtHome');
  await visit.locator('[data-testid="reason-text"]').fill('No answer; the neighbour says she is at her son\'s');
  await visit.locator('[data-testid="mark-not-done"]').click();
  await page.waitForSelector('[data-testid="visit"][data-status="NotDone"] >> text=the neighbour says she is at her son');
  await shot('03-not-done-with-reason');
});

test('the relative sees the reason, and not the nurse\'s domain-only detail', async () => {
  await as('nurse');
  assert.match(await page.locator('[data-testid="log"]').innerText(), /Wound 3 cm, clean, dressing changed/,
    'the nurse sees her own domain\'s detail (the control)');
  await as('relative');
  const calendar = await page.locator('[data-testid="calendar"]').innerText();
  assert.match(calendar, /ClientNotAtHome: No answer; the neighbour says she is at her son's/);
  const log = await page.locator('[data-testid="log"]').innerText();
  assert.match(log, /Wound care/, 'the nursing visit is in the relative\'s log');
  assert.doesNotMatch(log, /Wound 3 cm/);
  assert.equal(await page.locator('[data-testid="detail"]').count(), 0);
  await shot('04-relative');
});

test('the departed worker is refused with the reason', async () => {
  await as('departed_cw');
  const refused = page.locator('[data-testid="home-refused"]');
  await refused.waitFor();
  assert.match(await refused.innerText(), /Refused: .*not employed on 2026-10-13/);
  assert.match(await page.locator('[data-testid="card"]').innerText(), /Refused:/);
  await shot('05-departed-worker');
});

test('the supervisor reads for a supervision case, and the client sees it in her access log', async () => {
  await as('supervisor');
  assert.match(await page.locator('[data-testid="card"]').innerText(), /Punane 16-4/);
  assert.match(await page.locator('[data-testid="access-log"]').innerText(),
    /Kersti Kontroll \(Sotsiaalkindlustusamet\): client_card\.read, for supervision SKA 7\.2-1\/2026\/118 — allowed/);
  await shot('06-supervisor');
});

test('past a worker\'s last day she is refused', async () => {
  await as('other_cw');
  assert.match(await page.locator('[data-testid="clients"]').innerText(), /Helju Tamm/);
  await page.getByRole('button', { name: /Fri 16 Oct 16:00/ }).click();
  await page.waitForSelector('[data-testid="now"] >> text=Friday, 16 October 2026, 16:00');
  assert.match(await page.locator('[data-testid="home-refused"]').innerText(), /Refused: .*not employed on 2026-10-16/);
  await shot('07-worker-after-her-last-day');
});

test('past the substitution the substitute is refused', async () => {
  await as('substitute');
  assert.match(await page.locator('[data-testid="card"]').innerText(), /Punane 16-4/);
  await page.getByRole('button', { name: /Mon 19 Oct 09:00/ }).click();
  await page.waitForSelector('[data-testid="now"] >> text=Monday, 19 October 2026, 09:00');
  const card = await page.locator('[data-testid="card"]').innerText();
  assert.match(card, /Refused: .*substitution valid 2026-10-12 \.\. 2026-10-16/);
  assert.doesNotMatch(card, /Punane 16-4/);
  await shot('08-substitute-after-the-substitution');
});

test('a manager changes a plan item\'s recurrence and sees the regeneration', async () => {
  await as('cm');
  await page.getByRole('button', { name: 'Tue 13 Oct 14:00' }).isVisible();
  const visit = page.locator('[data-testid="visit"]', { hasText: 'Morning care' }).first();
  await visit.getByRole('button', { name: 'Its plan' }).click();
  const plan = visit.locator('[data-testid="plan"]');
  assert.match(await plan.innerText(), /HOOLD-01/);
  // Weekdays only from now on: the weekend visits go, the recorded ones stay.
  for (const day of ['SA', 'SU']) await plan.getByLabel(day).uncheck();
  await plan.getByRole('button', { name: 'Change and regenerate' }).click();
  const notice = await page.locator('[data-testid="notice"]').innerText();
  assert.match(notice, /Regenerated Morning care: washing, breakfast: \d+ added, [1-9]\d* removed, \d+ kept because recorded, \d+ kept because moved by hand/);
  // This week's grid follows: no morning care on Saturday or Sunday any more.
  const days = page.locator('[data-testid="calendar"] .day');
  assert.match(await days.nth(4).innerText(), /Morning care/);
  for (const weekend of [5, 6]) assert.doesNotMatch(await days.nth(weekend).innerText(), /Morning care/);
  await shot('09-plan-changed');
});

test('over the daylight-saving change the visits keep their Tallinn time', async () => {
  // Sunday 25 October 2026, 04:00 EEST became 03:00 EET: Laine's morning care stays at
  // 09:00 in Tallinn, which is 06:00 UTC the week before and 07:00 UTC after.
  await page.getByRole('button', { name: /Mon 26 Oct 09:00/ }).click();
  await page.waitForSelector('[data-testid="now"] >> text=Monday, 26 October 2026, 09:00');
  const care = (day) => page.locator('[data-testid="calendar"] .day').nth(day)
    .locator('[data-testid="visit"]', { hasText: 'Morning care' }).first().locator('.when');
  assert.match(await page.locator('.weekbar').innerText(), /Week of Mon 26 Oct – Sun 1 Nov/);
  assert.equal(await care(0).innerText(), '09:00–09:45');
  assert.equal(await care(0).getAttribute('data-utc'), '2026-10-26T07:00:00Z');
  await page.getByRole('button', { name: '← Previous week' }).click();
  assert.match(await page.locator('.weekbar').innerText(), /Week of Mon 19 Oct – Sun 25 Oct/);
  assert.equal(await care(4).innerText(), '09:00–09:45');
  assert.equal(await care(4).getAttribute('data-utc'), '2026-10-23T06:00:00Z');
  await shot('10-after-the-dst-change');
});

test('the audit panel verifies the chain, live and against a checkpoint; nothing left the page', async () => {
  assert.match(await page.locator('[data-testid="chain"]').innerText(), /Chain verified: \d+ entries, intact/);
  await page.getByRole('button', { name: 'Take a checkpoint' }).click();
  await page.getByRole('button', { name: 'Verify against it' }).click();
  assert.match(await page.locator('[data-testid="checkpoint"]').innerText(), /Verified against the checkpoint at entry \d+/);
  // Every call is listed, allowed, refused (the departed worker, the substitute) and
  // failed (the mark with no reason).
  const counts = await page.locator('#calls-count').innerText();
  assert.match(counts, /[1-9]\d* refused/);
  assert.match(counts, /[1-9]\d* failed/);
  assert.match(await page.locator('[data-testid="calls"]').innerText(), /verifyAudit/);
  assert.match(await page.locator('[data-testid="access-log"]').innerText(), /Kask|Haab|Remmel/);
  await shot('11-audit');
  assert.deepEqual(outside, [], 'requests outside the static files');
});
