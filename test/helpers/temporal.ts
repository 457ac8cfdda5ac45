import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataConverter } from '@temporalio/common';
import type { PayloadKeys } from '../../infra/payload-codec';
import { binaries } from '../../stack/binaries';
import { DEV_SERVER_TUNING } from '../../stack/temporal';
import { CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL } from '../../workflows/search-attributes';
import { WORKFLOW_TRACING_MODULE } from '../../infra/tracing';
import { cacheDir } from './env';
import { freePort } from '../../stack/process';

/** Starts of a test server tried before a test gives up on it. */
const SERVER_START_ATTEMPTS = 3;

/**
 * `start`, tried again when the server did not answer within the SDK's fixed 5 s (it kills that
 * process first). Clean-clone CI runs had whole time-skipping suites fail that way. The error comes
 * from the native bridge, created outside jest's realm: it is not `instanceof Error` there, so it is
 * recognised by its message alone (a first version checked `instanceof` and never tried again).
 */
export async function startingAgain<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const message = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : '';
      if (!message.includes('did not start within') || attempt >= SERVER_START_ATTEMPTS) throw err;
    }
  }
}

/**
 * The time-skipping test server, from the binary scripts/setup.sh installed (no download), with our
 * custom search attributes registered through the operator service (the workflow upserts them). Its
 * port is one of `freePort`'s, below the kernel's ephemeral range: the SDK's own pick (binding port 0)
 * can be taken as the source port of another suite's outgoing connection before the server binds it.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await startingAgain(async () =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: {
        executable: { type: 'existing-path', path: binaries(cacheDir).temporalTestServer() },
        port: await freePort(),
      },
    }),
  );
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_DOUBLE: DOUBLE } =
    temporal.api.enums.v1.IndexedValueType;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: {
      [CUSTOMER_ID.name]: KEYWORD,
      [ORDER_STATUS.name]: KEYWORD,
      [ORDER_TOTAL.name]: DOUBLE,
    },
  });
  return env;
}

/**
 * The key ring the whole-stack tests encrypt payloads with, as a deployment would. A fixed key, not a
 * random one: the histories they record (`RECORD_HISTORIES=1`) are replayed by later test runs, which
 * must decrypt them (a random key per run made every re-recorded history unreadable to the replay test).
 */
export const TEST_PAYLOAD_KEYS: PayloadKeys = {
  activeId: 'test-1',
  keys: new Map([['test-1', Buffer.alloc(32, 0x5a)]]),
};

/**
 * The Temporal CLI dev server on a free port, in memory, with our search attributes registered; its
 * client encrypts payloads with `dataConverter` when given (the whole-stack tests do, as production).
 */
export function devServerEnv(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  return startingAgain(() => devServerOnce(dataConverter));
}

async function devServerOnce(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    client: { dataConverter },
    server: {
      executable: { type: 'existing-path', path: binaries(cacheDir).temporal() },
      ip: '127.0.0.1',
      port: await freePort(),
      searchAttributes: [CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL],
      extraArgs: DEV_SERVER_TUNING,
    },
  });
}

/** Warnings the tests provoke on purpose or that say nothing about the code under test. */
const EXPECTED_WARNINGS = [
  'heartbeat details may be lost', // the time-skipping server is older than the SDK expects
  'Activity not found on completion', // an activity outlived its timeout under load; it was retried
  'No workflows registered',
  'No activities registered',
  'notification failed', // tests that make the email fail
  'operator cancellation not taken', // tests that cancel a paid order's run
  'Activity failed', // tests that make activities fail and retry
];

let installed = false;
/**
 * Worker logs at WARN in tests, without the expected noise: a failing workflow task (which Temporal
 * retries forever, so a test would only time out) still shows. Runtime.install may run once per process.
 */
export function quietWorkerLogs(): void {
  if (installed) return;
  installed = true;
  const logger = new DefaultLogger('WARN', (entry) => {
    if (EXPECTED_WARNINGS.some((w) => entry.message.includes(w))) return;
    console.error(`[worker ${entry.level}] ${entry.message}`, entry.meta ?? '');
  });
  // Core (Rust) warnings are forwarded to the same filter instead of going straight to stderr.
  Runtime.install({
    logger,
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;
/** The workflow bundle, built once per test file instead of once per worker. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

let tracedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflows bundled with the tracing interceptors, as a traced worker bundles them itself. */
export function tracedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  tracedBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    logger: new DefaultLogger('WARN'),
  });
  return tracedBundle;
}
