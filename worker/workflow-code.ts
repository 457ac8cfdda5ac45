import type { WorkerOptions } from '@temporalio/worker';

/** The workflow code of a worker: a prebuilt bundle (tests build one per file) or `workflows/` bundled here. */
export const workflowCode = (
  bundle: WorkerOptions['workflowBundle'] | undefined,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =>
  bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../workflows') };
