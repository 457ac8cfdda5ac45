import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';

/** PEM files of a throw-away CA, a server certificate for `serverName` and a client certificate. */
export interface Certificates {
  dir: string;
  caPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** a client certificate signed by another CA, which the server must refuse */
  strangerCertPath: string;
  strangerKeyPath: string;
  remove(): void;
}

const openssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA (`name`) and a certificate it signs for `subject` (with `serverName` as its DNS name, if any). */
function issue(dir: string, ca: string, subject: string, serverName?: string): void {
  openssl(
    dir,
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${subject}.key`,
      '-out',
      `${subject}.csr`,
      '-subj',
      `/CN=${subject}`,
    ]),
  );
  const extensions = serverName ? `subjectAltName=DNS:${serverName}` : 'extendedKeyUsage=clientAuth';
  writeFileSync(join(dir, `${subject}.ext`), `${extensions}\n`);
  openssl(
    dir,
    ['x509', '-req', '-in', `${subject}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`].concat([
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${subject}.crt`,
      '-extfile',
      `${subject}.ext`,
    ]),
  );
}

function authority(dir: string, name: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ]),
  );
}

/** Certificates made with the system's `openssl` in a temporary folder; `remove()` deletes them. */
export function makeCertificates(serverName: string): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'order-saga-tls-'));
  authority(dir, 'ca');
  authority(dir, 'other-ca');
  issue(dir, 'ca', 'server', serverName);
  issue(dir, 'ca', 'client');
  issue(dir, 'other-ca', 'stranger');
  const path = (file: string) => join(dir, file);
  return {
    dir,
    caPath: path('ca.crt'),
    serverCertPath: path('server.crt'),
    serverKeyPath: path('server.key'),
    clientCertPath: path('client.crt'),
    clientKeyPath: path('client.key'),
    strangerCertPath: path('stranger.crt'),
    strangerKeyPath: path('stranger.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TLS front that asks every client for a certificate of `certs`' CA and passes gRPC on to `target`. */
export interface TlsFront {
  address: string;
  /** handshakes refused (no client certificate, or one of another CA) */
  refused: number;
  stop(): Promise<void>;
}

/**
 * mTLS in front of a plain gRPC server (the dev server speaks no TLS), as a TLS-terminating proxy in
 * front of Temporal's frontend does: HTTP/2 negotiated by ALPN, the bytes passed on unchanged.
 */
export async function startTlsFront(certs: Certificates, target: string): Promise<TlsFront> {
  const [host = '127.0.0.1', port = '0'] = target.split(':');
  const sockets = new Set<Socket>();
  const front: TlsFront = { address: '', refused: 0, stop: () => Promise.resolve() };
  const server: Server = createServer(
    {
      ca: readFileSync(certs.caPath),
      cert: readFileSync(certs.serverCertPath),
      key: readFileSync(certs.serverKeyPath),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      const upstream = connect(Number(port), host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    },
  );
  server.on('tlsClientError', () => front.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return front;
}
