import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { signToken } from '../api/auth/tokens';
import type { Stack } from '../stack/stack';
import { call, json } from './http';
import { stackEnvironment, startReadyStack } from './load';
import { PatientClient } from './patient-client';
import { authOf, BenchTokens } from './tokens';

/**
 * `npm run check:web-ui`: the Temporal Web UI in a headless browser, against a stack whose dev server
 * names the API's codec server (`--ui-codec-endpoint`). An order is placed for a customer with an
 * email and a phone; its workflow page is opened twice: before the operator signs in to the codec
 * server the page shows ciphertext only, after (with "include cross-origin credentials" on) the
 * customer's email and phone. Screenshots of both go to the data folder, whose path it prints.
 */

const CHROME_CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/google-chrome'];
const log = (msg: string) => console.log(`[web-ui] ${msg}`);

function chromePath(): string {
  const found = [process.env.CHROME_PATH, ...CHROME_CANDIDATES].find((p) => p && existsSync(p));
  if (!found) {
    throw new Error('no headless Chromium: apt-get install chromium-headless-shell, or set CHROME_PATH');
  }
  return found;
}

/** The workflow's page, once the UI has rendered its input; what the page's text shows. */
async function workflowPage(page: Page, ui: string, workflowId: string, shot: string): Promise<string> {
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`, { waitUntil: 'domcontentloaded' });
  // Page code as strings: it runs in the browser, which this project's types do not describe.
  await page.waitForFunction("document.body.innerText.includes('Input')", { timeout: 30_000 });
  // The codec's answers arrive after the first paint.
  await new Promise((r) => setTimeout(r, 2_000));
  await page.screenshot({ path: shot, fullPage: true });
  return page.evaluate('document.body.innerText') as Promise<string>;
}

async function check(stack: Stack, browser: Browser, shots: string): Promise<string[]> {
  const api = stack.apiUrl;
  const ui = stack.temporalUiUrl;
  const auth = authOf(stack.config);
  const tokens = new BenchTokens(auth);
  const customer = { sub: 'web-ui-customer', email: 'private.person@example.com', phone: '+4915199988877' };
  const token = signToken(auth, { ...customer, role: 'customer' });
  const placed = await call('POST', `${api}/orders`, {
    headers: { authorization: `Bearer ${token}` },
    body: { items: [{ sku: 'KB-001', quantity: 1 }] },
  });
  const { orderId } = json<{ orderId: string }>(placed, [202]);
  await new PatientClient(api, tokens).readUntil(orderId, (o) => o.status === 'AWAITING_PAYMENT');
  const workflowId = `order-${orderId}`;
  log(`order ${orderId} awaits payment; its run is ${workflowId}`);

  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  // What the UI asks of the codec server, and what it gets: the first thing to read when this fails.
  page.on('requestfailed', (r) => {
    if (r.url().includes('/codec'))
      log(`codec request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  const answered = new Map<string, number>();
  page.on('response', (r) => {
    if (!r.url().includes('/codec/')) return;
    const key = `${r.request().method()} ${new URL(r.url()).pathname} → ${r.status()}`;
    answered.set(key, (answered.get(key) ?? 0) + 1);
  });
  const codecAnswers = () => {
    const text = [...answered].map(([k, n]) => `${n} × ${k}`).join(', ');
    answered.clear();
    return text || 'none';
  };
  page.on('console', (m) => {
    if (m.type() === 'error') log(`page error: ${m.text().slice(0, 200)}`);
  });
  // The operator's codec settings in the UI (the glasses icon: "Use my browser setting", the same
  // endpoint, "Include cross-origin credentials"): the UI honours its own credentials switch only
  // with a browser setting, so the codec requests then carry the session cookie.
  await page.goto(ui, { waitUntil: 'domcontentloaded' });
  const settings = {
    overrideRemoteCodecConfiguration: true,
    endpoint: `${api}/codec`,
    includeCredentials: true,
  };
  await page.evaluate(
    `for (const [k, v] of Object.entries(${JSON.stringify(settings)})) localStorage.setItem(k, JSON.stringify(v))`,
  );

  const failures: string[] = [];
  const before = await workflowPage(page, ui, workflowId, join(shots, 'web-ui-signed-out.png'));
  for (const secret of [customer.email, customer.phone]) {
    if (before.includes(secret)) failures.push(`signed out, the page shows ${secret}`);
  }
  log(
    `signed out: the page ${before.includes(customer.email) ? 'shows' : 'does not show'} the email (codec: ${codecAnswers()})`,
  );

  await page.goto(`${api}/codec/login#${tokens.support.slice('Bearer '.length)}`);
  await page.waitForFunction("document.getElementById('status').textContent !== ''", { timeout: 10_000 });
  const status = (await page.evaluate("document.getElementById('status').textContent")) as string;
  log(`codec sign-in as support: ${status}`);
  if (!status.startsWith('Signed in')) failures.push(`sign-in refused: ${status}`);

  const after = await workflowPage(page, ui, workflowId, join(shots, 'web-ui-signed-in.png'));
  for (const secret of [customer.email, customer.phone]) {
    if (!after.includes(secret)) failures.push(`signed in, the page does not show ${secret}`);
  }
  log(
    `signed in: the page ${after.includes(customer.email) ? 'shows' : 'does not show'} the email and phone (codec: ${codecAnswers()})`,
  );
  return failures;
}

async function main(): Promise<void> {
  const { data, env, config, workerPorts, apiOpsPort } = await stackEnvironment('web-ui');
  let stack: Stack | null = null;
  let browser: Browser | null = null;
  try {
    stack = await startReadyStack(config, {
      env,
      workerPorts,
      apiOpsPort,
      // `--cluster`: the Web UI server built from the Go module proxy, pointed at the cluster.
      topology: process.argv.includes('--cluster') ? 'cluster' : 'dev',
      onUnexpectedExit: () => undefined,
    });
    browser = await puppeteer.launch({ executablePath: chromePath(), args: ['--no-sandbox'] });
    const failures = await check(stack, browser, data);
    log(`screenshots: ${join(data, 'web-ui-signed-out.png')}, ${join(data, 'web-ui-signed-in.png')}`);
    if (failures.length > 0) throw new Error(failures.join('; '));
    log('ok: ciphertext without the codec session, the customer’s contact with it');
  } finally {
    await browser?.close();
    await stack?.stop();
    if (!process.argv.includes('--keep')) rmSync(join(data, 'temporal.db'), { force: true });
  }
}

main().catch((err: unknown) => {
  console.error('[web-ui] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
