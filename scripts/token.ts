import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { signToken } from '../api/auth/tokens';
import { ROLES, type Role } from '../api/auth/principal';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The customer `npm start` prints a token for. */
export const DEMO_CUSTOMER = { sub: 'c-1', email: 'ada@example.com', phone: '+4915112345678' };

const USAGE = `npm run token -- --sub <id> --role customer|support|admin [--email a@b.c] [--phone +49…] [--ttl 1h]

Prints a bearer token signed with the local stack's secret (AUTH_JWT_SECRET, else the one npm start
keeps in DATA_DIR/token-secret). A customer's notices go to its --email and --phone.`;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

function main(argv: string[]): string {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      phone: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  const role = values.role as Role;
  if (!values.sub || !ROLES.includes(role)) throw new Error(USAGE);
  const ttl = /^(\d+)([mhd])$/.exec(values.ttl ?? '');
  if (!ttl) throw new Error(`--ttl must be minutes, hours or days such as 30m, 1h, 7d\n\n${USAGE}`);
  const env = { ...process.env };
  const config = loadConfig(env);
  const secretFile = join(config.dataDir, 'token-secret');
  if (!config.auth && existsSync(secretFile)) env.AUTH_JWT_SECRET = readFileSync(secretFile, 'utf8').trim();
  const auth = loadConfig(env).auth;
  if (!auth) throw new Error('no AUTH_JWT_SECRET, and no local stack has made one yet: run npm start first');
  const email = values.email ?? (role === 'customer' ? `${values.sub}@example.test` : undefined);
  return signToken(auth, {
    sub: values.sub,
    role,
    email,
    phone: values.phone,
    ttlMs: Number(ttl[1]) * (UNIT_MS[ttl[2] as string] as number),
  });
}

if (require.main === module) {
  try {
    console.log(main(process.argv.slice(2)));
  } catch (err) {
    console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
    process.exit(2);
  }
}
