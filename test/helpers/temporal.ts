import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { binaries } from '../../infra/binaries';
import { CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL } from '../../workflows/search-attributes';
import { cacheDir } from './env';

/**
 * The time-skipping test server, from the binary scripts/setup.sh installed (no download), with our
 * custom search attributes registered through the operator service (the workflow upserts them).
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binaries(cacheDir).temporalTestServer() } },
  });
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

/** The Temporal CLI dev server on a free port, in memory, with our search attributes registered. */
export function devServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binaries(cacheDir).temporal() },
      ip: '127.0.0.1',
      searchAttributes: [CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL],
    },
  });
}

let installed = false;
/** Worker logs at ERROR in tests (expected retries warn a lot); Runtime.install may run once per process. */
export function quietWorkerLogs(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
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
