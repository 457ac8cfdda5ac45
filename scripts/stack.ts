import { ConfigError, loadConfig, redact, type Config } from '../config';
import { startStack, type Stack } from '../infra/stack';

/**
 * `npm start`: the whole system on 127.0.0.1 (see infra/stack.ts). State lives under DATA_DIR and
 * survives a restart. Ctrl-C / SIGTERM stops everything, newest first; if one of our processes dies
 * on its own, the stack stops rather than half-working.
 */
async function main(config: Config): Promise<void> {
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
      env: process.env,
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

try {
  void main(loadConfig());
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
