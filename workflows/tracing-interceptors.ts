import type { WorkflowInterceptors } from '@temporalio/workflow';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';

/**
 * Not a workflow: the interceptors a traced worker bundles with the workflows (`workerTracing`). A run
 * continues the trace its start carried; its activities, child starts and Update handlers are spans
 * under it, exported through the worker's `exporter` sink (the sandbox has no network).
 */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
