// Suite `browser`: ragboard's pages in Debian's chromium, against the real
// server with the demo data.
//   node run.mjs RAGBOARD_BINARY SOURCE_ROOT ARTEFACT_DIR
// Screenshots go to ARTEFACT_DIR; with RAGBOARD_UPDATE_DOC=1 also to
// doc/dashboard-*.png (the README's).
import fs from 'node:fs';
import path from 'node:path';
import {
  demoDb, startServer, api, launch, watch, violations, axe, runner, assert, assertEqual,
  until, sleep, tmpdir,
} from './lib.mjs';
import {dashboardTests} from './dashboard.mjs';
import {returnsTests} from './returns.mjs';

const [bin, src, artefacts] = process.argv.slice(2);
if (!bin || !src || !artefacts) {
  console.error('usage: node run.mjs RAGBOARD_BINARY SOURCE_ROOT ARTEFACT_DIR');
  process.exit(2);
}
fs.mkdirSync(artefacts, {recursive: true});
const work = tmpdir('ragboard-browser-');
const t0 = Date.now();
const data = demoDb(path.resolve(bin), src, work);
const r = runner();
let server = null;
let ctx = null;

const ctxt = {
  bin: path.resolve(bin), src, artefacts, work, data, r,
  lib: {api, watch, violations, axe, assert, assertEqual, until, sleep, launch, startServer},
  async shot(page, name) {
    const file = path.join(artefacts, `dashboard-${name}.png`);
    await page.screenshot({path: file, fullPage: true});
    if (process.env.RAGBOARD_UPDATE_DOC === '1') fs.copyFileSync(file, path.join(src, 'doc', `dashboard-${name}.png`));
  },
};

try {
  server = await startServer(ctxt.bin, data.db, work, ['--public-read']);
  ctxt.server = server;
  ctx = await launch(path.join(work, 'profile'));
  ctxt.ctx = ctx;
  await dashboardTests(ctxt);
  await returnsTests(ctxt);
} catch (e) {
  await r.test('the suite ran to its end', () => {
    throw e;
  });
} finally {
  if (ctx) await ctx.close().catch(() => {});
  if (ctxt.server) await ctxt.server.stop().catch(() => {});
  if (process.env.RAGBOARD_KEEP !== '1') fs.rmSync(work, {recursive: true, force: true});
}
console.log(`browser suite: ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${artefacts}`);
process.exit(r.summary() === 0 ? 0 : 1);
