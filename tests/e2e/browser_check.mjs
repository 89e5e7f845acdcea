// Shared by the browser checks of the CLI's HTML (cli_audit_html_check.mjs, report_html_check.mjs):
// Debian's headless Chromium driven over the DevTools protocol, axe-core's WCAG rules, and the
// bookkeeping of checks, child processes and the temp dir. Run with node --experimental-websocket.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// "--name value" pairs of the command line.
export const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));

export const dir = mkdtempSync(join(tmpdir(), 'proeftuin-html-'));
const children = [];
let passed = 0;
let failed = 0;

export function check(name, ok, detail = '') {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
}

// Starts a process and resolves with the first match of `pattern` in its stderr.
export function startAndWait(cmd, argv, pattern, env = process.env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
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
  async key(key, code, keyCode) {
    await this.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code, windowsVirtualKeyCode: keyCode });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: keyCode });
  }
}

// Opens `file` in headless Chromium; `errors` collects console errors and uncaught exceptions.
export async function openPage(file) {
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
  await page.send('Page.setBypassCSP', { enabled: true });  // lets the check inject axe-core
  const loaded = page.once('Page.loadEventFired');
  await page.send('Page.navigate', { url: `file://${resolve(file)}` });
  await loaded;
  return { page, errors };
}

// axe-core's WCAG 2.1 A/AA rules (and best practices): no serious or critical violation.
export async function checkAxe(page, axePath) {
  await page.eval(readFileSync(axePath, 'utf8'));
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

// Runs `main`, then stops the children, removes the temp dir and exits 0 only when every check
// passed and nothing threw.
export async function run(main) {
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
  }
  process.exit(failed === 0 ? 0 : 1);
}
