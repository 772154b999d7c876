// Real-browser end-to-end tests: starts `pantau serve --demo` on a fresh SQLite file, drives
// Debian's chromium through playwright-core, and saves a screenshot of each main page under
// target/e2e/. Any page error or console error (a CSP violation, a broken script) fails the run.
//
//   PANTAU_BIN=target/debug/pantau node e2e/run.mjs
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import assert from 'node:assert/strict';

const bin = process.env.PANTAU_BIN || 'target/debug/pantau';
const out = process.env.PANTAU_E2E_OUT || 'target/e2e';
const password = 'Pantau-Demo-2026';
fs.mkdirSync(out, { recursive: true });

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pantau-e2e-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(bin, ['serve', '--demo', '--addr', `127.0.0.1:${port}`, '--data-dir', tmp], {
  env: { ...process.env, PANTAU_DATABASE_URL: `sqlite://${tmp}/e2e.db`, RUST_LOG: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => server.kill('SIGTERM');
process.on('exit', stop);

const started = Date.now();
for (;;) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  if (Date.now() - started > 180_000) throw new Error('server did not start within 3 minutes');
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`server ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

const results = [];
async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push([name, 'ok', Date.now() - t]);
    console.log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    results.push([name, 'FAILED', Date.now() - t]);
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

/** A signed-in page that records script and console errors. */
async function signIn(username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  assert.ok(!page.url().includes('/login'), `${username} is signed in (at ${page.url()})`);
  return page;
}

/** A signed-in phone (390 px) that records script errors. */
async function signInPhone(username) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const phone = await context.newPage();
  phone.errors = [];
  phone.on('pageerror', (e) => phone.errors.push(`pageerror: ${e.message}`));
  await phone.goto(`${base}/login`);
  await phone.fill('input[name=username]', username);
  await phone.fill('input[name=password]', password);
  await Promise.all([phone.waitForNavigation(), phone.click('form[action="/login"] button[type=submit]')]);
  return phone;
}

/** The first item of the phone's outbox that `pick` accepts. */
async function outboxItem(phone, pick) {
  const items = await phone.evaluate(() => new Promise((ok) => {
    const req = indexedDB.open('pantau', 1);
    req.onsuccess = () => {
      const all = req.result.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => ok(all.result);
    };
  }));
  return items.find(pick);
}

/** Sends an outbox item again with its own key, as a phone whose answer was lost would. */
async function resend(phone, item) {
  return phone.request.post(`${base}${item.url}`, {
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': item.csrf, 'Idempotency-Key': item.key },
    data: JSON.stringify(item.body),
  });
}

/** A camera-sized JPEG (3000 × 2000 px), drawn in the page. */
async function cameraPhoto(page) {
  const b64 = await page.evaluate(() => new Promise((ok) => {
    const c = document.createElement('canvas');
    c.width = 3000;
    c.height = 2000;
    const g = c.getContext('2d');
    for (let i = 0; i < 60; i++) {
      g.fillStyle = `hsl(${i * 6}, 70%, 50%)`;
      g.fillRect((i % 10) * 300, Math.floor(i / 10) * 334, 300, 334);
    }
    c.toBlob((b) => {
      const r = new FileReader();
      r.onload = () => ok(String(r.result).split(',')[1]);
      r.readAsDataURL(b);
    }, 'image/jpeg', 0.95);
  }));
  return { name: 'kamera.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

/** Opens a field page once with a connection under the service worker, then cuts the signal. */
async function offlineAt(phone, url) {
  await phone.goto(url);
  // The worker takes the page over once installed; a page opened while it was still
  // installing is taken over after a reload.
  const controlled = () => phone.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 10000 });
  await controlled().catch(async () => {
    await phone.reload();
    await controlled();
  });
  await phone.reload();
  await phone.context().setOffline(true);
  await phone.reload();
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
  assert.deepEqual(page.errors, [], `no script or console errors on ${name}`);
}

const roles = [
  'admin.pusat', 'analis.pusat', 'pimpinan.pusat', 'bnnp.jabar', 'bnnk.bandung',
  'operator.lembaga', 'fasilitator.ikai', 'pelapor.unit',
];
for (const user of roles) {
  await step(`login as ${user}`, async () => {
    const page = await signIn(user);
    await page.waitForSelector('a[href="/akun"]');
    await shot(page, `home-${user}`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
    assert.ok(page.url().includes('/login'));
    await page.context().close();
  });
}

/** The count shown on the home page for one kind of task (0 when it is not listed). */
async function taskCount(page, kind) {
  await page.goto(`${base}/`);
  const link = page.locator(`section.tasks a[href="/tugas/${kind}"] .count`);
  return (await link.count()) ? Number(await link.textContent()) : 0;
}

await step('Tugas saya: every role sees what waits for it', async () => {
  // What each demo role finds waiting on its home page.
  const expected = {
    'admin.pusat': 'report_late',
    'analis.pusat': 'unit_silent',
    'pimpinan.pusat': 'unit_silent',
    'bnnp.jabar': 'report_late',
    'bnnk.bandung': 'report_late',
    'operator.lembaga': 'sni_draft',
    'fasilitator.ikai': 'sni_action_overdue',
  };
  for (const [user, kind] of Object.entries(expected)) {
    const page = await signIn(user);
    assert.ok((await page.textContent('section.tasks h2')).includes('Tugas saya'), `${user}: Tugas saya`);
    assert.ok((await taskCount(page, kind)) > 0, `${user} has ${kind} waiting`);
    await Promise.all([page.waitForNavigation(), page.click(`section.tasks a[href="/tugas/${kind}"]`)]);
    assert.ok((await page.locator('table tbody tr').count()) > 0, `${user}: the ${kind} list has records`);
    await shot(page, `tasks-${user}`);
    await page.context().close();
  }
});

await step('Tugas saya: a late report, once sent, leaves the list with a confirmation', async () => {
  const page = await signIn('bnnk.bandung');
  const before = await taskCount(page, 'report_late');
  assert.ok(before > 0, 'a late report waits');
  await page.goto(`${base}/tugas/report_late`);
  await Promise.all([page.waitForNavigation(), page.locator('table tbody a').first().click()]);
  // The last period without a report is the one past its due date.
  // (the last twelve periods are in view; older ones fold away below them)
  const missing = page.locator('ul.periods').first().locator('li.state-tidak_ada a');
  assert.ok((await missing.count()) > 0, 'the unit shows its missing periods');
  await Promise.all([page.waitForNavigation(), missing.last().click()]);
  await page.locator('form[action$="/laporan"] input[type=number]').first().fill('2');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/laporan"] button[type=submit]')]);
  assert.ok((await page.textContent('p.flash')).includes('Laporan terkirim'), 'the save is confirmed');
  await shot(page, 'report-confirmed');
  assert.equal(await taskCount(page, 'report_late'), before - 1, 'the report left the list');
  await page.context().close();
});

await step('start where I work: a BNNK officer lands on its own units', async () => {
  const page = await signIn('bnnk.bandung');
  await page.goto(`${base}/dasbor`);
  assert.ok((await page.textContent('h1')).includes('Kota Bandung'), 'the dashboard opens on the office');
  assert.equal(await page.locator('nav.crumbs a', { hasText: 'Nasional' }).count(), 0, 'no way up past the scope');
  await page.waitForSelector('.chart svg', { timeout: 15_000 });
  await shot(page, 'dashboard-bnnk');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'dashboard-bnnk-390');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/ibm/target`);
  assert.ok((await page.textContent('h1')).includes('Kota Bandung'), 'the target table opens on the office');
  for (const href of await page.locator('table a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
    const res = await page.request.get(`${base}${href}`);
    assert.notEqual(res.status(), 403, `${href} is not refused`);
  }
  await page.context().close();
});

await step('a read-only role sees no write control on a unit page', async () => {
  const page = await signIn('pimpinan.pusat');
  await page.goto(`${base}/ibm`);
  await Promise.all([page.waitForNavigation(), page.locator('table a[href^="/ibm/"]').first().click()]);
  for (const form of ['/laporan', '/kunjungan', '/tindakan/', '/evaluasi', '/status', '/tahun', '/agen']) {
    assert.equal(await page.locator(`form[action*="${form}"]`).count(), 0, `no ${form} form`);
  }
  assert.equal(await page.locator('a[href$="/laporan"]').count(), 0, 'no "Kirim laporan"');
  await shot(page, 'unit-read-only');
  await page.context().close();
});

await step('an SNI self-assessment keeps its unsaved scores across an evidence upload', async () => {
  const page = await signIn('operator.lembaga');
  await page.goto(`${base}/tugas/sni_draft`);
  await Promise.all([page.waitForNavigation(), page.locator('table tbody a').first().click()]);
  const radios = page.locator('input[type=radio][form=score-form]');
  // Choose, for the first requirement, a score other than the one stored.
  const name = await radios.first().getAttribute('name');
  const choices = page.locator(`input[type=radio][name="${name}"]`);
  const unchecked = choices.locator(':scope:not(:checked)').first();
  const value = await unchecked.getAttribute('value');
  await unchecked.check();
  const comment = `komentar e2e ${Date.now()}`;
  await page.locator('input[form=score-form][name^="comment_"]').first().fill(comment);
  const upload = page.locator('form.upload').first();
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e1d1f70000000049454e44ae426082',
    'hex',
  );
  await upload.locator('input[type=file]').setInputFiles({ name: 'bukti-simpan.png', mimeType: 'image/png', buffer: png });
  await Promise.all([page.waitForNavigation(), upload.locator('button').click()]);
  assert.ok((await page.content()).includes('bukti-simpan.png'), 'the file is listed');
  assert.ok(await page.locator(`input[type=radio][name="${name}"][value="${value}"]`).isChecked(), 'the score chosen is kept');
  assert.equal(await page.locator('input[form=score-form][name^="comment_"]').first().inputValue(), comment, 'the comment is kept');
  await shot(page, 'sni-scores-kept');
  await page.context().close();
});

