import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/**
 * One process's tracing: its spans (service name `service`) go through `processor` to an exporter.
 * The Temporal interceptors carry the trace in the headers of every workflow start, Update, activity
 * and child start, so one order is one trace across the API and every worker.
 */
export interface Tracing {
  service: string;
  tracer: Tracer;
  resource: Resource;
  processor: SpanProcessor;
  /** sends what is buffered (tests read their exporter after it) */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The process-wide parts OpenTelemetry needs to follow a request through `await`s and into Temporal
 * headers (AsyncLocalStorage, W3C trace context); set once, whatever the number of tracers.
 */
function installContextPropagation(): void {
  if (propagation.fields().length === 0) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // A second registration is refused by the API (it keeps the first), which is what we want.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/**
 * Tracing for `service` exporting to `exporter`: batched (OTLP), or one span at a time (`immediate`:
 * an in-memory exporter in tests).
 */
export function startTracing(
  service: string,
  exporter: SpanExporter,
  { immediate = false }: { immediate?: boolean } = {},
): Tracing {
  installContextPropagation();
  const resource = new Resource({ 'service.name': service });
  const processor = immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  return {
    service,
    tracer: provider.getTracer('order-saga'),
    resource,
    processor,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing to the OTLP/HTTP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT), or none. */
export function tracingTo(endpoint: string | undefined, service: string): Tracing | null {
  if (!endpoint) return null;
  return startTracing(service, new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }));
}

/** The id of the trace the caller runs in, for its log lines; undefined outside any. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** A Temporal client's interceptors: a workflow start or Update carries the caller's trace. */
export function clientTracing(tracing: Tracing | null): { workflow: WorkflowClientInterceptor[] } {
  return {
    workflow: tracing ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] : [],
  };
}

/**
 * The module of workflow interceptors that a traced worker's bundle includes: the package's own (its
 * `OpenTelemetryPlugin` bundles the same file). A path under lib/, since the package exports no
 * sandbox-safe entry (its root also loads the worker and plugin parts); the version is pinned in the
 * lock file, and the tracing test fails if the file moves.
 */
export const WORKFLOW_TRACING_MODULE =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** A traced worker's activity interceptor: each attempt a span under the workflow's. */
export function activityTracing(tracing: Tracing): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
}

/** A traced worker's sink, through which the workflow spans (made in the sandbox) leave it. */
export function workflowSpanSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) };
}
