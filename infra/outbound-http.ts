import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Limits on every call this service makes to a URL someone else gave it. */
export interface OutboundPolicy {
  /** let targets on 127.0.0.0/8 and ::1 through (local use and tests); private and link-local never */
  allowLoopback: boolean;
  /** the whole call: connect, send, and read the answer */
  timeoutMs: number;
  /** bytes of the answer read at most; the rest is not waited for */
  maxResponseBytes: number;
}

/** The target is not one we send to: not http(s), or an address inside a private network. */
export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

/** null when the address may be called, else why not (`loopback`, `private`, `linkLocal`, …). */
export function refusedRange(address: string, policy: Pick<OutboundPolicy, 'allowLoopback'>): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const range = ipaddr.process(address).range();
  if (range === 'unicast') return null;
  if (range === 'loopback' && policy.allowLoopback) return null;
  return range;
}

/** Parses and checks the form of a target URL (no DNS). */
export function targetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TargetRefused(`must be http or https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.username || url.password) throw new TargetRefused('must not carry credentials');
  return url;
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
}

/**
 * Checks that the URL is http(s) and that every address its host resolves to may be called now.
 * The call itself checks again at connect time (a name may resolve differently a second later).
 */
export async function checkTarget(raw: string, policy: Pick<OutboundPolicy, 'allowLoopback'>): Promise<URL> {
  const url = targetUrl(raw);
  const host = bare(url.hostname);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookupAll(host)).map((a) => a.address);
    } catch {
      throw new TargetRefused(`host ${host} does not resolve`);
    }
  }
  for (const address of addresses) {
    const why = refusedRange(address, policy);
    if (why) throw new TargetRefused(`resolves to a ${why} address (${address}), which is not allowed`);
  }
  return url;
}

/** A DNS lookup for the HTTP agent that refuses to connect to a refused range (no rebinding around it). */
function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses;
      for (const a of list) {
        const why = refusedRange(a.address, policy);
        if (why) {
          return callback(new TargetRefused(`${hostname} resolves to a ${why} address`), '', 4);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** the first `maxResponseBytes` of the body */
  body: string;
  truncated: boolean;
}

/**
 * POSTs a body to a target URL under the policy: redirects are not followed, the whole call is bounded
 * by the timeout, at most `maxResponseBytes` of the answer are read. Throws TargetRefused for a refused
 * target and an Error for a network failure or a timeout.
 */
export async function postJson(
  raw: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
): Promise<OutboundResponse> {
  const url = targetUrl(raw);
  const host = bare(url.hostname);
  if (isIP(host)) {
    const why = refusedRange(host, policy);
    if (why) throw new TargetRefused(`${host} is a ${why} address, which is not allowed`);
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        lookup: guardedLookup(policy),
        signal: AbortSignal.timeout(policy.timeoutMs),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
          });
        res.on('data', (chunk: Buffer) => {
          const room = policy.maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, Math.max(0, room)));
            size = policy.maxResponseBytes;
            truncated = true;
            res.destroy();
            done();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', (err) => (truncated ? undefined : reject(err)));
      },
    );
    req.on('error', (err) => {
      if (err.name === 'AbortError' || err.name === 'TimeoutError') {
        reject(new Error(`no answer within ${policy.timeoutMs} ms`));
      } else reject(err instanceof TargetRefused ? err : new Error(describeNetworkError(err)));
    });
    req.end(body);
  });
}

function describeNetworkError(err: Error & { code?: string }): string {
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