await step('two officers save the same evaluation: the second sees both versions, nothing lost', async () => {
  const first = await signIn('bnnk.bandung');
  const second = await signIn('bnnk.bandung');
  await first.goto(`${base}/tugas/report_due`);
  const unit = await first.locator('table tbody a').first().getAttribute('href');
  const unitUrl = `${base}${unit.split('#')[0]}`;
  await first.goto(unitUrl);
  await second.goto(unitUrl);
  const form = (p) => p.locator('form[action$="/evaluasi"]');
  await form(first).locator('textarea[name=solutions]').fill('Rapat koordinasi dengan kepala desa');
  await Promise.all([first.waitForNavigation(), form(first).locator('button[type=submit]').click()]);
  assert.ok((await first.textContent('p.flash')).includes('Tersimpan'), 'the first save is confirmed');
  await form(second).locator('textarea[name=solutions]').fill('Pelatihan ulang Agen Pemulihan');
  await Promise.all([second.waitForNavigation(), form(second).locator('button[type=submit]').click()]);
  assert.ok((await second.textContent('p[role=alert]')).includes('diubah orang lain'), 'the second is refused');
  const conflict = await second.textContent('#evaluasi-bentrok');
  assert.ok(conflict.includes('Pelatihan ulang Agen Pemulihan'), 'what the second officer typed is shown');
  assert.equal(await form(second).locator('textarea[name=solutions]').inputValue(), 'Rapat koordinasi dengan kepala desa', 'beside what is stored');
  await second.locator('#evaluasi-bentrok').scrollIntoViewIfNeeded();
  // The refusal is answered 409 Conflict on purpose; the browser logs that status.
  second.errors = second.errors.filter((e) => !e.includes('status of 409'));
  await shot(second, 'evaluation-conflict');
  await first.context().close();
  await second.context().close();
});

