// The dashboard (/) in chromium: numbers against the API, navigation and
// deep links, polling with 304s, an XSS payload kept inert, the token,
// accessibility, phone layout, print, screenshots.
const Q = '2018-19-Q1';
export const XSS = '<img src=x onerror=alert(1)>';

// The numbers a tally shows, read back from the page: {total, counts, percent}.
async function readTallies(page) {
  return page.evaluate(() => {
    const num = (s) => (s === '–' ? null : Number(s.replace(/[(),%]/g, '')));
    const out = {};
    for (const sec of document.querySelectorAll('[data-group]')) {
      const g = {};
      for (const t of sec.querySelectorAll('.tally')) {
        const counts = {};
        const percent = {};
        for (const li of t.querySelectorAll('li[data-rating]')) {
          counts[li.dataset.rating] = num(li.querySelector('.count').textContent);
          percent[li.dataset.rating] = num(li.querySelector('.pct').textContent);
        }
        g[t.dataset.kind] = {total: num(t.querySelector('.total').textContent), counts, percent};
      }
      out[sec.dataset.group] = g;
    }
    return out;
  });
}

function expectTally(lib, shown, t, what) {
  lib.assert(shown, `${what}: not shown`);
  lib.assertEqual(shown.total, t.total, `${what} total`);
  for (const [rating, n] of Object.entries(t.counts)) {
    lib.assertEqual(shown.counts[rating], n, `${what} ${rating} count`);
    lib.assertEqual(shown.percent[rating], t.percent[rating], `${what} ${rating} percent`);
  }
}

