import type { WorkflowInterceptors } from '@temporalio/workflow';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
  // The package's workflow part: its root also loads the worker and plugin parts, which the sandbox
  // cannot (the path Temporal's own samples import).
} from '@temporalio/interceptors-opentelemetry/lib/workflow';

/**
 * Not a workflow: the interceptors a traced worker bundles with the workflows (`workerInterceptors`).
 * A run continues the trace its start carried; its activities, child starts and Update handlers are
 * spans under it, exported through the worker's `exporter` sink (the sandbox has no network).
 */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
