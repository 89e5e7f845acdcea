// The HTML of `proeftuin report progress --format html` in a real browser (Debian's headless
// Chromium over the DevTools protocol, browser_check.mjs): it loads without console errors, is
// Dutch, has one h1 and no skipped heading level, every table header cell has a scope, and
// axe-core finds no serious or critical WCAG 2.1 A/AA violation. It checks the golden of the
// example programme's report (report_render_test keeps that golden equal to what the CLI renders).
//
// node --experimental-websocket report_html_check.mjs --html FILE --axe axe.min.js
import { existsSync } from 'node:fs';
import { args, check, checkAxe, openPage, run } from './browser_check.mjs';

async function checkStructure(page) {
  check('the page is Dutch', await page.eval('document.documentElement.lang') === 'nl');
  check('the page title', (await page.eval('document.title')).startsWith('Voortgangsrapportage'));
  check('one h1', await page.eval('document.querySelectorAll("h1").length') === 1);
  const levels = await page.eval('Array.from(document.querySelectorAll("h1,h2,h3,h4,h5,h6")).map(h => +h.tagName[1])');
  const skipped = levels.findIndex((l, i) => i > 0 && l > levels[i - 1] + 1);
  check('no heading level skipped', skipped === -1, `levels ${levels.join(',')}`);
  check('the report has its sections', levels.filter((l) => l === 2).length >= 8, `${levels.length} headings`);
  const unscoped = await page.eval('document.querySelectorAll("th:not([scope])").length');
  check('every table header cell has a scope', unscoped === 0, `${unscoped} without`);
  check('the content is in a main landmark', await page.eval('document.querySelectorAll("body > main").length') === 1);
}

async function main() {
  if (!existsSync(args.axe)) throw new Error(`axe-core not found at ${args.axe}: run npm ci in tools/`);
  if (!existsSync(args.html)) throw new Error(`no report HTML at ${args.html}`);
  const { page, errors } = await openPage(args.html);
  await checkStructure(page);
  await checkAxe(page, args.axe);
  check('no console errors', errors.length === 0, errors.join(' | '));
}

await run(main);