export async function dashboardTests(c) {
  const {r, lib, data, ctx} = c;
  let base = c.server.base;

  // A milestone comment that would run script if it were ever parsed as HTML.
  const put = await lib.api(base, 'PUT', `/api/v1/milestones/2/updates/${Q}`,
    {token: data.admin, body: {status: 'R', comment: XSS}});
  lib.assert(put.status === 200 || put.status === 201, `the XSS update was refused: ${put.status} ${put.text}`);

  const page = ctx.pages()[0] || (await ctx.newPage());
  const seen = lib.watch(page, base);
  await page.goto(`${base}/`);
  await page.waitForSelector('.tile');

  await r.test('overview: the default quarter is the latest with any update', async () => {
    lib.assertEqual(await page.inputValue('#quarter'), Q, 'picker');
    lib.assert((await page.textContent('h1')).includes('Q1 2018/19'), 'heading names Q1 2018/19');
  });

  await r.test("overview: every group's numbers and the overall ones equal the API's summary", async () => {
    await page.goto(`${base}/?quarter=${Q}`);
    await page.waitForSelector('.tile');
    const {body: s} = await lib.api(base, 'GET', `/api/v1/summary?quarter=${Q}`);
    const shown = await readTallies(page);
    lib.assertEqual(Object.keys(shown).sort(), [...s.groups.map((g) => g.code), '*'].sort(), 'groups shown');
    for (const g of s.groups) {
      expectTally(lib, shown[g.code].milestone, g.milestones, `${g.code} milestones`);
      expectTally(lib, shown[g.code].kpi, g.kpis, `${g.code} KPIs`);
      const tile = await page.textContent(`[data-group="${g.code}"]`);
      lib.assert(tile.includes(`${g.milestones.on_track_or_complete_percent}% of milestones are on track or complete`),
        `${g.code} headline`);
      lib.assert(tile.includes(`Red exceptions (${g.exceptions.length})`), `${g.code} exception count`);
      for (const x of g.exceptions) lib.assert(tile.includes(x.code), `${g.code} exception ${x.code}`);
    }
    expectTally(lib, shown['*'].milestone, s.overall.milestones, 'overall milestones');
    expectTally(lib, shown['*'].kpi, s.overall.kpis, 'overall KPIs');
    await c.shot(page, 'overview');
  });

  await r.test('XSS: a stored comment <img src=x onerror=alert(1)> shows as text and runs nothing', async () => {
    const texts = await page.$$eval('.comment', (els) => els.map((e) => e.textContent));
    lib.assert(texts.includes(XSS), `the payload is not shown as text: ${JSON.stringify(texts.slice(0, 3))}`);
    lib.assertEqual(await page.$$eval('img[src="x"], [onerror]', (els) => els.length), 0, 'elements made from the payload');
    lib.assertEqual(seen.dialogs, [], 'dialogs');
  });

  await r.test("numbers: the page prints numbers and times as en-GB's Intl formatters do", async () => {
    // dom.js writes them out (a new renderer's first Intl formatter costs
    // 35-70 ms): the module the page loaded, against chromium's Intl.
    const found = await page.evaluate(async () => {
      const dom = await import(document.querySelector('link[rel="modulepreload"][href*="/dom."]').href);
      const xs = [0, -0, 0.05, 0.15, 0.25, 1.005, 2.675, -0.05, -1.25, 99.95, 100, 33.33333, 1234.5,
        -1234.567, 123456789.125, 1e21, 1e-7, 5e-7, 9.995, 1 / 3, 2 / 3];
      for (let i = 0; i < 2000; i++) xs.push((Math.random() - 0.3) * 10 ** (Math.random() * 12 - 4));
      const bad = [];
      for (const digits of [1, 2]) {
        const intl = new Intl.NumberFormat('en-GB', {maximumFractionDigits: digits});
        for (const x of xs) if (dom.decimal(x, digits) !== intl.format(x)) bad.push([x, digits, dom.decimal(x, digits), intl.format(x)]);
      }
      for (const d of [new Date(2026, 0, 2, 3, 4, 5), new Date(2026, 6, 1, 23, 59, 9), new Date()]) {
        if (dom.clock(d) !== d.toLocaleTimeString('en-GB')) bad.push([String(d), dom.clock(d), d.toLocaleTimeString('en-GB')]);
      }
      return {bad: bad.slice(0, 5), pct: dom.pct(12.25)};
    });
    lib.assertEqual(found.bad, [], 'decimal()/clock() against Intl (value, digits, ours, Intl)');
    lib.assertEqual(found.pct, '12.3%', 'pct(12.25)');
  });

  await r.test('slow server: the page shows "Loading…" after a second rather than stay blank', async () => {
    // app.js keeps the page out of rendering until its first view is drawn
    // (.booting); an answer slower than BOOT_MS must not leave it blank.
    const slow = await ctx.newPage();
    await slow.route('**/api/v1/**', async (route) => {
      await lib.sleep(2500);
      await route.continue();
    });
    await slow.goto(`${base}/?quarter=${Q}`);
    const shownAt = (() => {
      const t0 = Date.now();
      return slow.waitForFunction(() => !document.documentElement.classList.contains('booting')
        && getComputedStyle(document.body).display !== 'none', null, {polling: 50})
        .then(() => Date.now() - t0);
    })();
    const ms = await shownAt;
    lib.assert(ms < 1800, `the page stayed blank ${ms} ms`);
    lib.assertEqual((await slow.textContent('h1')).trim(), 'Loading…', 'heading while the answers are late');
    lib.assertEqual(await slow.locator('.tile').count(), 0, 'tiles before the answers');
    await slow.waitForSelector('.tile', {timeout: 10000});
    await slow.close();
  });

  await r.test('accessibility: axe-core finds nothing serious or critical on the overview', async () => {
    lib.assertEqual(await lib.axe(page), [], 'violations');
  });

  await r.test('keyboard: the first Tab reaches a visible skip link, which moves focus to the content', async () => {
    await page.goto(`${base}/?quarter=${Q}`);
    await page.waitForSelector('.tile');
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const a = document.activeElement;
      const box = a.getBoundingClientRect();
      return {cls: a.className, top: box.top, outline: getComputedStyle(a).outlineStyle};
    });
    lib.assertEqual(skip.cls, 'skip', 'first focus');
    lib.assert(skip.top >= 0 && skip.outline !== 'none', `skip link visible with a focus outline: ${JSON.stringify(skip)}`);
    await page.keyboard.press('Enter');
    lib.assertEqual(await page.evaluate(() => document.activeElement.id), 'main', 'focus after the skip link');
    // Tab onwards reaches a group's link.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => !!document.activeElement.closest('.tile h3'));
    }
    lib.assert(reached, 'Tab never reached a group link');
  });

  await r.test('navigation: overview → group → KPI → back → back, with the URL naming each', async () => {
    await page.goto(`${base}/?quarter=${Q}`);
    await page.waitForSelector('.tile');
    await page.click('[data-group="MHLD"] h3 a');
    await page.waitForURL(/group=MHLD/);
    await page.waitForFunction(() => document.querySelector('h1').textContent.includes('Mental Health'));
    await c.shot(page, 'group');
    lib.assertEqual(await lib.axe(page), [], 'axe on the group page');
    const kpiLink = await page.$('main a[href*="kpi="]');
    lib.assert(kpiLink, 'the group page links to a KPI');
    const kpiHref = await kpiLink.getAttribute('href');
    await kpiLink.click();
    await page.waitForURL(/kpi=/);
    const kpiId = new URL(kpiHref, base).searchParams.get('kpi');
    const {body: kpi} = await lib.api(base, 'GET', `/api/v1/kpis/${kpiId}`);
    await page.waitForFunction((code) => document.querySelector('h1').textContent.includes(code), kpi.code);
    await c.shot(page, 'kpi');
    lib.assertEqual(await lib.axe(page), [], 'axe on the KPI page');
    await page.goBack();
    await page.waitForURL(/group=MHLD/);
    await page.waitForFunction(() => document.querySelector('h1').textContent.includes('Mental Health'));
    lib.assertEqual(await page.evaluate(() => document.activeElement.id), 'page-h', 'focus on the heading after back');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('h1').textContent.startsWith('Overall position'));
    lib.assert(!page.url().includes('group='), 'back at the overview');
  });

  await r.test('deep links: a KPI page and a group page opened directly', async () => {
    const {body: kpis} = await lib.api(base, 'GET', '/api/v1/kpis?code=MH%2FKPI%202');
    const kpi = kpis.items[0];
    const p2 = await ctx.newPage();
    const w2 = lib.watch(p2, base);
    await p2.goto(`${base}/?quarter=${Q}&kpi=${kpi.id}`);
    await p2.waitForFunction((code) => document.querySelector('h1').textContent.includes(code), kpi.code);
    lib.assert((await p2.textContent('#crumbs')).includes('Mental Health'), 'breadcrumbs name the group');
    await p2.goto(`${base}/?quarter=${Q}&group=CYP`);
    await p2.waitForFunction(() => document.querySelector('h1').textContent.includes('Children'));
    lib.assertEqual(lib.violations(w2), [], 'deep-link page');
    await p2.close();
  });

  await r.test('polling: an unchanged poll costs only 304s; a new reading appears within one interval', async () => {
    const poll = 1; // seconds
    const p3 = await ctx.newPage();
    const w3 = lib.watch(p3, base);
    await p3.goto(`${base}/?quarter=${Q}&poll=${poll}`);
    await p3.waitForSelector('.tile');
    await lib.sleep(300);
    const answers = [];
    const onResponse = async (resp) => answers.push({url: resp.url(), status: resp.status(),
      inm: (await resp.request().allHeaders())['if-none-match'] || ''});
    p3.on('response', onResponse);
    await lib.sleep(poll * 1000 * 2.2);
    const api = answers.filter((a) => a.url.includes('/api/v1/'));
    lib.assert(api.length >= 2, `no poll seen in ${poll * 2.2} s`);
    lib.assertEqual([...new Set(api.map((a) => a.status))], [304], 'statuses of unchanged polls');
    lib.assertEqual(api.filter((a) => !/^(W\/)?"/.test(a.inm)), [], 'polls without If-None-Match');
    // One request per poll: the summary, as any dashboard's poll would be.
    lib.assertEqual([...new Set(api.map((a) => new URL(a.url).pathname + new URL(a.url).search))],
      [`/api/v1/summary?quarter=${Q}`], 'what an unchanged poll asks');
    // A new reading: CH/KPI 1 falls to 50% against its 95% target (red).
    const before = await readTallies(p3);
    const put = await lib.api(base, 'PUT', `/api/v1/kpis/1/readings/${Q}`,
      {token: data.admin, body: {value: 50, value_text: '50%', comment: 'dip in June'}});
    lib.assert(put.status === 200, `PUT reading: ${put.status} ${put.text}`);
    const t0 = Date.now();
    await lib.until(async () => (await readTallies(p3)).CYP.kpi.counts.R === before.CYP.kpi.counts.R + 1,
      poll * 1000 + 1500, 'the new reading did not appear');
    const waited = Date.now() - t0;
    lib.assert(waited <= poll * 1000 + 1500, `appeared after ${waited} ms`);
    const {body: s} = await lib.api(base, 'GET', `/api/v1/summary?quarter=${Q}`);
    expectTally(lib, (await readTallies(p3)).CYP.kpi, s.groups.find((g) => g.code === 'CYP').kpis, 'CYP KPIs after the poll');
    p3.off('response', onResponse);
    lib.assertEqual(lib.violations(w3), [], 'polling page');
    await p3.close();
    console.log(`  (the new reading showed ${waited} ms after the PUT, polling every ${poll} s)`);
  });

  await r.test("group page: each milestone's status and previous status, each KPI's value, rating and travel equal the quarter views", async () => {
    const p6 = await ctx.newPage();
    const w6 = lib.watch(p6, base);
    await p6.goto(`${base}/?quarter=${Q}&group=CYP`);
    await p6.waitForSelector('tr[data-milestone]');
    const shown = await p6.evaluate(() => {
      const rows = (sel, key) => Object.fromEntries([...document.querySelectorAll(sel)].map((tr) =>
        [tr.dataset[key], [...tr.children].map((td) => td.textContent.trim())]));
      return {ms: rows('tr[data-milestone]', 'milestone'), kpis: rows('tr[data-kpi]', 'kpi'),
        sparks: document.querySelectorAll('tr[data-kpi] .spark-cell, tr[data-kpi] td .none').length};
    });
    const {body: ms} = await lib.api(base, 'GET', `/api/v1/milestones?group=CYP&year=2018-19&quarter=${Q}&limit=500`);
    const {body: kpis} = await lib.api(base, 'GET', `/api/v1/kpis?group=CYP&year=2018-19&quarter=${Q}&limit=500`);
    lib.assertEqual(Object.keys(shown.ms).sort(), ms.items.map((m) => m.code).sort(), 'milestones shown');
    lib.assertEqual(Object.keys(shown.kpis).sort(), kpis.items.map((k) => k.code).sort(), 'KPIs shown');
    for (const m of ms.items) {
      const row = shown.ms[m.code];
      // columns: code, milestone, due, status, previous, comment
      lib.assert(row[3].startsWith(m.reported ? m.update.status : '–'), `${m.code} status: ${row[3]}`);
      lib.assert(m.previous ? row[4].startsWith(m.previous.status) : row[4] === 'none', `${m.code} previous: ${row[4]}`);
      lib.assertEqual(row[5], (m.update && m.update.comment) || '', `${m.code} comment`);
    }
    for (const k of kpis.items) {
      const row = shown.kpis[k.code];
      // columns: code, KPI, target, value, rating, travel, trend, comment
      const value = k.reading ? (k.reading.value_text ?? String(k.reading.value ?? '–')) : '–';
      lib.assert(row[3].startsWith(value), `${k.code} value: ${row[3]} (want ${value})`);
      lib.assert(row[4].startsWith(k.reported ? (k.reading.effective_rating || k.reading.rating) : '–'), `${k.code} rating: ${row[4]}`);
      const dot = k.reading && k.reading.direction_of_travel;
      lib.assert(dot ? row[5].includes(dot === 'same' ? 'the same' : dot) : row[5] === 'no comparison', `${k.code} travel: ${row[5]}`);
      lib.assert(row[6] !== '', `${k.code} has no trend cell`);
    }
    const xss = await p6.$$eval('tr[data-milestone="CH1.2"] td.comment', (els) => els.map((e) => e.textContent));
    lib.assertEqual(xss, [XSS], 'the XSS comment on the group page, as text');
    lib.assertEqual(await p6.$$eval('img[src="x"], [onerror]', (els) => els.length), 0, 'elements made from the payload');
    lib.assertEqual(lib.violations(w6), [], 'group page');
    await p6.close();
  });

  await r.test('KPI page: the server SVG chart is drawn, the series is a table beside it, verdicts in words', async () => {
    const p7 = await ctx.newPage();
    const w7 = lib.watch(p7, base);
    await p7.goto(`${base}/?quarter=${Q}&kpi=1`);
    await p7.waitForSelector('#series-table');
    await p7.waitForFunction(() => {
      const img = document.getElementById('spc-chart');
      return img && img.complete && img.naturalWidth > 0;
    });
    const chart = await p7.$eval('#spc-chart', (img) => ({src: img.src, alt: img.alt, w: img.naturalWidth}));
    lib.assert(chart.src.startsWith('blob:'), `chart from the fetched SVG: ${chart.src}`);
    lib.assert(chart.alt.includes('table below'), `chart alt: ${chart.alt}`);
    const {body: series} = await lib.api(base, 'GET', '/api/v1/kpis/1/series');
    const rows = await p7.$$eval('#series-table tbody tr', (trs) => trs.map((tr) => ({
      period: tr.dataset.period, cells: [...tr.children].map((td) => td.textContent.trim())})));
    lib.assertEqual(rows.map((x) => x.period), series.points.map((p) => p.period), 'periods in the table');
    series.points.forEach((p, i) => {
      lib.assertEqual(rows[i].cells[1], p.value_text ?? String(p.value ?? '–'), `${p.period} value`);
      lib.assertEqual(rows[i].cells[6], p.comment || '', `${p.period} comment`);
    });
    const words = await p7.textContent('.chart figcaption');
    lib.assert(/variation|Too few values/.test(words), `variation in words: ${words}`);
    lib.assertEqual(await lib.axe(p7), [], 'axe on the KPI page');
    lib.assertEqual(lib.violations(w7), [], 'KPI page');
    await p7.close();
  });

  await r.test("CSP: the pages' headers are strict, and no page reports a CSP violation", async () => {
    for (const url of ['/', '/returns']) {
      const {headers} = await lib.api(base, 'GET', url);
      const csp = headers.get('content-security-policy') || '';
      lib.assert(/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp), `${url} CSP: ${csp}`);
      lib.assert(!/unsafe-inline|unsafe-eval/.test(csp), `${url} CSP allows inline: ${csp}`);
      lib.assert(/frame-ancestors 'none'/.test(csp), `${url} frame-ancestors: ${csp}`);
      lib.assertEqual(headers.get('x-content-type-options'), 'nosniff', `${url} nosniff`);
      lib.assertEqual(headers.get('referrer-policy'), 'no-referrer', `${url} Referrer-Policy`);
    }
    const p8 = await ctx.newPage();
    await p8.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation',
        (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const w8 = lib.watch(p8, base);
    const seenCsp = [];
    for (const [url, ready] of [[`/?quarter=${Q}`, '.tile'], [`/?quarter=${Q}&group=MHLD`, 'tr[data-kpi]'],
      [`/?quarter=${Q}&kpi=1`, '#series-table'], ['/returns', '#upload-form']]) {
      await p8.goto(base + url);
      await p8.waitForSelector(ready);
      await lib.sleep(200);
      seenCsp.push(...(await p8.evaluate(() => window.cspViolations)).map((v) => `${url}: ${v}`));
    }
    lib.assertEqual(seenCsp, [], 'CSP violations');
    lib.assertEqual(lib.violations(w8), [], 'pages under the CSP');
    await p8.close();
  });

  await r.test('keyboard: a focused link in the content has a visible focus indicator with enough contrast', async () => {
    const p9 = await ctx.newPage();
    await p9.goto(`${base}/?quarter=${Q}`);
    await p9.waitForSelector('.tile');
    let ring = null;
    for (let i = 0; i < 40 && !ring; i++) {
      await p9.keyboard.press('Tab');
      ring = await p9.evaluate(() => {
        const a = document.activeElement;
        if (!a.closest('main') || a.tagName !== 'A') return null;
        const cs = getComputedStyle(a);
        return {outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth), colour: cs.outlineColor,
          shadow: cs.boxShadow};
      });
    }
    lib.assert(ring, 'Tab never reached a link in the content');
    lib.assert(ring.outline !== 'none' && ring.width >= 2, `focus outline: ${JSON.stringify(ring)}`);
    // The outline against the page's white: WCAG 2.2 non-text contrast, 3:1 at least.
    const m = /rgba?\((\d+), (\d+), (\d+)/.exec(ring.colour);
    const lum = (c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const L = 0.2126 * lum(+m[1]) + 0.7152 * lum(+m[2]) + 0.0722 * lum(+m[3]);
    const ratio = 1.05 / (L + 0.05);
    lib.assert(ratio >= 3, `focus outline contrast ${ratio.toFixed(2)}:1 (${ring.colour})`);
    await p9.close();
  });

  await r.test('report: the overview links the quarter\'s board report in each format', async () => {
    await page.goto(`${base}/?quarter=${Q}`);
    await page.waitForSelector('.reports a');
    const hrefs = await page.$$eval('.reports a', (as) => as.map((a) => a.getAttribute('href')));
    lib.assertEqual(hrefs, ['html', 'md', 'csv', 'json'].map((f) => `/api/v1/reports/${Q}?format=${f}`), 'report links');
  });

  await r.test('phone: the overview, a group and a KPI page fit a 390 px screen without sideways scrolling', async () => {
    const p4 = await ctx.newPage();
    await p4.setViewportSize({width: 390, height: 844});
    const w4 = lib.watch(p4, base);
    await p4.goto(`${base}/?quarter=${Q}`);
    await p4.waitForSelector('.tile');
    const {sw, iw} = await p4.evaluate(() => ({sw: document.documentElement.scrollWidth, iw: window.innerWidth}));
    lib.assert(sw <= iw, `page is ${sw} px wide on a ${iw} px screen`);
    await c.shot(p4, 'phone');
    // The group and KPI pages too: their wide tables scroll inside a region of their own.
    for (const [url, ready] of [[`/?quarter=${Q}&group=MHLD`, 'tr[data-kpi]'], [`/?quarter=${Q}&kpi=1`, '#series-table']]) {
      await p4.goto(base + url);
      await p4.waitForSelector(ready);
      const w = await p4.evaluate(() => ({sw: document.documentElement.scrollWidth, iw: window.innerWidth}));
      lib.assert(w.sw <= w.iw, `${url} is ${w.sw} px wide on a ${w.iw} px screen`);
    }
    lib.assertEqual(lib.violations(w4), [], 'phone page');
    await p4.close();
  });

  await r.test('print: header, picker and token form are left out; every tile is printed', async () => {
    await page.goto(`${base}/?quarter=${Q}`);
    await page.waitForSelector('.tile');
    await page.emulateMedia({media: 'print'});
    const shown = await page.evaluate(() => ({
      header: getComputedStyle(document.querySelector('header.site')).display,
      tiles: [...document.querySelectorAll('.tile')].filter((t) => t.offsetHeight > 0).length,
    }));
    await page.emulateMedia({media: 'screen'});
    lib.assertEqual(shown.header, 'none', 'header when printed');
    lib.assertEqual(shown.tiles, 3, 'tiles printed');
  });

  await r.test('no console errors, failed requests, dialogs or requests to other hosts', async () => {
    lib.assertEqual(lib.violations(seen), [], 'the main page');
  });

  // Without --public-read: a viewer token pasted once.
  await c.server.stop();
  c.server = await lib.startServer(c.bin, data.db, c.work, []);
  base = c.server.base;

  await r.test('token: 401 says what to do; the pasted token goes only into the Authorization header', async () => {
    const p5 = await ctx.newPage();
    const w5 = lib.watch(p5, base);
    w5.allowStatus.add(401);
    const apiRequests = [];
    p5.on('request', (req) => {
      if (req.url().includes('/api/v1/')) apiRequests.push({url: req.url(), auth: req.headers().authorization || ''});
    });
    await p5.goto(`${base}/?quarter=${Q}`);
    await p5.waitForSelector('#alert:not([hidden])');
    lib.assert((await p5.textContent('#alert')).includes('needs a token'), 'the 401 message');
    lib.assert(await p5.$eval('details.auth', (d) => d.open), 'the token form is opened');
    lib.assertEqual(await p5.evaluate(() => document.activeElement && document.activeElement.id), 'token',
      'focus in the token field');
    await c.shot(p5, 'token');
    lib.assertEqual(await lib.axe(p5), [], 'axe on the token prompt');
    await p5.fill('#token', data.viewer);
    await p5.press('#token', 'Enter');
    await p5.waitForSelector('.tile');
    lib.assert(await p5.$eval('#alert', (a) => a.hidden), 'the alert is gone');
    const secret = data.viewer;
    lib.assert(apiRequests.some((q) => q.auth === `Bearer ${secret}`), 'the token was sent');
    lib.assertEqual(apiRequests.filter((q) => q.url.includes(secret)), [], 'requests with the token in the URL');
    lib.assertEqual(w5.consoleErrors.filter((m) => m.includes(secret)), [], 'console lines with the token');
    lib.assertEqual(await p5.evaluate(() => sessionStorage.getItem('ragboard.token')), secret, 'sessionStorage');
    lib.assertEqual(await p5.evaluate(() => localStorage.length), 0, 'localStorage');
    // Completeness: who has not reported, by organisation, as the API says.
    const {body: comp} = await lib.api(base, 'GET', `/api/v1/quarters/${Q}/completeness`, {token: data.viewer});
    const orgs = await p5.$$eval('.completeness tr[data-organisation]', (trs) => trs.map((tr) =>
      [tr.dataset.organisation, tr.children[4].textContent]));
    lib.assertEqual(orgs, comp.organisations.map((o) => [o.code, o.missing.length ? o.missing.map((x) => x.code).join(', ') : 'nothing']),
      'completeness by organisation');
    // The KPI page's chart is fetched with the token too (an <img src> could not send it).
    await p5.goto(`${base}/?quarter=${Q}&kpi=1`);
    await p5.waitForFunction(() => {
      const img = document.getElementById('spc-chart');
      return img && img.complete && img.naturalWidth > 0;
    });
    await p5.goto(`${base}/?quarter=${Q}`);
    await p5.waitForSelector('.tile');
    // A reload keeps it (same tab); a wrong one is refused with a clear message.
    await p5.reload();
    await p5.waitForSelector('.tile');
    await p5.click('details.auth summary');
    await p5.fill('#token', 'rb1_99_nottherightsecret');
    await p5.press('#token', 'Enter');
    await p5.waitForSelector('#alert:not([hidden])');
    lib.assert((await p5.textContent('#alert')).includes('did not accept this token'), 'the wrong-token message');
    const others = lib.violations(w5).filter((v) => !/status of 401/.test(v));
    lib.assertEqual(others, [], 'token page');
    await p5.close();
  });
}
