import { open, seal } from './aes-gcm';
import type { PayloadKeys } from './payload-codec';

const PREFIX = 'sealed:v1:';

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
    const sealed = seal(this.key(id), Buffer.from(secret, 'utf8'), Buffer.from(id));
    return `${PREFIX}${id}:${sealed.toString('base64')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [id = '', data = ''] = stored.slice(PREFIX.length).split(':');
    return open(this.key(id), Buffer.from(data, 'base64'), Buffer.from(id)).toString('utf8');
  }

  private key(id: string): Buffer {
    const key = this.keyring?.keys.get(id);
    if (!key) throw new Error(`no key with id ${JSON.stringify(id)} to open a sealed secret`);
    return key;
  }
}
