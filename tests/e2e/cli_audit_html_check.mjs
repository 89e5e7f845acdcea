// The audit HTML export of `proeftuin audit export --format html` in a real browser (Debian's
// headless Chromium, driven over the DevTools protocol): it loads without console errors, every
// event is a row, the search filters the rows (typed as a user would), the keyboard reaches the
// skip link and the search, and axe-core finds no serious or critical WCAG 2.1 A/AA violation.
//
// node --experimental-websocket cli_audit_html_check.mjs --proeftuind BIN --proeftuin BIN --axe axe.min.js
// Starts its own proeftuind on a free loopback port in a temp dir and seeds it with `proeftuin demo`.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const dir = mkdtempSync(join(tmpdir(), 'proeftuin-html-'));
const children = [];
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
}

// Starts a process and resolves with the first match of `pattern` in its stderr.
function startAndWait(cmd, argv, pattern, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${text}`)), 60000);
    child.stderr.on('data', (d) => {
      text += d.toString();
      const m = text.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
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
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
      } else if (msg.method) {
        this.listeners.forEach((l) => l(msg));
      }
    };
  }
  open() { return new Promise((resolve, reject) => { this.ws.onopen = resolve; this.ws.onerror = reject; }); }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  once(method) { return new Promise((resolve) => this.listeners.push((m) => { if (m.method === method) resolve(m); })); }
  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
    return r.result.value;
  }
  async key(key, code, keyCode) {
    await this.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code, windowsVirtualKeyCode: keyCode });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: keyCode });
  }
}

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
  await page.send('Page.setBypassCSP', { enabled: true });  // lets the test inject axe-core
  const loaded = page.once('Page.loadEventFired');
  await page.send('Page.navigate', { url: `file://${file}` });
  await loaded;
  return { page, errors };
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
  const { file, events } = await exportHtml();
  check('the export holds the events', events > 50, `${events} events`);
  const { page, errors } = await openPage(file);
  check('the page title', (await page.eval('document.title')).startsWith('Audit trail'));
  check('the verification verdict is shown', await page.eval('!!document.querySelector(".verdict.ok")'));
  await checkSearch(page, events);
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
