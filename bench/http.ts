import { Agent, request } from 'node:http';

/** An HTTP answer, read whole. */
export interface Answer {
  status: number;
  text: string;
}

/**
 * The load client's connections, kept open between requests. The load runs on the machine it
 * measures, so its own cost counts: `fetch` (undici with web streams) took several times the CPU of
 * `node:http` per request in the bench process's profile.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

/** One request with an optional JSON body; resolves with the status and the body as text. */
export function call(
  method: 'GET' | 'POST',
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string | number> = { ...opts.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The body as JSON when the status is one of `expect`; otherwise an error with the status and body. */
export function json<T>(res: Answer, expect: number[]): T {
  if (!expect.includes(res.status)) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  return JSON.parse(res.text) as T;
}
