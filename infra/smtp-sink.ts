import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface ReceivedMail {
  id: number;
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  receivedAt: string;
}

export interface SmtpSink {
  smtpUrl: string;
  mailboxUrl: string | null;
  messages: () => ReceivedMail[];
  /** refuse recipients matching this with 550 (a mailbox that does not exist); null accepts all again */
  refuse: (recipients: RegExp | null) => void;
  stop: () => Promise<void>;
}

const addresses = (a: unknown): string[] => {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list.flatMap((x: { value?: { address?: string }[] }) => (x.value ?? []).map((v) => v.address ?? ''));
};

/**
 * A local SMTP server that accepts every message and keeps it in memory, with a small HTTP mailbox
 * (`GET /messages` as JSON) so people and tests can read what was sent. Loopback only.
 */
export async function startSmtpSink(opts: {
  smtpPort: number;
  mailboxPort?: number;
  maxMessages?: number;
}): Promise<SmtpSink> {
  const inbox: ReceivedMail[] = [];
  const max = opts.maxMessages ?? 10_000;
  let nextId = 1;
  let refused: RegExp | null = null;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (refused?.test(address.address)) {
        return callback(
          Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: 550 }),
        );
      }
      return callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          inbox.push({
            id: nextId++,
            messageId: mail.messageId ?? null,
            from: addresses(mail.from)[0] ?? '',
            to: addresses(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : null,
            receivedAt: new Date().toISOString(),
          });
          if (inbox.length > max) inbox.shift();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(opts.smtpPort, '127.0.0.1', () => resolve());
  });
  let http: Server | null = null;
  if (opts.mailboxPort !== undefined) {
    http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://mailbox');
      if (req.method === 'GET' && (url.pathname === '/messages' || url.pathname === '/')) {
        const to = url.searchParams.get('to');
        const list = to ? inbox.filter((m) => m.to.includes(to)) : inbox;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ count: list.length, messages: list }, null, 2));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404 }));
    });
    const server = http;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.mailboxPort, '127.0.0.1', () => resolve());
    });
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${opts.smtpPort}`,
    mailboxUrl: opts.mailboxPort !== undefined ? `http://127.0.0.1:${opts.mailboxPort}/messages` : null,
    messages: () => [...inbox],
    refuse: (recipients) => {
      refused = recipients;
    },
    stop: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      if (http) {
        const server = http;
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    },
  };
}
