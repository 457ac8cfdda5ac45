import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, newPayloadKeys, type PayloadKeys } from './payload-codec';

const order = { customer: { id: 'c-1', email: 'ada@example.com', phone: '+4915112345678' } };
const plain = defaultPayloadConverter.toPayload(order);
const bytesOf = (p: { data?: Uint8Array | null }) =>
  Buffer.from(p.data ?? new Uint8Array()).toString('latin1');
const metaOf = (p: { metadata?: Record<string, Uint8Array> | null }) =>
  Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString()]));

describe('payload codec (AES-256-GCM, keys by id)', () => {
  const k1 = newPayloadKeys('k1');

  test('given a payload, when encoded, then it holds neither the data nor its encoding in clear, and decodes back to it', async () => {
    const codec = new AesGcmPayloadCodec(k1);
    const [sealed] = await codec.encode([plain]);
    expect(metaOf(sealed ?? {})).toEqual({ encoding: 'binary/encrypted', 'encryption-key-id': 'k1' });
    expect(bytesOf(sealed ?? {})).not.toContain('ada@example.com');
    expect(bytesOf(sealed ?? {})).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed ?? {}]);
    expect(defaultPayloadConverter.fromPayload(opened ?? {})).toEqual(order);
  });

  test('given the same payload twice, then the two ciphertexts differ (a fresh IV each time)', async () => {
    const codec = new AesGcmPayloadCodec(k1);
    const [a, b] = await codec.encode([plain, plain]);
    expect(bytesOf(a ?? {})).not.toBe(bytesOf(b ?? {}));
  });

  test('given a rotation to a new key, then new payloads use it and old ones still decode by their own id', async () => {
    const [old] = await new AesGcmPayloadCodec(k1).encode([plain]);
    const k2 = newPayloadKeys('k2');
    const rotated: PayloadKeys = { activeId: 'k2', keys: new Map([...k1.keys, ...k2.keys]) };
    const codec = new AesGcmPayloadCodec(rotated);
    const [fresh] = await codec.encode([plain]);
    expect(metaOf(fresh ?? {})['encryption-key-id']).toBe('k2');
    for (const p of await codec.decode([old ?? {}, fresh ?? {}])) {
      expect(defaultPayloadConverter.fromPayload(p)).toEqual(order);
    }
  });

  test('given a payload stored before encryption, then it decodes as it is', async () => {
    const [same] = await new AesGcmPayloadCodec(k1).decode([plain]);
    expect(same).toBe(plain);
  });

  test('given a tampered ciphertext or an unknown key id, then decoding fails rather than answering wrong data', async () => {
    const codec = new AesGcmPayloadCodec(k1);
    const [sealed] = await codec.encode([plain]);
    const data = Buffer.from(sealed?.data ?? new Uint8Array());
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toThrow();
    await expect(new AesGcmPayloadCodec(newPayloadKeys('other')).decode([sealed ?? {}])).rejects.toThrow(
      'no payload key with id "k1"',
    );
  });
});
