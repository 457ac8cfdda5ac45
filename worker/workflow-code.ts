import type { WorkerOptions } from '@temporalio/worker';
import type { Metrics } from '../infra/metrics';
import { workerTracing, type Tracing } from '../infra/tracing';
import { countActivityFailures } from './ops';

/** The workflow code of a worker: a prebuilt bundle (tests build one per file) or `workflows/` bundled here. */
export const workflowCode = (
  bundle: WorkerOptions['workflowBundle'] | undefined,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =>
  bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../workflows') };

/**
 * A worker's interceptors and sinks: failed activity attempts counted (with metrics), and with tracing
 * the activity spans, and (for a worker with workflows) the workflow interceptors and their sink.
 */
export function workerInterceptors(deps: {
  metrics?: Metrics;
  tracing?: Tracing | null;
  workflows: boolean;
}): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const traced = workerTracing(deps.tracing);
  const activity = [
    ...(deps.metrics ? [countActivityFailures(deps.metrics)] : []),
    ...(traced.interceptors?.activity ?? []),
  ];
  return {
    interceptors: {
      activity,
      ...(deps.workflows ? { workflowModules: traced.interceptors?.workflowModules ?? [] } : {}),
    },
    ...(deps.workflows && traced.sinks ? { sinks: traced.sinks } : {}),
  };
}
