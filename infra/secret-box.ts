import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PayloadKeys } from './payload-codec';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets kept at rest (webhook signing secrets) sealed with AES-256-GCM under the payload key ring:
 * `sealed:v1:<key id>:<base64 of iv, ciphertext, tag>`. A value stored before sealing (no prefix) opens
 * as it is; without keys (a deployment that has none) values are stored clear, as before.
 */
export class SecretBox {
  constructor(private readonly keyring: PayloadKeys | undefined) {}

  seal(secret: string): string {
    if (!this.keyring) return secret;
    const id = this.keyring.activeId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(id), iv);
    cipher.setAAD(Buffer.from(id));
    const sealed = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${id}:${sealed.toString('base64')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [id = '', data = ''] = stored.slice(PREFIX.length).split(':');
    const sealed = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key(id), sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }

  private key(id: string): Buffer {
    const key = this.keyring?.keys.get(id);
    if (!key) throw new Error(`no key with id ${JSON.stringify(id)} to open a sealed secret`);
    return key;
  }
}
