import { ApplicationFailure } from '@temporalio/common';

/** One text message to one phone number; `reference` is stable per (order, notification). */
export interface SmsMessage {
  to: string;
  text: string;
  reference: string;
}

/** Where SMS go: an HTTP gateway in production, the log in development. */
export interface SmsProvider {
  send(message: SmsMessage): Promise<void>;
}

/** `+4915112345678` → `+49*********678`: enough to tell numbers apart in a log, not to call one. */
export const maskPhone = (phone: string): string =>
  phone.length <= 6 ? '***' : `${phone.slice(0, 3)}${'*'.repeat(phone.length - 6)}${phone.slice(-3)}`;

/**
 * Writes each message to the log (masked number, no text): for development and tests. It keeps the
 * last `keep` messages (100) for a test to read, no more: it is the default provider, and a saga worker
 * holding every SMS it ever sent, numbers included, grew without bound.
 */
export class LogSmsProvider implements SmsProvider {
  readonly sent: SmsMessage[] = [];
  constructor(
    private readonly log: (line: Record<string, unknown>) => void,
    private readonly keep = 100,
  ) {}
  send(message: SmsMessage): Promise<void> {
    this.sent.push(message);
    if (this.sent.length > this.keep) this.sent.splice(0, this.sent.length - this.keep);
    this.log({ msg: 'sms sent (log provider)', to: maskPhone(message.to), reference: message.reference });
    return Promise.resolve();
  }
}

/**
 * POSTs `{ to, text, reference }` as JSON to a gateway (Bearer token if given). 2xx is sent; 408, 429,
 * 5xx and network errors are thrown to be retried; any other answer is a non-retryable SMS_REFUSED.
 * The gateway may use `reference` to recognise a retried message.
 */
export class HttpSmsProvider implements SmsProvider {
  constructor(
    private readonly url: string,
    private readonly options: { token?: string; timeoutMs: number },
  ) {}

  async send(message: SmsMessage): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      body: JSON.stringify(message),
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    await res.body?.cancel();
    if (res.ok) return;
    const detail = `SMS gateway answered ${res.status}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Error(detail);
    throw ApplicationFailure.nonRetryable(detail, 'SMS_REFUSED');
  }
}
