// The returns page (/returns) in chromium: a partner's token, the quarters
// it may write (GET /api/v1/me), the template download and the upload as a
// browser form, with row errors listed as text. The API it needs is issue
// 21's (/api/v1/me, the template, multipart uploads): on a server without
// it the steps that need it are reported as skipped, never as passed.
const Q2 = '2018-19-Q2';
const XSS = '<img src=x onerror=alert(2)>';

export async function returnsTests(c) {
  const {r, lib, ctx, data} = c;
  const base = c.server.base;

  await r.test('returns: the page loads and axe-core finds nothing serious or critical', async () => {
    const page = await ctx.newPage();
    const w = lib.watch(page, base);
    await page.goto(`${base}/returns`);
    await page.waitForSelector('#upload-form');
    lib.assertEqual(await lib.axe(page), [], 'violations');
    await c.shot(page, 'returns');
    lib.assertEqual(lib.violations(w), [], 'returns page');
    await page.close();
  });

  const me = await lib.api(base, 'GET', '/api/v1/me', {token: data.admin});
  if (me.status === 404) {
    r.skip('returns: token, quarters, template download, upload with row errors and success',
      'this server has no GET /api/v1/me (issue 21, branch w21)');
    return;
  }

  await r.test('returns: a partner sees its quarters, downloads its template, is told each bad row, then sends', async () => {
    // CH1.3 (milestone 3) belongs to RMBC for this test.
    const got = await lib.api(base, 'GET', '/api/v1/milestones/3', {token: data.admin});
    const patch = await lib.api(base, 'PATCH', '/api/v1/milestones/3',
      {token: data.admin, body: {owner: 'RMBC'}, headers: {'If-Match': got.headers.get('etag')}});
    lib.assert(patch.status === 200, `PATCH owner: ${patch.status} ${patch.text}`);
    const submitter = data.token('--role', 'submitter', '--org', 'RMBC', '--name', 'browser-rmbc');
    const page = await ctx.newPage();
    const w = lib.watch(page, base);
    w.allowStatus.add(422);
    await page.goto(`${base}/returns`);
    await page.fill('#token', submitter);
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => document.getElementById('who').textContent.includes('RMBC'));
    lib.assertEqual(await page.$$eval('#quarter option', (os) => os.map((o) => o.value)), [Q2], 'writable quarters');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#template-csv')]);
    const fs = await import('node:fs');
    const template = fs.readFileSync(await download.path(), 'utf-8');
    lib.assert(template.includes('CH1.3'), `the template lists CH1.3: ${template.slice(0, 300)}`);

    const posts = [];
    page.on('request', (req) => {
      if (req.method() === 'POST') posts.push({url: new URL(req.url()).pathname, type: req.headers()['content-type'] || ''});
    });
    const header = 'kind,code,status,value,value_text,comment\n';
    await page.setInputFiles('#file', {name: 'bad.csv', mimeType: 'text/csv',
      buffer: Buffer.from(`${header}milestone,CH1.3,Q,,,${XSS}\n`)});
    await page.click('#send');
    await page.waitForSelector('.errors-table');
    const errText = await page.textContent('.errors-table');
    lib.assert(errText.includes('line 2'), `the bad row is named by its line: ${errText}`);
    lib.assert(await page.$eval('#alert', (a) => !a.hidden), 'the refusal is announced');

    await page.setInputFiles('#file', {name: 'good.csv', mimeType: 'text/csv',
      buffer: Buffer.from(`${header}milestone,CH1.3,A,,,"${XSS}"\n`)});
    await page.click('#send');
    await page.waitForSelector('.ok');
    lib.assert((await page.textContent('.ok')).includes('1 milestone update'), 'what was written');
    lib.assertEqual(posts.map((p) => [p.url, p.type.split(';')[0]]),
      [[`/api/v1/quarters/${Q2}/submissions`, 'multipart/form-data'], [`/api/v1/quarters/${Q2}/submissions`, 'multipart/form-data']],
      'the uploads: browser forms to the returns endpoint');
    const stored = await lib.api(base, 'GET', '/api/v1/milestones/3/updates', {token: data.admin});
    const q2 = stored.body.items.find((u) => u.quarter === Q2);
    lib.assertEqual(q2 && [q2.status, q2.comment], ['A', XSS], 'the update as stored');
    // The comment on the dashboard's group page: text, inert.
    await page.goto(`${base}/?quarter=${Q2}&group=CYP`);
    await page.waitForSelector('tr[data-milestone="CH1.3"]');
    lib.assertEqual(await page.$eval('tr[data-milestone="CH1.3"] td.comment', (td) => td.textContent), XSS,
      'the uploaded comment on the group page');
    lib.assertEqual(w.dialogs, [], 'dialogs');
    // (chromium logs the refused return's 422 as a console error: expected)
    lib.assertEqual(lib.violations(w).filter((v) => !/status of 422/.test(v)), [], 'returns page');
    await page.close();
  });
}
