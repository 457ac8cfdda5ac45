import nodemailer from 'nodemailer';
import { freePort } from './process';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

/** The dev stack's SMTP sink, over real SMTP (nodemailer) and its HTTP mailbox. */
describe('SMTP sink', () => {
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink({ smtpPort: await freePort(), mailboxPort: await freePort(), maxMessages: 2 });
  });
  afterAll(() => sink.stop());

  const send = (to: string, subject: string) =>
    nodemailer.createTransport({ url: sink.smtpUrl }).sendMail({
      from: 'orders@example.com',
      to,
      subject,
      text: 'Total: 9,00 €',
      html: '<p>Total: 9,00 €</p>',
      messageId: `<${subject}@orders.local>`,
    });

  test('given messages sent, then the mailbox shows them parsed, the oldest dropped past its size', async () => {
    await send('ada@example.com', 'first');
    await send('ada@example.com', 'second');
    await send('grace@example.com', 'Größe');
    const messages = await sink.messages();
    expect(messages.map((m) => m.subject)).toEqual(['second', 'Größe']);
    expect(messages[1]).toMatchObject({
      messageId: '<Größe@orders.local>',
      from: 'orders@example.com',
      to: ['grace@example.com'],
      text: 'Total: 9,00 €',
      html: '<p>Total: 9,00 €</p>',
    });
    const res = await fetch(`${sink.mailboxUrl}?to=grace@example.com`);
    expect(await res.json()).toMatchObject({ count: 1, messages: [{ subject: 'Größe' }] });
  });

  test('given a refused recipient, then the send fails with 550 and nothing is kept', async () => {
    const before = (await sink.messages()).length;
    sink.refuse(/^bounce@/);
    await expect(send('bounce@example.com', 'refused')).rejects.toMatchObject({ responseCode: 550 });
    sink.refuse(null);
    expect(await sink.messages()).toHaveLength(before);
  });
});
