import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { HttpSmsProvider, LogSmsProvider, maskPhone } from './sms';

/** The HTTP SMS provider against a real gateway stand-in on 127.0.0.1. */
describe('SMS providers', () => {
  let server: Server;
  let url: string;
  let answer = 202;
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(answer).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const message = {
    to: '+4915112345678',
    text: 'Order o-1 confirmed.',
    reference: '<o-1.order-confirmed.sms@x>',
  };

  test('given a gateway that accepts, then the message and the token go as JSON', async () => {
    answer = 202;
    await new HttpSmsProvider(url, { token: 'tok-123456', timeoutMs: 2_000 }).send(message);
    const last = seen.at(-1);
    expect(JSON.parse(last?.body ?? '')).toEqual(message);
    expect(last?.headers.authorization).toBe('Bearer tok-123456');
    expect(last?.headers['content-type']).toBe('application/json');
  });

  test('given a gateway that is overloaded, then the error is retryable; a refusal is not', async () => {
    const provider = new HttpSmsProvider(url, { timeoutMs: 2_000 });
    answer = 503;
    const busy = await provider.send(message).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(Error);
    expect(busy).not.toBeInstanceOf(ApplicationFailure);
    answer = 400;
    const refused = await provider.send(message).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ type: 'SMS_REFUSED', nonRetryable: true });
  });

  test('given the log provider, then the number is masked and the text is not logged', async () => {
    const lines: Record<string, unknown>[] = [];
    await new LogSmsProvider((l) => lines.push(l)).send(message);
    expect(lines).toEqual([
      { msg: 'sms sent (log provider)', to: '+49********678', reference: message.reference },
    ]);
    expect(JSON.stringify(lines)).not.toContain(message.text);
    expect(maskPhone('+123')).toBe('***');
  });

  test('given a saga worker sending for a long time, then the log provider keeps only its last messages', async () => {
    const provider = new LogSmsProvider(() => undefined, 100);
    for (let i = 0; i < 1_000; i++) await provider.send({ ...message, reference: `r-${i}` });
    expect(provider.sent).toHaveLength(100);
    expect(provider.sent[0]?.reference).toBe('r-900');
    expect(provider.sent.at(-1)?.reference).toBe('r-999');
  });
});
