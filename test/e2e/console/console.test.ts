import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { axeViolations, collectConsoleErrors, launchBrowser, screenshot } from '../../support/browser.ts';
import { type HostProcess, postgresSourceConfig, startHostProcess } from '../../support/host-process.ts';
import { services } from '../../support/services.ts';
import { waitFor } from '../../support/wait-for.ts';

// The web console in a real browser (Debian's chromium through playwright-core) against the shipped
// host with rest.auth=token and the real stack: an admin signs in, finds a PostgreSQL-backed product
// by search, downloads its contract and sees its sample events with the email column hashed,
// confirms the classification and publishes; creates a PostgreSQL source from the generated form
// (first refused with the error beside its field), pauses and resumes it; a viewer is offered no
// write action. Every page is checked by axe and for console errors, and screenshotted.

const root = join(import.meta.dirname, '..', '..', '..');
const suffix = randomUUID().slice(0, 8);
const schema = `ui_${suffix}`;
const prefix = `ui${suffix}`;
const domain = `shop${suffix}`;
const productId = `${domain}.customers`;
const sourceName = `${domain}-customers`;
const formConnector = `pg-orders-${suffix}`;

let host: HostProcess;
let db: pg.Client;
let browser: Browser;
const tokens: Record<'admin' | 'viewer', string> = { admin: '', viewer: '' };

async function api(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${host.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: REST bodies are checked field by field
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as any };
}

interface Session {
  context: BrowserContext;
  page: Page;
  errors: string[];
}
const sessions: Session[] = [];