await step('a unit reporter on a phone reports for its unit; an officer typing the same month sees both', async () => {
  const phone = await signInPhone('pelapor.unit');
  const context = phone.context();
  const unitUrl = phone.url().split('?')[0].split('#')[0];
  assert.match(unitUrl, /\/ibm\/\d+$/, `the reporter lands on its unit (at ${unitUrl})`);
  assert.equal(await phone.locator('a[href="/dasbor"]').count(), 0, 'no dashboard for a reporter');
  assert.equal(await phone.locator('form[action*="/kunjungan"]').count(), 0, 'no visit form');
  await shot(phone, 'reporter-unit-390');
  // The officer opens the same month first, then the reporter sends it.
  const officer = await signIn('bnnk.bandung');
  await officer.goto(`${unitUrl}/laporan?period=2026-09`);
  await phone.goto(`${unitUrl}/laporan?period=2026-09`);
  await phone.locator('form[action$="/laporan"] input[type=number]').first().fill('7');
  await shot(phone, 'reporter-report-390');
  await Promise.all([phone.waitForNavigation(), phone.click('form[action$="/laporan"] button[type=submit]')]);
  assert.ok((await phone.textContent('p.flash')).includes('Laporan terkirim'), 'the reporter is told it was sent');
  assert.equal((await phone.request.get(`${base}/dasbor`)).status(), 403, 'the dashboard is refused');
  const field = officer.locator('form[action$="/laporan"] input[type=number]').first();
  await field.fill('9');
  const [answer] = await Promise.all([
    officer.waitForResponse((r) => r.url().endsWith('/laporan') && r.request().method() === 'POST'),
    officer.click('form[action$="/laporan"] button[type=submit]'),
  ]);
  assert.equal(answer.status(), 409, 'the officer is not allowed to overwrite unseen');
  await officer.waitForSelector('p[role=alert]');
  assert.ok((await officer.textContent('p[role=alert]')).includes('diubah orang lain'), 'and is told why');
  assert.equal(await field.inputValue(), '9', 'what the officer typed is kept');
  assert.ok((await officer.textContent('main')).includes('pelapor.unit'), 'and who sent the stored report');
  assert.ok((await officer.locator('small.stored').first().textContent()).includes('Tersimpan: 7'), 'with the stored figure under it');
  officer.errors = officer.errors.filter((e) => !e.includes('status of 409'));
  await shot(officer, 'report-conflict');
  await context.close();
  await officer.context().close();
});

await step('the field pages are light: a reporter\'s first visit transfers under 100 KB', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  // Signed in without opening the sign-in page, so that nothing is in the browser's cache yet.
  const login = await context.request.get(`${base}/login`);
  assert.equal(login.status(), 200);
  const csrf = (await context.cookies()).find((c) => c.name === 'pantau_login_csrf').value;
  const signed = await context.request.post(`${base}/login`, {
    form: { username: 'pelapor.unit', password, csrf_token: csrf }, maxRedirects: 0,
  });
  assert.equal(signed.status(), 303);
  const phone = await context.newPage();
  let bytes = 0;
  const sizes = [];
  phone.on('response', async (r) => {
    const n = (await r.body().catch(() => Buffer.alloc(0))).length;
    bytes += n;
    sizes.push(`${new URL(r.url()).pathname} ${n}`);
  });
  await phone.goto(`${base}/`, { waitUntil: 'networkidle' });
  const unitUrl = phone.url();
  assert.match(unitUrl, /\/ibm\/\d+$/);
  const onUnit = bytes;
  await phone.goto(`${unitUrl}/laporan?period=2026-07`, { waitUntil: 'networkidle' });
  console.log(`     field pages: unit page ${onUnit} B, then the report form ${bytes - onUnit} B (${sizes.length} responses)`);
  assert.ok(onUnit < 100 * 1024, `the unit page on a first visit: ${onUnit} B (${sizes.join(', ')})`);
  assert.ok(bytes < 100 * 1024, `the unit page and the report form: ${bytes} B (${sizes.join(', ')})`);
  await context.close();
  // The same first visit over an emulated 3G line (750 kbit/s down, 250 up, 100 ms): reported,
  // not asserted (timings belong to measurements, not to tests).
  const slow = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const line = await slow.newPage();
  const cdp = await slow.newCDPSession(line);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 100, downloadThroughput: (750 * 1024) / 8, uploadThroughput: (250 * 1024) / 8,
  });
  await line.goto(`${base}/login`);
  await line.fill('input[name=username]', 'pelapor.unit');
  await line.fill('input[name=password]', password);
  const t0 = Date.now();
  await Promise.all([line.waitForNavigation({ waitUntil: 'load' }), line.click('form[action="/login"] button[type=submit]')]);
  const unitMs = Date.now() - t0;
  const t1 = Date.now();
  await line.goto(`${line.url().split('?')[0]}/laporan?period=2026-07`, { waitUntil: 'load' });
  console.log(`     over emulated 3G: sign-in to the unit page ${unitMs} ms, the report form ${Date.now() - t1} ms`);
  await slow.close();
});

