import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import nodemailer from 'nodemailer';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { Config } from '../config';
import { serviceUrls } from '../config';
import { dataConverterFor } from '../infra/payload-codec';
import { clientTracing, type Tracing } from '../infra/tracing';

/** Clients are created only by entry points (and tests), then injected. */
export async function connectMongo(config: Config): Promise<MongoClient> {
  const client = new MongoClient(serviceUrls(config).mongodb, {
    serverSelectionTimeoutMS: 10_000,
    // A store that stops answering fails the operation after this (the activity retries it), instead of
    // holding it, and the worker's activity slot, for ever; the same bound on opening a connection (the
    // retry's handshake would otherwise wait the driver's 30 s).
    socketTimeoutMS: config.mongoSocketTimeoutMs,
    connectTimeoutMS: config.mongoSocketTimeoutMs,
    maxPoolSize: 50,
  });
  await client.connect();
  return client;
}

/**
 * How every process (client or worker) reaches Temporal: the address, and TLS with the configured CA,
 * client certificate and server name, read from their files now (a renewed certificate is used from
 * the next connect), and the API key. The same options suit `Connection` and `NativeConnection`.
 */
export function temporalConnectionOptions(
  config: Pick<Config, 'temporalAddress' | 'temporalTls' | 'temporalApiKey'>,
): { address: string; tls?: TLSConfig; apiKey?: string } {
  const { temporalAddress: address, temporalTls: tls, temporalApiKey: apiKey } = config;
  if (!tls) return { address };
  const read = (path: string) => readFileSync(path);
  return {
    address,
    tls: {
      ...(tls.caPath ? { serverRootCACertificate: read(tls.caPath) } : {}),
      ...(tls.client
        ? { clientCertPair: { crt: read(tls.client.certPath), key: read(tls.client.keyPath) } }
        : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    },
    ...(apiKey ? { apiKey } : {}),
  };
}

/** A Temporal client of the configured namespace, payloads through the codec; close its connection. */
export async function connectTemporal(
  config: Config,
  tracing: Tracing | null = null,
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({
    connection,
    namespace: config.temporalNamespace,
    dataConverter: dataConverterFor(config.payloadKeys),
    // A workflow started or updated inside a traced request or activity continues its trace.
    interceptors: clientTracing(tracing),
  });
  return { client, connection };
}

export function connectRedis(url: string): Redis {
  return new Redis(url, {
    // Fail fast when Redis is down so that readers fall back instead of queueing forever.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
}

/** A pooled SMTP transport: a few kept-open connections instead of one handshake per email. */
export function createMailer(smtpUrl: string) {
  // Bounded waits (nodemailer's own are minutes): an attempt that hangs fails well inside the
  // notification's 30 s per attempt, and the saga retries it.
  return nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}
