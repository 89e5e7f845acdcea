// The audit HTML export of `proeftuin audit export --format html` in a real browser (Debian's
// headless Chromium, driven over the DevTools protocol): it loads without console errors, every
// event is a row, the search filters the rows (typed as a user would), the keyboard reaches the
// skip link and the search, and axe-core finds no serious or critical WCAG 2.1 A/AA violation.
//
// node --experimental-websocket cli_audit_html_check.mjs --proeftuind BIN --proeftuin BIN --axe axe.min.js
// Starts its own proeftuind on a free loopback port in a temp dir and seeds it with `proeftuin demo`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { args, check, checkAxe, dir, openPage, run, startAndWait } from './browser_check.mjs';

async function exportHtml() {
  const data = join(dir, 'data');
  const m = await startAndWait(args.proeftuind, ['--data-dir', data, '--listen', '127.0.0.1:0'],
    /"event":"start".*"port":(\d+)/);
  const cli = (...a) => execFileSync(args.proeftuin,
    ['--server', `127.0.0.1:${m[1]}`, '--token-file', join(data, 'admin.token'), ...a],
    { env: { ...process.env, HOME: join(dir, 'home') }, encoding: 'utf8' });
  cli('demo');
  const events = Number(cli('audit', 'digest').split(':')[0]);
  const file = join(dir, 'audit.html');
  cli('audit', 'export', '--format', 'html', '--out', file);
  return { file, events };
}

async function checkSearch(page, events) {
  const visible = 'Array.from(document.querySelectorAll("#events tbody tr")).filter(r => !r.hidden).length';
  check('every event is a row', await page.eval(visible) === events, `${await page.eval(visible)} of ${events}`);
  await page.key('Tab', 'Tab', 9);
  check('Tab first reaches the skip link', await page.eval('document.activeElement.className') === 'skip');
  await page.key('Tab', 'Tab', 9);
  check('then the search field', await page.eval('document.activeElement.id') === 'search');
  await page.send('Input.insertText', { text: 'ProgrammeAdopted' });
  check('the search filters the rows', await page.eval(visible) === 1, `${await page.eval(visible)} shown`);
  check('the live count says so', (await page.eval('document.getElementById("count").textContent'))
    .startsWith('1 of '));
  await page.eval('(s => { s.value = "demo-griffie"; s.dispatchEvent(new Event("input")); })(document.getElementById("search"))');
  const byGriffie = await page.eval(visible);
  check('search by a person', byGriffie > 0 && byGriffie < events, `${byGriffie} shown`);
  await page.eval('(s => { s.value = ""; s.dispatchEvent(new Event("input")); })(document.getElementById("search"))');
  check('clearing the search shows every row again', await page.eval(visible) === events);
}

async function main() {
  if (!existsSync(args.axe)) throw new Error(`axe-core not found at ${args.axe}: run npm ci in tools/`);
  const { file, events } = await exportHtml();
  check('the export holds the events', events > 50, `${events} events`);
  const { page, errors } = await openPage(file);
  check('the page title', (await page.eval('document.title')).startsWith('Audit trail'));
  check('the verification verdict is shown', await page.eval('!!document.querySelector(".verdict.ok")'));
  await checkSearch(page, events);
  await checkAxe(page, args.axe);
  check('no console errors', errors.length === 0, errors.join(' | '));
}

await run(main);