await step('offline in the field: a report typed without signal waits on the phone and arrives once', async () => {
  const phone = await signInPhone('pelapor.unit');
  const context = phone.context();
  const unitUrl = phone.url().split('?')[0].split('#')[0];
  const unitId = unitUrl.split('/').pop();
  const formUrl = `${unitUrl}/laporan?period=2026-08`;
  // Opened once with a connection, under the service worker: kept for the field.
  await offlineAt(phone, formUrl);
  assert.ok(await phone.locator('form[data-outbox]').count(), 'the form opens without a connection');
  await phone.locator('form[data-outbox] input[type=number]').first().fill('11');
  await phone.click('form[data-outbox] button[type=submit]');
  await phone.waitForSelector('#outbox .outbox-waiting');
  assert.ok((await phone.textContent('#outbox')).includes('1 isian menunggu dikirim'), 'the phone shows what waits');
  assert.ok(await phone.isVisible('#outbox-queued'), 'and says it is kept on the device');
  await phone.reload();
  await phone.waitForSelector('#outbox .outbox-waiting');
  await phone.waitForFunction(() => document.querySelector('form[data-outbox] input[type=number]').value === '11');
  await shot(phone, 'outbox-waiting-390');
  // The signal returns: the report is sent, once.
  await context.setOffline(false);
  await phone.waitForSelector('#outbox .outbox-sent', { timeout: 15000 });
  assert.ok((await phone.textContent('#outbox')).includes('1 isian dari perangkat ini sudah terkirim'));
  const stored = await phone.request.get(`${base}/api/v1/ibm/units/${unitId}/reports/2026-08`);
  assert.equal(stored.status(), 200, 'the report arrived');
  const report = (await stored.json()).report;
  assert.equal(report.submitted_by, 'pelapor.unit');
  assert.ok(report.lines.some((l) => l.count === 11), 'with the figure typed offline');
  // A retry of the same request (the answer lost on the way) writes nothing new.
  const again = await resend(phone, await outboxItem(phone, (i) => i.url.endsWith('/reports')));
  assert.equal(again.status(), 200);
  assert.equal(again.headers()['idempotent-replayed'], 'true', 'the retry gets the first answer');
  const after = (await (await phone.request.get(`${base}/api/v1/ibm/units/${unitId}/reports/2026-08`)).json()).report;
  assert.equal(after.version, report.version, 'and changes nothing');
  await shot(phone, 'outbox-sent-390');
  await context.close();
});

