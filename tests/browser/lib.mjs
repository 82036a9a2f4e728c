// The browser suite's harness: the real ragboard on port 0 with the demo
// data, Debian's chromium driven by playwright-core (never a downloaded
// browser), a watch on every page for console errors, failed requests,
// dialogs and requests to any host but the server, and axe-core.
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {chromium} from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.RAGBOARD_CHROMIUM || '/usr/bin/chromium';

export function tmpdir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// A migrated database with the demo data; tokens of each role.
export function demoDb(bin, src, dir) {
  const db = path.join(dir, 'ragboard.db');
  const run = (...args) => execFileSync(bin, args, {encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe']});
  run('migrate', '--db', db);
  run('import', '--db', db, path.join(src, 'data', 'rotherham-icp-2018-19.json'));
  const token = (...a) => run('token', 'create', '--db', db, ...a).trim().split('\n').pop();
  return {
    db,
    admin: token('--role', 'admin', '--name', 'browser-admin'),
    viewer: token('--role', 'viewer', '--name', 'browser-viewer'),
    token,
  };
}

// `ragboard serve` on 127.0.0.1:0; resolves once it wrote its port.
export async function startServer(bin, db, dir, extra = []) {
  const portFile = path.join(dir, `port-${Date.now()}`);
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const proc = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--log-level', 'warn', ...extra], {stdio: ['ignore', log, log]});
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}); see ${dir}/server.log`);
    if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf-8').trim()) break;
    await sleep(50);
  }
  const port = Number(fs.readFileSync(portFile, 'utf-8').trim());
  return {
    proc, port, base: `http://127.0.0.1:${port}`,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    },
  };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// The API from the test's side (node's fetch): JSON in, {status, body, headers} out.
export async function api(base, method, url, {token, body, headers = {}} = {}) {
  const hd = {...headers};
  if (token) hd.Authorization = `Bearer ${token}`;
  if (body !== undefined && !(body instanceof Uint8Array) && typeof body !== 'string') {
    hd['Content-Type'] = 'application/json';
    body = JSON.stringify(body);
  }
  const resp = await fetch(base + url, {method, headers: hd, body});
  const text = await resp.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return {status: resp.status, body: json, text, headers: resp.headers};
}

// Chromium as root in a container: no sandbox, no GPU, nothing that calls
// home, a profile of its own that is thrown away. No WebUI omnibox popup
// (both features are needed): headless chromium 156 makes every new
// context a window whose address bar prewarms that popup in a renderer
// of its own (chrome://omnibox-popup.top-chrome, ~40 resources), 130-150
// ms of CPU competing with the page under test on a 2-core machine -
// browser furniture no page load in an open window pays for.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-features=Translate,OptimizationHints,MediaRouter,WebUIOmniboxPopup,WebUIOmniboxAimPopup'];

export async function launch(profileDir, viewport = {width: 1280, height: 900}) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM, headless: true, viewport, acceptDownloads: true, args: ARGS,
  });
}

// The same browser, for contexts made one by one (each with an empty
// cache): the benchmark's. Its profile is a fresh temporary one.
export async function launchBrowser() {
  return chromium.launch({executablePath: CHROMIUM, headless: true, args: ARGS});
}

// Everything a page does that the suite forbids, recorded as it happens.
export function watch(page, base) {
  const w = {consoleErrors: [], pageErrors: [], failed: [], foreign: [], dialogs: [], bad: [],
    requests: [], allowStatus: new Set()};
  const origin = new URL(base).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    const u = r.url();
    w.requests.push(r);
    if (!u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin) w.foreign.push(u);
  });
  page.on('requestfailed', (r) => w.failed.push(`${r.url()}: ${r.failure() && r.failure().errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !w.allowStatus.has(r.status())) w.bad.push(`${r.status()} ${r.url()}`);
  });
  return w;
}

// What the watch saw that it must not have, as a list of strings.
export function violations(w) {
  return [
    ...w.consoleErrors.map((x) => `console error: ${x}`),
    ...w.pageErrors.map((x) => `script error: ${x}`),
    ...w.failed.map((x) => `failed request: ${x}`),
    ...w.foreign.map((x) => `request to another host: ${x}`),
    ...w.dialogs.map((x) => `dialog: ${x}`),
    ...w.bad.map((x) => `error answer: ${x}`),
  ];
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf-8');

// axe-core's serious and critical violations on the page as it is (WCAG
// 2.0-2.2 A and AA rules). Evaluated through the DevTools protocol, which
// the page's CSP does not govern, so the page's own CSP stays as served.
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
    resultTypes: ['violations'],
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
}

// A tiny test runner: named steps, each passing or failing on its own,
// and the closing line CI reads.
export function runner() {
  const results = [];
  return {
    async test(name, fn) {
      const t0 = Date.now();
      try {
        await fn();
        results.push({name, ok: true});
        console.log(`ok - ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        results.push({name, ok: false});
        console.log(`not ok - ${name} (${Date.now() - t0} ms)\n  ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n  ')}`);
      }
    },
    // A step that cannot run here, said so (never counted as passed).
    skip(name, why) {
      results.push({name, ok: true, skipped: true});
      console.log(`ok - ${name} # SKIP ${why}`);
    },
    summary() {
      const passed = results.filter((r) => r.ok && !r.skipped).length;
      const skipped = results.filter((r) => r.skipped).length;
      const failed = results.length - passed - skipped;
      console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
      return failed;
    },
  };
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEqual(got, want, message) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${message}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

// Wait until fn() is truthy (polling), or fail after ms.
export async function until(fn, ms, message) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`${message} (waited ${ms} ms)`);
    await sleep(50);
  }
}
