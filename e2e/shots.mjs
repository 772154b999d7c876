// node shots.mjs BASE USER OUTDIR path...  — screenshots at 1366 and 390 px, reports sideways overflow
import { chromium } from 'playwright-core';
const [base, user, out, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
for (const width of [1366, 390]) {
  const ctx = await browser.newContext({ viewport: { width, height: width > 500 ? 900 : 844 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', 'Pantau-Demo-2026');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  for (const p of paths) {
    const r = await page.goto(base + p);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const name = p.replace(/[^a-z0-9]+/gi, '_') + `_${width}.png`;
    await page.screenshot({ path: `${out}/${name}`, fullPage: width > 500 || !!process.env.FULL });
    console.log(width, p, r.status(), 'overflow', over, await page.title());
  }
  await ctx.close();
}
await browser.close();