await step('a connection lost in the middle of a send: the report waits on the phone and is written once', async () => {
  const phone = await signInPhone('pelapor.unit');
  const unitUrl = phone.url().split('?')[0].split('#')[0];
  const unitId = unitUrl.split('/').pop();
  const stored = async () => phone.request.get(`${base}/api/v1/ibm/units/${unitId}/reports/2026-11`);
  assert.equal((await stored()).status(), 404, 'no report for the month yet');
  await phone.goto(`${unitUrl}/laporan?period=2026-11`);
  // The first send reaches the server and is written; its answer is lost on the way back.
  let sends = 0;
  await phone.route('**/api/v1/ibm/units/*/reports', async (route) => {
    sends += 1;
    if (sends === 1) {
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await phone.locator('form[data-outbox] input[type=number]').first().fill('13');
  await phone.click('form[data-outbox] button[type=submit]');
  await phone.waitForSelector('#outbox .outbox-sent', { timeout: 15000 });
  assert.ok(sends >= 2, `sent again from the outbox (${sends} sends)`);
  const report = (await (await stored()).json()).report;
  assert.ok(report.lines.some((l) => l.count === 13), 'the figure typed arrived');
  assert.equal(report.version, 1, 'written once, not corrected by the second send');
  phone.errors = phone.errors.filter((e) => !e.includes('Failed to fetch'));
  await shot(phone, 'outbox-after-drop-390');
  await phone.context().close();
});

let fieldUnitUrl = null;
await step('offline in the field: an action follow-up with a photo waits on the phone, arrives once, shrunk to 1,600 px', async () => {
  const phone = await signInPhone('pelapor.unit');
  const context = phone.context();
  const unitUrl = phone.url().split('?')[0].split('#')[0];
  const unitId = unitUrl.split('/').pop();
  fieldUnitUrl = unitUrl;
  const photo = await cameraPhoto(phone);
  // Online, a follow-up with nothing in it is refused above its form; the page stays.
  const blank = phone.locator('form[data-outbox-kind="follow-up"]').first();
  await blank.locator('button[type=submit]').click();
  await blank.locator('p.outbox-error').waitFor();
  assert.ok((await blank.locator('p.outbox-error').textContent()).includes('Centang'), 'the reason is shown by the form');
  assert.equal(phone.url().split('?')[0].split('#')[0], unitUrl, 'and the page stays');
  await offlineAt(phone, unitUrl);
  const form = phone.locator('form[data-outbox-kind="follow-up"]').first();
  assert.ok(await form.count(), 'the follow-up form opens without a connection');
  await form.locator('input[name=done]').check();
  await form.locator('textarea[name=note]').fill('Papan terpasang (tanpa sinyal)');
  await form.locator('input[type=file]').setInputFiles(photo);
  await form.locator('button[type=submit]').click();
  await phone.waitForSelector('#outbox .outbox-waiting');
  assert.ok((await phone.textContent('#outbox')).includes('1 isian menunggu dikirim'));
  await phone.reload();
  await phone.waitForSelector('#outbox .outbox-waiting');
  await phone.waitForFunction(() => document.querySelector('form[data-outbox-kind="follow-up"] textarea[name=note]').value === 'Papan terpasang (tanpa sinyal)');
  assert.ok(await phone.locator('form[data-outbox-kind="follow-up"] input[name=done]').first().isChecked(), 'the tick is kept too');
  await shot(phone, 'follow-up-waiting-390');
  await context.setOffline(false);
  await phone.waitForSelector('#outbox .outbox-sent', { timeout: 15000 });
  const visits = async () => (await (await phone.request.get(`${base}/api/v1/ibm/units/${unitId}/visits`)).json());
  const mine = (await visits()).follow_ups.filter((f) => f.note === 'Papan terpasang (tanpa sinyal)');
  assert.equal(mine.length, 1, 'the follow-up arrived once');
  assert.equal(mine[0].done, true);
  assert.equal(mine[0].photos.length, 1, 'with its photo');
  const kept = mine[0].photos[0];
  assert.ok(kept.size_bytes < photo.buffer.length, `shrunk on the phone (${kept.size_bytes} B, taken ${photo.buffer.length} B)`);
  const side = await phone.evaluate(async (u) => {
    const img = await createImageBitmap(await (await fetch(u)).blob());
    return Math.max(img.width, img.height);
  }, `${base}/ibm/${unitId}/foto/${kept.id}`);
  assert.equal(side, 1600, 'longest side 1,600 px');
  console.log(`     follow-up photo: taken ${photo.buffer.length} B at 3000 px, sent ${kept.size_bytes} B at ${side} px`);
  // A forced retry of the same request creates nothing new.
  const again = await resend(phone, await outboxItem(phone, (i) => i.url.endsWith('/follow-ups')));
  assert.equal(again.headers()['idempotent-replayed'], 'true', 'the retry gets the first answer');
  assert.equal((await visits()).follow_ups.filter((f) => f.note === 'Papan terpasang (tanpa sinyal)').length, 1, 'and writes nothing');
  await phone.goto(unitUrl);
  assert.ok((await phone.textContent('#tindak-lanjut')).includes('Dilaporkan selesai'), 'the unit page shows it');
  await shot(phone, 'follow-up-sent-390');
  await context.close();
});

await step('offline on a village visit: the officer\'s luring visit with a photo waits and arrives once', async () => {
  const phone = await signInPhone('bnnk.bandung');
  const context = phone.context();
  const unitUrl = fieldUnitUrl || `${base}/ibm/1`;
  const unitId = unitUrl.split('/').pop();
  const visits = async () => (await (await phone.request.get(`${base}/api/v1/ibm/units/${unitId}/visits`)).json()).items;
  const before = (await visits()).length;
  const photo = await cameraPhoto(phone);
  await offlineAt(phone, unitUrl);
  const form = phone.locator('form[data-outbox-kind="visit"]');
  assert.equal(await form.count(), 1, 'the visit form opens without a connection');
  await form.locator('select[name=mode]').selectOption('luring');
  await form.locator('textarea[name=findings]').fill('Kunjungan luring tanpa sinyal');
  await form.locator('input[name=action_description]').first().fill('Lengkapi daftar hadir kegiatan');
  await form.locator('input[name=action_owner]').first().fill('Ketua AP');
  await form.locator('input[name=action_due]').first().fill('2027-01-31');
  await form.locator('input[type=file]').setInputFiles(photo);
  await form.locator('button[type=submit]').click();
  await phone.waitForSelector('#outbox .outbox-waiting');
  await phone.reload();
  await phone.waitForSelector('#outbox .outbox-waiting');
  await phone.waitForFunction(() => document.querySelector('form[data-outbox-kind="visit"] textarea[name=findings]').value === 'Kunjungan luring tanpa sinyal');
  await shot(phone, 'visit-waiting-390');
  await context.setOffline(false);
  await phone.waitForSelector('#outbox .outbox-sent', { timeout: 15000 });
  const after = await visits();
  const mine = after.filter((v) => v.findings === 'Kunjungan luring tanpa sinyal');
  assert.equal(mine.length, 1, 'the visit arrived once');
  assert.equal(after.length, before + 1);
  assert.equal(mine[0].mode, 'luring');
  assert.equal(mine[0].photos.length, 1, 'with its photo');
  assert.equal(mine[0].actions.length, 1, 'and its new action');
  const again = await resend(phone, await outboxItem(phone, (i) => i.url.endsWith('/visits')));
  assert.equal(again.headers()['idempotent-replayed'], 'true', 'the retry gets the first answer');
  assert.equal((await visits()).length, before + 1, 'and writes nothing');
  await context.close();
});

await step('IBM flow: unit → status → report → visit → stage', async () => {
  const page = await signIn('bnnk.bandung');
  await page.goto(`${base}/ibm/baru`);
  await page.fill('input[name=code]', 'IBM-E2E-1');
  await page.fill('input[name=name]', 'Unit E2E Cicendo');
  // The village picker loads each level from the server as the one above is chosen.
  await page.selectOption('#pick-prov', '32');
  await page.waitForSelector('#pick-kab option[value="32.73"]', { state: 'attached' });
  await page.selectOption('#pick-kab', '32.73');
  await page.waitForSelector('#pick-kec option[value^="32.73."]', { state: 'attached' });
  const kec = await page.$eval('#pick-kec option[value^="32.73."]', (o) => o.value);
  await page.selectOption('#pick-kec', kec);
  await page.waitForSelector(`#pick-desa option[value^="${kec}."]`, { state: 'attached' });
  const desa = await page.$eval(`#pick-desa option[value^="${kec}."]`, (o) => o.value);
  await page.selectOption('#pick-desa', desa);
  assert.equal(await page.inputValue('#village-code'), desa, 'the picker fills the village code');
  await page.fill('input[name=decree_number]', 'SK/E2E/2026');
  await shot(page, 'ibm-new-unit');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/ibm"] button[type=submit]')]);
  const unitUrl = page.url().split('?')[0].split('#')[0];
  assert.match(unitUrl, /\/ibm\/\d+$/, 'lands on the new unit');
  for (const status of ['dibentuk', 'ap_dilatih', 'operasional']) {
    await page.selectOption('form[action$="/status"] select[name=status]', status);
    await page.fill('form[action$="/status"] input[name=effective]', '2026-01-05');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/status"] button')]);
  }
  assert.ok((await page.content()).includes('Operasional') || (await page.content()).includes('operasional'));
  await page.goto(`${unitUrl}/laporan?period=2026-01`);
  const first = page.locator('form[action$="/laporan"] input[type=number]').first();
  await first.fill('3');
  await shot(page, 'ibm-report');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/laporan"] button[type=submit]')]);
  await page.goto(unitUrl);
  assert.ok((await page.content()).includes('2026-01'), 'the report shows on the unit page');
  // A monitoring visit (its form fields come from the page itself).
  const visit = page.locator(`form[action*="/kunjungan"]`);
  for (const input of await visit.locator('input[type=date]').all()) await input.fill('2026-02-10');
  for (const area of await visit.locator('textarea').all()) await area.fill('Kunjungan uji e2e');
  for (const input of await visit.locator('input[required]:not([type=date]):not([type=hidden])').all()) {
    if (!(await input.inputValue())) await input.fill('uji');
  }
  await Promise.all([page.waitForNavigation(), visit.locator('button[type=submit]').click()]);
  assert.ok(!page.url().includes('error'), 'the visit is saved');
  await shot(page, 'ibm-unit');
  // The stage assessment: tick the first stage's criteria, save, submit for verification.
  await page.goto(`${unitUrl}/penilaian/2026`);
  const boxes = page.locator('input[type=checkbox]');
  const n = await boxes.count();
  assert.ok(n > 0, 'the assessment lists criteria');
  await boxes.first().check();
  await shot(page, 'ibm-assessment');
  await page.context().close();
});

await step('SNI flow: self-assessment with evidence → cohort dashboard', async () => {
  const page = await signIn('operator.lembaga');
  await page.goto(`${base}/sni`);
  await shot(page, 'sni-home-operator');
  // Cohort → the institution's participation → its assessment.
  await Promise.all([page.waitForNavigation(), page.locator('a[href^="/sni/kohort/"]').first().click()]);
  await Promise.all([page.waitForNavigation(), page.locator('a[href^="/sni/peserta/"]').first().click()]);
  await shot(page, 'sni-participant');
  const assessment = page.locator('a[href^="/sni/penilaian/"]').first();
  assert.ok((await assessment.count()) > 0, 'the operator reaches an assessment');
  await Promise.all([page.waitForNavigation(), assessment.click()]);
  const upload = page.locator('form.upload').first();
  assert.ok((await upload.count()) > 0, 'the operator may attach evidence to its draft');
  {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e1d1f70000000049454e44ae426082',
      'hex',
    );
    await upload.locator('input[type=file]').setInputFiles({ name: 'bukti-e2e.png', mimeType: 'image/png', buffer: png });
    await Promise.all([page.waitForNavigation(), upload.locator('button').click()]);
    assert.ok((await page.content()).includes('bukti-e2e.png'), 'the evidence file is listed');
  }
  await shot(page, 'sni-assessment');
  await page.context().close();
  const admin = await signIn('admin.pusat');
  await admin.goto(`${base}/sni`);
  const cohort = admin.locator('a[href^="/sni/kohort/"]').first();
  await Promise.all([admin.waitForNavigation(), cohort.click()]);
  await shot(admin, 'sni-cohort');
  await admin.context().close();
});

await step('dashboard, map and evaluation pack', async () => {
  const page = await signIn('admin.pusat');
  await page.goto(`${base}/dasbor`);
  // ECharts draws with its SVG renderer.
  await page.waitForSelector('.chart svg', { timeout: 15_000 });
  const charts = await page.locator('.chart svg').count();
  assert.ok(charts >= 2, `charts are drawn (${charts})`);
  await page.waitForSelector('.chart.map svg path', { timeout: 15_000 });
  await shot(page, 'dashboard');
  await page.goto(`${base}/paket`);
  await shot(page, 'pack');
  await page.goto(`${base}/ibm/impor`);
  await shot(page, 'import');
  await page.context().close();
});

await step('a national unit list: preview, then save exactly what was shown', async () => {
  const page = await signIn('bnnk.bandung');
  await page.goto(`${base}/ibm/impor`);
  const rows = ['Kode,Nama,Kode Desa,Tahun Dibentuk,Kategori 2025,Tahap Capaian 2025'];
  for (let i = 0; i < 6; i++) rows.push(`IBM-E2E-${i},Unit E2E ${i},32.73.01.100${1 + (i % 4)},2024,${i % 2 ? 'Berkelanjutan Mandiri' : 'Berkelanjutan'},${i % 3 ? '' : '1'}`);
  const file = path.join(tmp, 'daftar.csv');
  fs.writeFileSync(file, rows.join('\n') + '\n');
  const form = page.locator('form#impor-unit');
  await form.locator('input[type=file]').setInputFiles(file);
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
  assert.ok((await page.textContent('h1')).includes('Pratinjau'), 'a preview first');
  assert.ok((await page.textContent('table.preview')).includes('dari desa'), 'the office comes from the village');
  await shot(page, 'import-preview');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'import-preview-390');
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForNavigation(), page.locator('form[action="/ibm/impor/simpan"] button').click()]);
  assert.ok((await page.content()).includes('Impor tersimpan'), 'saved');
  await shot(page, 'import-saved');
  await page.goto(`${base}/ibm?q=IBM-E2E`);
  assert.ok((await page.content()).includes('IBM-E2E-5'));
  await page.context().close();
});