async function signedIn(
  role: 'admin' | 'viewer',
  first?: (session: Session) => Promise<void>,
): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const session = { context, page, errors: collectConsoleErrors(page) };
  sessions.push(session);
  await page.goto(`${host.base}/`);
  await expect.poll(() => new URL(page.url()).pathname).toBe('/ui/');
  await first?.(session);
  await page.getByLabel('Token').fill(tokens[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Data products' }).waitFor();
  return session;
}

/** axe finds nothing serious, and a screenshot is kept. */
async function checkPage(page: Page, name: string, fullPage = true): Promise<void> {
  await screenshot(page, name, fullPage);
  expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await db.query(`CREATE SCHEMA ${schema}`);
  await db.query(
    `CREATE TABLE ${schema}.customers (id int PRIMARY KEY, email text NOT NULL, segment text NOT NULL, credit numeric(12,2))`,
  );
  await db.query(`COMMENT ON TABLE ${schema}.customers IS 'Customers of the garden shop'`);
  await db.query(`COMMENT ON COLUMN ${schema}.customers.email IS 'Login and receipts address'`);
  await db.query(`COMMENT ON COLUMN ${schema}.customers.segment IS 'retail or business'`);
  await db.query(
    `INSERT INTO ${schema}.customers SELECT i, 'c' || i || '@example.com', 'retail', i * 10 FROM generate_series(1, 5) AS i`,
  );
  await db.query(`CREATE TABLE ${schema}.orders (id int PRIMARY KEY, total numeric(12,2))`);
  await db.query(`INSERT INTO ${schema}.orders VALUES (1, 9.5), (2, 12)`);

  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-console-'));
  for (const role of ['admin', 'viewer'] as const) {
    const out = execFileSync(
      process.execPath,
      [join(root, 'scripts', 'token.ts'), 'create', '--name', `${role}-ui`, '--role', role],
      {
        cwd: root,
        env: { ...process.env, ONRAMP_DATA_DIR: dataDir, ONRAMP_REST_AUTH: 'token' },
        encoding: 'utf8',
      },
    );
    tokens[role] = out.trimEnd().split('\n').at(-1) ?? '';
  }
  const [started, launched] = await Promise.all([
    startHostProcess({ ONRAMP_REST_AUTH: 'token' }, { dataDir }),
    launchBrowser(),
  ]);
  host = started;
  browser = launched;

  // A product onboarded over REST, as a domain team would, with its snapshot in Kafka.
  const created = await api(tokens.admin, 'PUT', `/connectors/${sourceName}/config`, {
    ...postgresSourceConfig(prefix, `${schema}.customers`),
    'product.domain': domain,
    'product.name': 'customers',
    'product.owner': 'garden-data-team',
    'product.description': 'Every customer of the garden shop, as it changes',
  });
  expect(created.status).toBe(201);
  await api(tokens.admin, 'POST', '/products', {
    domain: `finance${suffix}`,
    name: 'ledger',
    description: 'Booked invoices',
    owner: 'finance',
    outputPorts: [{ topic: `finance${suffix}.ledger` }],
  });
  await waitFor(
    'sample events of the product',
    async () => {
      const answer = await api(tokens.admin, 'GET', `/products/${productId}/samples`);
      return answer.body?.ports?.[0]?.events?.length === 5;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
});

afterEach(() => {
  for (const session of sessions) {
    const errors = session.errors.splice(0);
    expect(errors, 'console errors').toEqual([]);
  }
});

afterAll(async () => {
  await browser?.close();
  if (host) {
    for (const name of [formConnector, sourceName])
      await api(tokens.admin, 'DELETE', `/connectors/${name}`).catch(() => undefined);
    await host.stop();
  }
  await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db?.end();
});

describe('web console', () => {
  let admin: Session;

  it('signs in, finds a product by search and filters', async () => {
    admin = await signedIn('admin', async ({ page, errors }) => {
      // A wrong token is refused with the reason beside the field, and the sign-in page passes axe.
      await page.getByLabel('Token').fill('not-a-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#token-error').waitFor();
      await expect(page.getByLabel('Token').getAttribute('aria-invalid')).resolves.toBe('true');
      await checkPage(page, '00-sign-in-refused');
      // the browser logs the refused POST /ui/session (401) by itself; nothing else may be there
      expect(errors.splice(0).filter((error) => !/401/.test(error))).toEqual([]);
      await page.getByLabel('Token').fill('');
    });
    const { page } = admin;
    // Every card's health and freshness have loaded before the screenshot.
    await expect.poll(() => page.locator('.card .facts dd', { hasText: 'loading…' }).count()).toBe(0);
    await checkPage(page, '01-products');
    await page.getByLabel('Search').fill('garden shop');
    await expect.poll(() => page.locator('.cards > li').count()).toBe(1);
    await expect(page.getByRole('link', { name: productId }).isVisible()).resolves.toBe(true);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Status').selectOption('draft');
    await page.getByLabel('Domain').selectOption(`finance${suffix}`);
    await page.getByRole('link', { name: `finance${suffix}.ledger` }).waitFor();
    await expect.poll(() => page.locator('.cards > li').count()).toBe(1);
    await page.getByLabel('Domain').selectOption('');
    await page.getByLabel('Search').fill('garden');
    await expect.poll(() => page.locator('.cards > li').count()).toBe(1);
  });

  it('opens the product: contract download, schema, lineage and masked sample events', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: productId }).click();
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    const emailCells = page.locator('td.masked[data-column="email"]');
    await expect.poll(() => emailCells.count(), { timeout: 20_000 }).toBe(5);
    for (const cell of await emailCells.all()) {
      // shown as its first 16 hex digits, the whole HMAC in the tooltip
      await expect(cell.textContent()).resolves.toMatch(/^[0-9a-f]{16}…$/);
      await expect(cell.getAttribute('title')).resolves.toMatch(/^[0-9a-f]{64}$/);
    }
    await expect(page.locator('.samples-table').textContent()).resolves.not.toContain('@example.com');
    // A reload keeps the page: the host answers the console for any /ui path (this one has a dot).
    await page.reload();
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    await expect.poll(() => emailCells.count(), { timeout: 20_000 }).toBe(5);
    await page.locator('.lineage svg').waitFor();
    await expect(page.locator('.lineage .node-topic').count()).resolves.toBeGreaterThan(0);
    // with room to spare, a node shows its whole name
    await expect(page.locator('.lineage .node-topic .node-name').textContent()).resolves.toBe(
      `${prefix}.${schema}.customers`,
    );
    await expect(page.getByRole('cell', { name: 'Login and receipts address' }).count()).resolves.toBe(1);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /Download contract/ }).click(),
    ]);
    const file = await download.path();
    const contract = parseYaml(readFileSync(file, 'utf8'));
    expect(contract).toMatchObject({ apiVersion: 'v3.0.2', kind: 'DataContract', domain, status: 'draft' });
    expect(download.suggestedFilename()).toBe(`${productId}.odcs.yaml`);
    await checkPage(page, '02-product');
  });

  it('publishes the draft after confirming its classification', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Review and publish' }).click();
    await page.getByRole('heading', { level: 1, name: `Publish ${productId}` }).waitFor();
    await expect(page.getByLabel('Owner', { exact: true }).inputValue()).resolves.toBe('garden-data-team');
    await checkPage(page, '03-publish');
    // Publishing with a suggestion still open is refused, and the console says why.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'email' }).waitFor();
    await page.getByLabel('Confirm: personal data').check();
    await page.getByLabel('SLA tier').selectOption('tier-2');
    await page.getByLabel('Tags').fill('garden, customers');
    // Columns nobody decides later (added after publishing) are protected, not sent as they are.
    const undecided = page.getByLabel('Undecided personal data', { exact: true });
    await expect(undecided.inputValue()).resolves.toBe('send');
    await undecided.selectOption('protect');
    await page
      .locator('#undecided-help', { hasText: 'protected (hash) before Kafka until decided' })
      .waitFor();
    await checkPage(page, '03b-publish-decided');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    await page.locator('.page-heading .badge', { hasText: 'published' }).waitFor();
    await expect(page.locator('[data-fact="undecided"] dd').textContent()).resolves.toBe('protect (hash)');
    // the owner may change it on the product page; unchanged, there is nothing to save
    await expect(page.getByLabel('Undecided personal data', { exact: true }).inputValue()).resolves.toBe(
      'protect',
    );
    const savePolicy = page.getByRole('button', { name: 'Save policy' });
    await expect(savePolicy.isDisabled()).resolves.toBe(true);
    // and change it there: back to send, saved, shown; then protect again
    const fact = page.locator('[data-fact="undecided"] dd');
    for (const [setting, shown] of [
      ['send', 'send as is'],
      ['protect', 'protect (hash)'],
    ] as const) {
      await page.getByLabel('Undecided personal data', { exact: true }).selectOption(setting);
      await savePolicy.click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await expect.poll(() => fact.textContent()).toBe(shown);
      expect((await api(tokens.admin, 'GET', `/products/${productId}`)).body.policy.undecided).toBe(setting);
    }
    const product = await api(tokens.admin, 'GET', `/products/${productId}`);
    expect(product.body).toMatchObject({
      status: 'published',
      slaTier: 'tier-2',
      tags: ['garden', 'customers'],
      policy: { undecided: 'protect', personalData: 'hash' },
    });
    const contract = parseYaml(
      await (
        await fetch(`${host.base}/products/${productId}/contract`, {
          headers: { authorization: `Bearer ${tokens.admin}` },
        })
      ).text(),
    );
    expect(contract.customProperties).toContainEqual(
      expect.objectContaining({ property: 'undecidedPersonalData', value: 'protect' }),
    );
    expect(product.body.classifications).toEqual([
      expect.objectContaining({ column: `${schema}.customers.email`, state: 'confirmed' }),
    ]);
  });

  it('creates a PostgreSQL source from the form: an error beside its field first, then created', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Connectors', exact: true }).click();
    await page.getByRole('link', { name: 'New connector' }).click();
    await page.getByRole('heading', { level: 1, name: 'New connector' }).waitFor();
    await expect.poll(() => page.getByLabel('Plugin', { exact: true }).inputValue()).toMatch(/postgres/i);
    await page.locator('#field-database-hostname').waitFor();
    // Everything folded away is opened, as a person would to fill those settings.
    await page.locator('fieldset.group details > summary').evaluateAll((summaries) => {
      for (const summary of summaries) (summary.parentElement as unknown as { open: boolean }).open = true;
    });
    const url = new URL(services().pgUrl);
    const fill: Record<string, string> = {
      'database-hostname': url.hostname,
      'database-port': 'not-a-port',
      'database-user': decodeURIComponent(url.username),
      'database-password': decodeURIComponent(url.password),
      'database-dbname': url.pathname.slice(1),
      'topic-prefix': `${prefix}o`,
      'table-include-list': `${schema}.orders`,
      'slot-name': `${prefix}o`,
      'publication-name': `${prefix}o`,
    };
    await page.locator('#field-name').fill(formConnector);
    for (const [field, value] of Object.entries(fill)) await page.locator(`#field-${field}`).fill(value);
    await page.locator('#field-publication-autocreate-mode').selectOption('filtered');
    await page.locator('#field-slot-drop-on-stop').selectOption('true');
    await page.getByRole('button', { name: 'Create connector' }).click();
    const portError = page.locator('#field-database-port-error');
    await portError.waitFor();
    await expect(portError.textContent()).resolves.toMatch(/not-a-port|number|integer/i);
    await expect(page.locator('#field-database-port').getAttribute('aria-invalid')).resolves.toBe('true');
    expect((await api(tokens.admin, 'GET', `/connectors/${formConnector}`)).status).toBe(404);
    await checkPage(page, '04-new-connector-error', false);

    await page.locator('#field-database-port').fill(url.port || '5432');
    await page.getByRole('button', { name: 'Create connector' }).click();
    await page.getByRole('heading', { level: 1, name: formConnector }).waitFor({ timeout: 30_000 });
    await page.locator('.page-heading .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 30_000 });
    const stored = await api(tokens.admin, 'GET', `/connectors/${formConnector}`);
    expect(stored.body.config).toMatchObject({
      'table.include.list': `${schema}.orders`,
      'database.password': '[hidden]',
    });
  });

  it('pauses and resumes the connector', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.page-heading .badge', { hasText: 'PAUSED' }).waitFor({ timeout: 20_000 });
    expect((await api(tokens.admin, 'GET', `/connectors/${formConnector}/status`)).body.connector.state).toBe(
      'PAUSED',
    );
    await checkPage(page, '05-connector-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-heading .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 20_000 });
    expect((await api(tokens.admin, 'GET', `/connectors/${formConnector}/status`)).body.connector.state).toBe(
      'RUNNING',
    );
    // Stop, resume from stopped, and restart with its tasks.
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.page-heading .badge', { hasText: 'STOPPED' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-heading .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.getByText('Restart: done.').waitFor({ timeout: 20_000 });
    await page.locator('td .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 20_000 });

    await page.getByRole('link', { name: 'Connectors', exact: true }).click();
    const row = page.locator(`tr[data-connector="${sourceName}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('RUNNING');
    // Live figures: new rows show up as events per second within a few polls.
    await db.query(
      `INSERT INTO ${schema}.customers SELECT i, 'c' || i || '@example.com', 'business', i FROM generate_series(6, 40) AS i`,
    );
    await expect
      .poll(async () => Number(await row.locator('td.num').first().textContent()), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.locator(`tr[data-connector="${formConnector}"]`).waitFor();
    await expect(page.getByRole('list', { name: 'Summary' }).textContent()).resolves.toMatch(/2 running/);
    await checkPage(page, '06-connectors');
    await page.getByRole('link', { name: 'Domains' }).click();
    await page.getByRole('heading', { level: 2, name: domain }).waitFor();
    await checkPage(page, '07-domains');
  });

  it('offers a viewer no write action', async () => {
    const viewer = await signedIn('viewer');
    const { page } = viewer;
    // The tag set at publishing filters the products.
    await page.getByLabel('Tag', { exact: true }).selectOption('garden');
    await expect.poll(() => page.locator('.cards > li').count()).toBe(1);
    await page.getByRole('list', { name: 'Tags' }).filter({ hasText: 'customers' }).waitFor();
    await page.getByRole('link', { name: productId }).click();
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    await page.getByRole('link', { name: /Download contract/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Deprecate' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Review and publish' }).count()).toBe(0);
    // the undecided-personal-data policy is shown, explained, and not offered for change
    await expect(page.locator('[data-fact="undecided"] dd').textContent()).resolves.toBe('protect (hash)');
    await page
      .getByText(/^Undecided personal data: .*protected \(hash\) before Kafka until decided/)
      .waitFor();
    expect(await page.getByLabel('Undecided personal data', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
    await checkPage(page, '08-viewer-product');

    await page.getByRole('link', { name: 'Connectors', exact: true }).click();
    await page.locator(`tr[data-connector="${formConnector}"]`).waitFor();
    expect(await page.getByRole('link', { name: 'New connector' }).count()).toBe(0);
    await page.getByRole('link', { name: formConnector }).click();
    await page.getByRole('heading', { level: 1, name: formConnector }).waitFor();
    await page.getByRole('heading', { name: 'Configuration' }).waitFor();
    for (const action of ['Pause', 'Resume', 'Restart', 'Stop', 'Delete'])
      expect(await page.getByRole('button', { name: action }).count(), action).toBe(0);
    await checkPage(page, '09-viewer-connector');

    // The host refuses the viewer's writes as well, whatever a page would send.
    const csrf = await page.evaluate(
      async () => ((await (await fetch('/ui/session')).json()) as { csrf: string }).csrf,
    );
    const status = await page.evaluate(
      async ([name, token]) =>
        (await fetch(`/connectors/${name}/pause`, { method: 'PUT', headers: { 'x-onramp-csrf': token } }))
          .status,
      [formConnector, csrf] as const,
    );
    expect(status).toBe(403);
    viewer.errors.splice(0); // the refused fetch above is logged by the browser on purpose
    await viewer.context.close();
  });

  it('walks from sign-in to a product and the connectors with the keyboard only, its focus always visible', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    sessions.push({ context, page, errors: collectConsoleErrors(page) });
    await page.goto(`${host.base}/ui/`);
    await page.getByLabel('Token').waitFor();
    const stops: string[] = [];
    /** Presses key until the focused element is `target`; every element it stops on shows its focus. */
    const tabTo = async (target: string, key = 'Tab') => {
      for (let presses = 0; presses < 100; presses++) {
        await page.keyboard.press(key);
        const focused = await page.evaluate((): { name: string; visible: boolean } | undefined => {
          // biome-ignore lint/suspicious/noExplicitAny: document and getComputedStyle are the page's globals
          const { document, getComputedStyle } = globalThis as any;
          const element = document.activeElement;
          if (!element || element === document.body) return undefined;
          const style = getComputedStyle(element);
          const text = (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().slice(0, 60);
          return {
            name: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} ${text}`.trim(),
            visible:
              element.matches(':focus-visible') &&
              style.outlineStyle !== 'none' &&
              Number.parseFloat(style.outlineWidth) >= 2,
          };
        });
        if (!focused) continue;
        stops.push(focused.name);
        expect(focused.visible, `the focus is visible on ${focused.name}`).toBe(true);
        if (focused.name === target) return;
      }
      throw new Error(`${key} never reached ${target}: ${stops.join(' | ')}`);
    };
    await tabTo('input#token');
    await page.keyboard.type(tokens.admin);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Data products' }).waitFor();
    await expect.poll(() => page.locator('.card .facts dd', { hasText: 'loading…' }).count()).toBe(0);
    await tabTo(`a ${productId}`);
    await screenshot(page, '12-keyboard-products', false);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    // back up from the page's heading to the main navigation
    await tabTo('a Connectors', 'Shift+Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/connectors');
    await tabTo(`a ${sourceName}`);
    await screenshot(page, '13-keyboard-connectors', false);
    await context.close();
  });

  it('shows of a delete only the key its event carries', async () => {
    const { page } = admin;
    // REPLICA IDENTITY DEFAULT: PostgreSQL logs only the deleted row's key; the event fills email and
    // segment (NOT NULL) with '' (email then hashed by the product stage) and credit with null.
    await db.query(`DELETE FROM ${schema}.customers WHERE id = 40`);
    const deleteOf = (body: { ports?: Array<{ events: Array<{ value: { op?: string } | null }> }> }) =>
      body?.ports?.[0]?.events.find((event) => event.value?.op === 'd');
    await waitFor(
      'the delete among the sample events',
      async () => deleteOf((await api(tokens.admin, 'GET', `/products/${productId}/samples?limit=5`)).body),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const deleted = deleteOf((await api(tokens.admin, 'GET', `/products/${productId}/samples?limit=5`)).body);
    expect(deleted).toMatchObject({
      value: { op: 'd', before: { id: 40 } },
      absent: { columns: ['email', 'segment', 'credit'] },
    });
    expect(Object.keys((deleted?.value as { before: object }).before)).toEqual(['id']);
    await page.goto(`${host.base}/ui/products/${productId}`);
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    const absent = page.locator('td.absent');
    await expect.poll(() => absent.count(), { timeout: 20_000 }).toBe(3);
    for (const cell of await absent.all()) {
      await expect(cell.locator('[aria-hidden="true"]').textContent()).resolves.toBe('—');
      await expect(cell.getAttribute('title')).resolves.toBe(
        'not in the delete event (replica identity keeps only the key)',
      );
    }
    await page.locator('.absent-note').waitFor();
    await checkPage(page, '09b-product-delete');
  });

  it('keeps the session token out of reach of scripts and refuses cross-site writes', async () => {
    const { page, context } = admin;
    const cookies = await context.cookies();
    const cookie = cookies.find((entry) => entry.name === 'onramp_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).toBe('{}');
    // A write with the cookie but from another origin (as a forged form post would arrive) is refused.
    const forged = await fetch(`${host.base}/connectors/${formConnector}/pause`, {
      method: 'PUT',
      headers: {
        cookie: `onramp_session=${cookie?.value}`,
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect(forged.status).toBe(403);
    const noCsrf = await fetch(`${host.base}/connectors/${formConnector}/pause`, {
      method: 'PUT',
      headers: { cookie: `onramp_session=${cookie?.value}` },
    });
    expect(noCsrf.status).toBe(403);
  });

  it('shows a failing connector at a glance: state, tally and its last error, in the list and its page', async () => {
    const { page } = admin;
    // A breaking change of the published product's table fails its source task with a named reason.
    await db.query(`ALTER TABLE ${schema}.customers RENAME COLUMN segment TO segment_code`);
    await db.query(`INSERT INTO ${schema}.customers VALUES (41, 'c41@example.com', 'retail', 41)`);
    await page.goto(`${host.base}/ui/connectors`);
    const row = page.locator(`tr[data-connector="${sourceName}"]`);
    await expect
      .poll(() => row.locator('td.error-cell').textContent(), { timeout: 30_000 })
      .toContain('breaks its published contract');
    // Kafka Connect keeps the connector RUNNING when its task fails: the row says both.
    await expect(row.locator('.badge').allTextContents()).resolves.toEqual(['RUNNING', 'task FAILED']);
    await expect(page.getByRole('list', { name: 'Summary' }).textContent()).resolves.toMatch(
      /1 running.*1 failing/,
    );
    await checkPage(page, '10-connectors-failing');
    await page.getByRole('link', { name: sourceName }).click();
    await page.getByRole('heading', { level: 1, name: sourceName }).waitFor();
    await page.locator('.error', { hasText: 'Last error' }).waitFor();
    await page.locator('.page-heading .badge', { hasText: 'task FAILED' }).waitFor();
    await expect(page.locator('td .badge', { hasText: 'FAILED' }).count()).resolves.toBe(1);
    // The error once, whole and readable, its stack trace folded under it.
    const failure = page.locator('.failure');
    await expect(failure.count()).resolves.toBe(1);
    await expect(page.getByText(/breaks its published contract/).count()).resolves.toBe(1);
    await expect(failure.locator('.failure-message').textContent()).resolves.toMatch(
      /^\[PRODUCT_BREAKING_CHANGE\]: Data product .* restart the task/,
    );
    const stack = failure.locator('details');
    await expect(stack.getAttribute('open')).resolves.toBeNull();
    await stack.locator('summary', { hasText: 'Stack trace' }).click();
    await expect(stack.locator('pre').textContent()).resolves.toMatch(/^\s+at /);
    await checkPage(page, '11-connector-failed');
  });

  it('deprecates the product and deletes the connector made from the form, each after a confirmation', async () => {
    const { page } = admin;
    await page.goto(`${host.base}/ui/products/${productId}`);
    await page.getByRole('heading', { level: 1, name: productId }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Deprecate' }).click();
    await page.locator('.page-heading .badge', { hasText: 'deprecated' }).waitFor();
    expect(await page.getByRole('button', { name: 'Deprecate' }).count()).toBe(0);
    expect((await api(tokens.admin, 'GET', `/products/${productId}`)).body.status).toBe('deprecated');

    await page.goto(`${host.base}/ui/connectors/${formConnector}`);
    await page.getByRole('heading', { level: 1, name: formConnector }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connectors' }).waitFor();
    await page.locator(`tr[data-connector="${sourceName}"]`).waitFor();
    expect(await page.locator(`tr[data-connector="${formConnector}"]`).count()).toBe(0);
    expect((await api(tokens.admin, 'GET', `/connectors/${formConnector}`)).status).toBe(404);
  });
});
