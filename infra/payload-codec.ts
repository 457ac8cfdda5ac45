import { randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal } from './aes-gcm';

/** The keys payloads are encrypted with, by id; new payloads use `activeId`, old ones their own. */
export interface PayloadKeys {
  activeId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const text = (s: string) => new TextEncoder().encode(s);
const decodeText = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/**
 * Encrypts every payload Temporal stores (workflow and activity inputs and results, Update arguments,
 * query answers) with AES-256-GCM: the whole payload, its metadata included, becomes the ciphertext of
 * a new payload that names only its encoding and its key id. Anyone who reads a history without the key
 * sees that and nothing else. A payload that is not encrypted (written before the codec) passes as is.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyring: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keyring.activeId;
    const key = this.key(id);
    return payloads.map((payload) => ({
      metadata: { encoding: text(ENCODING), [KEY_ID]: text(id) },
      data: seal(key, temporal.api.common.v1.Payload.encode(payload).finish()),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (decodeText(payload.metadata?.encoding) !== ENCODING) return payload;
      const key = this.key(decodeText(payload.metadata?.[KEY_ID]) ?? '');
      return temporal.api.common.v1.Payload.decode(open(key, Buffer.from(payload.data ?? new Uint8Array())));
    });
  }

  private key(id: string): Buffer {
    const key = this.keyring.keys.get(id);
    if (!key) throw new Error(`no payload key with id ${JSON.stringify(id)}`);
    return key;
  }
}

/** The data converter of every client and worker: payloads encrypted when keys are given. */
export const dataConverterFor = (keys: PayloadKeys | undefined): DataConverter =>
  keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys)] } : {};

/** A fresh key ring of one random key (tests, and a local stack's first start). */
export const newPayloadKeys = (id = 'k1'): PayloadKeys => ({
  activeId: id,
  keys: new Map([[id, randomBytes(32)]]),
});

/** `id:base64key,id:base64key`, the form `PAYLOAD_KEYS` takes. */
export const formatPayloadKeys = (keys: PayloadKeys): string =>
  [...keys.keys].map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');
