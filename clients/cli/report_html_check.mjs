// The HTML of `proeftuin report progress --format html` in a real browser (Debian's headless
// Chromium over the DevTools protocol): it loads without console errors, is Dutch, has one h1 and
// no skipped heading level, every table header cell has a scope, and axe-core finds no serious
// or critical WCAG 2.1 A/AA violation. It checks the golden of the example programme's report
// (report_render_test keeps that golden equal to what the CLI renders).
//
// node --experimental-websocket report_html_check.mjs --html FILE --axe axe.min.js
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const dir = mkdtempSync(join(tmpdir(), 'proeftuin-report-html-'));
const children = [];
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
}

// Starts a process and resolves with the first match of `pattern` in its stderr.
function startAndWait(cmd, argv, pattern) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${text}`)), 60000);
    child.stderr.on('data', (d) => {
      text += d.toString();
      const m = text.match(pattern);
      if (m) { clearTimeout(timer); resolvePromise(m); }
    });
    child.on('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${text}`)));
  });
}

// A minimal DevTools protocol client over the page's WebSocket.
class Cdp {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.id = 0;
    this.pending = new Map();
    this.listeners = [];
    this.ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve: ok, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(JSON.stringify(msg.error))); else ok(msg.result);
      } else if (msg.method) {
        this.listeners.forEach((l) => l(msg));
      }
    };
  }
  open() { return new Promise((ok, reject) => { this.ws.onopen = ok; this.ws.onerror = reject; }); }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((ok, reject) => this.pending.set(id, { resolve: ok, reject }));
  }
  once(method) { return new Promise((ok) => this.listeners.push((m) => { if (m.method === method) ok(m); })); }
  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
    return r.result.value;
  }
}

async function openPage(file) {
  const m = await startAndWait('chromium', ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    `--user-data-dir=${join(dir, 'profile')}`, '--remote-debugging-port=0', 'about:blank'],
  /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//);
  const targets = await (await fetch(`http://127.0.0.1:${m[1]}/json/list`)).json();
  const page = new Cdp(targets.find((t) => t.type === 'page').webSocketDebuggerUrl);
  await page.open();
  const errors = [];
  page.listeners.push((msg) => {
    if (msg.method === 'Runtime.exceptionThrown') errors.push(msg.params.exceptionDetails.text);
    if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(msg.params.type)) {
      errors.push(msg.params.args.map((a) => a.value).join(' '));
    }
    if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error') errors.push(msg.params.entry.text);
  });
  await Promise.all([page.send('Runtime.enable'), page.send('Log.enable'), page.send('Page.enable')]);
  const loaded = page.once('Page.loadEventFired');
  await page.send('Page.navigate', { url: `file://${resolve(file)}` });
  await loaded;
  return { page, errors };
}

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

async function checkAxe(page) {
  await page.eval(readFileSync(args.axe, 'utf8'));
  const result = await page.eval(`axe.run(document, { runOnly: { type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then(r => ({ passes: r.passes.length,
                  violations: r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) }))`);
  const { violations } = result;
  check('axe-core ran its WCAG rules', result.passes > 10, `${result.passes} rules passed`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  violations.forEach((v) => console.log(`axe: ${v.id} (${v.impact}) on ${v.nodes} node(s)`));
  check('axe-core: no serious or critical violation', bad.length === 0, JSON.stringify(bad));
}

async function main() {
  if (!existsSync(args.axe)) throw new Error(`axe-core not found at ${args.axe}: run npm ci in tools/`);
  if (!existsSync(args.html)) throw new Error(`no report HTML at ${args.html}`);
  const { page, errors } = await openPage(args.html);
  await checkStructure(page);
  await checkAxe(page);
  check('no console errors', errors.length === 0, errors.join(' | '));
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(e);
  failed += 1;
} finally {
  children.forEach((c) => c.kill('SIGTERM'));
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  code = failed === 0 ? 0 : 1;
}
process.exit(code);
