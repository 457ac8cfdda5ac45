import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric name this code exports (the dashboard test checks its queries against these). */
export const METRIC_NAMES = {
  httpDuration: 'http_request_duration_seconds',
  ordersPlaced: 'orders_placed_total',
  ordersFinished: 'orders_finished_total',
  sagaDuration: 'saga_duration_seconds',
  activityFailures: 'activity_failures_total',
  projectionLag: 'projection_lag_seconds',
  webhookDeliveries: 'webhook_deliveries_total',
  deadLettersOpen: 'dead_letters_open',
} as const;

/**
 * Metrics the Temporal SDK's own Prometheus exporter serves on each worker's SDK_METRICS_PORT (read
 * from a running worker's /metrics; the dashboard may use these too).
 */
export const SDK_METRICS = {
  histograms: [
    'temporal_activity_execution_latency',
    'temporal_activity_schedule_to_start_latency',
    'temporal_activity_succeed_endtoend_latency',
    'temporal_long_request_latency',
    'temporal_request_latency',
    'temporal_workflow_task_execution_latency',
    'temporal_workflow_task_replay_latency',
    'temporal_workflow_task_schedule_to_start_latency',
  ],
  others: [
    'temporal_activity_task_received',
    'temporal_long_request',
    'temporal_num_pollers',
    'temporal_request',
    'temporal_sticky_cache_hit',
    'temporal_sticky_cache_size',
    'temporal_worker_start',
    'temporal_worker_task_slots_available',
    'temporal_worker_task_slots_used',
    'temporal_workflow_task_queue_poll_succeed',
  ],
} as const;

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The metrics of one process, in a registry of its own (no global state), with Node's default
 * metrics and a `service` label. Each process moves the ones that concern it.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: METRIC_NAMES.httpDuration,
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: SECONDS,
      registers,
    }),
    ordersPlaced: new Counter({
      name: METRIC_NAMES.ordersPlaced,
      help: 'orders placed (OrderPlaced projected)',
      registers,
    }),
    ordersFinished: new Counter({
      name: METRIC_NAMES.ordersFinished,
      help: 'orders that reached a final status',
      labelNames: ['status'] as const,
      registers,
    }),
    sagaDuration: new Histogram({
      name: METRIC_NAMES.sagaDuration,
      help: 'from OrderPlaced to the final event, by final status',
      labelNames: ['status'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400, 172_800],
      registers,
    }),
    activityFailures: new Counter({
      name: METRIC_NAMES.activityFailures,
      help: 'activity attempts that failed, by activity and error type',
      labelNames: ['activity', 'error_type'] as const,
      registers,
    }),
    projectionLag: new Histogram({
      name: METRIC_NAMES.projectionLag,
      help: 'from an event happening to its projection',
      labelNames: ['event_type'] as const,
      buckets: [...SECONDS, 30, 60],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: METRIC_NAMES.webhookDeliveries,
      help: 'webhook delivery attempts by outcome (delivered, retry, permanent)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    /** set on each scrape by the process that can count them */
    deadLettersOpen: (count: () => Promise<number>) =>
      new Gauge({
        name: METRIC_NAMES.deadLettersOpen,
        help: 'dead letters waiting for an operator',
        registers,
        async collect() {
          this.set(await count());
        },
      }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