await step('the map tooltip shows an office name as text, never as markup', async () => {
  const page = await signIn('admin.pusat');
  await page.goto(`${base}/satker`);
  await Promise.all([page.waitForNavigation(), page.locator('a', { hasText: 'BNNP Jawa Barat' }).first().click()]);
  const form = page.locator('form[action$="/struktur"]');
  await form.locator('input[name=name]').fill('BNNP Jawa Barat <img src=x id=xss>');
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
  await page.goto(`${base}/dasbor`);
  await page.waitForSelector('.chart.map svg path', { timeout: 15_000 });
  const shown = await page.evaluate(async () => {
    const chart = window.echarts.getInstanceByDom(document.querySelector('.chart.map'));
    chart.dispatchAction({ type: 'showTip', seriesIndex: 0, name: '32' });
    await new Promise((r) => setTimeout(r, 300));
    const tip = [...document.querySelectorAll('.chart.map svg text, .chart.map svg tspan')].find((d) => d.textContent.includes('BNNP Jawa Barat <img'));
    return { injected: document.querySelector('#xss') !== null, text: tip ? tip.textContent : null };
  });
  await shot(page, 'map-tooltip');
  assert.equal(shown.injected, false, 'no element made from the office name');
  assert.ok(shown.text && shown.text.includes('<img src=x id=xss>'), `the name is shown as text (${shown.text})`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

await step('the unit list: search by area, filter, sort, page, and download exactly what is shown', async () => {
  const page = await signIn('admin.pusat');
  await page.goto(`${base}/ibm`);
  await page.fill('#unit-filters input[name=q]', 'bandung');
  await Promise.all([page.waitForNavigation(), page.click('#unit-filters button[type=submit]')]);
  const offices = await page.locator('table.units tbody td:nth-child(4)').allTextContents();
  assert.ok(offices.length > 0, '"bandung" finds units');
  assert.ok(offices.every((o) => /bandung/i.test(o)) || (await page.locator('table.units tbody').textContent()).match(/bandung/i), 'Bandung\'s units');
  // Filter by province and category, sort by name (twice: descending), then page.
  await page.goto(`${base}/ibm`);
  await page.selectOption('#unit-filters select[name=province]', '32');
  await page.selectOption('#unit-filters select[name=category]', 'berkelanjutan');
  await page.selectOption('#unit-filters select[name=year]', '2025');
  await Promise.all([page.waitForNavigation(), page.click('#unit-filters button[type=submit]')]);
  assert.match(page.url(), /province=32/);
  assert.match(page.url(), /category=berkelanjutan/);
  await Promise.all([page.waitForNavigation(), page.click('table.units thead a[href*="sort=name"]')]);
  await Promise.all([page.waitForNavigation(), page.click('table.units thead a[href*="sort=name"]')]);
  assert.match(page.url(), /desc=1/);
  const names = await page.locator('table.units tbody td:nth-child(2)').allTextContents();
  // SQLite sorts by code point, as JavaScript's plain comparison does.
  const sorted = [...names].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  assert.deepEqual(names, sorted, 'sorted by name, descending');
  const total = Number(await page.textContent('.list-summary .total'));
  assert.ok(total > 0, 'the filtered list has units');
  await shot(page, 'unit-list-filtered');
  const csvHref = await page.locator('.list-summary a', { hasText: 'CSV' }).getAttribute('href');
  const csv = await (await page.request.get(`${base}${csvHref}`)).text();
  const rows = csv.trim().split(/\r?\n/).slice(1).map((l) => l.split(/[;,]/)[0].replace(/"/g, ''));
  assert.equal(rows.length, total, 'the file holds every unit of the list');
  const codes = await page.locator('table.units tbody td:nth-child(1)').allTextContents();
  assert.deepEqual(rows.slice(0, codes.length), codes.map((c) => c.trim()), 'in the order shown');
  if (await page.locator('.pager a[rel=next]').count()) {
    await Promise.all([page.waitForNavigation(), page.click('.pager a[rel=next]')]);
    assert.match(page.url(), /province=32/, 'the filters stay on the next page');
    const next = await page.locator('table.units tbody td:nth-child(1)').allTextContents();
    assert.deepEqual(rows.slice(codes.length, codes.length + next.length), next.map((c) => c.trim()), 'the next page continues the file');
  }
  await page.context().close();
});

await step('the working lists: a district officer finds its follow-ups, sorts, downloads what is shown', async () => {
  const page = await signIn('bnnk.bandung');
  await page.goto(`${base}/ibm`);
  // The tabs above the unit list lead to every working list.
  await Promise.all([page.waitForNavigation(), page.click('nav.tabs a[href="/ibm/tindak-lanjut"]')]);
  assert.ok((await page.textContent('h1')).includes('Tindak lanjut'), 'the follow-up list opens');
  await page.selectOption('#list-filters select[name=status]', 'terbuka');
  await Promise.all([page.waitForNavigation(), page.click('#list-filters button[type=submit]')]);
  assert.match(page.url(), /status=terbuka/, 'the filter is kept in the address');
  const statuses = await page.locator('table.list tbody td:nth-child(6)').allTextContents();
  assert.ok(statuses.every((s) => s.trim() === 'Terbuka'), 'only open actions');
  // The reports list: sort by unit, then download and compare with the page.
  await page.goto(`${base}/ibm/laporan`);
  await Promise.all([page.waitForNavigation(), page.click('table.list thead a[href*="sort=unit&"]')]);
  const units = await page.locator('table.list tbody td:nth-child(2)').allTextContents();
  assert.deepEqual(units, [...units].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'sorted by unit');
  const offices = await page.locator('table.list tbody td:nth-child(4)').allTextContents();
  assert.ok(offices.length > 0 && offices.every((o) => o.trim() === 'BNN Kota Bandung'), 'its own office only');
  const total = Number(await page.textContent('.list-summary .total'));
  const csvHref = await page.locator('.list-summary a', { hasText: 'CSV' }).getAttribute('href');
  const csv = await (await page.request.get(`${base}${csvHref}`)).text();
  const rows = csv.trim().split(/\r?\n/).slice(1);
  assert.equal(rows.length, total, 'the file holds every row counted');
  const periods = await page.locator('table.list tbody td:nth-child(1)').allTextContents();
  assert.deepEqual(rows.slice(0, periods.length).map((r) => r.split(/[;,]/)[0].replace(/"/g, '')), periods.map((p) => p.trim()), 'in the order shown, with the names shown');
  await shot(page, 'list-reports-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/ibm/laporan', '/ibm/kunjungan', '/ibm/tindak-lanjut', '/ibm/agen', '/ibm/penilaian', '/sni/penilaian', '/sni/tindak-lanjut']) {
    await page.goto(`${base}${path}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 1, `${path}: no sideways scrolling (${wide} px)`);
  }
  await shot(page, 'list-sni-actions-390');
  await page.context().close();
});

await step('a click on a province opens its dashboard; on a phone the menu folds', async () => {
  const page = await signIn('admin.pusat');
  await page.goto(`${base}/dasbor`);
  await page.waitForSelector('.chart.map svg path', { timeout: 15_000 });
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(() => {
      const chart = window.echarts.getInstanceByDom(document.querySelector('.chart.map'));
      const item = chart.getOption().series[0].data.find((d) => d.name === '32');
      // What a click on the province hands to the handler.
      chart.trigger('click', { data: item, name: '32' });
    }),
  ]);
  assert.match(page.url(), /\/dasbor\?year=\d+&office=\d+/, 'the province dashboard opens');
  assert.ok((await page.textContent('h1')).includes('Jawa Barat'));
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/dasbor', '/ibm', '/ibm/target', '/paket', '/sni', '/wilayah']) {
    await page.goto(`${base}${path}`);
    assert.equal(await page.locator('.main-nav').isVisible(), false, `${path}: the menu is folded`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 1, `${path}: no sideways scrolling (${wide} px)`);
  }
  await page.goto(`${base}/ibm`);
  await page.click('.menu-toggle');
  assert.ok(await page.locator('.main-nav').isVisible(), 'the menu opens');
  await shot(page, 'menu-open-390');
  await page.context().close();
});

await step('the evaluation pack of a province as a PDF file', async () => {
  const page = await signIn('bnnp.jabar');
  await page.goto(`${base}/paket`);
  assert.ok((await page.textContent('h1')).includes('Jawa Barat'), 'the pack opens on the province');
  await shot(page, 'pack-province');
  const href = await page.locator('a', { hasText: 'Unduh PDF' }).getAttribute('href');
  const res = await page.request.get(`${base}${href}`);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  const file = path.join(tmp, 'paket.pdf');
  fs.writeFileSync(file, await res.body());
  const { execFileSync } = await import('node:child_process');
  const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
  assert.ok(text.includes('Jawa Barat'), 'the province is named');
  assert.ok(/BNN Kota Bandung/.test(text), 'its districts\' rows are there');
  assert.match(text, /Halaman 1 dari \d+/, 'pages are numbered');
  execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', file, path.join(out, 'pack-pdf')]);
  await page.context().close();
});

await step('the programme summary: leadership, a province and a district, and the handout PDF', async () => {
  const { execFileSync } = await import('node:child_process');
  for (const [user, place] of [['pimpinan.pusat', null], ['bnnp.jabar', 'Jawa Barat'], ['bnnk.bandung', 'Kota Bandung']]) {
    const page = await signIn(user);
    await page.goto(`${base}/ringkasan?year=2025`);
    const h1 = await page.textContent('h1');
    if (place) assert.ok(h1.includes(place), `${user} lands on its own office (${h1})`);
    const units = Number((await page.locator('p.big').first().textContent()).trim());
    // The demo's 252 units of 2025, and any a step above added.
    if (!place) assert.ok(units >= 252, `the nation had 252 IBM units in 2025 (${units})`);
    else assert.ok(units > 0 && units < 252, `${user}: its own units (${units})`);
    const targets = page.locator('table:has(th:text("Dibina"))').last();
    assert.ok((await page.textContent('body')).includes('Target pembinaan SNI per satker'), `${user}: the targets per office are shown`);
    if (!place) {
      const coached = Number((await page.locator('p.big').nth(1).textContent()).trim());
      assert.ok(coached >= 99, `the demo coached 10 + 89 institutions in 2025 (${coached})`);
      assert.ok((await targets.textContent()).includes('Prioritas nasional'), 'the national priority target is listed');
    }
    await shot(page, `summary-${user}`);
    await page.setViewportSize({ width: 390, height: 800 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 1, `${user}: the summary does not scroll sideways at 390 px (${wide} px)`);
    await shot(page, `summary-${user}-390`);
    if (!place) {
      const href = await page.locator('a', { hasText: 'Lembar ringkas (PDF)' }).getAttribute('href');
      const res = await page.request.get(`${base}${href}`);
      assert.equal(res.headers()['content-type'], 'application/pdf');
      const file = path.join(tmp, 'ringkasan.pdf');
      fs.writeFileSync(file, await res.body());
      const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
      assert.match(text, new RegExp(`Unit IBM beroperasi 2025\\s+${units}\\b`), 'the handout holds the year\'s units');
      assert.match(text, /Berkelanjutan Mandiri\s+\d+/, 'and their categories');
      assert.match(text, /Lembaga terstandar \(Kumulatif 2020–2025\)\s+\d+/, 'and the cumulative figures, from 2020');
      execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', file, path.join(out, 'summary-pdf')]);
    }
    await page.context().close();
  }
});

/** Opens the first record of one kind of task, takes `action` there, and checks the task left. */
async function completeTask(user, kind, action) {
  const page = await signIn(user);
  const before = await taskCount(page, kind);
  assert.ok(before > 0, `${user}: ${kind} waits`);
  await page.goto(`${base}/tugas/${kind}`);
  await Promise.all([page.waitForNavigation(), page.locator('table tbody a').first().click()]);
  const button = page.locator(`form:has(input[name=action][value=${action}]) button`);
  assert.ok((await button.count()) > 0, `${user}: ${action} is offered on the record`);
  await Promise.all([page.waitForNavigation(), button.first().click()]);
  assert.ok(!(await page.content()).includes('role="alert"'), `${user}: ${action} went through`);
  await shot(page, `task-done-${user}`);
  assert.equal(await taskCount(page, kind), before - 1, `${user}: the ${kind} task left the list`);
  await page.context().close();
}

await step('Tugas saya: the province verifies, the directorate finalises, the institution submits', async () => {
  await completeTask('bnnp.jabar', 'stage_verify', 'verifikasi');
  await completeTask('admin.pusat', 'stage_finalize', 'finalkan');
  await completeTask('operator.lembaga', 'sni_draft', 'ajukan');
});

await browser.close();
stop();
fs.rmSync(tmp, { recursive: true, force: true });
const failed = results.filter((r) => r[1] !== 'ok');
console.log(`\n${results.length - failed.length}/${results.length} end-to-end steps passed; screenshots in ${out}/`);
process.exit(failed.length ? 1 : 0);
