import type { WorkerOptions } from '@temporalio/worker';
import type { Metrics } from '../infra/metrics';
import { activityTracing, WORKFLOW_TRACING_MODULE, workflowSpanSinks, type Tracing } from '../infra/tracing';
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
  const { metrics, tracing, workflows } = deps;
  const activity = [
    ...(metrics ? [countActivityFailures(metrics)] : []),
    ...(tracing ? [activityTracing(tracing)] : []),
  ];
  if (!tracing || !workflows) return { interceptors: { activity } };
  return {
    interceptors: { activity, workflowModules: [WORKFLOW_TRACING_MODULE] },
    sinks: workflowSpanSinks(tracing),
  };
}
