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
  /** what was received, oldest first (each message is parsed the first time it is asked for) */
  messages: () => Promise<ReceivedMail[]>;
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
  // Kept as received; parsed when someone reads the mailbox, not on the way in: the sink is on the
  // saga's path, and parsing every message as it arrived was a tenth of the benchmark process's CPU.
  const inbox: { id: number; raw: Buffer; receivedAt: string; parsed?: Promise<ReceivedMail> }[] = [];
  const max = opts.maxMessages ?? 10_000;
  let nextId = 1;
  let refused: RegExp | null = null;
  const parse = (m: (typeof inbox)[number]): Promise<ReceivedMail> =>
    (m.parsed ??= simpleParser(m.raw).then(
      (mail) => ({
        id: m.id,
        messageId: mail.messageId ?? null,
        from: addresses(mail.from)[0] ?? '',
        to: addresses(mail.to),
        subject: mail.subject ?? '',
        text: mail.text ?? '',
        html: typeof mail.html === 'string' ? mail.html : null,
        receivedAt: m.receivedAt,
      }),
      (err: Error) => ({
        id: m.id,
        messageId: null,
        from: '',
        to: [],
        subject: `(unreadable message: ${err.message})`,
        text: m.raw.toString('utf8'),
        html: null,
        receivedAt: m.receivedAt,
      }),
    ));
  const messages = () => Promise.all(inbox.map(parse));
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
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        inbox.push({ id: nextId++, raw: Buffer.concat(chunks), receivedAt: new Date().toISOString() });
        if (inbox.length > max) inbox.shift();
        callback();
      });
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
        void messages().then((all) => {
          const list = to ? all.filter((m) => m.to.includes(to)) : all;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ count: list.length, messages: list }, null, 2));
        });
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
    messages,
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
