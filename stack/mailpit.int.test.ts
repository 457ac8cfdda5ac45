import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { cacheDir } from '../test/helpers/env';
import { startMailpit, type Mailbox } from './mailpit';
import { freePort } from './process';

/** The local mailbox (Mailpit), over real SMTP (nodemailer) and its API. */
describe('the local mailbox', () => {
  let mailbox: Mailbox;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mailpit-'));
    mailbox = await startMailpit({ cacheDir, dataDir, smtpPort: await freePort(), uiPort: await freePort() });
  });
  afterAll(async () => {
    await mailbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const send = (to: string, subject: string) =>
    nodemailer.createTransport({ url: mailbox.smtpUrl }).sendMail({
      from: 'orders@example.com',
      to,
      subject,
      text: 'Total: 9,00 €',
      html: '<p>Total: 9,00 €</p>',
      messageId: `<${subject}@orders.local>`,
    });

  test('given messages sent, then the mailbox lists them oldest first, each with its text and HTML', async () => {
    await send('ada@example.com', 'first');
    await send('grace@example.com', 'Größe');
    const messages = await mailbox.messages();
    expect(messages.map((m) => [m.subject, m.to])).toEqual([
      ['first', ['ada@example.com']],
      ['Größe', ['grace@example.com']],
    ]);
    const body = await mailbox.message(messages[1]?.id ?? '');
    expect(body).toMatchObject({
      messageId: 'Größe@orders.local',
      from: 'orders@example.com',
      text: 'Total: 9,00 €',
      html: '<p>Total: 9,00 €</p>',
    });
    // the web UI is there
    const ui = await fetch(mailbox.url);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('Mailpit');
  });

  test('given only some recipients accepted, then another is refused with 550; accepted again after; messages kept throughout', async () => {
    const before = (await mailbox.messages()).length;
    await mailbox.acceptOnly('@example\\.com$');
    await expect(send('bounce@bounces.example.net', 'refused')).rejects.toMatchObject({ responseCode: 550 });
    await send('ada@example.com', 'still accepted');
    await mailbox.acceptOnly(null);
    await send('bounce@bounces.example.net', 'accepted again');
    expect((await mailbox.messages()).map((m) => m.subject).slice(before)).toEqual([
      'still accepted',
      'accepted again',
    ]);
    expect(await mailbox.messages()).toHaveLength(before + 2);
  });
});
