// The returns page (/returns) in chromium.
export async function returnsTests(c) {
  const {r, lib, ctx} = c;
  const base = c.server.base;

  await r.test('returns: the page loads and axe-core finds nothing serious or critical', async () => {
    const page = await ctx.newPage();
    const w = lib.watch(page, base);
    await page.goto(`${base}/returns`);
    await page.waitForSelector('h1');
    lib.assertEqual(await lib.axe(page), [], 'violations');
    await c.shot(page, 'returns');
    lib.assertEqual(lib.violations(w), [], 'returns page');
    await page.close();
  });
}
