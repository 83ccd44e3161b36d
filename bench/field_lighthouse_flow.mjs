// Lighthouse 12 (mobile) snapshots of the field app's signed-in screens: accessibility and best
// practices of home, walkthrough, work log, audit and outbox. Run by bench/field_lighthouse.sh.
import puppeteer from 'puppeteer-core';
import {startFlow} from 'lighthouse';
import fs from 'fs';
const base = process.argv[2] || 'http://127.0.0.1:8075';
const browser = await puppeteer.launch({executablePath: '/usr/bin/chromium', headless: 'new', args: ['--no-sandbox']});
const page = await browser.newPage();
const flow = await startFlow(page, {config: {extends: 'lighthouse:default', settings: {formFactor: 'mobile', onlyCategories: ['accessibility', 'best-practices']}}});
await page.goto(base + '/field/');
await page.waitForSelector('#username');
await page.type('#username', 'admin'); await page.type('#password', 'hrss-demo');
await page.click('#login-submit');
await page.waitForSelector('.actions');
await flow.snapshot({name: 'home'});
for (const [name, hash, sel] of [['walkthrough', '#/new/walkthrough', '#walk-service'], ['work log', '#/new/work_log', '#log-done'], ['window audit', '#/new/window_audit', '#score']]) {
  await page.evaluate(h => { location.hash = h; }, hash);
  await page.waitForSelector(sel);
  if (name === 'walkthrough') { await page.click('#add-issue'); }
  await flow.snapshot({name});
}
await page.evaluate(() => { location.hash = '#/outbox'; });
await page.waitForSelector('.filter');
await flow.snapshot({name: 'outbox'});
const result = await flow.createFlowResult();
for (const step of result.steps) {
  const cats = Object.values(step.lhr.categories).map(c => `${c.id} ${c.score === null ? '-' : Math.round(c.score * 100)}`).join(', ');
  console.log(step.name + ': ' + cats);
  for (const a of Object.values(step.lhr.audits)) if (a.score !== null && a.score < 1 && ['binary', 'numeric'].includes(a.scoreDisplayMode)) console.log('   -', a.id, a.title);
}
fs.writeFileSync('/tmp/lh/flow.html', await flow.generateReport());
await browser.close();
