import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries } from './binaries';
import { canConnect, spawnService, stopChild, waitFor } from './process';

/** A message as the mailbox lists it. */
export interface MailSummary {
  /** Mailpit's id, for `message(id)` */
  id: string;
  /** the Message-ID header, without its angle brackets (as Mailpit gives it) */
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  receivedAt: string;
}

/** A message's parts. */
export interface MailBody extends MailSummary {
  text: string;
  html: string;
}

/** The local mailbox: SMTP in, a web UI and an API out, messages kept across restarts. */
export interface Mailbox {
  smtpUrl: string;
  /** its web UI */
  url: string;
  /** every message received, oldest first */
  messages(): Promise<MailSummary[]>;
  message(id: string): Promise<MailBody>;
  /**
   * From now on, refuse (550) every recipient whose address does not match `pattern` (RE2, as Mailpit
   * reads it): a mailbox that does not exist. `null` accepts every recipient again. Mailpit takes it
   * at start, so it restarts, keeping its messages.
   */
  acceptOnly(pattern: string | null): Promise<void>;
  /** Mailpit's process, while it runs */
  child(): ChildProcess | null;
  stop(): Promise<void>;
}

export interface MailboxOptions {
  cacheDir: string;
  dataDir: string;
  smtpPort: number;
  uiPort: number;
}

interface ApiAddress {
  Address: string;
}

interface ApiSummary {
  ID: string;
  MessageID: string;
  From: ApiAddress | null;
  To: ApiAddress[] | null;
  Subject: string;
  Created: string;
}

const PAGE = 1000;

const summaryOf = (m: ApiSummary & { Date?: string }): MailSummary => ({
  id: m.ID,
  messageId: m.MessageID,
  from: m.From?.Address ?? '',
  to: (m.To ?? []).map((a) => a.Address),
  subject: m.Subject,
  receivedAt: m.Created ?? m.Date ?? '',
});

/**
 * Mailpit (built by setup.sh from the Go module proxy), on loopback: SMTP on `smtpPort`, the web UI and
 * its API on `uiPort`, the messages in a SQLite file under the data folder, no limit on how many.
 */
export async function startMailpit(opts: MailboxOptions): Promise<Mailbox> {
  const dir = join(opts.dataDir, 'mailpit');
  mkdirSync(dir, { recursive: true });
  const api = `http://127.0.0.1:${opts.uiPort}/api/v1`;
  let accepting: string | null = null;
  let child: ChildProcess | null = null;

  const boot = async () => {
    const service = await spawnService({
      name: 'mailpit',
      command: binaries(opts.cacheDir).mailpit(),
      args: [
        '--listen',
        `127.0.0.1:${opts.uiPort}`,
        '--smtp',
        `127.0.0.1:${opts.smtpPort}`,
        '--smtp-disable-rdns',
        '--database',
        join(dir, 'mailpit.db'),
        '--max',
        '0',
        '--disable-version-check',
        '--quiet',
        ...(accepting === null ? [] : ['--smtp-allowed-recipients', accepting]),
      ],
      port: opts.uiPort,
      url: `http://127.0.0.1:${opts.uiPort}/`,
      logFile: join(opts.dataDir, 'logs', 'mailpit.log'),
    });
    await waitFor(`mailpit's SMTP on port ${opts.smtpPort}`, () => canConnect(opts.smtpPort, '127.0.0.1'));
    child = service.child;
  };

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${api}${path}`);
    if (!res.ok) throw new Error(`mailpit ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (running) await stopChild(running);
  };

  await boot();
  return {
    smtpUrl: `smtp://127.0.0.1:${opts.smtpPort}`,
    url: `http://127.0.0.1:${opts.uiPort}/`,
    async messages() {
      const all: MailSummary[] = [];
      for (let start = 0; ; start += PAGE) {
        const page = await get<{ messages: ApiSummary[]; total: number }>(
          `/messages?start=${start}&limit=${PAGE}`,
        );
        all.push(...page.messages.map(summaryOf));
        if (page.messages.length < PAGE) break;
      }
      // Mailpit lists the newest first
      return all.reverse();
    },
    async message(id) {
      const m = await get<ApiSummary & { Date: string; Text: string; HTML: string }>(`/message/${id}`);
      return { ...summaryOf(m), text: m.Text, html: m.HTML };
    },
    async acceptOnly(pattern) {
      accepting = pattern;
      await stop();
      await boot();
    },
    child: () => child,
    stop,
  };
}
