import { ConfigError, loadConfig, redact, type Config } from '../config';
import { startStack, type Stack } from '../infra/stack';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPayloadKeys, newPayloadKeys } from '../infra/payload-codec';

/**
 * `npm start`: the whole system on 127.0.0.1 (see infra/stack.ts). State lives under DATA_DIR and
 * survives a restart. Ctrl-C / SIGTERM stops everything, newest first; if one of our processes dies
 * on its own, the stack stops rather than half-working.
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
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  console.log(`starting the stack (data in ${config.dataDir})`);
  try {
    stack = await startStack(config, {
      env,
      onStarted: (p) => console.log(`  ✓ ${p.name.padEnd(17)} ${redact(p.url)}`),
      onUnexpectedExit: (name, how) => {
        if (stopping) return;
        console.error(`${name} exited (${how}); see its log in ${config.dataDir}/logs`);
        void stopAll(1);
      },
    });
    const mailbox = stack.sink?.mailboxUrl ?? `(external SMTP ${redact(config.smtpUrl ?? '')})`;
    console.log(`
  API               ${stack.apiUrl}
  Temporal Web UI   ${stack.temporalUiUrl}
  Temporal gRPC     ${config.temporalAddress}
  Mailbox           ${mailbox}
  Logs              ${stack.logsDir}
ready. Ctrl-C stops everything.`);
  } catch (err) {
    console.error('start-up failed:', err instanceof Error ? err.message : err);
    await stopAll(1);
  }
}

/**
 * A local stack's payload key, unless PAYLOAD_KEYS is set: made on the first start and kept beside the
 * data (mode 0600), since the histories written under it must stay readable after a restart.
 */
function withLocalPayloadKeys(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const config = loadConfig(env);
  if (config.payloadKeys) return env;
  const file = join(config.dataDir, 'payload-keys');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, formatPayloadKeys(newPayloadKeys('local-1')), { mode: 0o600 });
  }
  return { ...env, PAYLOAD_KEYS: readFileSync(file, 'utf8').trim() };
}

try {
  const env = withLocalPayloadKeys(process.env);
  void main(loadConfig(env), env);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
