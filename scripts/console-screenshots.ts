// The README's console screenshots (docs/screenshots/console-product.png and console-connectors.png),
// taken in Debian's chromium from a running console — normally `npm run demo`'s, during its live
// workload, so events/s and the freshness charts have something to show:
//
//   npm run demo -- --seconds 90 &          # wait for "5/5 Live workload"
//   node scripts/launch.mjs node scripts/console-screenshots.ts [base] [product]
//
// base defaults to http://127.0.0.1:8083 and product to the demo's inventory.inventory-changes. A host
// with rest.auth=token needs ONRAMP_TOKEN (any role that may read).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../test/support/browser.ts';

const root = join(import.meta.dirname, '..');
const out = join(root, 'docs', 'screenshots');
const base = (process.argv[2] ?? 'http://127.0.0.1:8083').replace(/\/$/, '');
const product = process.argv[3] ?? 'inventory.inventory-changes';

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${base}/ui/`);
  const token = process.env.ONRAMP_TOKEN;
  if (
    await page
      .getByLabel('Token')
      .isVisible({ timeout: 5_000 })
      .catch(() => false)
  ) {
    if (!token) throw new Error('the console asks for a token: set ONRAMP_TOKEN');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('heading', { level: 1, name: 'Data products' }).waitFor();

  await page.goto(`${base}/ui/products/${encodeURIComponent(product)}`);
  await page.getByRole('heading', { level: 1, name: product }).waitFor();
  await page.locator('.samples-table').first().waitFor({ timeout: 30_000 });
  await page.locator('.lineage svg').waitFor();
  await page.locator('.chart').first().waitFor({ timeout: 30_000 });
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'console-product.png'), fullPage: true });

  await page.getByRole('link', { name: 'Connectors', exact: true }).click();
  await page.locator('table.connectors tbody tr').first().waitFor();
  // Live figures: wait (a while) for a connector moving events, as the demo's workload makes them.
  await until(
    'a connector with events/s above 0',
    async () => {
      // the first numeric cell of a row is its events/s
      const rates = await page.$$eval('table.connectors tbody tr', (rows) =>
        rows.map((row) => row.querySelector('td.num')?.textContent ?? ''),
      );
      return rates.some((rate) => Number(rate) > 0);
    },
    20_000,
  ).catch((error: Error) => console.warn(`${error.message}; taking the screenshot anyway`));
  const box = await page.locator('main').boundingBox();
  const bottom = box ? Math.ceil(box.y + box.height) : 600;
  await page.screenshot({
    path: join(out, 'console-connectors.png'),
    clip: { x: 0, y: 0, width: 1280, height: Math.max(360, bottom + 32) },
  });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
}
