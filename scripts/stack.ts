import { ConfigError, loadConfig, redact, type Config } from '../config';
import { startStack, type PartName, type Stack, type Topology } from '../stack/stack';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { formatPayloadKeys, newPayloadKeys } from '../infra/payload-codec';
import { signToken } from '../api/auth/tokens';
import { DEMO_CUSTOMER } from './token';

/**
 * `npm start`: the whole system on 127.0.0.1 (see stack/stack.ts); `npm run start:cluster` (--cluster)
 * the production-shaped topology. State lives under DATA_DIR and survives a restart. Ctrl-C / SIGTERM
 * stops everything, newest first. If one of our processes dies on its own, the dev stack stops rather
 * than half-working; the cluster restarts it, its other replica carrying on meanwhile.
 */
async function main(config: Config, env: NodeJS.ProcessEnv): Promise<void> {
  let stack: Stack | null = null;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stack?.stop();
    process.exit(code);
  };
  const topology: Topology = process.argv.includes('--cluster') ? 'cluster' : 'dev';
  const restartReplica = async (name: PartName) => {
    await new Promise((r) => setTimeout(r, 1_000));
    if (stopping || !stack) return;
    await stack
      .part(name)
      .start()
      .then(
        () => console.log(`  ✓ ${name} restarted`),
        (err: unknown) => console.error(`${name} did not restart:`, err instanceof Error ? err.message : err),
      );
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  console.log(`starting the stack (data in ${config.dataDir})`);
  try {
    stack = await startStack(config, {
      env,
      topology,
      onStarted: (p) => console.log(`  ✓ ${p.name.padEnd(17)} ${redact(p.url)}`),
      onUnexpectedExit: (name, how) => {
        if (stopping) return;
        console.error(`${name} exited (${how}); see its log in ${config.dataDir}/logs`);
        // The cluster restarts a replica, as an orchestrator would, while the other one carries on.
        if (topology === 'cluster') void restartReplica(name as PartName);
        else void stopAll(1);
      },
    });
    const mailbox = stack.mailbox?.url ?? `(external SMTP ${redact(config.smtpUrl ?? '')})`;
    console.log(`
  API               ${stack.apiUrl}
  Temporal Web UI   ${stack.temporalUiUrl}
  Temporal gRPC     ${config.temporalAddress}
  Mailbox           ${mailbox}
  Logs              ${stack.logsDir}
${demoTokens(config, stack.apiUrl)}
ready. Ctrl-C stops everything.`);
  } catch (err) {
    console.error('start-up failed:', err instanceof Error ? err.message : err);
    await stopAll(1);
  }
}

/**
 * A local stack's secret of its own, made on the first start and kept beside the data (mode 0600):
 * the histories written under a payload key must stay readable after a restart, and tokens signed
 * with the token secret stay valid.
 */
function localSecret(config: Config, name: string, make: () => string): string {
  const file = join(config.dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, make(), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** PAYLOAD_KEYS and AUTH_JWT_SECRET when not given (an identity provider's AUTH_JWKS_URL is kept). */
function withLocalSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const config = loadConfig(env);
  const local = { ...env };
  if (!config.payloadKeys) {
    local.PAYLOAD_KEYS = localSecret(config, 'payload-keys', () =>
      formatPayloadKeys(newPayloadKeys('local-1')),
    );
  }
  if (!config.auth) {
    local.AUTH_JWT_SECRET = localSecret(config, 'token-secret', () => randomBytes(32).toString('base64url'));
  }
  return local;
}

/** A customer's and an admin's token, to try the API with (`npm run token` makes others). */
function demoTokens(config: Config, apiUrl: string): string {
  if (config.auth === undefined || !('secret' in config.auth.keys)) return '';
  const day = 24 * 3_600_000;
  const customer = signToken(config.auth, { ...DEMO_CUSTOMER, role: 'customer', ttlMs: day });
  const admin = signToken(config.auth, { sub: 'demo-admin', role: 'admin', ttlMs: day });
  const support = signToken(config.auth, { sub: 'demo-support', role: 'support', ttlMs: day });
  return `
  Demo tokens (24 h; export them to try the README's examples):
  export CUSTOMER_TOKEN=${customer}
  export ADMIN_TOKEN=${admin}
  Payloads in the Web UI, decoded for support (then the UI's codec settings, docs/security.md):
  ${apiUrl}/codec/login#${support}`;
}

try {
  const env = withLocalSecrets(process.env);
  void main(loadConfig(env), env);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
